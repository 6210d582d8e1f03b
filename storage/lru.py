"""One thread-safe LRU for every cache cometgraph keeps, on the standard library's ``OrderedDict``.

Bounded by a size that each cache chooses: bytes (``sizeof`` estimates one value) where
memory matters, a count (``sizeof`` omitted: every value counts 1) for small facts.
A value larger than the whole bound is not kept (it is computed again when asked again).
Only immutable facts are cached (a node by its key, a version's layout, a ranked list of one
version): nothing here is ever invalidated, only evicted.

Not ``cachetools.LRUCache`` (used before, and still for the small unlocked caches elsewhere):
its hit is four Python calls (``get``, ``__getitem__``, the base class's, ``__touch``), and
the record and node caches are looked up ~100 times a page (a W1 page's block metas, a W5
page's IAVL levels): 13% of a W1 page's profile. Here a hit is ``dict.get`` and
``move_to_end``, both C.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    def __init__(self, max_size: int, sizeof: Callable[[V], int] | None = None) -> None:
        self.max_size = max_size
        self._sizeof = sizeof
        #: least recently used first
        self._cache: OrderedDict[Hashable, V] = OrderedDict()
        #: each key's size, where values are sized (``sizeof``); else each counts 1
        self._sizes: dict[Hashable, int] = {}
        self._bound = max(max_size, 1)
        self._used = 0
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
                self._cache.move_to_end(key)
            return value

    def get_many(self, keys: list[Hashable]) -> list[V | None]:
        """``get`` of each key under one lock (a page of 100 block metas: one acquire, not 100)."""
        with self._lock:
            cache = self._cache
            get, touch = cache.get, cache.move_to_end
            out = []
            found = 0
            for k in keys:
                v = get(k)
                if v is not None:
                    touch(k)
                    found += 1
                out.append(v)
            self.hits += found
            self.misses += len(out) - found
            return out

    def peek(self, key: Hashable) -> V | None:
        """The cached value, without counting a hit or a miss (a reader that only looks)."""
        with self._lock:
            value = self._cache.get(key)
            if value is not None:
                self._cache.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        size = self._sizeof(value) if self._sizeof is not None else 1
        if size > self.max_size:
            return
        with self._lock:
            cache, sizes = self._cache, self._sizes
            if key in cache:
                self._used -= sizes.pop(key)
            cache[key] = value
            cache.move_to_end(key)
            sizes[key] = size
            self._used += size
            while self._used > self._bound:
                old, _ = cache.popitem(last=False)
                self._used -= sizes.pop(old)

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
            self._sizes.clear()
            self._used = 0

    @property
    def size(self) -> int:
        """What the kept values add up to (bytes, or a count)."""
        return self._used

    def __len__(self) -> int:
        return len(self._cache)
