"""Small shared types and presentation helpers (hex, base64, pubkey names)."""

from __future__ import annotations

import base64
import enum

import strawberry

from .scalars import BigInt

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


@strawberry.type(description="Where a page sits in its list (Relay): pass `endCursor` as `after` for the next page, `startCursor` as `before` for the previous one (where the list takes `before`).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether the list goes on after this page's last edge.")
    has_previous_page: bool = strawberry.field(
        description="Whether the list has edges before this page's first edge. Exact for `blocks`, `richList` and `delegations`; "
        "for tx lists and `stakingFlows` (which page forward only) it is true exactly when the page was asked `after` a cursor."
    )
    start_cursor: str | None = strawberry.field(description="The first edge's cursor; null when the page is empty.")
    end_cursor: str | None = strawberry.field(
        description="Where the next page starts: the last edge's cursor, or, when a `stakingFlows` scan stopped early, "
        "the position it reached (the page may then be empty); otherwise null when the page is empty."
    )


def make_page_info(page) -> PageInfo:
    end = page.end_cursor or (page.cursors[-1] if page.cursors else None)
    start = page.cursors[0] if page.cursors else None
    return PageInfo(has_next_page=page.has_next, has_previous_page=page.has_previous, start_cursor=start, end_cursor=end)


@strawberry.type
class Coin:
    denom: str
    amount: BigInt


@strawberry.type(description="An ABCI event attribute; 0.34 chains stored bytes, shown here as UTF-8.")
class EventAttribute:
    key: str
    value: str
    index: bool


@strawberry.type
class Event:
    type: str
    attributes: list[EventAttribute]

    @classmethod
    def from_model(cls, e) -> Event:
        return cls(type=e.type, attributes=[EventAttribute(key=a.key, value=a.value, index=a.index) for a in e.attributes])


@strawberry.enum(description="Result order by (height, index).")
class Order(enum.Enum):
    ASC = "asc"
    DESC = "desc"
