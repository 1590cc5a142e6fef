"""The reference CME: a working Secure CME model on loopback that reproduces failing flows."""
