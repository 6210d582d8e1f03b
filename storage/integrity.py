"""The chain as its own oracle: every stored height recomputed from its own bytes
(``cometgraph verify``, ``Block.verified``), and what a node home holds (``cometgraph check``:
each database's backend and format, its state, heights, layouts).

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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .app.store import AppStore
from .backends import UnsupportedFormat, detect
from .blocks import BlockStore
from .errors import CometgraphError
from .kv import first
from .models import BlockMeta
from .state import StateStore
from .txindex import TxIndex
from .verify_batch import verify_batch
from .verify_report import CHECKS, Report, Run

if TYPE_CHECKING:
    from .chain import Readers, View

BATCH = 512


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
    run = Run(report, stop_at_first, st.initial_height if st else 1)
    if lo >= 1 and hi >= lo:
        first = blocks.load_block_meta(lo)
        report.chain_id = first.header.chain_id if first else ""
        prev = _prev_meta(blocks, lo)
        if progress is not None:
            progress(0, report.heights)
        for start in range(lo, hi + 1, batch):
            hs = list(range(start, min(start + batch, hi + 1)))
            prev = verify_batch(run, blocks, state, app, hs, prev)
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
    out: dict[str, Any] = {"data_dir": str(data_dir), "databases": {}, "backends": {}}
    for name in ("blockstore", "state", "tx_index", "application", "evidence"):
        present = (data_dir / f"{name}.db").is_dir()
        if present:  # from the node's files alone: nothing is opened
            try:
                found = detect(data_dir / f"{name}.db")
                out["backends"][name] = {"backend": found.kind, "format": found.format}
            except UnsupportedFormat as exc:
                out["backends"][name] = {"backend": "unsupported", "format": str(exc)}
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
