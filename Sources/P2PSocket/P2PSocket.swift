// P2PSocket
