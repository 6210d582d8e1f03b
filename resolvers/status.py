"""Where the chain stands in the current snapshot."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.chain import View
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


@dataclass(frozen=True)
class _Fixed:
    """What a snapshot says about itself: the same for every request that reads it."""

    chain_id: str
    latest_block_time: Time | None
    node_version: str


def _fixed(view: View) -> _Fixed:
    state = view.state.load_state()
    meta = view.blocks.load_block_meta(view.latest_height) if view.latest_height else None
    chain_id = meta.header.chain_id if meta else (state.chain_id if state else "")
    return _Fixed(chain_id, meta.header.time if meta else None, state.software if state else "")


async def status(ctx: Context) -> StatusInfo:
    """The snapshot's status; its fixed part is read once per snapshot, so asking costs no read."""
    view = ctx.pin()
    memo = view.readers.memo.get("status")
    if isinstance(memo, _Fixed):
        fixed = memo
    else:
        fixed = await run_in_threadpool(_fixed, view)
        view.readers.memo["status"] = fixed
    return StatusInfo(
        chain_id=fixed.chain_id,
        latest_height=view.latest_height,
        earliest_height=view.earliest_height,
        latest_block_time=fixed.latest_block_time,
        node_version=fixed.node_version,
        snapshot_height=view.latest_height,
        snapshot_age=max(0.0, time.time() - view.snapshot.taken_at),
    )


async def node_height(ctx: Context, snapshot_height: int) -> int:
    """The node's own newest height, from its journal (a directory listing and a read: only when asked)."""
    node: int | None = await run_in_threadpool(ctx.chain.node_head.height)
    return max(node or 0, snapshot_height)
