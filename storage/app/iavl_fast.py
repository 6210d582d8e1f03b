"""The fast-node index of one IAVL store: the live value of each key, one database get away.

A node that runs with ``iavl-disable-fastnode = false`` keeps, beside the tree (cosmos/iavl
v1 nodedb.go, fastnode/fast_node.go; checked on bytes written by injectived 1.20.1):

* ``f``+key → ``varint versionLastUpdatedAt‖bytes value``: the key's value in the latest
  version the index was saved at, and the version that last set it. A key removed from the
  tree is removed from the index.
* ``m``+``storage_version`` → ASCII ``1.1.0-<F>`` (``1.0.0`` or no record: no index), the
  version ``F`` the index was last saved at. iavl rewrites it on every save, after the
  version's ``f`` records and before its tree nodes; a node that stops keeping the index
  leaves a record naming the last version it did keep, so the index says nothing past it.

What a read of version ``t`` may take from it (iavl's own ``ImmutableTree.Get``):

* ``t > F`` (or no valid record): nothing; walk the tree.
* a record with ``versionLastUpdatedAt <= t <= F``: its value IS the value at ``t`` (set
  then and not set again up to ``F``; a removal would have deleted the record, a re-set
  raised its version).
* a record updated after ``t``: says nothing about ``t``; walk.
* no record: the key is absent at ``F`` (so at ``t == F``), but may have existed at an
  older ``t``: walk unless ``t == F``. Likewise an ordered scan of the index is the tree's
  content only at ``t == F``.

A snapshot taken while the node saves version ``F+1`` may hold part of its ``f`` records
before the record says ``F+1`` (iavl's batch flushes past ~100 kB). Records it rewrote carry
``F+1`` and are walked; a key it removed reads as absent at ``F``: the same answer the node
itself would give after a crash at that point.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..errors import CorruptRecord
from ..kv import KV, prefix_end
from .iavl_codec import NodeFormatError, read_bytes, read_varint

#: the store-relative key of the storage-version record
STORAGE_VERSION_KEY = b"mstorage_version"
FAST_PREFIX = b"f"
_FAST_STORAGE_VERSION = "1.1.0"


def fast_index_version(record: bytes | None) -> int | None:
    """The version ``F`` a storage-version record says the fast index holds, or None (no valid index)."""
    if not record:
        return None
    try:
        text = record.decode("ascii")
    except UnicodeDecodeError:
        return None
    parts = text.split("-")
    if len(parts) != 2 or parts[0] < _FAST_STORAGE_VERSION or not parts[1].isdigit():
        return None
    version = int(parts[1])
    return version if version >= 1 else None


def decode_fast_node(buf: bytes) -> tuple[int, bytes]:
    """(versionLastUpdatedAt, value) of one ``f`` record; raises ``NodeFormatError``."""
    version, pos = read_varint(buf, 0)
    if version < 1:
        raise NodeFormatError(f"version {version} below 1")
    value, pos = read_bytes(buf, pos)
    if pos != len(buf):
        raise NodeFormatError(f"{len(buf) - pos} trailing bytes")
    return version, value


class FastIndex:
    """The ``f`` records of the store under ``prefix``, valid up to version ``version`` (F)."""

    def __init__(self, kv: KV, prefix: bytes, version: int) -> None:
        self.kv = kv
        self.prefix = prefix
        self.version = version

    def _decode(self, key: bytes, raw: bytes) -> tuple[int, bytes]:
        try:
            return decode_fast_node(raw)
        except NodeFormatError as exc:
            raise CorruptRecord(self.kv.name, self.prefix + FAST_PREFIX + key, f"not an IAVL fast node: {exc}") from None

    def get_many(self, keys: Sequence[bytes]) -> list[tuple[int, bytes] | None]:
        """(versionLastUpdatedAt, value) or None per key: ONE ``get_many``."""
        base = self.prefix + FAST_PREFIX
        raws = self.kv.get_many([base + k for k in keys])
        return [None if raw is None else self._decode(k, raw) for k, raw in zip(keys, raws)]

    def get(self, key: bytes) -> tuple[int, bytes] | None:
        raw = self.kv.get(self.prefix + FAST_PREFIX + key)
        return None if raw is None else self._decode(key, raw)

    def iterate(self, start: bytes | None, end: bytes | None, reverse: bool) -> Iterator[tuple[bytes, int, bytes]]:
        """(key, versionLastUpdatedAt, value) with ``start <= key < end`` in key order (or reversed)."""
        base = self.prefix + FAST_PREFIX
        lo = base + (start or b"")
        hi = base + end if end is not None else prefix_end(base)
        n = len(base)
        # reverse: bounded by ``stop`` alone, ``lo`` checked here (plyvel 1.5.1 with both bounds
        # yields nothing when the range's only key is ``start`` itself; checked on these bytes)
        for k, raw in self.kv.iterate(start=None if reverse else lo, stop=hi, reverse=reverse):
            if k < lo:
                return
            key = bytes(k[n:])
            version, value = self._decode(key, raw)
            yield key, version, value
