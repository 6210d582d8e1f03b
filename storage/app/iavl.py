"""IAVL trees of a Cosmos SDK application.db, read straight from the KV, in both node formats.

The node formats are in ``iavl_codec``; the fast-node index (one get instead of a walk, where
the node keeps it valid) in ``iavl_fast``; which versions a store keeps in ``iavl_versions``.

How many reads each costs: ``iavl_walk``; the fast index adds one ``get`` (``get_many``) per
read of a version it holds, and replaces the walk where it answers.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence

from ..errors import CorruptRecord, InvalidInput, NotFound, Pruned
from ..kv import KV, prefix_end
from .iavl_codec import (
    EMPTY_HASH,
    MAX_VERSION,
    Node,
    NodeCache,
    NodeFormatError,
    decode_legacy,
    decode_node,
    decode_v1,
    inner_hash,
    leaf_hash,
    legacy_ref,
    put_bytes,
    put_uvarint,
    put_varint,
    store_prefix,
    v1_ref,
)
from .iavl_fast import STORAGE_VERSION_KEY, FastIndex, fast_index_version
from .iavl_versions import earliest_tree_version, latest_tree_version
from .iavl_walk import NO_BOUND, TreeWalker

__all__ = [
    "EMPTY_HASH",
    "IAVLTree",
    "Node",
    "NodeCache",
    "decode_legacy",
    "decode_node",
    "decode_v1",
    "earliest_tree_version",
    "inner_hash",
    "latest_tree_version",
    "leaf_hash",
    "legacy_ref",
    "put_bytes",
    "put_uvarint",
    "put_varint",
    "store_prefix",
    "v1_ref",
]


class IAVLTree(TreeWalker):
    """One store's tree at one version: point reads and ordered iteration (the fast index first), the root hash."""

    def __init__(self, kv: KV, prefix: bytes, version: int, root_ref: bytes | None, root: Node | None, cache: NodeCache, fast: FastIndex | None = None) -> None:
        super().__init__(kv, prefix, version, root_ref, root, cache)
        #: the store's fast-node index where it is valid at or above this version (iavl_fast)
        self.fast = fast

    # -------------------------------------------------------------- opening
    @classmethod
    def at(cls, kv: KV, store: str | bytes, version: int, *, cache: NodeCache | None = None, fast: bool = True) -> IAVLTree:
        """The tree of ``store`` (a multistore name, or a raw key prefix) at ``version``.

        The store's storage-version record is read in the same ``get_many`` as the roots:
        where it says the fast-node index holds ``version`` or later, reads consult it
        first (``fast=False``: never, every read walks).

        Raises ``NotFound`` above the store's latest version, ``Pruned`` for a version
        the node no longer keeps, ``CorruptRecord`` for an undecodable root.
        """
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
            raise InvalidInput(f"version must be an integer from 1, got {version!r}")
        p = store_prefix(store)
        cache = cache if cache is not None else NodeCache(8 << 20)
        slot_key = p + v1_ref(version, 1)
        legacy_key = p + b"r" + struct.pack(">Q", version)
        slot, legacy_root, storage_version = kv.get_many([slot_key, legacy_key, p + STORAGE_VERSION_KEY])
        indexed = fast_index_version(storage_version) if fast else None
        tree = cls(kv, p, version, None, None, cache, FastIndex(kv, p, indexed) if indexed is not None and indexed >= version else None)
        if slot is not None:
            if slot == b"":
                return tree
            if slot[:1] == b"s" and len(slot) in (9, 13):  # reference root; a node never starts with 's' (height -58)
                ref = slot if len(slot) == 13 else slot + struct.pack(">I", 1)
                tree._root_ref = ref
                tree._root = tree._load(ref, NO_BOUND, referrer=slot_key)
                return tree
            try:
                root = decode_v1(v1_ref(version, 1), slot)
            except NodeFormatError as exc:
                raise CorruptRecord(kv.name, slot_key, f"not an IAVL v1 node: {exc}") from None
            tree._root_ref = v1_ref(version, 1)
            tree._root = root
            if not root.is_leaf:
                cache.put(slot_key, root)
            return tree
        if legacy_root is not None:
            if legacy_root == b"":
                return tree
            if len(legacy_root) != 32:
                raise CorruptRecord(kv.name, legacy_key, f"legacy root is {len(legacy_root)} bytes, not a 32-byte hash")
            tree._root_ref = legacy_ref(legacy_root)
            tree._root = tree._load(tree._root_ref, NO_BOUND, referrer=legacy_key)
            return tree
        name = store if isinstance(store, str) else repr(p)
        latest = latest_tree_version(kv, p)
        if version > latest:
            raise NotFound(f"store {name} has no version {version} (latest {latest})")
        earliest = earliest_tree_version(kv, p, latest) or latest
        raise Pruned(f"store {name}", version, earliest)

    @property
    def is_empty(self) -> bool:
        return self._root is None

    @property
    def size(self) -> int:
        """Number of keys (the root's size)."""
        return 0 if self._root is None else self._root.size

    @property
    def height(self) -> int:
        """Levels below the root: the most nodes a point read loads after ``at``."""
        return 0 if self._root is None else self._root.height

    # -------------------------------------------------------------- point reads
    def get(self, key: bytes) -> bytes | None:
        """The value at ``key``, or None: one ``get`` of the fast index where it answers, else one per uncached level."""
        key = bytes(key)
        if self._root is None:
            return None
        if self.fast is not None and key:
            hit = self.fast.get(key)
            if hit is not None and hit[0] <= self.version:
                return hit[1]
            if hit is None and self.fast.version == self.version:
                return None
        return self._walk_get(key)

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Values aligned with ``keys``: the fast index first (one ``get_many``) where it answers,
        the rest walked level by level, one ``get_many`` per level."""
        keys = [bytes(k) for k in keys]
        out: list[bytes | None] = [None] * len(keys)
        if self._root is None or not keys:
            return out
        todo = list(range(len(keys)))
        if self.fast is not None:
            latest = self.fast.version == self.version
            asked = [i for i in todo if keys[i]]
            todo = [i for i in todo if not keys[i]]
            for i, hit in zip(asked, self.fast.get_many([keys[i] for i in asked])):
                if hit is not None and hit[0] <= self.version:
                    out[i] = hit[1]
                elif hit is not None or not latest:
                    todo.append(i)
        if todo:
            for i, value in zip(todo, self._walk_get_many([keys[i] for i in todo])):
                out[i] = value
        return out

    # -------------------------------------------------------------- iteration
    def iterate(self, start: bytes | None = None, end: bytes | None = None, reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs with ``start <= key < end`` in key order (descending with ``reverse``), lazily."""
        start = None if start is None else bytes(start)
        end = None if end is None else bytes(end)
        if self._root is None or (start is not None and end is not None and start >= end):
            return iter(())
        if self.fast is not None and self.fast.version == self.version:
            return self._fast_walk(start, end, reverse)
        return self._walk(start, end, reverse)

    def _fast_walk(self, start: bytes | None, end: bytes | None, reverse: bool) -> Iterator[tuple[bytes, bytes]]:
        """The fast index in order; from a record a later version rewrote on, the tree walk takes over."""
        assert self.fast is not None
        for key, updated, value in self.fast.iterate(start, end, reverse):
            if updated > self.version:
                if reverse:
                    yield from self._walk(start, key + b"\x00", True)
                else:
                    yield from self._walk(key, end, False)
                return
            yield key, value

    def iterate_prefix(self, prefix: bytes, reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        prefix = bytes(prefix)
        return self.iterate(prefix or None, prefix_end(prefix) if prefix else None, reverse)

    def __repr__(self) -> str:
        return f"IAVLTree({self.prefix!r}, version={self.version}, empty={self.is_empty})"
