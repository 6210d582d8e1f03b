"""Bech32 (BIP-173) as Cosmos uses it for addresses: ``hrp1`` + 5-bit data + checksum.

Cosmos addresses use the original bech32 checksum (not bech32m) and the SDK decodes
without BIP-173's 90-character limit (32-byte module/contract addresses are longer),
so ``decode`` takes a ``limit``. The HRP (``inj``, ``cosmosvaloper`` …) is chain data:
callers pass it, nothing here assumes one.
"""

from __future__ import annotations

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_REV = {c: i for i, c in enumerate(CHARSET)}
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)

#: what the Cosmos SDK accepts (types/bech32: DecodeNoLimit); BIP-173 says 90
COSMOS_LIMIT = 1023


class Bech32Error(ValueError):
    pass


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GEN[i]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _checksum(hrp: str, data: list[int]) -> list[int]:
    pm = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ 1
    return [(pm >> 5 * (5 - i)) & 31 for i in range(6)]


def convertbits(data: bytes | list[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or value >> frombits:
            raise Bech32Error(f"value {value} does not fit in {frombits} bits")
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise Bech32Error("invalid padding")
    return out


def encode_words(hrp: str, words: list[int]) -> str:
    if not hrp or any(not 33 <= ord(c) <= 126 for c in hrp):
        raise Bech32Error(f"invalid human-readable part {hrp!r}")
    if hrp.lower() != hrp and hrp.upper() != hrp:
        raise Bech32Error("mixed-case human-readable part")
    hrp = hrp.lower()
    return hrp + "1" + "".join(CHARSET[d] for d in words + _checksum(hrp, words))


def decode_words(text: str, limit: int = 90) -> tuple[str, list[int]]:
    """Split and verify a bech32 string → (hrp, 5-bit words without the checksum)."""
    if len(text) > limit:
        raise Bech32Error(f"longer than {limit} characters")
    if any(not 33 <= ord(c) <= 126 for c in text):
        raise Bech32Error("character outside US-ASCII 33..126")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1:
        raise Bech32Error("missing or empty human-readable part")
    if pos + 7 > len(text):
        raise Bech32Error("too short checksum")
    hrp = text[:pos]
    try:
        data = [_REV[c] for c in text[pos + 1 :]]
    except KeyError as exc:
        raise Bech32Error(f"invalid data character {exc.args[0]!r}") from None
    if _polymod(_hrp_expand(hrp) + data) != 1:
        raise Bech32Error("invalid checksum")
    return hrp, data[:-6]


def encode(hrp: str, payload: bytes) -> str:
    """Bytes (an address) → bech32 text with ``hrp``."""
    return encode_words(hrp, convertbits(payload, 8, 5, True))


def decode(text: str, limit: int = COSMOS_LIMIT) -> tuple[str, bytes]:
    """Bech32 text → (hrp, bytes). Raises ``Bech32Error``."""
    hrp, words = decode_words(text, limit)
    return hrp, bytes(convertbits(words, 5, 8, False))
