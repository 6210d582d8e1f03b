"""The root Query, the Schema, and the extensions every operation runs with."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

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
from cometgraph.resolvers import wasm as wasm_resolvers
from cometgraph.resolvers import whales as whale_resolvers
from cometgraph.resolvers.inputs import height_range
from cometgraph.resolvers.feed import SCAN_BUDGET
from cometgraph.resolvers.whales import MAX_RANKED

from .account import Account, BondStatus, StakingValidator, coin
from .block import Block, BlockConnection
from .chaininfo import GovQuery
from .common import PAGE, Coin, Order
from .doccache import DocumentStore, ShapeStore, document_cache
from .execution import LeanExecutionContext
from .errors import ErrorCodes
from .limits import Limits, node_estimate
from .operations import OneOperationOrNamed
from .scalars import SCALARS, BigInt
from .status import Status
from .transfers import EventQuery, EventSubscription
from .tx import Tx, TxConnection
from .validator import Validator
from .wasm import Code, CodeConnection, Contract, ContractConnection, ContractEvent, make_contract
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


#: argument descriptions shared by several fields
APP_HEIGHT = (
    "The state after this block (≥ 1), what the node's REST answers with x-cosmos-block-height; default the latest height "
    "both the block store and the state reach. Above it: NOT_FOUND; below the oldest state the node keeps: PRUNED."
)


def arg(description: str):
    return strawberry.argument(description=description)


@strawberry.type
class ChainQuery:
    @strawberry.field(description="Chain id, heights and node version of the current snapshot.")
    async def status(self, info: Info) -> Status:
        info.context.volatile()
        return Status.from_model(await status_resolvers.status(info.context))

    @strawberry.field(description="A block by height or by hash (exactly one; hash in any case, optional 0x). Null when the chain has no such block yet.")
    async def block(
        self,
        info: Info,
        height: Annotated[int | None, arg("A height ≥ 1. Above the latest: null; below the earliest the node keeps: PRUNED. Not with `hash`.")] = None,
        hash: Annotated[str | None, arg("A block hash: 64 hex digits, any case, optional 0x. Not with `height`.")] = None,
    ) -> Block | None:
        meta = await block_resolvers.block(info.context, height, hash)
        if meta is None:
            info.context.volatile()  # it may exist later
        return Block.from_model(meta) if meta is not None else None

    @strawberry.field(
        description="Blocks the node keeps, newest first (descending height), keyset-paged both ways: "
        f"`first`/`after` page towards older blocks, `last`/`before` towards newer ones ({PAGE} either way)."
    )
    async def blocks(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description=f"Page size from the newest end of what `after`/`before` leave ({PAGE}); not with `last`.")
        ] = None,
        after: Annotated[str | None, strawberry.argument(description="A `blocks` cursor: only blocks older than its block.")] = None,
        min_height: Annotated[
            int | None,
            strawberry.argument(
                description="Lowest height listed, inclusive (≥ 1); default the earliest retained height. Heights below the retained range are skipped, not an error."
            ),
        ] = None,
        max_height: Annotated[
            int | None, strawberry.argument(description="Highest height listed, inclusive (≥ 1); default the latest height. Heights above the top are skipped.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(
                description=f"Page size from the oldest end of what `after`/`before` leave ({PAGE}); not with `first`. Still listed newest first."
            ),
        ] = None,
        before: Annotated[
            str | None,
            strawberry.argument(
                description="A `blocks` cursor: only blocks newer than its block. Without `first`, the page is taken from the oldest end (as with `last`)."
            ),
        ] = None,
    ) -> BlockConnection:
        if max_height is None or max_height > block_resolvers.latest_height(info.context):
            info.context.volatile()  # newest-first pages move as blocks arrive
        page = await block_resolvers.blocks(info.context, first, after, min_height, max_height, last=last, before=before)
        return BlockConnection.from_page(page)

    @strawberry.field(description="A tx by hash (hex, any case, optional 0x); null when unknown.")
    async def tx(self, info: Info, hash: Annotated[str, arg("The tx hash: 64 hex digits, any case, optional 0x.")]) -> Tx | None:
        ref = await tx_resolvers.tx(info.context, hash)
        if ref is None:
            info.context.volatile()
        return Tx(_ref=ref) if ref is not None else None

    @strawberry.field(
        description=f"Txs matching a CometBFT tx_search query: exactly the node's txs in the node's order for the same order_by, keyset-paged ({PAGE})."
    )
    async def txs(
        self,
        info: Info,
        query: Annotated[str, arg("CometBFT tx_search syntax (=, <, <=, >, >=, CONTAINS, EXISTS, AND; tx.height, tx.hash), at most 512 bytes like the node.")],
        first: Annotated[int | None, arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, arg("A cursor of this same search (same query and order): the txs after it.")] = None,
        order_by: Annotated[
            Order, arg("DESC (default, like every list along the chain): newest first; ASC: oldest first, tx_search's own default.")
        ] = Order.DESC,
    ) -> TxConnection:
        info.context.volatile()  # new txs may match
        return TxConnection.from_page(await tx_resolvers.search(info.context, query, first, after, order_by.value))

    @strawberry.field(
        description="The CometBFT validator set at a height, in the set's order (voting power descending, then address) as the RPC's /validators lists it."
    )
    async def validators(
        self,
        info: Info,
        height: Annotated[
            int | None, arg("A height ≥ 1 the node keeps blocks for; default the latest. Above the latest: NOT_FOUND; below the earliest: PRUNED.")
        ] = None,
    ) -> list[Validator]:
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
    async def account(
        self,
        info: Info,
        address: Annotated[str, arg("A bech32 account address with the chain's own prefix; any other is BAD_INPUT.")],
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> Account | None:
        if height is None:
            info.context.volatile()
        found = await account_resolvers.account(info.context, address, height)
        if found is None:
            return None
        addr, version, acc = found
        return Account(address=address, _addr=addr, _version=version, _acc=acc)

    @strawberry.field(
        description="Staking validators at a height (default latest), optionally of one bond status, in the REST's order (by operator address bytes)."
    )
    async def staking_validators(
        self,
        info: Info,
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
        status: Annotated[BondStatus | None, arg("Only validators of this bond status; default all.")] = None,
    ) -> list[StakingValidator]:
        if height is None:
            info.context.volatile()
        version, vals = await account_resolvers.staking_validators(info.context, height, status.value if status else None)
        return [StakingValidator(_v=v, _version=version) for v in vals]

    @strawberry.field(description="One staking validator by operator (valoper) address; null when unknown at that height.")
    async def staking_validator(
        self,
        info: Info,
        operator_address: Annotated[str, arg("The validator's bech32 valoper address (the chain's own prefix).")],
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> StakingValidator | None:
        if height is None:
            info.context.volatile()
        version, v = await account_resolvers.staking_validator_at(info.context, operator_address, height)
        return StakingValidator(_v=v, _version=version) if v is not None else None

    @strawberry.field(
        description=f"Holders of a denom at a height (default latest), largest first; ties by address; keyset-paged ({PAGE}). A denom with more than {MAX_RANKED:,} holders is LIMIT_EXCEEDED."
    )
    async def rich_list(
        self,
        info: Info,
        denom: Annotated[str, arg("The denom, exactly (case-sensitive); an unheld denom has no holders.")],
        first: Annotated[int | None, arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, arg("A cursor of this same list (same denom and height): the holders after it.")] = None,
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> HolderConnection:
        if height is None:
            info.context.volatile()
        return HolderConnection.from_page(await whale_resolvers.rich_list(info.context, denom, first, after, height))

    @strawberry.field(
        description="Delegations, undelegations, redelegations and validator creations recorded by successful txs' events, "
        f"newest first (descending height, then the node's tx order within a height reversed, then each tx's events in order); optionally at least `minAmount` and within heights. Keyset-paged forward ({PAGE}); one request looks at no more than {SCAN_BUDGET:,} txs: past that its page ends early (short, maybe empty) with `hasNextPage` and an `endCursor` to resume from."
    )
    async def staking_flows(
        self,
        info: Info,
        min_amount: Annotated[BigInt | None, strawberry.argument(description="Only flows of at least this many base units (any denom); default all.")] = None,
        from_height: Annotated[
            int | None,
            strawberry.argument(description="Same as `minHeight`.", deprecation_reason="Use `minHeight`: the API's one name for a range's lowest height."),
        ] = None,
        to_height: Annotated[
            int | None,
            strawberry.argument(description="Same as `maxHeight`.", deprecation_reason="Use `maxHeight`: the API's one name for a range's highest height."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=f"Page size ({PAGE}).")] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="A `stakingFlows` cursor (an edge's `cursor` or `endCursor`) of the same arguments: the flows after it."),
        ] = None,
        min_height: Annotated[int | None, strawberry.argument(description="Lowest height, inclusive (≥ 1); default no bound. Not with `fromHeight`.")] = None,
        max_height: Annotated[int | None, strawberry.argument(description="Highest height, inclusive (≥ 1); default no bound. Not with `toHeight`.")] = None,
    ) -> StakingFlowConnection:
        info.context.volatile()
        lo, hi = height_range(min_height, max_height, from_height, to_height)
        page = await whale_resolvers.staking_flows(info.context, min_amount, lo, hi, first, after)
        return StakingFlowConnection.from_page(page)

    @strawberry.field(description="Total supply of every denom at a height (default latest), sorted by denom.")
    async def supply(self, info: Info, height: Annotated[int | None, arg(APP_HEIGHT)] = None) -> list[Coin]:
        if height is None:
            info.context.volatile()
        return [coin(c) for c in await account_resolvers.supply(info.context, height)]

    @strawberry.field(description="Uploaded CosmWasm code by id at a height (default latest); null when unknown.")
    async def code(self, info: Info, id: Annotated[int, arg("The code id.")], height: Annotated[int | None, arg(APP_HEIGHT)] = None) -> Code | None:
        if height is None:
            info.context.volatile()
        version, c = await wasm_resolvers.code(info.context, id, height)
        return Code(id=c.id, _c=c, _version=version) if c is not None else None

    @strawberry.field(description=f"Uploaded CosmWasm codes by id at a height (default latest), keyset-paged ({PAGE}).")
    async def codes(
        self,
        info: Info,
        first: Annotated[int | None, arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, arg("A cursor of this same list (same height).")] = None,
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> CodeConnection:
        if height is None:
            info.context.volatile()
        version, page = await wasm_resolvers.codes(info.context, first, after, height)
        return CodeConnection.from_page(page, version)

    @strawberry.field(description="A CosmWasm contract at a height (default latest); null when no contract has this address then.")
    async def contract(
        self,
        info: Info,
        address: Annotated[str, arg("The contract's bech32 address (20 or 32 bytes); any other text is BAD_INPUT.")],
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> Contract | None:
        if height is None:
            info.context.volatile()
        version, c = await wasm_resolvers.contract(info.context, address, height)
        return make_contract(c, version, wasm_resolvers.address_text(info.context)) if c is not None else None

    @strawberry.field(
        description=f"CosmWasm contracts at a height (default latest): all by address bytes, or of a code and/or creator in creation order; keyset-paged ({PAGE})."
    )
    async def contracts(
        self,
        info: Info,
        code_id: Annotated[int | None, arg("Only contracts running this code.")] = None,
        creator: Annotated[str | None, arg("Only contracts this address instantiated (bech32).")] = None,
        first: Annotated[int | None, arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, arg("A cursor of this same list (same filters and height).")] = None,
        height: Annotated[int | None, arg(APP_HEIGHT)] = None,
    ) -> ContractConnection:
        if height is None:
            info.context.volatile()
        version, page = await wasm_resolvers.contracts(info.context, code_id, creator, first, after, height)
        return ContractConnection.from_page(page, version, wasm_resolvers.address_text(info.context))


@strawberry.type(description="Everything cometgraph answers, read from one snapshot of the node's databases per request.")
class Query(ChainQuery, AppQuery, EventQuery, GovQuery):
    pass


@strawberry.type(description="Live streams (graphql-transport-ws at /graphql); events arrive as snapshot refreshes find new heights, in height order.")
class Subscription(EventSubscription):
    @strawberry.subscription(description="Every new block, as soon as a snapshot refresh makes it visible.")
    async def new_blocks(self, info: Info) -> AsyncGenerator[Block, None]:
        async for meta in subscription_resolvers.new_blocks(info.context):
            yield Block.from_model(meta)

    @strawberry.subscription(description="Every staking flow in every new block, optionally at least `minAmount`.")
    async def new_staking_flows(
        self, info: Info, min_amount: Annotated[BigInt | None, arg("Only flows of at least this many base units (any denom); default all.")] = None
    ) -> AsyncGenerator[StakingFlow, None]:
        prefixes = None
        async for ref in subscription_resolvers.new_txs(info.context, None):
            if prefixes is None:
                prefixes = tx_resolvers.prefixes(info.context)
            for f in whale_resolvers.flows_of(ref, prefixes.account if prefixes else "", prefixes.valoper if prefixes else ""):
                if min_amount is None or int(f.amount.amount) >= min_amount:
                    yield StakingFlow.from_model(f)

    @strawberry.subscription(description="Every tx of every new block that matches `query` (CometBFT tx_search syntax; all txs when omitted).")
    async def new_txs(
        self, info: Info, query: Annotated[str | None, arg("CometBFT tx_search syntax, evaluated on each new tx's own events; default every tx.")] = None
    ) -> AsyncGenerator[Tx, None]:
        async for ref in subscription_resolvers.new_txs(info.context, query):
            yield Tx(_ref=ref)

    @strawberry.subscription(description="Every event contracts emit (`wasm`, `wasm-<name>`) in every new block, optionally of one contract.")
    async def new_contract_events(
        self, info: Info, contract: Annotated[str | None, arg("Only this contract's events (bech32); default every contract's.")] = None
    ) -> AsyncGenerator[ContractEvent, None]:
        async for ref, event in wasm_resolvers.new_contract_events(info.context, contract):
            yield ContractEvent.make(ref, event)


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
    store, shapes = DocumentStore(), ShapeStore()
    schema = Schema(
        query=Query,
        subscription=Subscription,
        extensions=[PinSnapshot, ErrorCodes, document_cache(store, shapes), *guards, *extensions],
        config=StrawberryConfig(scalar_map=SCALARS, batching_config={"max_operations": limits.max_batch} if limits.max_batch > 0 else None),
        execution_context_class=LeanExecutionContext,
    )
    schema.document_store = store
    schema.shape_store = shapes
    return schema
