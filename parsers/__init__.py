"""Parsers: one module per source family (installed as cmedebug.parsers)."""
