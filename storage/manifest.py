"""Which table files a LevelDB folder's manifest says are live.

A snapshot may only hard-link tables the manifest names. A node's folder also holds
tables it is still writing (a flush or compaction in progress, not yet logged in the
manifest), and LevelDB may pick exactly that file number when our copy opens and
recovers its log: writing through a hard link would then rewrite the node's own
file. So the copy links what the manifest names, and nothing else.

The manifest is a LevelDB log (goleveldb calls it a journal, same format) of
``VersionEdit`` records: 32 KiB blocks of chunks ``crc32c(4) length(2) type(1)
data``, and edits made of tagged fields. Only the fields a snapshot needs are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .codec.varint import read_uvarint
from .errors import SnapshotError

BLOCK = 32 * 1024
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

# VersionEdit tags (LevelDB db/version_edit.cc, goleveldb session_record.go)
COMPARATOR, LOG_NUMBER, NEXT_FILE, LAST_SEQUENCE = 1, 2, 3, 4
COMPACT_POINTER, DELETED_FILE, NEW_FILE, PREV_LOG_NUMBER = 5, 6, 7, 9


class ManifestError(SnapshotError):
    """The manifest cannot be read: a snapshot must not trust it for links."""


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
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def records(buf: bytes):
    """Complete records of a LevelDB log, in order; stops at a torn or corrupt tail.

    A manifest being appended to may end in half a chunk: what precedes it is
    exactly what LevelDB itself would recover.
    """
    pos, pending = 0, None
    while pos + HEADER <= len(buf):
        left_in_block = BLOCK - pos % BLOCK
        if left_in_block < HEADER:  # block trailer: zero padding
            pos += left_in_block
            continue
        masked = int.from_bytes(buf[pos : pos + 4], "little")
        length = int.from_bytes(buf[pos + 4 : pos + 6], "little")
        kind = buf[pos + 6]
        start, end = pos + HEADER, pos + HEADER + length
        if kind == 0 and length == 0:  # preallocated, never written
            return
        if end > len(buf) or end - (pos - pos % BLOCK) > BLOCK:
            return
        data = buf[start:end]
        if crc32c(data, crc32c(bytes([kind]))) != unmask(masked):
            return
        pos = end
        if kind == FULL:
            pending = None
            yield data
        elif kind == FIRST:
            pending = bytearray(data)
        elif kind == MIDDLE and pending is not None:
            pending += data
        elif kind == LAST and pending is not None:
            yield bytes(pending + data)
            pending = None
        else:
            return


@dataclass
class ManifestState:
    """The folder's state after replaying every edit of one manifest."""

    next_file: int = 0
    log_number: int = 0
    prev_log_number: int = 0
    #: live table numbers -> level
    tables: dict[int, int] = field(default_factory=dict)


def _bytes(buf: bytes, pos: int) -> int:
    n, pos = read_uvarint(buf, pos, ManifestError)
    if pos + n > len(buf):
        raise ManifestError("truncated field in a version edit")
    return pos + n


def apply_edit(state: ManifestState, edit: bytes) -> None:
    pos = 0
    while pos < len(edit):
        tag, pos = read_uvarint(edit, pos, ManifestError)
        if tag == COMPARATOR:
            pos = _bytes(edit, pos)
        elif tag in (LOG_NUMBER, NEXT_FILE, LAST_SEQUENCE, PREV_LOG_NUMBER):
            value, pos = read_uvarint(edit, pos, ManifestError)
            if tag == LOG_NUMBER:
                state.log_number = value
            elif tag == NEXT_FILE:
                state.next_file = value
            elif tag == PREV_LOG_NUMBER:
                state.prev_log_number = value
        elif tag == COMPACT_POINTER:
            _, pos = read_uvarint(edit, pos, ManifestError)
            pos = _bytes(edit, pos)
        elif tag == DELETED_FILE:
            _, pos = read_uvarint(edit, pos, ManifestError)
            number, pos = read_uvarint(edit, pos, ManifestError)
            state.tables.pop(number, None)
        elif tag == NEW_FILE:
            level, pos = read_uvarint(edit, pos, ManifestError)
            number, pos = read_uvarint(edit, pos, ManifestError)
            _, pos = read_uvarint(edit, pos, ManifestError)  # size
            pos = _bytes(edit, pos)  # smallest key
            pos = _bytes(edit, pos)  # largest key
            state.tables[number] = level
        else:
            raise ManifestError(f"unknown version edit tag {tag}")


def read_manifest(buf: bytes) -> ManifestState:
    """Replay a manifest's edits; a manifest with no readable edit is an error."""
    state, n = ManifestState(), 0
    for edit in records(buf):
        apply_edit(state, edit)
        n += 1
    if n == 0 or state.next_file == 0:
        raise ManifestError("the manifest holds no complete version edit")
    return state


def file_number(name: str) -> int | None:
    """``000123.ldb`` -> 123; names that are not numbered LevelDB files -> None."""
    stem, _, _ = name.partition(".")
    return int(stem) if stem.isdigit() else None
