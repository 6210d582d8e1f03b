"""Go's ``binary.Uvarint`` reader, shared by the formats that are not protobuf (IAVL nodes,
amino envelopes, LevelDB journals). Each caller names the error it raises."""

from __future__ import annotations


def read_uvarint(buf: bytes, pos: int, error: type[Exception] = ValueError) -> tuple[int, int]:
    """(value, next position): at most 10 bytes, no overflow past 64 bits, like Go."""
    result = shift = 0
    for i in range(10):
        if pos >= len(buf):
            raise error("truncated varint")
        b = buf[pos]
        pos += 1
        if i == 9 and b > 1:
            raise error("varint overflows 64 bits")
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
    raise error("varint overflows 64 bits")
