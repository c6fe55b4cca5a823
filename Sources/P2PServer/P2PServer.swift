// P2PServer
