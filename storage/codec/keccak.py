"""Keccak-256 (the original Keccak padding Ethereum uses, not NIST SHA3-256).

hashlib has ``sha3_256`` but not Keccak-256: they differ only in the padding byte
(0x01 here, 0x06 for SHA-3). Used to derive Ethereum-style (eth_secp256k1) account
addresses: ``keccak256(X || Y)[12:]``. Pure Python, fine for the few keys per tx.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1

# round constants and rotation offsets of keccak-f[1600] (FIPS 202 §3.2)
_RC = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)
# _ROT[x + 5*y]
_ROT = (0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14)


def _rotl(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _MASK if n else v


def keccak_f1600(a: list[int]) -> None:
    """Permute the 25-lane state ``a`` (index x + 5*y) in place."""
    for rc in _RC:
        # θ
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl(c[(x + 1) % 5], 1) for x in range(5)]
        for i in range(25):
            a[i] ^= d[i % 5]
        # ρ and π: B[y, 2x+3y] = rot(A[x, y])
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl(a[x + 5 * y], _ROT[x + 5 * y])
        # χ
        for y in range(0, 25, 5):
            row = b[y:y + 5]
            for x in range(5):
                a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5])
        # ι
        a[0] ^= rc


def keccak(data: bytes, *, bits: int = 256, pad: int = 0x01) -> bytes:
    """Keccak sponge with capacity ``2*bits``; ``pad=0x06`` gives SHA-3."""
    rate = 200 - 2 * (bits // 8)
    msg = bytearray(data)
    msg.append(pad)
    msg.extend(b"\x00" * (-len(msg) % rate))
    msg[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        keccak_f1600(state)
    out = b"".join(lane.to_bytes(8, "little") for lane in state[: rate // 8])
    return out[: bits // 8]


def keccak256(data: bytes) -> bytes:
    return keccak(data, bits=256, pad=0x01)
