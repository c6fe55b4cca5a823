print("p2ptui")
