"""The chain as its own oracle: every stored height recomputed from its own bytes
(``cometgraph verify``, ``Block.verified``), and what a node home holds (``cometgraph check``).

For each height ``h`` of the block store (each check in the generation's own encoding):

==========================  ==============================================================
``block_hash``              the header re-hashes to the block id its meta records
``part_set_hash``           the block's parts hash to the meta's part-set hash
``last_block_id``           the header points at block ``h-1``'s id (empty at the first block)
``data_hash``               the block's txs hash to the header's ``data_hash``
``last_commit_hash``        the block's last commit hashes to the header's ``last_commit_hash``
``commit``                  the stored commit of ``h`` names block ``h``'s id and hashes to
                            block ``h+1``'s ``last_commit_hash`` (the top height: its seen
                            commit names the block)
``validators_hash``         the validator set state.db holds for ``h``
``next_validators_hash``    … and for ``h+1``
``consensus_hash``          the consensus params state.db holds for ``h``
``app_hash``                application.db's commit info of version ``h-1`` (its store roots)
``last_results_hash``       state.db's ABCI results of ``h-1`` (none before the first block)
==========================  ==============================================================

A check that cannot run at a height (data pruned, discarded, or never kept; the first
block's app hash is the genesis state's) is counted as *unchecked* with the reason; a
record that does not decode is a mismatch of check ``decode``. Reads go in batches
(``BATCH`` heights: one ``get_many`` per record kind), so 10,000 heights take seconds.

Nothing here knows GraphQL or the CLI: the functions take storage readers and return a
``Report`` (verify) or a plain dict (check); the CLI prints them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from .app.store import AppStore
from .blocks import BlockStore
from .codec import merkle
from .errors import CometgraphError, NotFound, Pruned
from .kv import first
from .models import Block, BlockID, BlockMeta, BlockResults, Commit, ConsensusParams, Validator
from .state import StateStore
from .txindex import TxIndex

if TYPE_CHECKING:
    from .chain import Readers, View

T = TypeVar("T")
#: a batch-loaded record of one height: the record, None (not stored), or why it failed to decode
Loaded: TypeAlias = T | CometgraphError | None

CHECKS = (
    "block_hash",
    "part_set_hash",
    "last_block_id",
    "data_hash",
    "last_commit_hash",
    "commit",
    "validators_hash",
    "next_validators_hash",
    "consensus_hash",
    "app_hash",
    "last_results_hash",
)
BATCH = 512
MAX_MISMATCHES = 50


@dataclass(frozen=True)
class Mismatch:
    height: int
    check: str
    #: what the chain recorded (the header, the meta, the next block), hex or text
    recorded: str
    #: what the stored data recomputes to (or the decode error)
    computed: str

    def __str__(self) -> str:
        if self.check == "decode":
            return f"height {self.height}: a record does not decode: {self.computed}"
        return f"height {self.height}: {self.check}: recorded {self.recorded}, recomputed {self.computed}"


@dataclass
class Report:
    chain_id: str = ""
    from_height: int = 0
    to_height: int = 0
    #: heights per header encoding (proto, amino-0.33, amino-0.32)
    encodings: Counter[str] = field(default_factory=Counter)
    #: check → heights where it ran and matched
    passed: Counter[str] = field(default_factory=Counter)
    #: (check, reason) → heights where it could not run
    unchecked: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: the first ``MAX_MISMATCHES`` mismatches in height order; ``mismatch_count`` counts all
    mismatches: list[Mismatch] = field(default_factory=list)
    mismatch_count: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.mismatch_count == 0

    @property
    def first_mismatch(self) -> Mismatch | None:
        return self.mismatches[0] if self.mismatches else None

    @property
    def heights(self) -> int:
        return max(0, self.to_height - self.from_height + 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "from_height": self.from_height,
            "to_height": self.to_height,
            "encodings": dict(self.encodings),
            "passed": dict(self.passed),
            "unchecked": [{"check": c, "reason": r, "heights": n} for (c, r), n in self.unchecked.items()],
            "mismatch_count": self.mismatch_count,
            "mismatches": [m.__dict__ for m in self.mismatches],
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
        }


def _hex(b: bytes) -> str:
    return b.hex().upper() if b else "(empty)"


class _Run:
    def __init__(self, report: Report, stop_at_first: bool, first_height: int) -> None:
        self.r = report
        self.stop = stop_at_first
        #: the chain's first height (state.db's initial_height): its block points at nothing
        self.first_height = first_height
        self._decode_failures: set[tuple[int, str]] = set()

    @property
    def done(self) -> bool:
        return self.stop and not self.r.ok

    def check(self, h: int, name: str, recorded: bytes, computed: bytes) -> None:
        if recorded == computed:
            self.r.passed[name] += 1
        else:
            self.fail(Mismatch(h, name, _hex(recorded), _hex(computed)))

    def fail(self, m: Mismatch) -> None:
        if m.check == "decode":  # one damaged record may be met by several checks
            if (m.height, m.computed) in self._decode_failures:
                return
            self._decode_failures.add((m.height, m.computed))
        self.r.mismatch_count += 1
        if len(self.r.mismatches) < MAX_MISMATCHES:
            self.r.mismatches.append(m)

    def skip(self, name: str, reason: str, n: int = 1) -> None:
        self.r.unchecked[name, reason] += n


def verify(
    blocks: BlockStore,
    state: StateStore | None,
    app: AppStore | None,
    from_height: int | None = None,
    to_height: int | None = None,
    *,
    stop_at_first: bool = False,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Verify heights ``from_height..to_height`` (default: everything the block store holds).

    ``progress(done, total)`` is called before the first batch and after each one (heights)."""
    started = time.monotonic()
    lo = blocks.base() if from_height is None else max(from_height, blocks.base())
    hi = blocks.height() if to_height is None else min(to_height, blocks.height())
    report = Report(from_height=lo, to_height=hi)
    st = state.load_state() if state is not None else None
    run = _Run(report, stop_at_first, st.initial_height if st else 1)
    if lo >= 1 and hi >= lo:
        first = blocks.load_block_meta(lo)
        report.chain_id = first.header.chain_id if first else ""
        prev = _prev_meta(blocks, lo)
        if progress is not None:
            progress(0, report.heights)
        for start in range(lo, hi + 1, batch):
            hs = list(range(start, min(start + batch, hi + 1)))
            prev = _verify_batch(run, blocks, state, app, hs, prev)
            if progress is not None:
                progress(hs[-1] - lo + 1, report.heights)
            if run.done:
                break
    report.seconds = time.monotonic() - started
    return report


