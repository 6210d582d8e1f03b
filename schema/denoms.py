"""What a denom is called: its ICS-20 trace (``ibc/<hash>``) and its bank metadata, and the two
fields every coin type gains from them (``CoinNames``: ``trace``, ``metadata``)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import chaininfo as R


@strawberry.type(description="Where an `ibc/<hash>` denom came from (ICS-20 transfer module), as the REST's `denom_traces/{hash}` prints it.")
class DenomTrace:
    path: str = strawberry.field(description='The port/channel hops, e.g. "transfer/channel-0" (several hops are joined by "/").')
    base_denom: str = strawberry.field(description='The denom on its home chain, e.g. "uatom".')
    hash: str = strawberry.field(description="Upper-case hex sha256 of `path/baseDenom`: the denom is `ibc/<hash>`.")

    @strawberry.field(description='`path/baseDenom` ("transfer/channel-0/uatom").')
    def full_path(self) -> str:
        return f"{self.path}/{self.base_denom}" if self.path else self.base_denom


def make_trace(t: Any, hash_: str) -> DenomTrace | None:
    return None if t is None else DenomTrace(path=t.path, base_denom=t.base_denom, hash=hash_.upper())


@strawberry.type(description="One unit of a denom (bank metadata): the base unit has exponent 0.")
class DenomUnit:
    denom: str = strawberry.field(description="The unit's name.")
    exponent: int = strawberry.field(description="1 of this unit is 10^exponent base units.")
    aliases: list[str] = strawberry.field(description="Other names of the unit, as stored.")


@strawberry.type(description="A denom's bank metadata (x/bank `denoms_metadata`), as the REST prints it.")
class DenomMetadata:
    description: str = strawberry.field(description="Free text.")
    denom_units: list[DenomUnit] = strawberry.field(description="Its units, as stored (the base unit first).")
    base: str = strawberry.field(description="The base denom (what balances are counted in).")
    display: str = strawberry.field(description="The unit wallets show.")
    name: str = strawberry.field(description="The token's name.")
    symbol: str = strawberry.field(description="Its ticker symbol.")
    uri: str = strawberry.field(description="A URI of an image or document; may be empty.")
    uri_hash: str = strawberry.field(description="sha256 of what `uri` points to; may be empty.")

    @strawberry.field(description="The exponent of the `display` unit (how many decimals a wallet shows); 0 when no unit is named so.")
    def exponent(self) -> int:
        for u in self.denom_units:
            if u.denom == self.display:
                return u.exponent
        return 0


def make_metadata(m: dict[str, Any] | None) -> DenomMetadata | None:
    if m is None:
        return None
    units = [DenomUnit(denom=u.get("denom", ""), exponent=int(u.get("exponent", 0)), aliases=list(u.get("aliases") or [])) for u in m.get("denom_units") or []]
    return DenomMetadata(
        description=m.get("description", ""),
        denom_units=units,
        base=m.get("base", ""),
        display=m.get("display", ""),
        name=m.get("name", ""),
        symbol=m.get("symbol", ""),
        uri=m.get("uri", ""),
        uri_hash=m.get("uri_hash", ""),
    )


@strawberry.type
class CoinNames:
    """Base of every coin type: its denom's ICS-20 trace and bank metadata (latest height)."""

    denom: str

    @strawberry.field(description="The ICS-20 trace of an `ibc/<hash>` denom (at the latest height); null for other denoms and unknown hashes.")
    async def trace(self, info: Info) -> DenomTrace | None:
        t = await R.coin_trace(info.context, self.denom)
        return make_trace(t, self.denom[4:]) if t is not None else None

    @strawberry.field(description="The denom's bank metadata (display unit, exponent, symbol) at the latest height; null when it has none.")
    async def metadata(self, info: Info) -> DenomMetadata | None:
        return make_metadata(await R.coin_metadata(info.context, self.denom))
