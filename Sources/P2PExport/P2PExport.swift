// P2PExport