def verify_readers(readers: Readers, from_height: int | None = None, to_height: int | None = None, **kw: Any) -> Report:
    """``verify`` over a ``storage.chain.Readers`` (a pinned snapshot's readers)."""
    state = readers.state if isinstance(readers.state, StateStore) else None
    return verify(readers.blocks, state, readers.app, from_height, to_height, **kw)


def height_checks(readers: Readers, height: int) -> dict[str, str]:
    """One block's verdict per check: ``"ok"``, ``"mismatch: …"`` or ``"unchecked: <reason>"``
    (what a GraphQL ``Block.verified`` field can show). Cost: the reads of one height,
    plus the previous meta; about a millisecond on a local snapshot."""
    r = verify_readers(readers, height, height)
    out = {name: "ok" for name in CHECKS if r.passed[name]}
    for (name, reason), _ in r.unchecked.items():
        out[name] = f"unchecked: {reason}"
    for m in r.mismatches:
        out[m.check] = f"mismatch: {m}"
    return out


def _prev_meta(blocks: BlockStore, h: int) -> BlockMeta | None:
    if h <= blocks.base():
        return None
    return blocks.load_block_meta(h - 1)


# ---------------------------------------------------------------- one batch
def _per_height(run: _Run, hs: Sequence[int], load: Callable[[Sequence[int]], Sequence[T | None]]) -> dict[int, Loaded[T]]:
    """Batch load; when the batch fails, load height by height so the failure names its height."""
    try:
        return dict(zip(hs, load(hs)))
    except CometgraphError:
        pass
    out: dict[int, Loaded[T]] = {}
    for h in hs:
        try:
            out[h] = load([h])[0]
        except Pruned:
            out[h] = None
        except CometgraphError as exc:
            out[h] = exc
    return out


def _known(metas: Mapping[int, Loaded[BlockMeta]], hs: Sequence[int]) -> list[BlockMeta | None] | None:
    """The already-loaded metas of ``hs``, or None (reload) when any of them failed to load."""
    got = [metas.get(h) for h in hs]
    known: list[BlockMeta | None] = [m for m in got if isinstance(m, BlockMeta)]
    return known if len(known) == len(got) else None


def _decoded(run: _Run, h: int, got: Loaded[T]) -> T | None:
    """The loaded value, or None after recording a decode failure."""
    if isinstance(got, CometgraphError):
        run.fail(Mismatch(h, "decode", "", str(got)))
        return None
    return got


