"""IAVL trees of a Cosmos SDK application.db, read straight from the KV, in both node formats.

One store's tree lives under a key prefix, ``s/k:<name>/`` for the root multistore's
stores. Two node formats exist, and one tree may mix them (a chain upgraded from SDK
≤ 0.47 to 0.50 keeps its untouched legacy subtrees under new v1 nodes):

legacy (iavl ≤ 0.20)
    ``r``+BE64(version) → root hash (empty: empty tree); ``n``+hash → node
    ``varint height‖varint size‖varint version‖bytes key`` then ``bytes value`` (leaf)
    or ``bytes leftHash‖bytes rightHash`` (inner). A node's key is its hash.
v1 (iavl 1.x)
    ``s``+BE64(version)+BE32(nonce) → node ``varint height‖varint size‖bytes key`` then
    ``bytes value`` (leaf) or ``bytes hash‖varint mode‖left‖right`` (inner); a child is
    ``bytes hash`` (legacy, mode bit 1 left / bit 2 right) or ``varint version‖varint
    nonce``. The root slot (v, 1) holds the root node itself, nothing (empty tree), or a
    *reference* ``s``+key of an older root (9 bytes: (that version, 1)). Pruning re-saves
    a root still referenced by a later version as (v, 0): a missing (v, 1) node is looked
    up there, as iavl's ``GetNode`` does. A version without a (v, 1) slot falls back to
    the legacy ``r`` root.

"varint" is Go's zigzag ``binary.PutVarint``, "bytes" a uvarint length + bytes. The node
hash (both formats) is sha256 of ``varint height‖varint size‖varint version`` then
``bytes key‖bytes sha256(value)`` (leaf) or ``bytes leftHash‖bytes rightHash``; a v1
node's version is its key's. (cosmos/iavl v1.2.6 node.go, nodedb.go; v0.20.1 node.go.)

Cost model (``kv`` calls; a node found in the shared ``NodeCache`` costs none):

* ``IAVLTree.at``: one ``get_many`` (v1 root slot + legacy root key), plus one ``get``
  when the root is a reference or a legacy hash.
* ``get``: one ``get`` per level below the root (≤ the root's height).
* ``get_many``: one ``get_many`` per level, all keys' paths walked together.
* ``iterate``: an in-order walk over a frontier (a deque of pending subtrees in visiting
  order). When the next node is unread, a window of the frontier is expanded through
  the nodes already read and its first ``width`` unread nodes are read with ONE
  ``get_many``. ``width`` starts at 2 and grows with the items consumed, up to 128: the
  first item costs about one call per level (≈ 2 nodes per level), a long scan about
  one call per 128 nodes (tm034 staking, 20k nodes: ~180 calls). Only subtrees that can
  hold keys in [start, end) are entered. Memory: the frontier, O(width × height)
  entries (≈1,100 at most on that 20k-node tree), never the whole range.
* ``root_hash()``: every node once, through the same walk at full width.

Iteration leaves are not put in the shared cache (a scan would evict the hot top of
every tree); inner nodes and point-lookup leaves are.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterator, Sequence
from hashlib import sha256

from ..errors import CorruptRecord, InvalidInput, NotFound, Pruned
from ..kv import KV, prefix_end
from ..lru import LRU
from ..codec.varint import read_uvarint

EMPTY_HASH = sha256(b"").digest()

_MAX_VERSION = (1 << 63) - 1
_MAX_WIDTH = 128  # unread nodes per get_many when walking
_NO_BOUND = 1 << 8  # above any int8 height


# ------------------------------------------------------------------ encoding
class _Bad(Exception):
    """Undecodable node bytes; turned into CorruptRecord by the caller, who knows the key."""


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    return read_uvarint(buf, pos, _Bad)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Go ``binary.Varint`` (zigzag)."""
    u, pos = _uvarint(buf, pos)
    return (~(u >> 1) if u & 1 else u >> 1), pos


def _bytes(buf: bytes, pos: int) -> tuple[bytes, int]:
    n, pos = _uvarint(buf, pos)
    if n > len(buf) - pos:
        raise _Bad(f"length {n} runs past the end ({len(buf) - pos} bytes left)")
    return bytes(buf[pos : pos + n]), pos + n


def put_uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def put_varint(x: int) -> bytes:
    return put_uvarint(x << 1 if x >= 0 else ((~x) << 1) | 1)


def put_bytes(b: bytes) -> bytes:
    return put_uvarint(len(b)) + b


def v1_ref(version: int, nonce: int) -> bytes:
    """A v1 node's key suffix under the store prefix."""
    return b"s" + struct.pack(">QI", version, nonce)


