// P2PWizard