def _verify_batch(run: _Run, blocks: BlockStore, state: StateStore | None, app: AppStore | None, hs: list[int], prev: BlockMeta | None) -> BlockMeta | None:
    top = blocks.height()
    ext = hs + ([hs[-1] + 1] if hs[-1] < top else [])
    metas = _per_height(run, ext, blocks.load_block_metas)
    bodies = _per_height(run, hs, lambda xs: blocks.load_blocks_with_parts(xs, _known(metas, xs)))
    commits = _per_height(run, hs, blocks.load_commits)
    vals: dict[int, Loaded[tuple[Validator, ...]]] = {}
    params: dict[int, Loaded[ConsensusParams]] = {}
    results: dict[int, Loaded[BlockResults]] = {}
    if state:
        vals = _per_height(run, hs + [hs[-1] + 1], state.load_validator_members_many)
        params = _per_height(run, hs, state.load_consensus_params_many)
        prior = [h - 1 for h in hs if h > 1]
        results = _per_height(run, prior, lambda xs: state.load_block_results_many(xs, events=False))
    for h in hs:
        meta = _decoded(run, h, metas.get(h))
        body = _decoded(run, h, bodies.get(h))
        if meta is None:
            prev = None
            continue
        run.r.encodings[meta.header.encoding] += 1
        nxt = metas.get(h + 1)
        nxt = nxt if isinstance(nxt, BlockMeta) else None
        _header_checks(run, h, meta, prev, body)
        _commit_checks(run, blocks, h, meta, body, _decoded(run, h, commits.get(h)) if h in commits else None, nxt)
        _state_checks(run, h, meta, state, vals, params, results)
        _app_check(run, h, meta, app)
        prev = meta
        if run.done:
            break
    return prev


def _header_checks(run: _Run, h: int, meta: BlockMeta, prev: BlockMeta | None, body: tuple[Block, list[bytes]] | None) -> None:
    header = meta.header
    run.check(h, "block_hash", meta.block_id.hash, merkle.header_hash(header))
    if h == run.first_height:
        run.check(h, "last_block_id", header.last_block_id.hash, b"")  # the first block points nowhere
    elif prev is None:
        run.skip("last_block_id", "the previous block is not stored (pruned below the base)")
    elif header.last_block_id != prev.block_id:
        run.fail(Mismatch(h, "last_block_id", _block_id_text(header.last_block_id), _block_id_text(prev.block_id)))
    else:
        run.r.passed["last_block_id"] += 1
    if body is None:
        return
    block, parts = body
    run.check(h, "part_set_hash", meta.block_id.part_set_header.hash, merkle.part_set_hash(parts))
    run.check(h, "data_hash", header.data_hash, merkle.data_hash(block.txs, header.encoding))


def _block_id_text(b: BlockID) -> str:
    return f"{_hex(b.hash)} (parts {b.part_set_header.total}, {_hex(b.part_set_header.hash)})"


def _commit_checks(
    run: _Run, blocks: BlockStore, h: int, meta: BlockMeta, body: tuple[Block, list[bytes]] | None, commit: Commit | None, nxt: BlockMeta | None
) -> None:
    block: Block | None = body[0] if body else None
    if block is not None:
        if block.last_commit is None:
            run.skip("last_commit_hash", "the block holds no last commit")
        else:
            run.check(h, "last_commit_hash", meta.header.last_commit_hash, merkle.commit_hash(block.last_commit))
    if h == blocks.height():
        try:
            seen = blocks.load_seen_commit(h)
        except CometgraphError as exc:
            run.fail(Mismatch(h, "decode", "", str(exc)))
            return
        if seen is None:
            run.skip("commit", "the top block has no commit yet, and no seen commit is stored")
        elif _same_block(run, h, meta, seen, "seen commit"):
            run.r.passed["commit"] += 1
        return
    if commit is None:  # below the top every height has one (block h+1 was saved with it)
        run.fail(Mismatch(h, "commit", "a commit (block h+1 is stored)", "none stored"))
        return
    if not _same_block(run, h, meta, commit, "commit"):
        return
    if nxt is None:
        run.r.passed["commit"] += 1
    else:
        run.check(h, "commit", nxt.header.last_commit_hash, merkle.commit_hash(commit))


def _same_block(run: _Run, h: int, meta: BlockMeta, commit: Commit, what: str) -> bool:
    if commit.block_id != meta.block_id:
        run.fail(Mismatch(h, "commit", _block_id_text(meta.block_id), f"{what} for {_block_id_text(commit.block_id)}"))
        return False
    return True


def _state_checks(
    run: _Run,
    h: int,
    meta: BlockMeta,
    state: StateStore | None,
    vals: Mapping[int, Loaded[tuple[Validator, ...]]],
    params: Mapping[int, Loaded[ConsensusParams]],
    results: Mapping[int, Loaded[BlockResults]],
) -> None:
    header, enc = meta.header, meta.header.encoding
    if state is None:
        for name in ("validators_hash", "next_validators_hash", "consensus_hash", "last_results_hash"):
            run.skip(name, "state.db is not available")
        return
    for name, at, recorded in (("validators_hash", h, header.validators_hash), ("next_validators_hash", h + 1, header.next_validators_hash)):
        got = _decoded(run, at, vals.get(at))
        if got is None:
            run.skip(name, "state.db holds no validator set for this height")
        else:
            run.check(h, name, recorded, merkle.validators_hash(got, enc))
    cp = _decoded(run, h, params.get(h))
    if cp is None:
        run.skip("consensus_hash", "state.db holds no consensus params for this height")
    else:
        run.check(h, "consensus_hash", header.consensus_hash, merkle.consensus_hash(cp.params))
    if h == run.first_height:  # nothing ran before the first block: the empty list's hash
        run.check(h, "last_results_hash", header.last_results_hash, merkle.results_hash([], enc))
        return
    res = _decoded(run, h - 1, results.get(h - 1))
    if res is None:
        run.skip("last_results_hash", "state.db keeps no ABCI results for the previous height")
    else:
        run.check(h, "last_results_hash", header.last_results_hash, merkle.results_hash(res.tx_results, enc))


