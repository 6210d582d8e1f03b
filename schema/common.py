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


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def make_page_info(page) -> PageInfo:
    end = page.end_cursor or (page.cursors[-1] if page.cursors else None)
    return PageInfo(has_next_page=page.has_next, end_cursor=end)


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
