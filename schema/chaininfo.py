"""Root fields for what explorers show beyond staking: governance, module params, x/mint, the
community pool, IBC denom traces, denom metadata, authz grants and fee allowances (issue 17)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import chaininfo as C
from cometgraph.resolvers import gov as G

from .account import DecCoin, dec_coins, rest_time
from .common import PAGE
from .denoms import DenomMetadata, DenomTrace, make_metadata, make_trace
from .gov import Proposal, ProposalConnection, ProposalStatus
from .scalars import JSON, DateTime

APP_HEIGHT = (
    "The state after this block (≥ 1), what the node's REST answers with x-cosmos-block-height; default the latest height. "
    "Above it: NOT_FOUND; below the oldest state the node keeps: PRUNED."
)


def arg(description: str):
    return strawberry.argument(description=description)


@strawberry.type(description="x/mint at a height: the minter and the params, as the REST's `/cosmos/mint/v1beta1/*` print them.")
class Mint:
    inflation: str = strawberry.field(description='The current yearly inflation rate, LegacyDec text ("0.130000000000000000").')
    annual_provisions: str = strawberry.field(description="Tokens minted per year at that rate, LegacyDec text (base units).")
    params: JSON = strawberry.field(description="The mint params as the REST prints them (`mint_denom`, `inflation_max`, …, `blocks_per_year`).")


@strawberry.type(description="An authz grant: the grantee may run `msgTypeUrl` messages on the granter's behalf.")
class AuthzGrant:
    granter: str = strawberry.field(description="Who granted (bech32).")
    grantee: str = strawberry.field(description="Who may act (bech32).")
    msg_type_url: str = strawberry.field(description="The message type the grant covers.")
    authorization: JSON = strawberry.field(description="The authorization as the REST prints it (`@type`: Generic-, Send-, StakeAuthorization …).")
    expiration: DateTime | None = strawberry.field(description="When it expires; null when it never does.")


@strawberry.type(description="A fee allowance (x/feegrant): the granter pays the grantee's fees within its limits.")
class FeeAllowance:
    granter: str = strawberry.field(description="Who pays (bech32).")
    grantee: str = strawberry.field(description="Whose fees are paid (bech32).")
    allowance: JSON = strawberry.field(description="The allowance as the REST prints it (`@type`: Basic-, Periodic-, AllowedMsgAllowance).")


@strawberry.type
class GovQuery:
    @strawberry.field(description="A governance proposal at a height; null when there is no such proposal (never submitted, or cancelled).")
    async def proposal(
        self,
        info: Info,
        id: Annotated[int, arg("The proposal id (a uint64); a negative one is BAD_INPUT.")],
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> Proposal | None:
        if height is None:
            info.context.volatile()
        version, p = await G.proposal(info.context, id, height)
        return None if p is None else Proposal(_p=p, _version=version)

    @strawberry.field(description=f"Proposals at a height by id, ascending (the REST's order), optionally filtered; keyset-paged ({PAGE}).")
    async def proposals(
        self,
        info: Info,
        status: Annotated[ProposalStatus | None, arg("Only proposals in this status.")] = None,
        voter: Annotated[str | None, arg("Only proposals this address has a vote on at that height (bech32).")] = None,
        depositor: Annotated[str | None, arg("Only proposals this address has a deposit on at that height (bech32).")] = None,
        first: Annotated[int | None, arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, arg("A cursor of this same list (same filters and height).")] = None,
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> ProposalConnection:  # type: ignore[valid-type]
        if height is None:
            info.context.volatile()
        version, page = await G.proposals(info.context, status.value if status is not None else None, voter, depositor, first, after, height)
        return ProposalConnection.from_page(page, version)

    @strawberry.field(description="x/gov params at a height, as `/cosmos/gov/v1/params/{type}` prints `params`.")
    async def gov_params(self, info: Info, height: Annotated[int | None, arg(APP_HEIGHT)] = None) -> JSON:
        if height is None:
            info.context.volatile()
        return await G.gov_params(info.context, height)

    @strawberry.field(description="A module's params at a height, as its REST `…/params` prints `params`; null when the chain has no such module.")
    async def params(
        self,
        info: Info,
        module: Annotated[str, arg('One of "auth", "bank", "staking", "slashing", "distribution", "gov", "mint", "transfer"; others are BAD_INPUT.')],
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> JSON | None:
        if height is None:
            info.context.volatile()
        return await C.params(info.context, module, height)

    @strawberry.field(description="The community pool at a height, as `/cosmos/distribution/v1beta1/community_pool` prints `pool` (as stored: by denom).")
    async def community_pool(self, info: Info, height: Annotated[int | None, arg(APP_HEIGHT)] = None) -> list[DecCoin]:
        if height is None:
            info.context.volatile()
        return dec_coins(await C.community_pool(info.context, height))

    @strawberry.field(description="x/mint at a height; null when the chain has no x/mint.")
    async def mint(self, info: Info, height: Annotated[int | None, arg(APP_HEIGHT)] = None) -> Mint | None:
        if height is None:
            info.context.volatile()
        got = await C.mint(info.context, height)
        if got is None:
            return None
        minter, params = got
        return Mint(inflation=minter.inflation, annual_provisions=minter.annual_provisions, params=params)

    @strawberry.field(description="The ICS-20 trace of an IBC denom hash at the latest height; null when the chain does not know it.")
    async def denom_trace(
        self, info: Info, hash: Annotated[str, arg("64 hex digits, any case, optionally as `ibc/<hash>`; anything else is BAD_INPUT.")]
    ) -> DenomTrace | None:
        info.context.volatile()
        t = await C.denom_trace(info.context, hash)
        return make_trace(t, hash[-64:]) if t is not None else None

    @strawberry.field(description="A denom's bank metadata at a height; null when it has none.")
    async def denom_metadata(
        self, info: Info, denom: Annotated[str, arg("The base denom (e.g. `inj`, `ibc/<hash>`).")], height: Annotated[int | None, arg(APP_HEIGHT)] = None
    ) -> DenomMetadata | None:
        if height is None:
            info.context.volatile()
        return make_metadata(await C.denom_metadata(info.context, denom, height))

    @strawberry.field(description="authz grants at a height by (granter, grantee, msg type): of a granter, to a grantee, or between the two (at least one).")
    async def authz_grants(
        self,
        info: Info,
        granter: Annotated[str | None, arg("Grants this address gave (bech32).")] = None,
        grantee: Annotated[str | None, arg("Grants this address received (bech32).")] = None,
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> list[AuthzGrant]:
        if height is None:
            info.context.volatile()
        got = await C.authz_grants(info.context, granter, grantee, height)
        return [
            AuthzGrant(
                granter=g.granter,
                grantee=g.grantee,
                msg_type_url=g.msg_type_url,
                authorization=g.authorization,
                expiration=None if g.expiration is None else rest_time(g.expiration),
            )
            for g in got
        ]

    @strawberry.field(description="Fee allowances at a height by (grantee, granter): to a grantee, of a granter, or between the two (at least one).")
    async def fee_allowances(
        self,
        info: Info,
        grantee: Annotated[str | None, arg("Allowances this address received (bech32).")] = None,
        granter: Annotated[str | None, arg("Allowances this address gave (bech32).")] = None,
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> list[FeeAllowance]:
        if height is None:
            info.context.volatile()
        got = await C.fee_allowances(info.context, grantee, granter, height)
        return [FeeAllowance(granter=a.granter, grantee=a.grantee, allowance=a.allowance) for a in got]
