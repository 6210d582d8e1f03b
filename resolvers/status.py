"""Where the chain stands in the current snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.models import Time

from .context import Context


@dataclass(frozen=True)
class StatusInfo:
    chain_id: str
    latest_height: int
    earliest_height: int
    latest_block_time: Time | None
    node_version: str


def _status(view) -> StatusInfo:
    state = view.state.load_state()
    meta = view.blocks.load_block_meta(view.latest_height) if view.latest_height else None
    chain_id = meta.header.chain_id if meta else (state.chain_id if state else "")
    return StatusInfo(
        chain_id=chain_id,
        latest_height=view.latest_height,
        earliest_height=view.earliest_height,
        latest_block_time=meta.header.time if meta else None,
        node_version=state.software if state else "",
    )


async def status(ctx: Context) -> StatusInfo:
    return await run_in_threadpool(_status, ctx.pin())
