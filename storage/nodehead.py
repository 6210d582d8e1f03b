"""How far the node itself has got, read from its blockstore's write-ahead log without opening it.

A snapshot lags the node by up to one refresh. To say by how much, we read the node's
newest ``*.log`` (LevelDB's journal, the same format in goleveldb; Pebble's WAL in
RocksDB's recyclable variant, ``storage/ldblog.py``): plain records of write batches
(the same batch layout in both), appended as the node writes. The last batch that put ``blockStore``
holds the node's current ``BlockStoreState``. The file is only read, never opened as a
database; a torn last record is ignored. After a flush moves the journal into tables
the new log may not hold the key yet: then the snapshot's own height is the answer.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

from .codec.cometbft import decode_block_store_state
from .codec.varint import read_uvarint
from .ldblog import records

KEY = b"blockStore"


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    return read_uvarint(buf, pos, ValueError)


def batch_puts(record: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of every put in one write batch (seq 8 bytes, count 4, then entries)."""
    if len(record) < 12:
        return
    (count,) = struct.unpack_from("<I", record, 8)
    pos = 12
    for _ in range(count):
        if pos >= len(record):
            return
        kind = record[pos]
        pos += 1
        klen, pos = _uvarint(record, pos)
        key = record[pos : pos + klen]
        pos += klen
        if kind == 1:
            vlen, pos = _uvarint(record, pos)
            yield key, record[pos : pos + vlen]
            pos += vlen
        elif kind != 0:
            return


class NodeHead:
    """The node's own latest block height, from its blockstore journal (cached per file state)."""

    def __init__(self, blockstore_dir: Path) -> None:
        self.dir = Path(blockstore_dir)
        self._cache: tuple[tuple[object, ...], int | None] | None = None
        self._lock = threading.Lock()

    def height(self) -> int | None:
        """The latest height in the journal, or None when the journal holds none."""
        try:
            logs = sorted(p for p in os.listdir(self.dir) if p.endswith(".log"))
        except OSError:
            return None
        if not logs:
            return None
        path = self.dir / logs[-1]
        try:
            st = path.stat()
        except OSError:
            return None
        key = (logs[-1], st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        found = None
        try:
            stem = logs[-1].partition(".")[0]
            for record in records(data, log_number=int(stem) if stem.isdigit() else None):
                for k, v in batch_puts(record):
                    if k == KEY:
                        found = v
        except ValueError:
            pass
        height = None
        if found is not None:
            try:
                height = decode_block_store_state(found, "blockstore.db", KEY)[1]
            except Exception:  # noqa: BLE001 - a torn or foreign value is "unknown", not an error
                height = None
        with self._lock:
            self._cache = (key, height)
        return height
