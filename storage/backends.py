"""Which engine wrote a database folder, and in which format, from its files alone.

Nothing here opens a database (opening writes: LevelDB replays its log, the RocksDB reader
writes a config file); files are only listed and read. Two formats are read:

- LevelDB (goleveldb, or C++ LevelDB on old nodes): ``CURRENT`` + ``MANIFEST-*``, tables
  ``*.ldb`` (``*.sst`` on old C++ LevelDB), journal ``*.log``; no ``OPTIONS-*``.
- Pebble 1.x in ``format_major_version=1`` (FormatMostCompatible, what cometbft-db and
  cosmos-db get since neither sets a format): ``OPTIONS-*`` saying ``pebble_version`` and
  ``format_major_version=1``, ``CURRENT`` + ``MANIFEST-*``, ``*.sst`` tables in RocksDB's
  block-based format (footer magic ``f7cff485b741e288``), ``*.log`` WALs; no ``marker.*``.

Anything else (newer Pebble formats with marker files or Pebble table magic, RocksDB's own
folders, an empty folder) raises ``UnsupportedFormat`` naming what was found.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import UnknownFormat

LEVELDB, PEBBLE = "leveldb", "pebble"
#: the only Pebble format whose tables and manifest RocksDB's reader understands
PEBBLE_FORMAT = 1
#: last 8 bytes of a table, by the engine that wrote it
ROCKSDB_MAGIC = bytes.fromhex("f7cff485b741e288")  # RocksDB block-based table (Pebble's RocksDBv2 tables)
LEVELDB_MAGIC = bytes.fromhex("57fb808b247547db")
PEBBLE_MAGIC = bytes.fromhex("f09faab3f09faab3")  # Pebble's own table formats (Pebblev1+)
_MAGICS = {ROCKSDB_MAGIC: "RocksDB block-based", LEVELDB_MAGIC: "LevelDB", PEBBLE_MAGIC: "Pebble (Pebblev1 or later)"}


class UnsupportedFormat(UnknownFormat):
    """A database folder in a format cometgraph cannot read: what was found, and what is read."""


@dataclass(frozen=True)
class Backend:
    """What ``detect`` found: ``kind`` (``leveldb``/``pebble``) and the format, for ``check``."""

    kind: str
    format: str


def options_file(names: list[str]) -> str | None:
    """The newest ``OPTIONS-NNNNNN`` (Pebble writes one per open and removes the older ones)."""
    found = [n for n in names if re.fullmatch(r"OPTIONS-\d+", n)]
    return max(found, key=lambda n: int(n.split("-")[1])) if found else None


def parse_options(text: str) -> dict[str, dict[str, str]]:
    """Pebble's and RocksDB's INI-like OPTIONS file: ``{section: {key: value}}``."""
    out: dict[str, dict[str, str]] = {}
    section = out.setdefault("", {})
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = out.setdefault(line[1:-1], {})
        elif "=" in line:
            key, _, value = line.partition("=")
            section[key.strip()] = value.strip()
    return out


def detect(folder: Path) -> Backend:
    """The backend and format of one database folder; ``UnsupportedFormat`` for any other."""
    name = folder.name
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise UnsupportedFormat(f"{name}: cannot list the folder ({exc.strerror})") from exc
    markers = sorted(n for n in names if n.startswith("marker."))
    options = options_file(names)
    if options is None:
        if markers:
            raise _unsupported(name, f"Pebble marker files ({', '.join(markers[:3])}) and no OPTIONS file")
        if "CURRENT" in names:
            tables = sum(n.endswith((".ldb", ".sst")) for n in names)
            return Backend(LEVELDB, f"LevelDB ({tables} table files)")
        shown = ", ".join(sorted(names)[:6]) or "nothing"
        raise _unsupported(name, f"no CURRENT, OPTIONS or marker file (found: {shown})")
    try:
        opts = parse_options((folder / options).read_text("utf-8", "replace"))
    except OSError as exc:
        raise UnsupportedFormat(f"{name}: cannot read {options} ({exc.strerror})") from exc
    version = opts.get("Version", {})
    if "pebble_version" not in version:
        found = f"RocksDB {version['rocksdb_version']}" if "rocksdb_version" in version else f"an {options} of no known engine"
        raise _unsupported(name, f"{found} (no node here writes it)")
    fmv = opts.get("Options", {}).get("format_major_version", "?")
    if fmv != str(PEBBLE_FORMAT) or markers:
        what = f"Pebble format_major_version={fmv}" + (f" with marker files ({', '.join(markers[:3])})" if markers else "")
        raise _unsupported(name, what)
    comparer = opts["Options"].get("comparer", "?")
    if comparer != "leveldb.BytewiseComparator":
        raise _unsupported(name, f"Pebble with the comparer {comparer!r}")
    if "CURRENT" not in names:
        raise _unsupported(name, "Pebble format_major_version=1 without a CURRENT file")
    tables = sum(n.endswith(".sst") for n in names)
    return Backend(PEBBLE, f"Pebble format_major_version={PEBBLE_FORMAT}, RocksDB-compatible tables ({tables} table files)")


def check_table(path: Path) -> None:
    """Refuse a Pebble folder's table whose footer is not RocksDB's block-based one (a table
    of a newer Pebble format cannot be read by RocksDB's reader: it would fail or mislead)."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size < len(ROCKSDB_MAGIC):
                raise _unsupported(path.parent.name, f"table {path.name} of {size} bytes (no footer)")
            fh.seek(size - len(ROCKSDB_MAGIC))
            magic = fh.read(len(ROCKSDB_MAGIC))
    except OSError as exc:
        raise UnsupportedFormat(f"{path.parent.name}: cannot read table {path.name} ({exc.strerror})") from exc
    if magic != ROCKSDB_MAGIC:
        kind = _MAGICS.get(magic, f"unknown ({magic.hex()})")
        raise _unsupported(path.parent.name, f"table {path.name} with a {kind} footer")


def _unsupported(db: str, found: str) -> UnsupportedFormat:
    return UnsupportedFormat(
        f"{db} holds {found}: cometgraph reads LevelDB folders and Pebble folders of format_major_version={PEBBLE_FORMAT} (RocksDB-compatible tables)"
    )
