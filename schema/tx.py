"""Tx and its connection: position and hash are known up front; result, bytes and body load lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import blocks as block_resolvers
from cometgraph.resolvers import txs as R

from .common import Coin, Event, b64, events_of, hexu
from .connection import connection
from .scalars import JSON, BigInt

if TYPE_CHECKING:
    from .block import Block


@strawberry.type(description="What a tx offered to pay, from its auth info.")
class Fee:
    amount: list[Coin] = strawberry.field(description="The fee coins, in the tx's own order.")
    gas_limit: BigInt = strawberry.field(description="The most gas the tx may use.")
    payer: str | None = strawberry.field(description="The fee payer when the tx names one (otherwise the first signer pays); null when unset.")
    granter: str | None = strawberry.field(description="The fee granter (x/feegrant) when the tx names one; null when unset.")


@strawberry.type(description="One message of a tx.")
class Message:
    type_url: str = strawberry.field(description='The message\'s type URL, e.g. "/cosmos.bank.v1beta1.MsgSend".')
    _value: strawberry.Private[bytes]

    @strawberry.field(
        description='The message as the node\'s REST prints it (proto3 JSON, original field names, "@type" on Any); unknown types give {"@type", "value": base64}.'
    )
    def json(self, info: Info) -> JSON:
        return R.message_json(info.context, self.type_url, self._value)


@strawberry.type(description="A transaction: where it landed, what it did, what it said.")
class Tx:
    _ref: strawberry.Private[R.TxRef]

    @strawberry.field(description="SHA-256 of the tx bytes, upper-case hex.")
    def hash(self) -> str:
        return hexu(self._ref.hash)

    @strawberry.field(description="Height of the block that holds it.")
    def height(self) -> int:
        return self._ref.height

    @strawberry.field(description="Its position in that block, from 0.")
    def index(self) -> int:
        return self._ref.index

    @strawberry.field(description="The block that holds it.")
    async def block(self, info: Info) -> Annotated[Block, strawberry.lazy(".block")]:
        from .block import Block

        return Block.from_model(await block_resolvers.block_meta(info.context, self._ref.height))

    @strawberry.field(description="ABCI result code: 0 is success, anything else a failure (see `codespace`).")
    async def code(self, info: Info) -> int:
        return (await R.tx_result(info.context, self._ref)).code

    @strawberry.field(description="The module that set a non-zero `code`; empty on success.")
    async def codespace(self, info: Info) -> str:
        return (await R.tx_result(info.context, self._ref)).codespace

    @strawberry.field(description="The result's log as the node stored it (on failure, the error text).")
    async def log(self, info: Info) -> str:
        return (await R.tx_result(info.context, self._ref)).log

    @strawberry.field(description="The result's info string (usually empty).")
    async def info(self, info: Info) -> str:
        return (await R.tx_result(info.context, self._ref)).info

    @strawberry.field(description="Gas the tx asked for, as its result records it.")
    async def gas_wanted(self, info: Info) -> BigInt:
        return (await R.tx_result(info.context, self._ref)).gas_wanted

    @strawberry.field(description="Gas it consumed.")
    async def gas_used(self, info: Info) -> BigInt:
        return (await R.tx_result(info.context, self._ref)).gas_used

    @strawberry.field(description="The result's data bytes, base64.")
    async def data(self, info: Info) -> str:
        return b64((await R.tx_result(info.context, self._ref)).data)

    @strawberry.field(description="The tx's ABCI events, in the node's order.")
    async def events(self, info: Info) -> list[Event]:
        return events_of((await R.tx_result(info.context, self._ref)).events)

    @strawberry.field(description="The tx body's memo (empty when none).")
    async def memo(self, info: Info) -> str:
        return (await R.decoded(info.context, self._ref)).memo

    @strawberry.field(description="The height after which the tx could not be included; 0 = no timeout.")
    async def timeout_height(self, info: Info) -> BigInt:
        return (await R.decoded(info.context, self._ref)).timeout_height

    @strawberry.field(description="The fee and gas limit from the tx's auth info.")
    async def fee(self, info: Info) -> Fee:
        f = (await R.decoded(info.context, self._ref)).fee
        return Fee(
            amount=[Coin(denom=c.denom, amount=int(c.amount)) for c in f.amount],
            gas_limit=f.gas_limit,
            payer=f.payer or None,
            granter=f.granter or None,
        )

    @strawberry.field(description="The tx's messages in body order; each decodes only when its json is asked.")
    async def messages(self, info: Info) -> list[Message]:
        return [Message(type_url=m.type_url, _value=m.value) for m in (await R.decoded(info.context, self._ref)).messages]

    @strawberry.field(description="Bech32 addresses of the signers, in signer-info order.")
    async def signers(self, info: Info) -> list[str]:
        return await R.tx_signers(info.context, self._ref)

    @strawberry.field(description="The tx bytes exactly as stored in the block, base64.")
    async def raw(self, info: Info) -> str:
        return b64(await R.tx_raw(info.context, self._ref))


TxConnection = connection(
    Tx,
    lambda ref: Tx(_ref=ref),
    description="One page of txs, in the order asked (by height, within a height by the node's tx order: by hash).",
    edges_description="The page's txs with their cursors, in the list's order.",
    nodes_description="The page's txs without cursors, in the same order as `edges`.",
    edge_description="A tx with its cursor.",
    cursor_description="Opaque position of this tx: give it as `after` to the same list (same query and order) for the txs after it.",
    node_description="The tx.",
)