def legacy_ref(node_hash: bytes) -> bytes:
    """A legacy node's key suffix under the store prefix."""
    return b"n" + node_hash


def store_prefix(store: str | bytes) -> bytes:
    """``s/k:<name>/`` for a multistore name; bytes are taken as the prefix itself."""
    if isinstance(store, str):
        if not store or "/" in store:
            raise InvalidInput(f"bad store name {store!r}")
        return b"s/k:" + store.encode() + b"/"
    return bytes(store)


# ------------------------------------------------------------------ nodes
class Node:
    """One decoded node. ``left``/``right`` are child key suffixes (``s``+12 B or ``n``+32 B)."""

    __slots__ = ("height", "size", "version", "key", "value", "hash", "left", "right", "legacy")

    def __init__(
        self,
        height: int,
        size: int,
        version: int,
        key: bytes,
        value: bytes | None,
        node_hash: bytes | None,
        left: bytes | None,
        right: bytes | None,
        legacy: bool,
    ) -> None:
        self.height: int = height
        self.size: int = size
        #: the version hashed into the node: a legacy node's own field, a v1 node's key version
        self.version: int = version
        self.key: bytes = key
        self.value: bytes | None = value
        #: stored hash: a legacy node's key, a v1 inner node's field; None for a v1 leaf
        self.hash: bytes | None = node_hash
        self.left: bytes | None = left
        self.right: bytes | None = right
        self.legacy: bool = legacy

    @property
    def is_leaf(self) -> bool:
        return self.height == 0

    def child(self, right: bool) -> bytes:
        """An inner node's left or right child ref (the decoders give every inner node both)."""
        ref = self.right if right else self.left
        if ref is None:
            raise ValueError(f"node {self.key!r} at height {self.height} has no children")
        return ref

    def leaf_value(self) -> bytes:
        """A leaf's value (the decoders give every leaf one)."""
        if self.value is None:
            raise ValueError(f"node {self.key!r} at height {self.height} has no value")
        return self.value

    def cost(self) -> int:
        return 96 + len(self.key) + (len(self.value) if self.value is not None else 0)


def _header(buf: bytes) -> tuple[int, int, int]:
    height, pos = _varint(buf, 0)
    if not 0 <= height <= 127:
        raise _Bad(f"height {height} outside 0..127")
    size, pos = _varint(buf, pos)
    if size < 1 or (height == 0 and size != 1):
        raise _Bad(f"size {size} impossible at height {height}")
    return height, size, pos


def _end(buf: bytes, pos: int) -> None:
    if pos != len(buf):
        raise _Bad(f"{len(buf) - pos} trailing bytes")


def _hash32(buf: bytes, pos: int, what: str) -> tuple[bytes, int]:
    h, pos = _bytes(buf, pos)
    if len(h) != 32:
        raise _Bad(f"{what} is {len(h)} bytes, not 32")
    return h, pos


def decode_v1(ref: bytes, buf: bytes) -> Node:
    """A v1 node stored at ``ref`` (``s``+BE64 version+BE32 nonce)."""
    version = struct.unpack(">Q", ref[1:9])[0]
    height, size, pos = _header(buf)
    key, pos = _bytes(buf, pos)
    if height == 0:
        value, pos = _bytes(buf, pos)
        _end(buf, pos)
        return Node(0, 1, version, key, value, None, None, None, False)
    node_hash, pos = _hash32(buf, pos, "hash")
    mode, pos = _varint(buf, pos)
    if not 0 <= mode <= 3:
        raise _Bad(f"child mode {mode} outside 0..3")
    children = []
    for bit, side in ((1, "left"), (2, "right")):
        if mode & bit:
            h, pos = _hash32(buf, pos, f"legacy {side} child hash")
            children.append(legacy_ref(h))
        else:
            cv, pos = _varint(buf, pos)
            nonce, pos = _varint(buf, pos)
            if not 1 <= cv <= _MAX_VERSION or not 0 <= nonce < 1 << 32:
                raise _Bad(f"{side} child key ({cv}, {nonce}) out of range")
            children.append(v1_ref(cv, nonce))
    _end(buf, pos)
    return Node(height, size, version, key, None, node_hash, children[0], children[1], False)


