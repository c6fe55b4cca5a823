// P2PTerminal
