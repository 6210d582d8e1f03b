"""The root multistore of a Cosmos SDK application.db (``rootmulti``).

Keys (SDK store/rootmulti/store.go, 0.44 → 0.50 alike):

* ``s/latest`` → gogo ``Int64Value``: the last committed version (= block height).
* ``s/{v}`` (ASCII decimal) → ``CommitInfo``: each store's (version, root hash). Pruning
  keeps these (checked: SDK 0.44 keeps all 10,001 of tm034; ``injectived prune`` on SDK
  0.50 keeps all 52 of the sample while deleting trees), so a CommitInfo does NOT mean
  the trees of that version are still readable: ``earliest_version`` looks at the trees.
* ``s/k:{name}/`` → the store's IAVL tree (``iavl.IAVLTree``).

The app hash of version v (the ``app_hash`` in the header of block v+1) is the RFC-6962
merkle root over the stores sorted by name, each leaf
``uvarint(len(name))‖name‖uvarint(32)‖sha256(store root hash)`` (store/internal/maps).

SDK ≤ 0.39 wrote ``s/latest`` and ``s/{v}`` in go-amino (``codec.amino_app``), and its
leaves hash the root twice; each record is read by its own bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from hashlib import sha256
from typing import NamedTuple, TypeVar, cast

from ..codec import amino_app
from ..codec.amino import AminoError
from ..codec.cometbft import parse
from ..codec.merkle import merkle_root
from ..errors import CorruptRecord, InvalidInput, NotFound, Pruned
from ..kv import KV
from ..lru import LRU
from ..proto import cosmos_store_pb2 as pb
from .iavl import IAVLTree, NodeCache, earliest_tree_version, put_bytes

LATEST_KEY = b"s/latest"
_MAX_VERSION = (1 << 63) - 1


def commit_info_key(version: int) -> bytes:
    return b"s/%d" % version


class CommitID(NamedTuple):
    version: int
    hash: bytes


def is_zero(cid: CommitID) -> bool:
    """A store committed without a tree (version 0, no hash)."""
    return cid.version == 0 and not cid.hash


T = TypeVar("T")


class AppStore:
    """Read-only view of one application.db snapshot: versions, commit infos, trees, app hashes."""

    #: read through a store's fast-node index where its bytes say it is valid (False: always walk the tree)
    use_fast_index: bool = True

    def __init__(self, kv: KV, cache: NodeCache | None = None) -> None:
        self.kv = kv
        self.db = kv.name
        #: decoded IAVL nodes; share one cache between the AppStores of successive snapshots of this database
        self.cache = cache if cache is not None else NodeCache()
        self._latest: int | None = None
        self._earliest: int | None = None
        #: decoded commit infos by version (a committed version never changes)
        self._infos: LRU[dict[str, CommitID]] = LRU(64)
        #: opened trees by (store, version, fast): a committed version's root and index record never change
        self._trees: LRU[IAVLTree] = LRU(256)
        self._amino: set[int] = set()  # versions whose commit info is amino (SDK ≤ 0.39)
        self._lock = threading.Lock()

    def decoded(self, kind: str, key: bytes, raw: bytes, decode: Callable[[], T], size: int) -> T:
        """``decode()`` of the record ``raw`` at store key ``key``, kept by its bytes.

        Most records read at one height hold the same bytes at the next (a validator changes
        when its tokens or description do): explorers asking for many heights decode each
        distinct record once. Kept in the node cache's share for records (``size`` bytes
        each, about), shared by every snapshot of this database."""
        records = self.cache.records
        entry = records.get((kind, key, raw))
        if entry is not None:
            return cast(T, entry[0])
        value = decode()
        records.put((kind, key, raw), (value, size + len(key) + len(raw)))
        return value

    def hint(self, kind: str, key: bytes) -> bytes | None:
        """A value ``remember``-ed for ``key``: a guess, which the caller checks against the
        records of the version it reads before it answers from it."""
        entry = self.cache.records.get(("hint", kind, key))
        return None if entry is None else cast(bytes, entry[0])

    def remember(self, kind: str, key: bytes, value: bytes) -> None:
        """Keep a guess for ``hint``, in the records' share of the cache (shared by snapshots)."""
        self.cache.records.put(("hint", kind, key), (value, 96 + len(key) + len(value)))

    # -------------------------------------------------------------- versions
    def latest_version(self) -> int:
        """The last committed version (0: nothing committed yet). Read once: the KV is a frozen snapshot."""
        if self._latest is None:
            raw = self.kv.get(LATEST_KEY)
            if raw is None:
                self._latest = 0
            else:
                v = self._decode_latest(raw)
                if v < 0:
                    raise CorruptRecord(self.db, LATEST_KEY, f"negative latest version {v}")
                self._latest = v
        return self._latest

    def _decode_latest(self, raw: bytes) -> int:
        if amino_app.is_amino_latest(raw):
            try:
                return amino_app.decode_latest(raw)
            except AminoError as exc:
                raise CorruptRecord(self.db, LATEST_KEY, f"not an amino version: {exc}") from None
        latest: int = parse(pb.Int64Value, raw, self.db, LATEST_KEY).value
        return latest

    def is_amino(self, version: int) -> bool:
        """Whether the commit info of ``version`` is SDK ≤ 0.39's amino one (its app hash leaves hash twice).

        Told by the record's first bytes: a module reader asks this for every version it opens,
        and decoding a whole CommitInfo (every store of the chain) cost more than its read."""
        if self._infos.peek(version) is not None:
            return version in self._amino
        self._check(version)
        raw = self.kv.get(commit_info_key(version))
        if raw is None:
            raise Pruned("commit info", version, self.earliest_version())
        return amino_app.is_amino_commit_info(raw)

    def earliest_version(self) -> int:
        """The lowest version whose trees are still kept (0: nothing committed).

        Each store of the latest CommitInfo is probed (``iavl.earliest_tree_version``): the
        first with one seek or two and a binary search over root slots, the others only for
        a root below the best found so far (usually one seek and one get). Stores added by
        an upgrade start later, so the lowest over all stores is the multistore's.
        Computed once per AppStore. A legacy chain pruned with keep-every may still have
        holes above this version (those raise ``Pruned``).
        """
        if self._earliest is None:
            latest = self.latest_version()
            if latest == 0:
                self._earliest = 0
            else:
                best: int | None = None
                for name in sorted(self.commit_info(latest)):
                    v = earliest_tree_version(self.kv, name, latest, below=best)
                    if v is not None:
                        best = v
                self._earliest = best if best is not None else latest
        return self._earliest

    def _check(self, version: int) -> None:
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= _MAX_VERSION:
            raise InvalidInput(f"version must be an integer from 1, got {version!r}")
        if version > self.latest_version():
            raise NotFound(f"application state has no version {version} (latest {self.latest_version()})")

    # -------------------------------------------------------------- commit infos
    def commit_info(self, version: int) -> Mapping[str, CommitID]:
        """Store name → (version, root hash) committed at ``version``."""
        self._check(version)
        got = self._infos.get(version)
        if got is not None:
            return got
        key = commit_info_key(version)
        raw = self.kv.get(key)
        if raw is None:
            raise Pruned("commit info", version, self.earliest_version())
        amino = amino_app.is_amino_commit_info(raw)
        stored, stores = self._decode_commit_info(raw, key, amino)
        if stored != version:
            raise CorruptRecord(self.db, key, f"holds the commit info of version {stored}")
        infos: dict[str, CommitID] = {}
        for name, v, h in stores:
            if name in infos:
                raise CorruptRecord(self.db, key, f"store {name!r} listed twice")
            infos[name] = CommitID(v, h)
        with self._lock:
            if amino:
                self._amino.add(version)
        self._infos.put(version, infos)
        return infos

    def _decode_commit_info(self, raw: bytes, key: bytes, amino: bool) -> tuple[int, list[tuple[str, int, bytes]]]:
        if amino:
            try:
                return amino_app.decode_commit_info(raw)
            except AminoError as exc:
                raise CorruptRecord(self.db, key, f"not an amino commit info: {exc}") from None
        msg = parse(pb.CommitInfo, raw, self.db, key)
        return msg.version, [(si.name, si.commit_id.version, bytes(si.commit_id.hash)) for si in msg.store_infos]

    # -------------------------------------------------------------- trees
    def tree(self, store: str, version: int) -> IAVLTree:
        """The IAVL tree of ``store`` at ``version``.

        ``NotFound`` above the latest version or for a store that did not exist then;
        ``Pruned`` for a version whose trees the node deleted.
        """
        self._check(version)
        key = (store, version, self.use_fast_index)
        tree = self._trees.get(key)
        if tree is not None:
            return tree
        try:
            tree = IAVLTree.at(self.kv, store, version, cache=self.cache, fast=self.use_fast_index)
        except Pruned:
            if not self._has_store(store, version):
                raise NotFound(f"application store {store!r} does not exist at version {version}") from None
            raise Pruned(f"application store {store}", version, self.earliest_version()) from None
        except NotFound:
            raise NotFound(f"application store {store!r} does not exist at version {version}") from None
        self._trees.put(key, tree)
        return tree

    def _root_hash(self, store: str, version: int, amino: bool) -> bytes:
        tree = self.tree(store, version)
        if amino and tree.is_empty:
            return b""  # iavl ≤ 0.14 (SDK ≤ 0.39) hashes an empty tree to nil
        return tree.root_hash()

    def _has_store(self, store: str, version: int) -> bool:
        try:
            return store in self.commit_info(version)
        except Pruned:
            return True  # no record to tell: report the version as pruned

    # -------------------------------------------------------------- app hash
    def app_hash(self, version: int, *, recompute: bool = False) -> bytes:
        """The app hash after ``version`` (= ``app_hash`` of block version+1's header).

        From the CommitInfo's store hashes; with ``recompute``, from every store's tree
        rehashed node by node instead (reads every node of every store). A store listed
        with the zero CommitID has no tree (SDK 0.44 lists its memory stores so, e.g.
        ``mem_capability``): its empty hash enters as it is, in both modes.
        """
        infos = self.commit_info(version)
        twice = self.is_amino(version)  # SDK ≤ 0.39: storeInfo.Hash() = sha256(root), hashed again as a map value
        leaves = []
        for name in sorted(infos, key=str.encode):
            cid = infos[name]
            h = self._root_hash(name, version, twice) if recompute and not is_zero(cid) else cid.hash
            value = sha256(sha256(h).digest()).digest() if twice else sha256(h).digest()
            leaves.append(put_bytes(name.encode()) + put_bytes(value))
        return merkle_root(leaves)
