"""Which table files a LevelDB folder's manifest says are live.

A snapshot may only hard-link tables the manifest names. A node's folder also holds
tables it is still writing (a flush or compaction in progress, not yet logged in the
manifest), and LevelDB may pick exactly that file number when our copy opens and
recovers its log: writing through a hard link would then rewrite the node's own
file. So the copy links what the manifest names, and nothing else.

The manifest is a LevelDB log (``storage/ldblog.py``; goleveldb's journal, same
format) of ``VersionEdit`` records made of tagged fields; its checksums are
verified, and only the fields a snapshot needs are kept.

Pebble 1.x (format_major_version 1) writes the same records, except that a new table is
RocksDB's ``NewFile2`` (tag 100) or, with custom fields, ``NewFile4`` (tag 103): level,
number, size, key bounds, sequence bounds (and tagged custom fields up to a terminator).
Its other tags (range keys, virtual tables, column families) come only with later formats
and are refused like any unknown tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .codec.varint import read_uvarint
from .errors import SnapshotError
from .ldblog import records

# VersionEdit tags (LevelDB db/version_edit.cc, goleveldb session_record.go)
COMPARATOR, LOG_NUMBER, NEXT_FILE, LAST_SEQUENCE = 1, 2, 3, 4
COMPACT_POINTER, DELETED_FILE, NEW_FILE, PREV_LOG_NUMBER = 5, 6, 7, 9
# RocksDB's new-file records, as Pebble writes them (pebble internal/manifest/version_edit.go)
NEW_FILE2, NEW_FILE4 = 100, 103
CUSTOM_TERMINATE, CUSTOM_VIRTUAL, CUSTOM_MUST_UNDERSTAND = 1, 66, 1 << 6


class ManifestError(SnapshotError):
    """The manifest cannot be read: a snapshot must not trust it for links."""


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
        elif tag in (NEW_FILE, NEW_FILE2, NEW_FILE4):
            level, pos = read_uvarint(edit, pos, ManifestError)
            number, pos = read_uvarint(edit, pos, ManifestError)
            _, pos = read_uvarint(edit, pos, ManifestError)  # size
            pos = _bytes(edit, pos)  # smallest key
            pos = _bytes(edit, pos)  # largest key
            if tag != NEW_FILE:
                _, pos = read_uvarint(edit, pos, ManifestError)  # smallest sequence number
                _, pos = read_uvarint(edit, pos, ManifestError)  # largest sequence number
            if tag == NEW_FILE4:
                pos = _custom_fields(edit, pos)
            state.tables[number] = level
        else:
            raise ManifestError(f"unknown version edit tag {tag}")


def _custom_fields(edit: bytes, pos: int) -> int:
    """Skip a NewFile4's custom fields: safe-to-ignore ones are length-prefixed bytes; one that
    must be understood (a virtual table, a path id) belongs to a format not read here."""
    while True:
        custom, pos = read_uvarint(edit, pos, ManifestError)
        if custom == CUSTOM_TERMINATE:
            return pos
        if custom & CUSTOM_MUST_UNDERSTAND:
            what = "a virtual table" if custom == CUSTOM_VIRTUAL else f"custom field {custom}"
            raise ManifestError(f"a new table with {what}, which only later Pebble formats write")
        pos = _bytes(edit, pos)


def read_manifest(buf: bytes) -> ManifestState:
    """Replay a manifest's edits; a manifest with no readable edit is an error."""
    state, n = ManifestState(), 0
    for edit in records(buf, verify=True):
        apply_edit(state, edit)
        n += 1
    if n == 0 or state.next_file == 0:
        raise ManifestError("the manifest holds no complete version edit")
    return state


def file_number(name: str) -> int | None:
    """``000123.ldb`` -> 123; names that are not numbered LevelDB files -> None."""
    stem, _, _ = name.partition(".")
    return int(stem) if stem.isdigit() else None
