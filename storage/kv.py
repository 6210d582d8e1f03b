"""The key-value seam: the only module that imports plyvel and rocksdict.

Readers talk to a ``KV`` and never learn which engine is underneath: ``open_kv`` picks
``LevelDB`` (plyvel) or ``PebbleDB`` (RocksDB's reader through rocksdict) from the folder's
files (``storage/backends.py``). The engines' errors become cometgraph's own here and
nowhere else.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import plyvel
import rocksdict

from . import backends
from .errors import CorruptRecord, DatabaseUnavailable, StorageError

#: process-wide read counters by (database, operation), for metrics; never reset
READS: Counter[tuple[str, str]] = Counter()

T = TypeVar("T")


class KVIterator(Protocol):
    """What ``KV.iterate`` returns (plyvel's iterator, or a generator): ``(key, value)`` pairs or
    keys alone, by ``include_value``; ``close`` frees it before the end."""

    def __iter__(self) -> Iterator[Any]: ...

    def __next__(self) -> Any: ...

    def close(self) -> None: ...


class KV(Protocol):
    name: str

    def get(self, key: bytes) -> bytes | None: ...

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]: ...

    def iterate(
        self,
        *,
        prefix: bytes | None = None,
        start: bytes | None = None,
        stop: bytes | None = None,
        reverse: bool = False,
        include_value: bool = True,
    ) -> KVIterator: ...

    def close(self) -> None: ...


class _Counted:
    """The read counters both backends keep: per database (``stats``) and process-wide (``READS``)."""

    name: str
    stats: Counter[str]

    def _tick(self, op: str, keys: int = 0) -> None:
        self.stats[op] += 1
        READS[self.name, op] += 1
        if keys:
            self.stats["keys"] += keys
            READS[self.name, "keys"] += keys


class LevelDB(_Counted):
    """A LevelDB opened from a private snapshot folder (never a node's live folder).

    Reads use one implicit LevelDB snapshot per ``get_many`` so a batch sees one
    consistent state; the folder itself is already frozen by ``storage.snapshot``.
    """

    def __init__(self, path: str | os.PathLike[str], name: str | None = None) -> None:
        self.path = os.fspath(path)
        self.name = name or os.path.basename(self.path.rstrip("/"))
        #: calls made on this database ("get", "get_many", "keys", "iterate"): what one hop costs
        self.stats: Counter[str] = Counter()
        if not os.path.isdir(self.path):
            raise DatabaseUnavailable(f"database {self.name} is missing")
        try:
            # create_if_missing=False: a missing database is an error, not an empty one.
            self._db = plyvel.DB(self.path, create_if_missing=False, paranoid_checks=False)
        except plyvel.Error as exc:
            raise DatabaseUnavailable(f"cannot open database {self.name}: {exc}") from exc

    def get(self, key: bytes) -> bytes | None:
        self._tick("get")
        try:
            value: bytes | None = self._db.get(key)
            return value
        except plyvel.Error as exc:  # a missing or damaged table file under this key
            raise CorruptRecord(self.name, key, self._clean(exc)) from exc

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        self._tick("get_many", len(keys))
        out: list[bytes | None] = []
        try:
            with self._db.snapshot() as snap:
                for k in keys:
                    out.append(snap.get(k))
                return out
        except plyvel.Error as exc:
            raise CorruptRecord(self.name, keys[len(out)], self._clean(exc)) from exc

    def iterate(
        self,
        *,
        prefix: bytes | None = None,
        start: bytes | None = None,
        stop: bytes | None = None,
        reverse: bool = False,
        include_value: bool = True,
    ) -> KVIterator:
        """Ordered iteration over ``prefix`` or the half-open range [start, stop).

        Yields ``(key, value)`` pairs, or keys alone with ``include_value=False``.
        The iterator is lazy: callers page by stopping early, never by collecting.
        """
        self._tick("iterate")
        kwargs: dict[str, Any] = {"reverse": reverse, "include_value": include_value}
        if prefix is not None:
            kwargs["prefix"] = prefix
        else:
            if start is not None:
                kwargs["start"] = start
            if stop is not None:
                kwargs["stop"] = stop
        it = self._db.iterator(**kwargs)
        try:
            yield from it
        except plyvel.Error as exc:
            raise StorageError(f"iteration failed in {self.name}: {self._clean(exc)}") from exc
        finally:
            it.close()

    def _clean(self, exc: Exception) -> str:
        """LevelDB's message without our snapshot's file paths (clients must not see paths)."""
        text = str(exc)
        for path in (self.path, os.path.realpath(self.path)):
            text = text.replace(path.rstrip("/") + "/", "").replace(path, self.name)
        return text

    def close(self) -> None:
        if not self._db.closed:
            self._db.close()

    @property
    def closed(self) -> bool:
        closed: bool = self._db.closed
        return closed


class PebbleDB(_Counted):
    """A Pebble database (format_major_version 1) opened read-only from a private snapshot folder.

    Pebble 1.x writes that format in RocksDB's layout, so RocksDB's reader opens it: in raw
    mode (the comparator name is Pebble's), read-only, without loading the OPTIONS file
    (RocksDB cannot parse Pebble's). rocksdict writes ``rocksdict-config.json`` into the folder
    it opens, which is one more reason it only ever opens our copies. A read-only open
    replays the copied WALs in memory and stops at a torn tail; nothing changes underneath,
    so every read of one handle sees one state.
    """

    def __init__(self, path: str | os.PathLike[str], name: str | None = None) -> None:
        self.path = os.fspath(path)
        self.name = name or os.path.basename(self.path.rstrip("/"))
        self.stats: Counter[str] = Counter()
        self._closed = False
        if not os.path.isdir(self.path):
            raise DatabaseUnavailable(f"database {self.name} is missing")
        try:
            opts = rocksdict.Options(raw_mode=True)
            # each WAL to its end, then the next: Pebble closes a WAL with an empty "EOF trailer"
            # chunk, which RocksDB's default (point in time) takes for the end of every later
            # WAL too; a prune whose deletes went to the next WAL then read as never done
            # (~1 in 40 of ``injectived prune``'s runs on the pebble sample chain). A torn tail
            # can only end the last WAL (a live node's, copied mid-append): it is skipped as before.
            opts.set_wal_recovery_mode(rocksdict.DBRecoveryMode.tolerate_corrupted_tail_records())
            self._db = rocksdict.Rdict(self.path, options=opts, access_type=rocksdict.AccessType.read_only())
        except Exception as exc:  # noqa: BLE001 - rocksdict raises plain Exception for RocksDB's Status
            raise DatabaseUnavailable(f"cannot open database {self.name}: {self._clean(exc)}") from exc

    def get(self, key: bytes) -> bytes | None:
        self._tick("get")
        try:
            value: bytes | None = self._db.get(key)
            return value
        except Exception as exc:  # noqa: BLE001 - see __init__
            raise CorruptRecord(self.name, key, self._clean(exc)) from exc

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        self._tick("get_many", len(keys))
        if not keys:
            return []
        try:
            values = self._db.get(list(keys))
        except Exception as exc:  # noqa: BLE001 - see __init__
            raise CorruptRecord(self.name, keys[0], self._clean(exc)) from exc
        if not isinstance(values, list):  # a list of keys answers a list (RocksDB's MultiGet)
            raise StorageError(f"{self.name}: a batch read answered {type(values).__name__}")
        return values

    def iterate(
        self,
        *,
        prefix: bytes | None = None,
        start: bytes | None = None,
        stop: bytes | None = None,
        reverse: bool = False,
        include_value: bool = True,
    ) -> KVIterator:
        """Same contract as ``LevelDB.iterate``: ``prefix`` or [start, stop), lazy, either way."""
        self._tick("iterate")
        if prefix is not None:
            start, stop = prefix, prefix_end(prefix)
        # RocksDB stops at the upper bound itself; rocksdict does not pass a lower bound on
        # (measured: ignored by seek_to_first and prev), so ``start`` is a seek forward and a
        # comparison backward
        opts = rocksdict.ReadOptions()
        if stop is not None:
            opts.set_iterate_upper_bound(stop)
        try:
            it = self._db.iter(opts)
            if reverse:
                it.seek_to_last()
                while it.valid():
                    key = it.key()
                    if start is not None and key < start:
                        break
                    yield (key, it.value()) if include_value else key
                    it.prev()
            else:
                if start is None:
                    it.seek_to_first()
                else:
                    it.seek(start)
                while it.valid():
                    yield (it.key(), it.value()) if include_value else it.key()
                    it.next()
            it.status()
        except Exception as exc:  # noqa: BLE001 - see __init__
            raise StorageError(f"iteration failed in {self.name}: {self._clean(exc)}") from exc

    def _clean(self, exc: Exception) -> str:
        text = str(exc)
        for path in (self.path, os.path.realpath(self.path)):
            text = text.replace(path.rstrip("/") + "/", "").replace(path, self.name)
        return text

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._db.close()

    @property
    def closed(self) -> bool:
        return self._closed


def open_kv(path: str | os.PathLike[str], name: str | None = None) -> LevelDB | PebbleDB:
    """Open a private copy of a database with the engine its files name (``storage/backends.py``)."""
    backend = backends.detect(Path(path))
    return PebbleDB(path, name) if backend.kind == backends.PEBBLE else LevelDB(path, name)


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with ``prefix`` (None: no bound)."""
    b = bytearray(prefix)
    while b:
        if b[-1] < 0xFF:
            b[-1] += 1
            return bytes(b)
        b.pop()
    return None


def first(it: Iterable[T]) -> T | None:
    for x in it:
        return x
    return None
