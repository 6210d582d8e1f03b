"""Where the chain stands in the current snapshot."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.chain import Chain, View
from cometgraph.storage.models import Time

from .context import Context


@dataclass(frozen=True)
class StatusInfo:
    chain_id: str
    latest_height: int
    earliest_height: int
    latest_block_time: Time | None
    node_version: str
    snapshot_height: int
    snapshot_age: float
    node_height: int


def _status(view: View, chain: Chain) -> StatusInfo:
    state = view.state.load_state()
    meta = view.blocks.load_block_meta(view.latest_height) if view.latest_height else None
    chain_id = meta.header.chain_id if meta else (state.chain_id if state else "")
    return StatusInfo(
        chain_id=chain_id,
        latest_height=view.latest_height,
        earliest_height=view.earliest_height,
        latest_block_time=meta.header.time if meta else None,
        node_version=state.software if state else "",
        snapshot_height=view.latest_height,
        snapshot_age=max(0.0, time.time() - view.snapshot.taken_at),
        node_height=max(chain.node_head.height() or 0, view.latest_height),
    )


async def status(ctx: Context) -> StatusInfo:
    return await run_in_threadpool(_status, ctx.pin(), ctx.chain)
