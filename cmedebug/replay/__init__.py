"""Replay a customer's case on the reference CME, and prove fixes there (design.md §8)."""
