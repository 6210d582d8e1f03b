"""CW20 token and CW721 collection views of a contract's state."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import wasm as R
from cometgraph.resolvers.whales import MAX_RANKED

from .common import PAGE
from .connection import connection, connection_of_edge
from .scalars import JSON, BigInt
from .whales import HolderConnection


def _arg(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type(description="An allowance a cw20 owner granted a spender.")
class Cw20Allowance:
    allowance: BigInt = strawberry.field(description="How much the spender may still move, in base units.")
    expires: JSON = strawberry.field(description='When it expires, as the contract stores it: `{"never": {}}`, `{"at_height": n}` or `{"at_time": "ns"}`.')


Cw20HolderConnection = connection_of_edge(
    HolderConnection,
    name="Cw20Holder",
    description="Holders of a cw20 token, largest first; ties by address.",
    edges_description="The page's holders with their cursors.",
    nodes_description="The page's holders without cursors.",
)


@strawberry.type(description="A cw20 token: its contract's `token_info` and `balance` map at a height.")
class Cw20Token:
    name: str = strawberry.field(description="The token's name (`token_info`).")
    symbol: str = strawberry.field(description="Its symbol.")
    decimals: int = strawberry.field(description="Decimal places of its display unit.")
    total_supply: BigInt = strawberry.field(description="Total supply in base units.")
    minter: str | None = strawberry.field(description="Who may mint; null when nobody may.")
    cap: BigInt | None = strawberry.field(description="The most the supply may reach by minting; null without a cap.")
    _addr: strawberry.Private[bytes]
    _version: strawberry.Private[int]

    @classmethod
    def make(cls, t: Any, addr: bytes, version: int) -> Cw20Token:
        return cls(name=t.name, symbol=t.symbol, decimals=t.decimals, total_supply=t.total_supply, minter=t.minter, cap=t.cap, _addr=addr, _version=version)

    @strawberry.field(description="An address's balance (the `balance` query): 0 when it holds none. A bad address is BAD_INPUT.")
    async def balance(self, info: Info, address: Annotated[str, _arg("A bech32 account or contract address.")]) -> BigInt:
        return BigInt(await R.cw20_balance(info.context, self._addr, address, self._version))

    @strawberry.field(description="What `owner` allowed `spender` to move; null when it granted nothing.")
    async def allowance(
        self,
        info: Info,
        owner: Annotated[str, _arg("The owner (bech32).")],
        spender: Annotated[str, _arg("The spender (bech32).")],
    ) -> Cw20Allowance | None:
        a = await R.cw20_allowance(info.context, self._addr, owner, spender, self._version)
        if a is None:
            return None
        return Cw20Allowance(allowance=BigInt(int(str(a.get("allowance", "0")))), expires=a.get("expires"))

    @strawberry.field(
        description="Every entry of the token's balance map (what `all_accounts` lists, zero balances included), largest first, ties by address; "
        f"keyset-paged ({PAGE}). The ranking is built once per (token, height) and cached; a token with more than {MAX_RANKED:,} entries is LIMIT_EXCEEDED."
    )
    async def holders(
        self,
        info: Info,
        first: Annotated[int | None, _arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, _arg("A cursor of this same list (same token and height).")] = None,
    ) -> Cw20HolderConnection:
        page = await R.cw20_holders(info.context, self._addr, first, after, self._version)
        return Cw20HolderConnection.from_page(page)


@strawberry.type(description="A cw721 NFT.")
class Cw721Token:
    token_id: str = strawberry.field(description="Its id.")
    owner: str = strawberry.field(description="Its owner (bech32).")
    token_uri: str | None = strawberry.field(description="Its metadata URI; null when none.")
    extension: JSON | None = strawberry.field(description="Its on-chain metadata extension, as stored.")
    approvals: JSON = strawberry.field(description="Spenders approved for this token: `[{spender, expires}]`, as `owner_of` with `include_expired` lists them.")

    @classmethod
    def make(cls, t: Any) -> Cw721Token:
        return cls(token_id=t.token_id, owner=t.owner, token_uri=t.token_uri, extension=t.extension, approvals=t.approvals)


Cw721TokenConnection = connection(
    Cw721Token,
    Cw721Token.make,
    description="NFTs by token id.",
    edges_description="The page's tokens with their cursors, by id.",
    nodes_description="The page's tokens without cursors.",
    edge_description="A token with its cursor.",
    cursor_description="Give it as `after` to the same `tokens` for the tokens after it.",
    node_description="The token.",
)


@strawberry.type(description="A cw721 collection: its contract's `nft_info`, `num_tokens` and `tokens` at a height.")
class Cw721Collection:
    name: str = strawberry.field(description="The collection's name.")
    symbol: str = strawberry.field(description="Its symbol.")
    num_tokens: int = strawberry.field(description="How many tokens exist (`num_tokens`).")
    _addr: strawberry.Private[bytes]
    _version: strawberry.Private[int]

    @classmethod
    def make(cls, t: Any, addr: bytes, version: int) -> Cw721Collection:
        return cls(name=t.name, symbol=t.symbol, num_tokens=t.num_tokens, _addr=addr, _version=version)

    @strawberry.field(description="One token; null when no token has this id.")
    async def token(self, info: Info, id: Annotated[str, _arg("The token id.")]) -> Cw721Token | None:
        t = await R.cw721_token(info.context, self._addr, id, self._version)
        return None if t is None else Cw721Token.make(t)

    @strawberry.field(description=f"Tokens by id (`all_tokens`), or one owner's (`tokens`), keyset-paged ({PAGE}).")
    async def tokens(
        self,
        info: Info,
        owner: Annotated[str | None, _arg("Only this owner's tokens (bech32).")] = None,
        first: Annotated[int | None, _arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, _arg("A cursor of this same list.")] = None,
    ) -> Cw721TokenConnection:
        page = await R.cw721_tokens(info.context, self._addr, owner, first, after, self._version)
        return Cw721TokenConnection.from_page(page)


@strawberry.type(description="An address's balance of one cw20 token.")
class Cw20Balance:
    contract: str = strawberry.field(description="The token contract's address (bech32).")
    token: Cw20Token = strawberry.field(description="The token (at the same height).")
    balance: BigInt = strawberry.field(description="The address's balance, in base units (never 0 here).")


async def cw20_balances(info: Info, address: str, version: int) -> list[Cw20Balance]:
    """``Account.cw20Balances``: kept here so that the account type stays a thin caller."""
    encode = R.address_text(info.context)
    return [
        Cw20Balance(contract=encode(addr), token=Cw20Token.make(t, addr, version), balance=BigInt(amount))
        for addr, t, amount in await R.cw20_balances_of(info.context, address, version)
    ]
