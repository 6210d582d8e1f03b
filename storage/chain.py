"""A node's chain as cometgraph sees it: the current snapshot and one reader per database.

``Chain`` owns the ``SnapshotHolder`` and refreshes it; ``View`` is one pinned
snapshot with its readers, held by a request from start to end so that every
answer in it comes from one point in time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, cast

from .app.auth import AuthReader
from .app.bank import BankReader
from .app.chainparams import ChainParams
from .app.distribution import DistributionReader
from .app.gov import GovReader
from .app.grants import GrantsReader
from .app.iavl import NodeCache
from .app.slashing import SlashingReader
from .app.wasm import WasmReader
from .app.staking import StakingReader
from .app.store import AppStore
from .blocks import BlockStore
from .codec.registry import DescriptorRegistry
from .errors import DatabaseBroken, DatabaseUnavailable
from .lru import LRU
from .records import RecordCache
from .nodehead import NodeHead
from .prefixes import Prefixes, detect
from .snapshot import Snapshot, SnapshotHolder, Snapshotter, find_data_dir
from .state import StateStore
from .txindex import NullTxIndex, TxIndex

log = logging.getLogger(__name__)

#: default bound of the decoded-record caches (``serve --cache-mb``)
CACHE_BYTES = 128 << 20
#: blocks whose ``verified`` answer is kept (a key and a bool: small facts, bounded by count)
VERIFIED_BLOCKS = 20_000


def cache_shares(total: int) -> tuple[int, int, int]:
    """``total`` bytes (``--cache-mb``) shared by the caches that grow with use: IAVL nodes 3/8 (an eighth of it
    for module records decoded from them, ``NodeCache.records``),
    block-level records 3/8, ranked lists (rich list, a validator's delegators) 1/4."""
    nodes = records = total * 3 // 8
    return nodes, records, total - nodes - records


def _ranking_bytes(rows: list[Any]) -> int:
    return 64 + 250 * len(rows)


@dataclass(frozen=True)
class Readers:
    blocks: BlockStore
    state: StateStore | Unavailable
    txs: TxIndex | NullTxIndex | Unavailable
    #: highest height every consensus database has: the blockstore is copied first
    latest_height: int
    earliest_height: int
    #: the chain's bech32 prefixes (None: no address anywhere in its data yet)
    prefixes: Prefixes | None = None
    #: application.db (None when the node keeps its app state elsewhere)
    app: AppStore | None = None
    #: module readers over ``app`` (None without app state or known prefixes)
    modules: Modules | None = None
    #: databases that would not open, and why
    broken: dict[str, str] | None = None
    #: facts derived from this snapshot alone, computed once by whoever asks first (resolvers.status)
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Modules:
    """One reader per SDK module store, per snapshot (they cache per version)."""

    auth: AuthReader
    bank: BankReader
    staking: StakingReader
    slashing: SlashingReader
    distribution: DistributionReader
    wasm: WasmReader
    gov: GovReader
    params: ChainParams
    grants: GrantsReader

    @classmethod
    def build(cls, app: AppStore, prefixes: Prefixes, registry: DescriptorRegistry | None) -> Modules:
        staking = StakingReader(app, prefixes)
        slashing = SlashingReader(app, prefixes)
        distribution = DistributionReader(app, prefixes, staking)
        gov = GovReader(app, registry)
        return cls(
            auth=AuthReader(app, prefixes, registry),
            bank=BankReader(app, registry),
            staking=staking,
            slashing=slashing,
            distribution=distribution,
            wasm=WasmReader(app),
            gov=gov,
            params=ChainParams(app, staking, slashing, distribution, gov),
            grants=GrantsReader(app, prefixes, registry),
        )


class Unavailable:
    """Stands in for the reader of a database that would not open: every call says why."""

    enabled = False

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def __getattr__(self, attr: str) -> Any:  # any reader's method: Any, as it stands in for any reader
        if attr.startswith("_"):
            raise AttributeError(attr)

        def fail(*args: object, **kwargs: object) -> NoReturn:
            raise DatabaseBroken(f"{self.name}.db cannot be read: {self.reason}")

        return fail


def build_readers(
    snap: Snapshot,
    prefixes: Prefixes | None = None,
    node_cache: NodeCache | None = None,
    registry: DescriptorRegistry | None = None,
    records: RecordCache | None = None,
) -> Readers:
    blockdb, statedb = snap.db("blockstore"), snap.db("state")
    if blockdb is None:  # the snapshotter takes none without it
        raise DatabaseUnavailable("blockstore.db is missing")
    blocks = BlockStore(blockdb, records)
    broken = snap.broken
    state: StateStore | Unavailable
    if "state" in broken:
        state = Unavailable("state", broken["state"])
    elif statedb is None:  # no state.db at all: serve the blocks, say why state cannot be read
        state = Unavailable("state", "state.db is missing")
    else:
        state = StateStore(statedb, base=blocks.base(), records=records)
    st = None if isinstance(state, Unavailable) else state.load_state()
    top = blocks.height()
    if st is not None and st.last_block_height:
        top = min(top, st.last_block_height)
    txdb = snap.db("tx_index")
    txs: TxIndex | NullTxIndex | Unavailable
    if "tx_index" in broken:
        txs = Unavailable("tx_index", broken["tx_index"])
    else:
        txs = TxIndex(txdb, records, head=blocks.height()) if txdb is not None else NullTxIndex()
    appdb = snap.db("application")
    app = AppStore(appdb, node_cache) if appdb is not None else None
    modules = Modules.build(app, prefixes, registry) if app is not None and prefixes is not None else None
    return Readers(
        blocks=blocks,
        state=state,
        txs=txs,
        latest_height=top,
        earliest_height=blocks.base(),
        prefixes=prefixes,
        app=app,
        modules=modules,
        broken=dict(broken),
    )


class View:
    """One snapshot, pinned: release it when the request is done."""

    def __init__(self, snap: Snapshot, readers: Readers) -> None:
        self.snapshot = snap
        self.readers = readers
        self.blocks = readers.blocks
        self.state = readers.state
        self.txs = readers.txs

    @property
    def latest_height(self) -> int:
        return self.readers.latest_height

    @property
    def earliest_height(self) -> int:
        return self.readers.earliest_height

    def release(self) -> None:
        self.snapshot.release()


class Chain:
    """The service's handle on one node: open, pin views, refresh, close."""

    def __init__(
        self,
        data_dir: Path,
        snapshot_dir: Path | None = None,
        prefixes: Prefixes | None = None,
        registry: DescriptorRegistry | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        self.data_dir = find_data_dir(data_dir=data_dir)
        #: what the caches may hold together (``cache_shares``)
        self.cache_bytes = cache_bytes
        nodes, records, rankings = cache_shares(cache_bytes)
        self.prefixes = prefixes
        #: protobuf types for tx messages: built-in SDK types plus the operator's descriptor sets
        self.registry = registry or DescriptorRegistry()
        #: IAVL nodes are immutable per key, so one cache serves every snapshot of application.db
        self.node_cache = NodeCache(nodes)
        #: decoded block metas, validator sets and ABCI results below the head, for every snapshot
        self.records = RecordCache(records)
        self._latest = 0
        #: ranked lists (rich list, a validator's delegators) by (kind, version, subject): a
        #: committed version never changes, so they are computed once and paged many times
        #: (a row is (amount, address, record), ~250 bytes)
        self.rankings: LRU[list[Any]] = LRU(rankings, _ranking_bytes)
        #: ``Block.verified`` by (height, block hash): a stored block never changes
        self.verified: LRU[bool] = LRU(VERIFIED_BLOCKS)
        self._app_latest = 0
        #: the node's own head, read from its blockstore journal (never opened)
        self.node_head = NodeHead(self.data_dir / "blockstore.db")
        # readers are built (and so the snapshot verified) before a snapshot is published
        self.holder = SnapshotHolder(Snapshotter(self.data_dir, snapshot_dir), prepare=self._prepare)

    def _prepare(self, snap: Snapshot) -> Readers:
        if self.prefixes is None:  # detected once, from the first snapshot that has an address
            self.prefixes = detect(self.data_dir.parent, snap.db("state"), snap.db("tx_index"))
        readers = build_readers(snap, self.prefixes, self.node_cache, self.registry, self.records)
        rebuild = False
        if readers.latest_height < self._latest:  # the node was rolled back: its top may be rewritten
            self.records = RecordCache(self.records.max_bytes)
            rebuild = True
        self._latest = readers.latest_height
        if readers.app is not None:
            latest = readers.app.latest_version()
            if latest < self._app_latest:  # the node was rolled back: versions may be rewritten
                self.node_cache = NodeCache(self.node_cache.max_bytes)
                rebuild = True
            self._app_latest = latest
        if rebuild:
            readers = build_readers(snap, self.prefixes, self.node_cache, self.registry, self.records)
        return readers

    @classmethod
    def from_home(
        cls,
        home: Path | None = None,
        data_dir: Path | None = None,
        snapshot_dir: Path | None = None,
        registry: DescriptorRegistry | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> Chain:
        return cls(find_data_dir(home, data_dir), snapshot_dir, registry=registry, cache_bytes=cache_bytes)

    def open(self) -> Chain:
        self.holder.open()
        return self

    def refresh(self, force: bool = False) -> bool:
        """Take a new snapshot if the node wrote anything; True when one was swapped in."""
        return self.holder.refresh(force=force) is not None

    def pin(self) -> View:
        snap = self.holder.pin()
        return View(snap, cast(Readers, snap.readers))  # the holder's prepare is build_readers

    @contextmanager
    def view(self) -> Iterator[View]:
        v = self.pin()
        try:
            yield v
        finally:
            v.release()

    def close(self) -> None:
        self.holder.close()
