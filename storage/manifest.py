"""Which table files a LevelDB folder's manifest says are live.

A snapshot may only hard-link tables the manifest names. A node's folder also holds
tables it is still writing (a flush or compaction in progress, not yet logged in the
manifest), and LevelDB may pick exactly that file number when our copy opens and
recovers its log: writing through a hard link would then rewrite the node's own
file. So the copy links what the manifest names, and nothing else.

The manifest is a LevelDB log (``storage/ldblog.py``; goleveldb's journal, same
format) of ``VersionEdit`` records made of tagged fields; its checksums are
verified, and only the fields a snapshot needs are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .codec.varint import read_uvarint
from .errors import SnapshotError
from .ldblog import records

# VersionEdit tags (LevelDB db/version_edit.cc, goleveldb session_record.go)
COMPARATOR, LOG_NUMBER, NEXT_FILE, LAST_SEQUENCE = 1, 2, 3, 4
COMPACT_POINTER, DELETED_FILE, NEW_FILE, PREV_LOG_NUMBER = 5, 6, 7, 9


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
