"""Subscription streams: new blocks, and new txs matching a CometBFT query."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from hashlib import sha256
from types import SimpleNamespace

from cometgraph.storage.errors import NotFound
from cometgraph.storage.models import BlockMeta, Event, ExecResult
from cometgraph.storage.query import parse as parse_query
from cometgraph.storage.txmatch import Plan, plan, tx_matches

from .context import Context
from .live import Broadcaster
from .txs import TxRef


async def new_blocks(ctx: Context) -> AsyncIterator[BlockMeta]:
    """Block metas of every height a refresh makes visible, in order.

    Each batch pins the then-current snapshot; the previous batch's is released first,
    so a long-lived subscription never holds an old snapshot on disk.
    """
    live = _live(ctx)
    try:
        async for heights in live.subscribe():
            ctx.release()
            view = ctx.pin()
            wanted = [h for h in heights if view.earliest_height <= h <= view.latest_height]
            for meta in await ctx.loaders.block_meta.load_many(wanted):
                if meta is not None:
                    yield meta
    finally:
        ctx.release()


async def new_txs(ctx: Context, query: str | None) -> AsyncIterator[TxRef]:
    """Txs of every new block, in block order, that match ``query`` with the node's
    tx_search semantics (evaluated on each tx's own events, so no index lag)."""
    p = plan(parse_query(query)) if query else None
    live = _live(ctx)
    try:
        async for heights in live.subscribe():
            ctx.release()
            view = ctx.pin()
            wanted = [h for h in heights if view.earliest_height <= h <= view.latest_height]
            blocks = await ctx.loaders.block.load_many(wanted)
            results = await ctx.loaders.block_results.load_many(wanted)
            for h, blk, res in zip(wanted, blocks, results):
                if blk is None:
                    continue
                for i, raw in enumerate(blk.txs):
                    result = res.tx_results[i] if res is not None and i < len(res.tx_results) else None
                    if p is not None and not _matches(p, h, i, raw, result):
                        continue
                    yield TxRef(hash=sha256(raw).digest(), height=h, index=i, raw=raw, result=result)
    finally:
        ctx.release()


def _live(ctx: Context) -> Broadcaster:
    """The new-height fan-out (the server always gives one; a bare context may not)."""
    if ctx.live is None:
        raise NotFound("this server publishes no new heights")
    return ctx.live


def _matches(p: Plan, height: int, index: int, raw: bytes, result: ExecResult | None) -> bool:
    if p.hash is not None:
        return sha256(raw).digest() == p.hash
    if p.empty or result is None:
        return False
    return tx_matches(p, height, index, _as_index_events(result.events), True)


def _as_index_events(events: Iterable[Event]) -> list[SimpleNamespace]:
    """Model events → the shape the indexer's key builder reads (attribute bytes)."""
    return [
        SimpleNamespace(
            type=e.type,
            attributes=[SimpleNamespace(key=a.key.encode(), value=a.value.encode(), index=a.index) for a in e.attributes],
        )
        for e in events
    ]