def decode_legacy(ref: bytes, buf: bytes) -> Node:
    """A legacy node stored at ``ref`` (``n``+its hash)."""
    height, size, pos = _header(buf)
    version, pos = _varint(buf, pos)
    if version < 1:
        raise _Bad(f"version {version} below 1")
    key, pos = _bytes(buf, pos)
    if height == 0:
        value, pos = _bytes(buf, pos)
        _end(buf, pos)
        return Node(0, 1, version, key, value, ref[1:], None, None, True)
    lh, pos = _hash32(buf, pos, "left hash")
    rh, pos = _hash32(buf, pos, "right hash")
    _end(buf, pos)
    return Node(height, size, version, key, None, ref[1:], legacy_ref(lh), legacy_ref(rh), True)


def decode_node(ref: bytes, buf: bytes) -> Node:
    """Decode by the key's form; raises ``ValueError`` with the reason on bad bytes."""
    try:
        if len(ref) == 13 and ref[:1] == b"s":
            return decode_v1(ref, buf)
        if len(ref) == 33 and ref[:1] == b"n":
            return decode_legacy(ref, buf)
    except _Bad as exc:
        raise ValueError(str(exc)) from None
    raise ValueError(f"not a node key: {ref!r}")


def leaf_hash(node: Node) -> bytes:
    return sha256(put_varint(0) + put_varint(1) + put_varint(node.version) + put_bytes(node.key) + put_bytes(sha256(node.leaf_value()).digest())).digest()


def inner_hash(node: Node, left_hash: bytes, right_hash: bytes) -> bytes:
    return sha256(put_varint(node.height) + put_varint(node.size) + put_varint(node.version) + put_bytes(left_hash) + put_bytes(right_hash)).digest()


# ------------------------------------------------------------------ cache
class NodeCache(LRU[Node]):
    """Decoded nodes keyed by their full database key, bounded by their approximate bytes.

    Nodes are immutable once written, so one cache may serve every snapshot of ONE
    database (pass it to each tree); never share it between different databases.
    """

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        super().__init__(max_bytes, Node.cost)


# ------------------------------------------------------------------ versions of a store
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


