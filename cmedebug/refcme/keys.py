"""Deterministic RSA key pairs for the reference CME.

``cryptography`` only generates keys from the operating system's random source,
which would make every run different. The reference CME therefore builds its
key pairs from primes drawn from a seeded ``random.Random`` and hands the numbers
to ``cryptography``, which checks them and does all the real RSA work. The same
seed and label give the same key, so certificates, trust lists and signatures
(PKCS#1 v1.5 is deterministic) come out byte-identical on every run.

These keys are for a test bench only: Mersenne Twister is not a secure source.
"""
from __future__ import annotations

import random
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import rsa

PUBLIC_EXPONENT = 65537
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


def _is_probable_prime(n: int, rng: random.Random, rounds: int = 24) -> bool:
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):  # Miller-Rabin
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random) -> int:
    while True:
        # top two bits set so that p*q has exactly 2*bits bits
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (candidate - 1) % PUBLIC_EXPONENT and _is_probable_prime(candidate, rng):
            return candidate


@lru_cache(maxsize=None)
def rsa_key(label: str, bits: int, seed: int = 0) -> rsa.RSAPrivateKey:
    """The key pair named ``label`` of ``bits`` bits for this seed (cached for the run)."""
    rng = random.Random(f"{seed}/{label}/{bits}")
    p = _prime(bits // 2, rng)
    q = _prime(bits // 2, rng)
    while q == p:
        q = _prime(bits // 2, rng)
    n = p * q
    d = pow(PUBLIC_EXPONENT, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(PUBLIC_EXPONENT, n)
    return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), public).private_key()
