"""One thread-safe LRU for every cache cometgraph keeps, over ``cachetools.LRUCache``.

Bounded by a size that each cache chooses: bytes (``sizeof`` estimates one value) where
memory matters, a count (``sizeof`` omitted: every value counts 1) for small facts.
A value larger than the whole bound is not kept (it is computed again when asked again).
Only immutable facts are cached (a node by its key, a version's layout, a ranked list of one
version): nothing here is ever invalidated, only evicted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

V = TypeVar("V")


class LRU(Generic[V]):
    def __init__(self, max_size: int, sizeof: Callable[[V], int] | None = None) -> None:
        self.max_size = max_size
        self._sizeof = sizeof
        self._cache: LRUCache[Hashable, V] = LRUCache(maxsize=max(max_size, 1), getsizeof=sizeof)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._cache.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def get_many(self, keys: list[Hashable]) -> list[V | None]:
        """``get`` of each key under one lock (a page of 100 block metas: one acquire, not 100)."""
        with self._lock:
            get = self._cache.get
            out = [get(k) for k in keys]
            found = len(out) - out.count(None)
            self.hits += found
            self.misses += len(out) - found
            return out

    def peek(self, key: Hashable) -> V | None:
        """The cached value, without counting a hit or a miss (a reader that only looks)."""
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, value: V) -> None:
        size = self._sizeof(value) if self._sizeof is not None else 1
        if size > self.max_size:
            return
        with self._lock:
            self._cache[key] = value

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value, or ``compute()`` kept (outside the lock: two threads may both compute)."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    @property
    def size(self) -> int:
        """What the kept values add up to (bytes, or a count)."""
        return int(self._cache.currsize)

    def __len__(self) -> int:
        return len(self._cache)
