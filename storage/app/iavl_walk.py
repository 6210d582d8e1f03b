"""Reading an IAVL tree's nodes: point paths, ordered walks over a frontier, the root hash.

Cost model (``kv`` calls; a node found in the shared ``NodeCache`` costs none):

* ``IAVLTree.at``: one ``get_many`` (v1 root slot, legacy root key, the store's
  storage-version record), plus one ``get`` when the root is a reference or a legacy hash.
* ``get``: one ``get`` per level below the root (≤ the root's height); with a fast index
  valid for the version (``iavl_fast``), one ``get`` and no walk where it answers.
* ``get_many``: one ``get_many`` per level, all keys' paths walked together (after one
  ``get_many`` of the fast index, for the keys it does not answer).
* ``iterate``: an in-order walk over a frontier (a deque of pending subtrees in visiting
  order). When the next node is unread, a window of the frontier is expanded through
  the nodes already read and its first ``width`` unread nodes are read with ONE
  ``get_many``. ``width`` starts at 2 and grows with the items consumed, up to 128: the
  first item costs about one call per level (≈ 2 nodes per level), a long scan about
  one call per 128 nodes (tm034 staking, 20k nodes: ~180 calls). Only subtrees that can
  hold keys in [start, end) are entered. Memory: the frontier, O(width × height)
  entries (≈1,100 at most on that 20k-node tree), never the whole range.
* ``iterate`` at the fast index's own version: a range scan of its records.
* ``root_hash()``: every node once, through the same walk at full width.

Iteration leaves are not put in the shared cache (a scan would evict the hot top of
every tree); inner nodes and point-lookup leaves are.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

from ..errors import CorruptRecord
from ..kv import KV
from .iavl_codec import EMPTY_HASH, Node, NodeCache, decode_node, inner_hash, leaf_hash

MAX_WIDTH = 128  # unread nodes per get_many when walking
NO_BOUND = 1 << 8  # above any int8 height


class TreeWalker:
    """The nodes of one store's tree at one version, read through a shared ``NodeCache``."""

    def __init__(self, kv: KV, prefix: bytes, version: int, root_ref: bytes | None, root: Node | None, cache: NodeCache) -> None:
        self.kv = kv
        self.db = kv.name
        self.prefix = prefix
        self.version = version
        self._root_ref = root_ref
        self._root = root
        self._cache = cache

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
        prefix = self.prefix
        cached = self._cache.get_many([prefix + ref for ref, _ in wanted])  # one lock for the level
        for (ref, bound), node in zip(wanted, cached):
            if ref in out:
                continue
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

    def _walk_get(self, key: bytes) -> bytes | None:
        node = self._root
        if node is None:
            return None
        while not node.is_leaf:
            ref = node.child(right=not key < node.key)
            node = self._load(ref, node.height)
        return node.value if node.key == key else None

    def _walk_get_many(self, keys: list[bytes]) -> list[bytes | None]:
        out: list[bytes | None] = [None] * len(keys)
        if self._root is None or self._root_ref is None:  # None together: an empty tree
            return out
        level: dict[bytes, tuple[Node, list[int]]] = {self._root_ref: (self._root, list(range(len(keys))))}
        while level:
            nxt: dict[bytes, list[int]] = {}
            bounds: dict[bytes, int] = {}
            for node, idxs in level.values():
                nkey, height = node.key, node.height
                if height == 0:
                    for i in idxs:
                        if keys[i] == nkey:
                            out[i] = node.value
                    continue
                left, right = node.left, node.right
                if left is None or right is None:  # as Node.child says it
                    raise ValueError(f"node {nkey!r} at height {height} has no children")
                for i in idxs:
                    ref = left if keys[i] < nkey else right
                    got = nxt.get(ref)
                    if got is None:
                        nxt[ref] = [i]
                        bounds[ref] = height
                    else:
                        got.append(i)
            if not nxt:
                break
            nodes = self._load_many([(ref, bounds[ref]) for ref in nxt])
            level = {ref: (nodes[ref], idxs) for ref, idxs in nxt.items()}
        return out

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
        leaves consumed, up to ``MAX_WIDTH``; ``width`` fixes it (full walks).
        """
        if self._root_ref is None:  # an empty tree (its root is None too)
            return
        front: deque[tuple[bytes, int, Node | None, bool]] = deque([(self._root_ref, NO_BOUND, self._root, False)])
        leaves = 0
        top = MAX_WIDTH
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
        for ref, node in self._preorder(None, None, False, width=MAX_WIDTH):
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
