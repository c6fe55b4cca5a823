// P2PProbes