def _app_check(run: _Run, h: int, meta: BlockMeta, app: AppStore | None) -> None:
    if app is None:
        run.skip("app_hash", "the node has no application.db (app state kept elsewhere or not shipped)")
        return
    if h == run.first_height:
        run.skip("app_hash", "block 1's app hash is the genesis state's (InitChain); no commit info records it")
        return
    try:
        computed = app.app_hash(h - 1)
    except Pruned:
        run.skip("app_hash", "application.db no longer holds the previous version's commit info")
        return
    except NotFound:
        run.skip("app_hash", "application.db has not committed the previous version")
        return
    except CometgraphError as exc:
        run.fail(Mismatch(h, "decode", "", str(exc)))
        return
    run.check(h, "app_hash", meta.header.app_hash, computed)


# ---------------------------------------------------------------- check
def _probe(report: dict[str, Any], key: str, fn: Callable[[], object]) -> None:
    try:
        report[key] = fn()
    except CometgraphError as exc:
        report.setdefault("problems", []).append(f"{key}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a report, not a crash
        report.setdefault("problems", []).append(f"{key}: unexpected {type(exc).__name__}: {exc}")


def check_report(view: View, data_dir: Path) -> dict[str, Any]:
    """``cometgraph check``: which databases and formats a node home holds, its height ranges,
    and anything that cannot be read — before serving it."""
    snap = view.snapshot
    out: dict[str, Any] = {"data_dir": str(data_dir), "databases": {}}
    for name in ("blockstore", "state", "tx_index", "application", "evidence"):
        present = (data_dir / f"{name}.db").is_dir()
        status = "missing"
        if name in snap.broken:
            status = f"cannot open: {snap.broken[name]}"
        elif snap.db(name) is not None:
            status = "ok"
        elif present:
            status = "present (not read)"
        out["databases"][name] = status
    blocks, state = view.blocks, view.state
    _probe(out, "blocks", lambda: {"base": blocks.base(), "height": blocks.height(), "key_layout": type(blocks.layout).__name__.strip("_").lower()})

    def chain() -> dict[str, Any]:
        st = state.load_state()
        meta = blocks.load_block_meta(view.latest_height) if view.latest_height else None
        return {
            "chain_id": meta.header.chain_id if meta else (st.chain_id if st else None),
            "latest_height": view.latest_height,
            "earliest_height": view.earliest_height,
            "latest_block_hash": meta.block_id.hash.hex().upper() if meta else None,
            "node_version": st.software if st else None,
            "block_protocol": meta.header.version_block if meta else None,
        }

    _probe(out, "chain", chain)

    def results() -> dict[str, str]:
        r = state.load_block_results(view.latest_height) if view.latest_height else None
        return {"abci_results_layout": r.layout if r else "none kept"}

    _probe(out, "state", results)

    def txindex() -> dict[str, Any]:
        txs = view.txs
        if not isinstance(txs, TxIndex) or not txs.enabled:  # NullTxIndex, Unavailable: never enabled
            return {"enabled": False}
        k = first(k for k in txs.kv.iterate(prefix=b"tx.height/", include_value=False))
        return {"enabled": True, "event_sequence_keys": bool(k and b"$es$" in k), "event_keys": len(txs.event_keys())}

    _probe(out, "tx_index", txindex)
    app = view.readers.app
    if app is not None:

        def application() -> dict[str, Any]:
            latest = app.latest_version()
            info = app.commit_info(latest)
            db = app.kv
            kinds = set()
            for store in list(info)[:50]:
                p = b"s/k:" + store.encode() + b"/"
                if first(db.iterate(prefix=p + b"s", include_value=False)) is not None:
                    kinds.add("iavl-v1")
                if first(db.iterate(prefix=p + b"r", include_value=False)) is not None:
                    kinds.add("iavl-legacy")
            return {
                "latest_version": latest,
                "earliest_version": app.earliest_version(),
                "stores": sorted(info),
                "iavl_formats": sorted(kinds),
                "bech32_prefixes": vars(view.readers.prefixes) if view.readers.prefixes else None,
            }

        _probe(out, "application", application)
    return out
