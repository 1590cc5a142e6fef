"""Rules: one module per failure mode (installed as cmedebug.rules)."""
