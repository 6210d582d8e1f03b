"""Tx and its connection: position and hash are known up front; result, bytes and body load lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import txs as R

from .common import make_page_info, Coin, Event, PageInfo, b64, hexu
from .scalars import JSON, BigInt

if TYPE_CHECKING:
    from .block import Block


@strawberry.type
class Fee:
    amount: list[Coin]
    gas_limit: BigInt
    payer: str | None
    granter: str | None


@strawberry.type(description="One message of a tx.")
class Message:
    type_url: str
    _value: strawberry.Private[bytes]

    @strawberry.field(description='The message as the node\'s REST prints it (proto3 JSON, original field names, "@type" on Any); unknown types give {"@type", "value": base64}.')
    def json(self, info: Info) -> JSON:
        return R.message_json(info.context, self.type_url, self._value)


@strawberry.type(description="A transaction: where it landed, what it did, what it said.")
class Tx:
    _ref: strawberry.Private[R.TxRef]

    @strawberry.field
    def hash(self) -> str:
        return hexu(self._ref.hash)

    @strawberry.field
    def height(self) -> int:
        return self._ref.height

    @strawberry.field
    def index(self) -> int:
        return self._ref.index

    @strawberry.field
    async def block(self, info: Info) -> Annotated[Block, strawberry.lazy(".block")]:
        from .block import Block

        return Block.from_model(await info.context.loaders.block_meta.load(self._ref.height))

    @strawberry.field
    async def code(self, info: Info) -> int:
        return (await R.tx_result(info.context, self._ref)).code

    @strawberry.field
    async def codespace(self, info: Info) -> str:
        return (await R.tx_result(info.context, self._ref)).codespace

    @strawberry.field
    async def log(self, info: Info) -> str:
        return (await R.tx_result(info.context, self._ref)).log

    @strawberry.field
    async def info(self, info: Info) -> str:
        return (await R.tx_result(info.context, self._ref)).info

    @strawberry.field
    async def gas_wanted(self, info: Info) -> BigInt:
        return (await R.tx_result(info.context, self._ref)).gas_wanted

    @strawberry.field
    async def gas_used(self, info: Info) -> BigInt:
        return (await R.tx_result(info.context, self._ref)).gas_used

    @strawberry.field(description="The result's data bytes, base64.")
    async def data(self, info: Info) -> str:
        return b64((await R.tx_result(info.context, self._ref)).data)

    @strawberry.field
    async def events(self, info: Info) -> list[Event]:
        return [Event.from_model(e) for e in (await R.tx_result(info.context, self._ref)).events]

    @strawberry.field
    async def memo(self, info: Info) -> str:
        return (await R.decoded(info.context, self._ref)).memo

    @strawberry.field
    async def timeout_height(self, info: Info) -> BigInt:
        return (await R.decoded(info.context, self._ref)).timeout_height

    @strawberry.field
    async def fee(self, info: Info) -> Fee:
        f = (await R.decoded(info.context, self._ref)).fee
        return Fee(
            amount=[Coin(denom=c.denom, amount=int(c.amount)) for c in f.amount],
            gas_limit=f.gas_limit,
            payer=f.payer or None,
            granter=f.granter or None,
        )

    @strawberry.field(description="The tx's messages; each decodes only when its json is asked.")
    async def messages(self, info: Info) -> list[Message]:
        return [Message(type_url=m.type_url, _value=m.value) for m in (await R.decoded(info.context, self._ref)).messages]

    @strawberry.field(description="Bech32 addresses of the signers, in signer-info order.")
    async def signers(self, info: Info) -> list[str]:
        return await R.tx_signers(info.context, self._ref)

    @strawberry.field(description="The tx bytes exactly as stored in the block, base64.")
    async def raw(self, info: Info) -> str:
        return b64(await R.tx_raw(info.context, self._ref))


@strawberry.type
class TxEdge:
    cursor: str
    node: Tx


@strawberry.type
class TxConnection:
    edges: list[TxEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[Tx]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page) -> TxConnection:
        edges = [TxEdge(cursor=c, node=Tx(_ref=r)) for c, r in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))
