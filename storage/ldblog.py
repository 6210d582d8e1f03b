"""LevelDB's log format, shared by its write-ahead journals (``*.log``) and manifests.

goleveldb writes the same format. A log is 32 KiB blocks of chunks ``crc32c(4)
length(2) type(1) data``; a record is one FULL chunk or FIRST, MIDDLE…, LAST. A
file being appended to may end in half a chunk: reading stops there, which is
exactly what LevelDB's own recovery keeps.

Pebble's WALs use RocksDB's *recyclable* chunks (types 5-8 for FULL…LAST) whose header
also holds the log's number (``crc32c(4) length(2) type(1) log(4)``; the checksum covers
type, number and data): Pebble reuses old log files, so bytes after the new writes are
an older log's, and the number tells them apart. Reading stops at the first chunk of
another log, which is also how Pebble's end-of-file trailer (an empty chunk naming the
next number) ends a closed log.
"""

from __future__ import annotations

from collections.abc import Iterator

BLOCK_SIZE = 32 * 1024
HEADER = 7  # crc32c (4) + length (2, little endian) + type (1)
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
#: recyclable chunk types (RocksDB, Pebble's WALs) -> the plain type they stand for
RECYCLABLE = {5: FULL, 6: FIRST, 7: MIDDLE, 8: LAST}
RECYCLABLE_HEADER = 11  # + log number (4, little endian)


def _crc32c_table() -> list[int]:
    poly, table = 0x82F63B78, []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes, crc: int = 0) -> int:
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def unmask(masked: int) -> int:
    """LevelDB stores checksums rotated and offset so that CRCs of CRCs stay strong."""
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def records(data: bytes, *, verify: bool = False, log_number: int | None = None) -> Iterator[bytes]:
    """Each complete record, in order; stops at a torn tail (or, with ``verify``, at the
    first chunk whose checksum fails). Checksums are pure Python: worth it for a
    manifest of kilobytes, not for a journal of megabytes read on every status.

    Recyclable chunks must carry ``log_number`` (the file's own number); without it, the
    number of the first one. A chunk of another log ends the records."""
    pos, pending = 0, None
    while pos + HEADER <= len(data):
        room = BLOCK_SIZE - pos % BLOCK_SIZE
        if room < HEADER:  # trailer padding at the end of a block
            pos += room
            continue
        length = int.from_bytes(data[pos + 4 : pos + 6], "little")
        kind = data[pos + 6]
        if kind == 0 and length == 0:  # zero-filled preallocated space
            pos += room
            continue
        header = HEADER
        if kind in RECYCLABLE:
            header = RECYCLABLE_HEADER
            if pos + header > len(data) or header > room:
                return
            number = int.from_bytes(data[pos + 7 : pos + 11], "little")
            if log_number is None:
                log_number = number
            elif number != log_number:  # an older log's bytes, or the end-of-file trailer
                return
        start, end = pos + header, pos + header + length
        if end > len(data) or end - pos > room or RECYCLABLE.get(kind, kind) not in (FULL, FIRST, MIDDLE, LAST):
            return
        frag = data[start:end]
        if verify and crc32c(frag, crc32c(data[pos + 6 : start])) != unmask(int.from_bytes(data[pos : pos + 4], "little")):
            return
        pos = end
        kind = RECYCLABLE.get(kind, kind)
        if kind == FULL:
            pending = None
            yield frag
        elif kind == FIRST:
            pending = bytearray(frag)
        elif pending is not None:
            pending += frag
            if kind == LAST:
                yield bytes(pending)
                pending = None
