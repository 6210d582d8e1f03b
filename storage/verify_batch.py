"""One batch of ``cometgraph verify``: every check of ``storage.integrity``'s table over a run of
heights, with one batched read per record kind (a failed batch is reread height by height, so a
record that does not decode is named by its height)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeAlias, TypeVar

from .app.store import AppStore
from .blocks import BlockStore
from .codec import merkle
from .errors import CometgraphError, NotFound, Pruned
from .models import Block, BlockID, BlockMeta, BlockResults, Commit, ConsensusParams, Validator
from .state import StateStore
from .verify_report import Mismatch, Run, hex_or_empty

T = TypeVar("T")
#: a batch-loaded record of one height: the record, None (not stored), or why it failed to decode
Loaded: TypeAlias = T | CometgraphError | None


def _per_height(run: Run, hs: Sequence[int], load: Callable[[Sequence[int]], Sequence[T | None]]) -> dict[int, Loaded[T]]:
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


def _decoded(run: Run, h: int, got: Loaded[T]) -> T | None:
    """The loaded value, or None after recording a decode failure."""
    if isinstance(got, CometgraphError):
        run.fail(Mismatch(h, "decode", "", str(got)))
        return None
    return got


def verify_batch(run: Run, blocks: BlockStore, state: StateStore | None, app: AppStore | None, hs: list[int], prev: BlockMeta | None) -> BlockMeta | None:
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


def _header_checks(run: Run, h: int, meta: BlockMeta, prev: BlockMeta | None, body: tuple[Block, list[bytes]] | None) -> None:
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
    return f"{hex_or_empty(b.hash)} (parts {b.part_set_header.total}, {hex_or_empty(b.part_set_header.hash)})"


def _commit_checks(
    run: Run, blocks: BlockStore, h: int, meta: BlockMeta, body: tuple[Block, list[bytes]] | None, commit: Commit | None, nxt: BlockMeta | None
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


def _same_block(run: Run, h: int, meta: BlockMeta, commit: Commit, what: str) -> bool:
    if commit.block_id != meta.block_id:
        run.fail(Mismatch(h, "commit", _block_id_text(meta.block_id), f"{what} for {_block_id_text(commit.block_id)}"))
        return False
    return True


def _state_checks(
    run: Run,
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


def _app_check(run: Run, h: int, meta: BlockMeta, app: AppStore | None) -> None:
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
