"""The verbs of scripts/bench, one module each; common holds what they share."""
