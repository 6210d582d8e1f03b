from __future__ import annotations

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import status as R

from .scalars import DateTime


@strawberry.type(description="Where the chain stands in the snapshot this request reads.")
class Status:
    chain_id: str = strawberry.field(description="The chain id (from the latest block's header, else the node's state).")
    latest_height: int = strawberry.field(description="The newest block in this snapshot.")
    earliest_height: int = strawberry.field(description="The oldest block the node still keeps (the chain's first unless it pruned); lower heights are PRUNED.")
    latest_block_time: DateTime | None = strawberry.field(description="The latest block's time; null while the chain has no block.")
    node_version: str = strawberry.field(
        description='The consensus software version the node recorded in its state (e.g. CometBFT\'s "1.0.1"); empty when unknown.'
    )
    snapshot_height: int = strawberry.field(description="The newest height in the snapshot this request reads (= latestHeight).")
    snapshot_age: float = strawberry.field(description="Seconds since that snapshot was taken.")

    @strawberry.field(description="The node's own newest block, read from its blockstore journal; ≥ snapshotHeight.")
    async def node_height(self, info: Info) -> int:
        return await R.node_height(info.context, self.snapshot_height)

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
        )
