"""The two digests Cosmos addresses need beyond hashlib's sure ones, from pycryptodome.

- Keccak-256 (the original Keccak padding Ethereum uses, not NIST SHA3-256): Ethereum-style
  (eth_secp256k1) account addresses are ``keccak256(X || Y)[12:]``.
- RIPEMD-160: Cosmos secp256k1 addresses are ``ripemd160(sha256(key))``; hashlib has it only
  where OpenSSL still ships its legacy provider, so it is not relied on.
"""

from __future__ import annotations

from Crypto.Hash import RIPEMD160, keccak


def keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()


def ripemd160(data: bytes) -> bytes:
    return RIPEMD160.new(data).digest()
