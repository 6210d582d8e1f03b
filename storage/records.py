"""Decoded records that never change, shared by every snapshot of one chain.

A block's meta, its ABCI results and the validator set of a height are written once; a
new snapshot holds the same bytes for them as the last one did. Decoding them again for
every request is most of what a page of blocks or a validator set costs (docs/benchmarks.md),
so each reader keeps what it decoded here, keyed by kind and height.

Only heights below the snapshot's head are kept: a node that rolls back rewrites its top
height, never one below it. A snapshot whose head is lower than the last one's (a rollback)
gets a fresh cache (``storage/chain.py``). Bounded by the approximate bytes of what it holds.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from .lru import LRU

#: default bound: about 60,000 block metas, or fewer larger records
MAX_BYTES = 64 << 20


class RecordCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lru: LRU[tuple[Any, int]] = LRU(max_bytes, lambda entry: entry[1])

    def get(self, kind: str, key: Hashable) -> Any:
        entry = self._lru.get((kind, key))
        return None if entry is None else entry[0]

    def get_many(self, kind: str, keys: list[Any]) -> list[Any]:
        """``get`` of each key, aligned (None where not kept)."""
        return [None if e is None else e[0] for e in self._lru.get_many([(kind, k) for k in keys])]

    def put(self, kind: str, key: Hashable, value: Any, size: int) -> None:
        """Keep ``value`` (about ``size`` bytes once decoded)."""
        self._lru.put((kind, key), (value, size))

    def clear(self) -> None:
        self._lru.clear()

    @property
    def hits(self) -> int:
        return self._lru.hits

    @property
    def size(self) -> int:
        return self._lru.size

    def __len__(self) -> int:
        return len(self._lru)


#: what a decoded record costs in memory, per byte of its encoding (objects, ints, strings)
DECODED_PER_BYTE = 4
#: a block's ABCI results, mostly events (a named tuple and two strings an attribute), kept in
#: the cache: 5.4 bytes per byte stored over 500 blocks of the bench chain, 6.2 over the sample
#: chain's (tracemalloc; tests/storage/test_state.py checks the estimate covers them)
RESULTS_DECODED_PER_BYTE = 7
