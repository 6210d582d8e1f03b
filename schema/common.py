"""Small shared types and presentation helpers (hex, base64, pubkey names)."""

from __future__ import annotations

import base64
import enum
from collections.abc import Sequence
from typing import Any, cast

import strawberry

from cometgraph.resolvers.paging import DEFAULT_PAGE, MAX_PAGE

from .denoms import CoinNames
from .scalars import BigInt

#: how every paged field words its page size
PAGE = f"default {DEFAULT_PAGE}, at most {MAX_PAGE}"

#: CometBFT RPC's amino-JSON names for consensus pubkey types
PUBKEY_TYPES = {
    "ed25519": "tendermint/PubKeyEd25519",
    "secp256k1": "tendermint/PubKeySecp256k1",
    "bls12_381": "cometbft/PubKeyBls12_381",
}


def hexu(b: bytes | None) -> str:
    """Upper-case hex, as the node's RPC prints hashes and addresses."""
    return b.hex().upper() if b else ""


def b64(b: bytes | None) -> str:
    return base64.b64encode(b or b"").decode()


@strawberry.type(description="An amount of one denom, in its base unit; `trace` and `metadata` name the denom.")
class Coin(CoinNames):
    denom: str = strawberry.field(description='The denom, e.g. "inj" or "ibc/…".')
    amount: BigInt = strawberry.field(description="Integer amount in the denom's base unit.")


@strawberry.type(description="An ABCI event attribute; 0.34 chains stored bytes, shown here as UTF-8.")
class EventAttribute:
    key: str = strawberry.field(description="The attribute's key.")
    value: str = strawberry.field(description="The attribute's value (may be empty).")
    index: bool = strawberry.field(description="Whether the node indexes it (only indexed attributes match `txs(query:)`).")


@strawberry.type(description="An ABCI event as the node emitted it.")
class Event:
    type: str = strawberry.field(description='The event type, e.g. "transfer".')
    attributes: list[EventAttribute] = strawberry.field(description="Its attributes, in the node's order.")


def events_of(models: Sequence[Any]) -> list[Event]:
    """Stored events (``storage.models.Event``) served as they are.

    They carry the same fields as these types (``type``, ``attributes`` of ``key``, ``value``,
    ``index``), and neither type checks what it is given (no ``is_type_of``), so nothing is
    copied: a page of 20 full blocks has ~4,000 attributes (docs/benchmarks.md, W2)."""
    return cast("list[Event]", models)


@strawberry.enum(
    description="Direction of a list along the chain: by height, and within a height by the node's tx order "
    "(CometBFT's tx_search orders a height's txs by hash). Every such list defaults to DESC."
)
class Order(enum.Enum):
    ASC = strawberry.enum_value("asc", description="Oldest first: ascending height, a height's txs in the node's order (tx_search's order_by \"asc\").")
    DESC = strawberry.enum_value("desc", description="Newest first: descending height, a height's txs in reverse (tx_search's order_by \"desc\"). The default.")
