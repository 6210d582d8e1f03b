"""A consistent private copy of one Pebble folder (format_major_version 1), opened read-only.

The order that followed a live node (``../shared/docs/pebble.md``): the live WALs first,
then ``CURRENT``, the manifest it names and the newest ``OPTIONS-*``, then hard links to the
tables that manifest names. A flush or compaction that lands meanwhile changes the
manifest, and the copy is taken again (the same fingerprint rule as LevelDB's,
``storage/leveldb_copy.py``). A WAL copied while the node appends to it may end in half a
record, which the read-only open drops: a slightly older state.

Only the manifest's tables are linked: a table the node is still writing is not named
yet, is incomplete, and would fail the footer check. Pebble never rewrites a table, and
the reader opens the copy read-only, so no byte of a linked table is ever written. WALs are
copied, never linked: Pebble recycles an old WAL file by renaming it and writing it over.
Only the WALs the manifest still needs (numbered from its log number on) are taken.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import backends
from .kv import PebbleDB
from .leveldb_copy import NEVER, Cancel, Fingerprint, MissingTables, _copy_file, _Linker, copy_consistently, open_with_retries
from .manifest import ManifestError, ManifestState, file_number, read_manifest


def copy_pebble(src: Path, dst: Path, *, attempts: int = 8, linker: _Linker | None = None, cancel: Cancel = NEVER) -> Fingerprint:
    """Make ``dst`` a consistent private copy of the Pebble folder ``src``; the source
    fingerprint it corresponds to. Retries while the node's flushes and compactions race it."""
    link = linker or _Linker()

    def take(current: bytes) -> None:
        manifest = _manifest_name(src, current)
        oldest_log = _oldest_live_log(read_manifest((src / manifest).read_bytes()))
        names = sorted(os.listdir(src))
        for name in names:  # the WALs first
            number = file_number(name)
            if name.endswith(".log") and number is not None and number >= oldest_log:
                cancel.check()
                _copy_file(src / name, dst / name, cancel)
        _copy_file(src / manifest, dst / manifest, cancel)
        options = backends.options_file(names)
        if options is not None:
            _copy_file(src / options, dst / options, cancel)
        (dst / "CURRENT").write_bytes(current)
        state = read_manifest((dst / manifest).read_bytes())
        for number in sorted(state.tables):
            cancel.check()
            name = f"{number:06d}.sst"
            if not (src / name).exists():
                raise MissingTables(f"table file {name} named by {manifest} is missing")
            _take_table(src / name, dst / name, link, cancel)

    def unreadable(exc: ManifestError) -> Exception:
        # a manifest that did not move holds a record of a format not read here
        return backends.UnsupportedFormat(f"{src.name}: its manifest cannot be read: {exc}")

    return copy_consistently(src, dst, take, attempts=attempts, cancel=cancel, unreadable=unreadable)


def open_copy(src: Path, dst: Path, *, attempts: int = 8, linker: _Linker | None = None, cancel: Cancel = NEVER) -> tuple[PebbleDB, Fingerprint]:
    """Copy ``src`` to ``dst`` and open the copy read-only; a copy that does not open is retaken."""
    return open_with_retries(src, dst, copy_pebble, PebbleDB, attempts=attempts, linker=linker, cancel=cancel)


def _manifest_name(src: Path, current: bytes) -> str:
    name = current.decode("ascii", "replace").strip()
    if not re.fullmatch(r"MANIFEST-\d+", name):
        raise backends.UnsupportedFormat(f"{src.name}: CURRENT names {name[:40]!r}, not a manifest")
    return name


def _oldest_live_log(state: ManifestState) -> int:
    """The first WAL the manifest has not flushed (RocksDB's recovery reads from there on)."""
    numbers = [n for n in (state.log_number, state.prev_log_number) if n]
    return min(numbers) if numbers else 0


def _take_table(src: Path, dst: Path, linker: _Linker, cancel: Cancel) -> None:
    """Link (or copy) one table and check its footer (``storage/backends.py``), once per
    table file of the node: tables never change, so its inode is checked once."""
    st = src.stat()
    linker(src, dst, cancel)
    key = (st.st_dev, st.st_ino)
    if key not in linker.checked:
        backends.check_table(dst)
        linker.checked.add(key)
