"""Pure key functions for blockstore.db and state.db, per CometBFT key layout.

CometBFT 1.0 can write either layout and records its choice in each database's
``version`` key (CB@v1.0.1 store/db_key_layout.go, state/store.go); every older
node wrote the ASCII ``v1`` layout and no ``version`` key. Values are the same in
both layouts. Nothing here touches a database: callers read ``version`` and hand
it to ``layout_for``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInput, UnknownFormat

#: keys that keep their ASCII names in every layout
VERSION = b"version"
BLOCK_STORE_STATE = b"blockStore"
STATE = b"stateKey"
GENESIS_DOC = b"genesisDoc"  # ≤0.38: the genesis JSON
GENESIS_DOC_HASH = b"genesisDocHash"  # 1.0: sha256 of the genesis file
LAST_ABCI_RESPONSE = b"lastABCIResponseKey"  # TM 0.34.21 – 0.38 crash-recovery copy

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_MSB = (0x00, 0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE)
_OC_ESCAPE = {0x00: b"\x00\xff", 0xFF: b"\xff\x00"}


# ---------------------------------------------------------------- google/orderedcode
def oc_int64(x: int) -> bytes:
    """orderedcode int64: leading 1-bits give the length, then a 0 bit, then big-endian.

    A line-by-line port of ``appendInt64`` (google/orderedcode), so 637 → ``C2 7D``
    and negative numbers are the bitwise complement of ``~x``'s encoding.
    """
    if not _INT64_MIN <= x <= _INT64_MAX:
        raise InvalidInput(f"{x} does not fit in an int64")
    if -64 <= x < 64:
        return bytes([(x & 0xFF) ^ 0x80])
    neg = x < 0
    if neg:
        x = ~x
    n, i, buf = 1, 9, bytearray(10)
    while x > 0:
        buf[i] = x & 0xFF
        n, i, x = n + 1, i - 1, x >> 8
    leading_ff = n > 7
    if leading_ff:
        n -= 7
    if buf[i + 1] < 1 << (8 - n):  # the length bits fit into the top byte
        n, i = n - 1, i + 1
    buf[i] |= _MSB[n]
    if leading_ff:
        i -= 1
        buf[i] = 0xFF
    out = bytes(buf[i:])
    return bytes(b ^ 0xFF for b in out) if neg else out


def oc_string(s: bytes | str) -> bytes:
    """orderedcode string: 0x00 → ``00 FF``, 0xFF → ``FF 00``, terminated by ``00 01``."""
    raw = s.encode() if isinstance(s, str) else bytes(s)
    return b"".join(_OC_ESCAPE.get(b, bytes([b])) for b in raw) + b"\x00\x01"


def orderedcode(*items: int | bytes | str) -> bytes:
    """``orderedcode.Append(nil, items...)`` for int64 and string items."""
    return b"".join(oc_int64(x) if isinstance(x, int) else oc_string(x) for x in items)


class OrderedCodeError(ValueError):
    """Bytes that are not the orderedcode item asked for (``orderedcode.Parse`` fails)."""


def oc_parse_string(buf: bytes, pos: int = 0) -> tuple[bytes, int]:
    """An orderedcode string at ``pos``: (its bytes, the position after its terminator)."""
    out = bytearray()
    i, n = pos, len(buf)
    while i < n:
        b = buf[i]
        if b == 0x00 or b == 0xFF:
            if i + 1 >= n:
                break
            nxt = buf[i + 1]
            if b == 0x00 and nxt == 0x01:
                return bytes(out), i + 2
            if (b, nxt) not in ((0x00, 0xFF), (0xFF, 0x00)):
                raise OrderedCodeError(f"invalid escape {b:02x}{nxt:02x} at {i}")
            out.append(b)
            i += 2
            continue
        out.append(b)
        i += 1
    raise OrderedCodeError("string without terminator")


def oc_parse_int64(buf: bytes, pos: int = 0) -> tuple[int, int]:
    """An orderedcode int64 at ``pos`` (the inverse of ``oc_int64``): (value, position after it)."""
    if pos >= len(buf):
        raise OrderedCodeError("int64 missing")
    neg = buf[pos] < 0x80
    flip = 0xFF if neg else 0x00
    b0 = buf[pos] ^ flip
    if b0 == 0xFF:  # eight or more bytes: the length continues in the next byte's leading 1-bits
        if pos + 1 >= len(buf):
            raise OrderedCodeError("int64 truncated")
        ones = _leading_ones(buf[pos + 1] ^ flip)
        size, head = 8 + ones, 1  # the whole 0xFF byte is length, then `ones` bits and a 0 of the next
        mask_bits = ones + 1
    else:
        ones = _leading_ones(b0)
        size, head, mask_bits = ones, 0, ones + 1
    if size > 10 or pos + size > len(buf):
        raise OrderedCodeError("int64 truncated")
    body = bytearray(x ^ flip for x in buf[pos + head : pos + size])
    body[0] &= 0xFF >> mask_bits
    x = int.from_bytes(body, "big")
    x = ~x if neg else x
    if not _INT64_MIN <= x <= _INT64_MAX:
        raise OrderedCodeError("int64 out of range")
    return x, pos + size


def _leading_ones(b: int) -> int:
    n = 0
    while n < 8 and b & (0x80 >> n):
        n += 1
    return n


# ---------------------------------------------------------------- layouts
@dataclass(frozen=True)
class Layout:
    """Where blockstore.db and state.db keep per-height records; one instance per layout."""

    name: str

    def block_meta(self, h: int) -> bytes:
        raise NotImplementedError

    def block_part(self, h: int, index: int) -> bytes:
        raise NotImplementedError

    def block_commit(self, h: int) -> bytes:
        raise NotImplementedError

    def seen_commit(self, h: int) -> bytes:
        raise NotImplementedError

    def extended_commit(self, h: int) -> bytes:
        raise NotImplementedError

    def block_hash(self, block_hash: bytes) -> bytes:
        raise NotImplementedError

    def validators(self, h: int) -> bytes:
        raise NotImplementedError

    def consensus_params(self, h: int) -> bytes:
        raise NotImplementedError

    def abci_responses(self, h: int) -> bytes:
        raise NotImplementedError


class _V1(Layout):
    """The ASCII layout every Tendermint / CometBFT node writes by default; heights in decimal."""

    def block_meta(self, h: int) -> bytes:
        return b"H:%d" % h

    def block_part(self, h: int, index: int) -> bytes:
        return b"P:%d:%d" % (h, index)

    def block_commit(self, h: int) -> bytes:
        return b"C:%d" % h

    def seen_commit(self, h: int) -> bytes:
        return b"SC:%d" % h

    def extended_commit(self, h: int) -> bytes:
        return b"EC:%d" % h

    def block_hash(self, block_hash: bytes) -> bytes:
        return b"BH:" + block_hash.hex().encode()

    def validators(self, h: int) -> bytes:
        return b"validatorsKey:%d" % h

    def consensus_params(self, h: int) -> bytes:
        return b"consensusParamsKey:%d" % h

    def abci_responses(self, h: int) -> bytes:
        return b"abciResponsesKey:%d" % h


class _V2(Layout):
    """CometBFT 1.0's orderedcode tuples (prefix, height[, part]); prefixes unique across DBs."""

    def block_meta(self, h: int) -> bytes:
        return orderedcode(0, h)

    def block_part(self, h: int, index: int) -> bytes:
        return orderedcode(1, h, index)

    def block_commit(self, h: int) -> bytes:
        return orderedcode(2, h)

    def seen_commit(self, h: int) -> bytes:
        return orderedcode(3, h)

    def extended_commit(self, h: int) -> bytes:
        return orderedcode(4, h)

    def block_hash(self, block_hash: bytes) -> bytes:
        return orderedcode(5, block_hash)

    def validators(self, h: int) -> bytes:
        return orderedcode(6, h)

    def consensus_params(self, h: int) -> bytes:
        return orderedcode(7, h)

    def abci_responses(self, h: int) -> bytes:
        return orderedcode(8, h)


V1: Layout = _V1("v1")
V2: Layout = _V2("v2")


def layout_for(version: bytes | None, db: str = "database") -> Layout:
    """The layout named by a database's ``version`` value (absent or empty → v1, as CometBFT reads it)."""
    if not version or version == b"v1":
        return V1
    if version == b"v2":
        return V2
    raise UnknownFormat(f"{db} declares key layout {version[:32]!r}; cometgraph reads v1 and v2")
