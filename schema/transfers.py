"""Transfers (the "whale alert" feed and its live form) and block search: their root fields."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import blocks as block_resolvers
from cometgraph.resolvers import transfers as R
from cometgraph.resolvers.feed import SCAN_BUDGET
from cometgraph.resolvers.inputs import height_range

from .account import coin
from .block import BlockConnection
from .common import PAGE, Coin, Order, hexu
from .connection import connection
from .scalars import BigInt, DateTime
from .tx import Tx


@strawberry.type(description="One `transfer` event of a tx: coins the bank module moved from one account to another.")
class Transfer:
    sender: str = strawberry.field(description="The account the coins left (bech32); empty when the event names none.")
    recipient: str = strawberry.field(description="The account the coins reached (bech32).")
    amount: list[Coin] = strawberry.field(description="The coins moved, one per denom, in the event's order.")
    height: int = strawberry.field(description="Height of the tx's block.")
    message_index: int | None = strawberry.field(
        description="Which message of the tx moved them (the event's `msg_index`, from 0); null for the fee the tx paid."
    )
    _tx: strawberry.Private[object]

    @strawberry.field(description="The tx's hash, upper-case hex.")
    def tx_hash(self) -> str:
        return hexu(self._tx.hash)  # type: ignore[attr-defined]

    @strawberry.field(description="The time of the tx's block (its header's), as the RPC prints it.")
    async def time(self, info: Info) -> DateTime:
        meta = await block_resolvers.block_meta(info.context, self.height)
        return meta.header.time

    @strawberry.field(description="The tx that emitted it.")
    def tx(self) -> Tx:
        return Tx(_ref=self._tx)

    @classmethod
    def from_model(cls, t: R.Transfer) -> Transfer:
        return cls(
            sender=t.sender,
            recipient=t.recipient,
            amount=[coin(c) for c in t.amount],
            height=t.height,
            message_index=t.message_index,
            _tx=t.tx,
        )


TransferConnection = connection(
    Transfer,
    Transfer.from_model,
    description="Transfers, newest first.",
    edges_description="The page's transfers with their cursors, newest first.",
    nodes_description="The page's transfers without cursors, in the same order as `edges`.",
    edge_description="A transfer with its cursor.",
    cursor_description="Opaque position of this transfer: give it as `after` to `transfers` with the same arguments for the transfers after it.",
    node_description="The transfer.",
)


def arg(description: str):
    return strawberry.argument(description=description)


MIN_AMOUNT = "Only transfers moving at least this many base units: of `denom` when given, else of any one of their denoms."


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="Every `transfer` event of every tx (fees, sends, multi-send outputs, payouts; a failed tx's fee too), newest first "
        "(descending height, then the node's tx order within a height reversed, then each tx's events in order), read from the tx index. "
        f"Keyset-paged forward ({PAGE}); one request looks at no more than {SCAN_BUDGET:,} txs: past that its page ends early "
        "(short, maybe empty) with `hasNextPage` and an `endCursor` to resume from."
    )
    async def transfers(
        self,
        info: Info,
        address: Annotated[str | None, arg("Only transfers this account sent or received (bech32 with the chain's prefix, any case).")] = None,
        denom: Annotated[str | None, arg("Only transfers moving this denom (exactly, case-sensitive).")] = None,
        min_amount: Annotated[BigInt | None, arg(MIN_AMOUNT)] = None,
        min_height: Annotated[int | None, arg("Lowest height, inclusive (≥ 1); default no bound.")] = None,
        max_height: Annotated[int | None, arg("Highest height, inclusive (≥ 1); default no bound.")] = None,
        first: Annotated[int | None, arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, arg("A `transfers` cursor (an edge's `cursor` or `endCursor`) of the same arguments: the transfers after it.")] = None,
    ) -> TransferConnection:
        info.context.volatile()  # new txs arrive at the top
        lo, hi = height_range(min_height, max_height)
        f = R.transfer_filter(info.context, address, denom, min_amount)
        return TransferConnection.from_page(await R.transfers(info.context, f, lo, hi, first, after))

    @strawberry.field(
        description="Blocks whose finalize-block events match a CometBFT block_search query: exactly the node's heights, "
        f"in the node's order for the same order_by, keyset-paged ({PAGE}). A matched block this node no longer keeps is left out, as the node does."
    )
    async def block_search(
        self,
        info: Info,
        query: Annotated[str, arg("CometBFT block_search syntax (=, <, <=, >, >=, CONTAINS, EXISTS, AND; block.height), at most 512 bytes like the node.")],
        first: Annotated[int | None, arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, arg("A cursor of this same search (same query and order): the blocks after it.")] = None,
        order_by: Annotated[Order, arg("DESC (default, block_search's own default): newest first; ASC: oldest first.")] = Order.DESC,
    ) -> BlockConnection:
        info.context.volatile()  # new blocks may match
        return BlockConnection.from_page(await block_resolvers.block_search(info.context, query, first, after, order_by.value))


@strawberry.type
class EventSubscription:
    @strawberry.subscription(description="Every transfer of every new block's txs, in block order, optionally of one denom and at least `minAmount`.")
    async def new_transfers(
        self,
        info: Info,
        denom: Annotated[str | None, arg("Only transfers moving this denom (exactly, case-sensitive).")] = None,
        min_amount: Annotated[BigInt | None, arg(MIN_AMOUNT)] = None,
    ) -> AsyncGenerator[Transfer, None]:
        f = R.transfer_filter(info.context, None, denom, min_amount)
        async for t in R.new_transfers(info.context, f):
            yield Transfer.from_model(t)