# ------------------------------------------------------------------ the tree
class IAVLTree:
    """One store's tree at one version: point reads, ordered iteration, the root hash."""

    def __init__(self, kv: KV, prefix: bytes, version: int, root_ref: bytes | None, root: Node | None, cache: NodeCache) -> None:
        self.kv = kv
        self.db = kv.name
        self.prefix = prefix
        self.version = version
        self._root_ref = root_ref
        self._root = root
        self._cache = cache

    # -------------------------------------------------------------- opening
    @classmethod
    def at(cls, kv: KV, store: str | bytes, version: int, *, cache: NodeCache | None = None) -> IAVLTree:
        """The tree of ``store`` (a multistore name, or a raw key prefix) at ``version``.

        Raises ``NotFound`` above the store's latest version, ``Pruned`` for a version
        the node no longer keeps, ``CorruptRecord`` for an undecodable root.
        """
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= _MAX_VERSION:
            raise InvalidInput(f"version must be an integer from 1, got {version!r}")
        p = store_prefix(store)
        cache = cache if cache is not None else NodeCache(8 << 20)
        slot_key = p + v1_ref(version, 1)
        legacy_key = p + b"r" + struct.pack(">Q", version)
        slot, legacy_root = kv.get_many([slot_key, legacy_key])
        tree = cls(kv, p, version, None, None, cache)
        if slot is not None:
            if slot == b"":
                return tree
            if slot[:1] == b"s" and len(slot) in (9, 13):  # reference root; a node never starts with 's' (height -58)
                ref = slot if len(slot) == 13 else slot + struct.pack(">I", 1)
                tree._root_ref = ref
                tree._root = tree._load(ref, _NO_BOUND, referrer=slot_key)
                return tree
            try:
                root = decode_v1(v1_ref(version, 1), slot)
            except _Bad as exc:
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
            tree._root = tree._load(tree._root_ref, _NO_BOUND, referrer=legacy_key)
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

    # -------------------------------------------------------------- node reads
    def _decode(self, ref: bytes, raw: bytes, key: bytes, bound: int) -> Node:
        try:
            node = decode_node(ref, raw)
        except ValueError as exc:
            raise CorruptRecord(self.db, key, f"not an IAVL node: {exc}") from None
        if node.height >= bound:
            raise CorruptRecord(self.db, key, f"child of height {node.height} under a node of height {bound}")
        return node

    def _missing(self, ref: bytes, referrer: bytes | None) -> CorruptRecord:
        by = f" (referenced by {referrer!r})" if referrer else ""
        return CorruptRecord(self.db, self.prefix + ref, f"IAVL node missing in a retained version {self.version}{by}")

    def _load(self, ref: bytes, bound: int, referrer: bytes | None = None, keep_leaf: bool = True) -> Node:
        """One node with ``get`` (cache first)."""
        key = self.prefix + ref
        node = self._cache.get(key)
        if node is not None:
            if node.height >= bound:
                raise CorruptRecord(self.db, key, f"child of height {node.height} under a node of height {bound}")
            return node
        raw = self.kv.get(key)
        if raw is None and ref[:1] == b"s" and ref[9:] == b"\x00\x00\x00\x01":
            raw = self.kv.get(self.prefix + ref[:9] + b"\x00\x00\x00\x00")  # a root re-saved by pruning
        if raw is None:
            raise self._missing(ref, referrer)
        node = self._decode(ref, raw, key, bound)
        if keep_leaf or not node.is_leaf:
            self._cache.put(key, node)
        return node

    def _load_many(self, wanted: Sequence[tuple[bytes, int]], keep_leaf: bool = True) -> dict[bytes, Node]:
        """Nodes for (ref, bound) pairs: cache first, then ONE ``get_many`` (a second only for re-saved roots)."""
        out: dict[bytes, Node] = {}
        todo: list[tuple[bytes, int]] = []
        for ref, bound in wanted:
            if ref in out:
                continue
            node = self._cache.get(self.prefix + ref)
            if node is not None:
                if node.height >= bound:
                    raise CorruptRecord(self.db, self.prefix + ref, f"child of height {node.height} under a node of height {bound}")
                out[ref] = node
            else:
                todo.append((ref, bound))
        if not todo:
            return out
        raws = self.kv.get_many([self.prefix + ref for ref, _ in todo])
        retry = [(ref, b) for (ref, b), raw in zip(todo, raws) if raw is None and ref[:1] == b"s" and ref[9:] == b"\x00\x00\x00\x01"]
        resaved: dict[bytes, bytes | None] = {}
        if retry:
            got = self.kv.get_many([self.prefix + ref[:9] + b"\x00\x00\x00\x00" for ref, _ in retry])
            resaved = {ref: raw for (ref, _), raw in zip(retry, got)}
        for (ref, bound), raw in zip(todo, raws):
            if raw is None:
                raw = resaved.get(ref)
                if raw is None:
                    raise self._missing(ref, None)
            key = self.prefix + ref
            node = self._decode(ref, raw, key, bound)
            if keep_leaf or not node.is_leaf:
                self._cache.put(key, node)
            out[ref] = node
        return out

    # -------------------------------------------------------------- point reads
    def get(self, key: bytes) -> bytes | None:
        """The value at ``key``, or None. One ``get`` per uncached level."""
        key = bytes(key)
        node = self._root
        if node is None:
            return None
        while not node.is_leaf:
            ref = node.child(right=not key < node.key)
            node = self._load(ref, node.height)
        return node.value if node.key == key else None

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Values aligned with ``keys``; the paths are walked level by level, one ``get_many`` per level."""
        keys = [bytes(k) for k in keys]
        out: list[bytes | None] = [None] * len(keys)
        if self._root is None or self._root_ref is None or not keys:  # None together: an empty tree
            return out
        level: dict[bytes, tuple[Node, list[int]]] = {self._root_ref: (self._root, list(range(len(keys))))}
        while level:
            nxt: dict[bytes, list[int]] = {}
            bounds: dict[bytes, int] = {}
            for node, idxs in level.values():
                if node.is_leaf:
                    for i in idxs:
                        if keys[i] == node.key:
                            out[i] = node.value
                    continue
                for i in idxs:
                    ref = node.child(right=not keys[i] < node.key)
                    nxt.setdefault(ref, []).append(i)
                    bounds[ref] = node.height
            if not nxt:
                break
            nodes = self._load_many([(ref, bounds[ref]) for ref in nxt])
            level = {ref: (nodes[ref], idxs) for ref, idxs in nxt.items()}
        return out

    # -------------------------------------------------------------- iteration
    def iterate(self, start: bytes | None = None, end: bytes | None = None, reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs with ``start <= key < end`` in key order (descending with ``reverse``), lazily."""
        start = None if start is None else bytes(start)
        end = None if end is None else bytes(end)
        if self._root is None or (start is not None and end is not None and start >= end):
            return iter(())
        return self._walk(start, end, reverse)

    def iterate_prefix(self, prefix: bytes, reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        prefix = bytes(prefix)
        return self.iterate(prefix or None, prefix_end(prefix) if prefix else None, reverse)

    def _children(self, node: Node, start: bytes | None, end: bytes | None, reverse: bool) -> list[tuple[bytes, int, None, bool]]:
        """Frontier entries for the subtrees that can hold keys in [start, end), in visiting order.

        Left keys < node.key <= right keys.
        """
        out: list[tuple[bytes, int, None, bool]] = []
        if start is None or start < node.key:
            out.append((node.child(right=False), node.height, None, False))
        if end is None or node.key < end:
            out.append((node.child(right=True), node.height, None, False))
        if reverse:
            out.reverse()
        return out

    def _preorder(self, start: bytes | None, end: bytes | None, reverse: bool, width: int | None = None) -> Iterator[tuple[bytes, Node]]:
        """Every node of the tree that can hold keys in [start, end), pre-order (node, then its
        subtrees in visiting order), lazily.

        The frontier is a deque of (ref, bound, node or None, expanded) in visiting order.
        When its head is not read yet, a window is pulled from the front: loaded inner
        nodes in it are expanded on the spot (their children join the window) until it
        holds ``width`` unread refs, which are read with ONE ``get_many``. The width starts
        at 2 (a consumer that stops early pays about one call per level) and grows with the
        leaves consumed, up to ``_MAX_WIDTH``; ``width`` fixes it (full walks).
        """
        if self._root_ref is None:  # an empty tree (its root is None too)
            return
        front: deque[tuple[bytes, int, Node | None, bool]] = deque([(self._root_ref, _NO_BOUND, self._root, False)])
        leaves = 0
        top = _MAX_WIDTH
        while front:
            ref, bound, node, expanded = front[0]
            if node is not None:
                front.popleft()
                yield ref, node
                if node.is_leaf:
                    leaves += 1
                elif not expanded:
                    front.extendleft(reversed(self._children(node, start, end, reverse)))
                continue
            want = width or min(top, 2 + leaves)
            window: list[tuple[bytes, int, Node | None, bool]] = []
            unread: list[int] = []
            while front and len(unread) < want and len(window) < 4 * want:
                e = front.popleft()
                r, bd, n, ex = e
                if n is None:
                    unread.append(len(window))
                elif not n.is_leaf and not ex:
                    e = (r, bd, n, True)
                    front.extendleft(reversed(self._children(n, start, end, reverse)))
                window.append(e)
            nodes = self._load_many([(window[i][0], window[i][1]) for i in unread], keep_leaf=False)
            for i in unread:
                r, bd, _, _ = window[i]
                window[i] = (r, bd, nodes[r], False)
            front.extendleft(reversed(window))

    def _walk(self, start: bytes | None, end: bytes | None, reverse: bool) -> Iterator[tuple[bytes, bytes]]:
        for _, node in self._preorder(start, end, reverse):
            if node.is_leaf and (start is None or start <= node.key) and (end is None or node.key < end):
                yield node.key, node.leaf_value()

    # -------------------------------------------------------------- hashing
    def root_hash(self, recompute: bool = True) -> bytes:
        """The tree's root hash; sha256("") for an empty tree.

        ``recompute`` (default) rehashes every node from its bytes, checking each legacy
        node against its key, each v1 inner node against its stored hash, and sizes and
        heights against the children: a mismatch is ``CorruptRecord`` naming the node.
        Without it, the root's stored hash is returned (no reads).
        """
        root = self._root
        if root is None or self._root_ref is None:  # None together: an empty tree
            return EMPTY_HASH
        if not recompute:
            return root.hash if root.hash is not None else leaf_hash(root)
        open_: list[tuple[bytes, Node, list[tuple[bytes, Node]]]] = []  # inner nodes waiting for their children's hashes
        result = None
        for ref, node in self._preorder(None, None, False, width=_MAX_WIDTH):
            if not node.is_leaf:
                open_.append((ref, node, []))
                continue
            h = leaf_hash(node)
            if node.hash is not None and h != node.hash:
                raise CorruptRecord(self.db, self.prefix + ref, "legacy leaf does not hash to its key")
            done = node
            while True:
                if not open_:
                    result = h
                    break
                kids = open_[-1][2]
                kids.append((h, done))
                if len(kids) < 2:
                    break
                pref, done, _ = open_.pop()
                (lh, ln), (rh, rn) = kids
                if done.size != ln.size + rn.size or done.height != max(ln.height, rn.height) + 1:
                    raise CorruptRecord(self.db, self.prefix + pref, "size or height disagrees with the children")
                h = inner_hash(done, lh, rh)
                if h != done.hash:
                    raise CorruptRecord(self.db, self.prefix + pref, "recomputed hash differs from the stored one")
        if result is None or open_:
            raise CorruptRecord(self.db, self.prefix + self._root_ref, "tree walk ended with unfinished inner nodes")
        return result

    def __repr__(self) -> str:
        return f"IAVLTree({self.prefix!r}, version={self.version}, empty={self.is_empty})"
