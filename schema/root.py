"""The root Query, the Schema, and the extensions every operation runs with."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from cometgraph.resolvers import accounts as account_resolvers
from cometgraph.resolvers import blocks as block_resolvers
from cometgraph.resolvers import status as status_resolvers
from cometgraph.resolvers import subscriptions as subscription_resolvers
from cometgraph.resolvers import txs as tx_resolvers
from cometgraph.resolvers import validators as validator_resolvers
from cometgraph.resolvers import whales as whale_resolvers
from cometgraph.resolvers.inputs import DEFAULT_PAGE, MAX_PAGE

from .account import Account, BondStatus, StakingValidator, coin
from .block import Block, BlockConnection
from .common import Coin, Order
from .doccache import DocumentStore, document_cache
from .execution import LeanExecutionContext
from .errors import ErrorCodes
from .limits import Limits, node_estimate
from .operations import OneOperationOrNamed
from .scalars import SCALARS, BigInt
from .status import Status
from .tx import Tx, TxConnection
from .validator import Validator
from .whales import HolderConnection, StakingFlow, StakingFlowConnection



class PinSnapshot(SchemaExtension):
    """One operation reads one snapshot: pinned lazily, released when it ends (or is cancelled)."""

    def on_operation(self):
        ctx = self.execution_context.context
        if ctx is not None and hasattr(ctx, "fork"):
            # operations sharing a request (a batch) or a connection must not release each other's pin
            ctx = self.execution_context.context = ctx.fork()
        try:
            yield
        finally:
            if ctx is not None and hasattr(ctx, "release"):
                ctx.release()


PAGE = f"default {DEFAULT_PAGE}, at most {MAX_PAGE}"


@strawberry.type
class ChainQuery:
    @strawberry.field(description="Chain id, heights and node version of the current snapshot.")
    async def status(self, info: Info) -> Status:
        info.context.volatile()
        return Status.from_model(await status_resolvers.status(info.context))

    @strawberry.field(description="A block by height or by hash (exactly one; hash in any case, optional 0x). Null when the chain has no such block yet.")
    async def block(self, info: Info, height: int | None = None, hash: str | None = None) -> Block | None:
        meta = await block_resolvers.block(info.context, height, hash)
        if meta is None:
            info.context.volatile()  # it may exist later
        return Block.from_model(meta) if meta is not None else None

    @strawberry.field(description=f"Blocks, newest first, keyset-paged ({PAGE}).")
    async def blocks(
        self, info: Info, first: int | None = None, after: str | None = None, min_height: int | None = None, max_height: int | None = None
    ) -> BlockConnection:
        if max_height is None or max_height > info.context.pin().latest_height:
            info.context.volatile()  # newest-first pages move as blocks arrive
        return BlockConnection.from_page(await block_resolvers.blocks(info.context, first, after, min_height, max_height))

    @strawberry.field(description="A tx by hash (hex, any case, optional 0x); null when unknown.")
    async def tx(self, info: Info, hash: str) -> Tx | None:
        ref = await tx_resolvers.tx(info.context, hash)
        if ref is None:
            info.context.volatile()
        return Tx(_ref=ref) if ref is not None else None

    @strawberry.field(description=f"Txs matching a CometBFT tx_search query, in the node's order ({PAGE}).")
    async def txs(self, info: Info, query: str, first: int | None = None, after: str | None = None, order_by: Order = Order.ASC) -> TxConnection:
        info.context.volatile()  # new txs may match
        return TxConnection.from_page(await tx_resolvers.search(info.context, query, first, after, order_by.value))

    @strawberry.field(description="The CometBFT validator set at a height (default: the latest).")
    async def validators(self, info: Info, height: int | None = None) -> list[Validator]:
        if height is None:
            info.context.volatile()
        vs = await validator_resolvers.validators(info.context, height)
        return [Validator.from_model(v, vs.height) for v in vs.validators]


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Expected errors (bad input, not found) are not server faults: ``ErrorCodes``
        logs the internal ones with their traceback, so nothing more is logged here."""


