from __future__ import annotations

import strawberry

from .scalars import DateTime


@strawberry.type(description="Where the chain stands in the snapshot this request reads.")
class Status:
    chain_id: str
    latest_height: int
    earliest_height: int
    latest_block_time: DateTime | None
    node_version: str
    snapshot_height: int = strawberry.field(description="The newest height in the snapshot this request reads (= latestHeight).")
    snapshot_age: float = strawberry.field(description="Seconds since that snapshot was taken.")
    node_height: int = strawberry.field(description="The node's own newest block, read from its blockstore journal; ≥ snapshotHeight.")

    @classmethod
    def from_model(cls, s) -> Status:
        return cls(
            chain_id=s.chain_id,
            latest_height=s.latest_height,
            earliest_height=s.earliest_height,
            latest_block_time=s.latest_block_time,
            node_version=s.node_version,
            snapshot_height=s.snapshot_height,
            snapshot_age=s.snapshot_age,
            node_height=s.node_height,
        )
