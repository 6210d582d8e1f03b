"""The key-value seam: the only module that imports plyvel.

Readers talk to a ``KV``; tests and future backends implement the same three
methods. plyvel errors become cometgraph's own here and nowhere else.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

import plyvel

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


class LevelDB:
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
        self.stats["get"] += 1
        READS[self.name, "get"] += 1
        try:
            value: bytes | None = self._db.get(key)
            return value
        except plyvel.Error as exc:  # a missing or damaged table file under this key
            raise CorruptRecord(self.name, key, self._clean(exc)) from exc

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        self.stats["get_many"] += 1
        self.stats["keys"] += len(keys)
        READS[self.name, "get_many"] += 1
        READS[self.name, "keys"] += len(keys)
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
        self.stats["iterate"] += 1
        READS[self.name, "iterate"] += 1
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