@strawberry.type
class AppQuery:
    @strawberry.field(description="An address's account and holdings at a height (default latest); null when the address has no state.")
    async def account(self, info: Info, address: str, height: int | None = None) -> Account | None:
        if height is None:
            info.context.volatile()
        found = await account_resolvers.account(info.context, address, height)
        if found is None:
            return None
        addr, version, acc = found
        return Account(address=address, _addr=addr, _version=version, _acc=acc)

    @strawberry.field(description="Staking validators at a height (default latest), optionally of one bond status, in the REST's order.")
    async def staking_validators(self, info: Info, height: int | None = None, status: BondStatus | None = None) -> list[StakingValidator]:
        if height is None:
            info.context.volatile()
        version, vals = await account_resolvers.staking_validators(info.context, height, status.value if status else None)
        return [StakingValidator(_v=v, _version=version) for v in vals]

    @strawberry.field(description="One staking validator by operator (valoper) address; null when unknown at that height.")
    async def staking_validator(self, info: Info, operator_address: str, height: int | None = None) -> StakingValidator | None:
        if height is None:
            info.context.volatile()
        version, v = await account_resolvers.staking_validator_at(info.context, operator_address, height)
        return StakingValidator(_v=v, _version=version) if v is not None else None

    @strawberry.field(description="Holders of a denom at a height (default latest), largest first; ties by address.")
    async def rich_list(self, info: Info, denom: str, first: int | None = None, after: str | None = None, height: int | None = None) -> HolderConnection:
        if height is None:
            info.context.volatile()
        return HolderConnection.from_page(await whale_resolvers.rich_list(info.context, denom, first, after, height))

    @strawberry.field(description="Delegations, undelegations, redelegations and validator creations from tx events, newest first; optionally at least `minAmount` and within heights.")
    async def staking_flows(
        self,
        info: Info,
        min_amount: BigInt | None = None,
        from_height: int | None = None,
        to_height: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> StakingFlowConnection:
        info.context.volatile()
        page = await whale_resolvers.staking_flows(info.context, min_amount, from_height, to_height, first, after)
        return StakingFlowConnection.from_page(page)

    @strawberry.field(description="Total supply of every denom at a height (default latest), sorted by denom.")
    async def supply(self, info: Info, height: int | None = None) -> list[Coin]:
        if height is None:
            info.context.volatile()
        return [coin(c) for c in await account_resolvers.supply(info.context, height)]


@strawberry.type
class Query(ChainQuery, AppQuery):
    pass


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every new block, as soon as a snapshot refresh makes it visible.")
    async def new_blocks(self, info: Info) -> AsyncGenerator[Block, None]:
        async for meta in subscription_resolvers.new_blocks(info.context):
            yield Block.from_model(meta)

    @strawberry.subscription(description="Every staking flow in every new block, optionally at least `minAmount`.")
    async def new_staking_flows(self, info: Info, min_amount: BigInt | None = None) -> AsyncGenerator[StakingFlow, None]:
        prefixes = None
        async for ref in subscription_resolvers.new_txs(info.context, None):
            if prefixes is None:
                prefixes = info.context.pin().readers.prefixes
            for f in whale_resolvers.flows_of(ref, prefixes.account if prefixes else "", prefixes.valoper if prefixes else ""):
                if min_amount is None or int(f.amount.amount) >= min_amount:
                    yield StakingFlow.from_model(f)

    @strawberry.subscription(description="Every tx of every new block that matches `query` (CometBFT tx_search syntax; all txs when omitted).")
    async def new_txs(self, info: Info, query: str | None = None) -> AsyncGenerator[Tx, None]:
        async for ref in subscription_resolvers.new_txs(info.context, query):
            yield Tx(_ref=ref)


def build_schema(extensions: tuple = (), limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    # QueryDepthLimiter and MaxAliasesLimiter make a new rule class per instance: their
    # rules are made once here and added to every request as they are, so that validation
    # results stay the same for a document (schema/doccache.py caches them by query text).
    rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    guards = [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        OneOperationOrNamed,
        node_estimate(limits),
    ]
    if not limits.introspection:
        guards.append(DisableIntrospection)
    # parsing and validating a document cost more than most answers (docs/benchmarks.md):
    # once per distinct short query text, in bounded memory (schema/doccache.py)
    store = DocumentStore()
    schema = Schema(
        query=Query,
        subscription=Subscription,
        extensions=[PinSnapshot, ErrorCodes, document_cache(store), *guards, *extensions],
        config=StrawberryConfig(
            scalar_map=SCALARS, batching_config={"max_operations": limits.max_batch} if limits.max_batch > 0 else None
        ),
        execution_context_class=LeanExecutionContext,
    )
    schema.document_store = store
    return schema
