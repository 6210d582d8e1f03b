"""Which versions of one IAVL store are still on disk: seeks over the root keys, no tree walk."""

from __future__ import annotations

import struct

from ..kv import KV
from .iavl_codec import store_prefix, v1_ref


def _first_key(kv: KV, prefix: bytes, reverse: bool) -> bytes | None:
    for k in kv.iterate(prefix=prefix, reverse=reverse, include_value=False):
        key: bytes = k
        return key
    return None


def latest_tree_version(kv: KV, store: str | bytes) -> int:
    """Highest version with a root in the store (0: none). Two seeks."""
    p = store_prefix(store)
    best = 0
    k = _first_key(kv, p + b"s", True)
    if k is not None and len(k) == len(p) + 13:
        best = struct.unpack(">Q", k[len(p) + 1 : len(p) + 9])[0]
    k = _first_key(kv, p + b"r", True)
    if k is not None and len(k) == len(p) + 9:
        best = max(best, struct.unpack(">Q", k[len(p) + 1 :])[0])
    return best


def earliest_tree_version(kv: KV, store: str | bytes, latest: int, below: int | None = None) -> int | None:
    """Lowest version that still has a root in the store, or None (with ``below``: none under it).

    A legacy ``r`` root is found with one seek (legacy pruning may leave holes above it:
    keep-every snapshots). v1 pruning deletes versions from the bottom only, so v1 root
    slots form a run up to ``latest``: one seek finds the oldest surviving node's version,
    then a binary search over root slots (≈ log2(latest) gets; one get when unpruned).
    """
    p = store_prefix(store)
    hi = latest if below is None else min(latest, below - 1)
    if hi < 1:
        return None
    k = _first_key(kv, p + b"r", False)
    if k is not None and len(k) == len(p) + 9:
        v: int = struct.unpack(">Q", k[len(p) + 1 :])[0]
        if v <= hi:
            return v
    k = _first_key(kv, p + b"s", False)
    if k is None or len(k) != len(p) + 13:
        return None
    lo: int = struct.unpack(">Q", k[len(p) + 1 : len(p) + 9])[0]

    def has(v: int) -> bool:
        return kv.get(p + v1_ref(v, 1)) is not None

    if lo > hi:
        return None
    if has(lo):
        return lo
    if not has(hi):
        return None
    while hi - lo > 1:  # invariant: not has(lo), has(hi)
        mid = (lo + hi) // 2
        if has(mid):
            hi = mid
        else:
            lo = mid
    return hi
