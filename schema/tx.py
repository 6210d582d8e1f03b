"""Tx and its connection: position and hash are known up front; result, bytes and body load lazily."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import blocks as block_resolvers
from cometgraph.resolvers import txs as R
from cometgraph.storage.models import DecodedTx, ExecResult

from .common import Coin, Event, b64, events_of, hexu
from .connection import connection
from .scalars import JSON, BigInt

if TYPE_CHECKING:
    from .block import Block

T = TypeVar("T")


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
    def code(self, info: Info) -> int:
        return _result(info, self._ref, _CODE)

    @strawberry.field(description="The module that set a non-zero `code`; empty on success.")
    def codespace(self, info: Info) -> str:
        return _result(info, self._ref, _CODESPACE)

    @strawberry.field(description="The result's log as the node stored it (on failure, the error text).")
    def log(self, info: Info) -> str:
        return _result(info, self._ref, _LOG)

    @strawberry.field(description="The result's info string (usually empty).")
    def info(self, info: Info) -> str:
        return _result(info, self._ref, _INFO)

    @strawberry.field(description="Gas the tx asked for, as its result records it.")
    def gas_wanted(self, info: Info) -> BigInt:
        return _result(info, self._ref, _GAS_WANTED)

    @strawberry.field(description="Gas it consumed.")
    def gas_used(self, info: Info) -> BigInt:
        return _result(info, self._ref, _GAS_USED)

    @strawberry.field(description="The result's data bytes, base64.")
    def data(self, info: Info) -> str:
        return _result(info, self._ref, _DATA)

    @strawberry.field(description="The tx's ABCI events, in the node's order.")
    def events(self, info: Info) -> list[Event]:
        return _result(info, self._ref, _EVENTS)

    @strawberry.field(description="The tx body's memo (empty when none).")
    def memo(self, info: Info) -> str:
        return _body(info, self._ref, _MEMO)

    @strawberry.field(description="The height after which the tx could not be included; 0 = no timeout.")
    def timeout_height(self, info: Info) -> BigInt:
        return _body(info, self._ref, _TIMEOUT_HEIGHT)

    @strawberry.field(description="The fee and gas limit from the tx's auth info.")
    def fee(self, info: Info) -> Fee:
        return _body(info, self._ref, _fee)

    @strawberry.field(description="The tx's messages in body order; each decodes only when its json is asked.")
    def messages(self, info: Info) -> list[Message]:
        return _body(info, self._ref, _messages)

    @strawberry.field(description="Bech32 addresses of the signers, in signer-info order.")
    async def signers(self, info: Info) -> list[str]:
        return await R.tx_signers(info.context, self._ref)

    @strawberry.field(description="The tx bytes exactly as stored in the block, base64.")
    async def raw(self, info: Info) -> str:
        return b64(await R.tx_raw(info.context, self._ref))


# A tx's result and body are often at hand when its fields are asked (a block's txs load them
# with the block, a tx by hash comes with its result): the field then answers at once, and
# only waits, on the loader, for what is not.
_CODE = attrgetter("code")
_CODESPACE = attrgetter("codespace")
_LOG = attrgetter("log")
_INFO = attrgetter("info")
_GAS_WANTED = attrgetter("gas_wanted")
_GAS_USED = attrgetter("gas_used")
_MEMO = attrgetter("memo")
_TIMEOUT_HEIGHT = attrgetter("timeout_height")


def _DATA(r: ExecResult) -> str:
    return b64(r.data)


def _EVENTS(r: ExecResult) -> list[Event]:
    return events_of(r.events)


def _fee(d: DecodedTx) -> Fee:
    f = d.fee
    return Fee(amount=[Coin(denom=c.denom, amount=int(c.amount)) for c in f.amount], gas_limit=f.gas_limit, payer=f.payer or None, granter=f.granter or None)


def _messages(d: DecodedTx) -> list[Message]:
    return [Message(type_url=m.type_url, _value=m.value) for m in d.messages]


def _result(info: Info, ref: R.TxRef, pick: Callable[[ExecResult], T]) -> T | Awaitable[T]:
    r = ref.result
    if r is not None:
        return pick(r)
    return _result_later(info.context, ref, pick)


async def _result_later(ctx: Any, ref: R.TxRef, pick: Callable[[ExecResult], T]) -> T:
    return pick(await R.tx_result(ctx, ref))


def _body(info: Info, ref: R.TxRef, pick: Callable[[DecodedTx], T]) -> T | Awaitable[T]:
    d = ref._decoded
    if d is not None:
        return pick(d)
    return _body_later(info.context, ref, pick)


async def _body_later(ctx: Any, ref: R.TxRef, pick: Callable[[DecodedTx], T]) -> T:
    return pick(await R.decoded(ctx, ref))


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
