"""Accounts, balances, staking and slashing at a height, through per-request loaders."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.codec import bech32
from cometgraph.storage.app.auth import Account
from cometgraph.storage.app.distribution import DecCoin, DelegationReward
from cometgraph.storage.app.slashing import SigningInfo
from cometgraph.storage.app.staking import Delegation, Redelegation, StakingValidator, UnbondingDelegation
from cometgraph.storage.models import Coin

from . import app as A
from .context import Context
from .paging import Page, page_size
from .txs import TxRef, tx_page


async def account(ctx: Context, address: str, height: int | None) -> tuple[bytes, int, Account | None] | None:
    """(address bytes, version, Account | None), or None when the address has no state at all."""
    r = A.readers(ctx)
    addr = r.account_address(address)
    version = r.version(height)
    acc = await r.loaders.account.load((version, addr))
    if acc is None and not await r.loaders.balances.load((version, addr)):
        return None
    return addr, version, acc


def valcons(ctx: Context, consensus_address: bytes) -> str:
    return bech32.encode(A.readers(ctx).prefixes.valcons, consensus_address)


async def balances(ctx: Context, addr: bytes, version: int) -> list[Coin]:
    return await A.readers(ctx).loaders.balances.load((version, addr))


async def balance(ctx: Context, addr: bytes, denom: str, version: int) -> Coin:
    for c in await balances(ctx, addr, version):
        if c.denom == denom:
            return c
    return Coin(denom=denom, amount="0")


async def delegations(ctx: Context, addr: bytes, version: int) -> list[Delegation]:
    return await A.readers(ctx).loaders.delegations.load((version, addr))


async def unbonding(ctx: Context, addr: bytes, version: int) -> list[UnbondingDelegation]:
    return await A.readers(ctx).loaders.unbonding.load((version, addr))


async def redelegations(ctx: Context, addr: bytes, version: int) -> list[Redelegation]:
    return await A.readers(ctx).loaders.redelegations.load((version, addr))


async def staking_validator(ctx: Context, operator_address: str, version: int) -> StakingValidator | None:
    r = A.readers(ctx)
    return await r.loaders.validator.load((version, r.valoper_address(operator_address)))


async def staking_validators(ctx: Context, height: int | None, status: str | None) -> tuple[int, list[StakingValidator]]:
    r = A.readers(ctx)
    version = r.version(height)
    return version, await run_in_threadpool(r.staking.validators, version, status)


async def staking_validator_at(ctx: Context, operator_address: str, height: int | None) -> tuple[int, StakingValidator | None]:
    r = A.readers(ctx)
    version = r.version(height)
    v = await r.loaders.validator.load((version, r.valoper_address(operator_address)))
    return version, v


async def validator_by_consensus(ctx: Context, consensus_address: bytes, height: int) -> tuple[int, StakingValidator | None]:
    """The staking record behind a CometBFT validator, joined by consensus address."""
    r = A.readers(ctx)
    latest = min(r.app.latest_version(), r.view.latest_height)
    if height > latest:
        ctx.volatile()
    version = r.version(min(height, latest))
    return version, await r.loaders.validator_by_consensus.load((version, consensus_address))


async def signing_info(ctx: Context, consensus_address: bytes, version: int) -> SigningInfo | None:
    return await A.readers(ctx).loaders.signing_info.load((version, consensus_address))


async def supply(ctx: Context, height: int | None) -> list[Coin]:
    r = A.readers(ctx)
    return await run_in_threadpool(r.bank.supply, r.version(height))


MAX_UPTIME_WINDOW = 10_000


async def uptime(ctx: Context, consensus_address: bytes, height: int, window: int) -> float | None:
    """Signed share of the commits for blocks (height-window, height], from the block store."""
    from cometgraph.storage.errors import InvalidInput

    from .inputs import LimitExceeded

    if window < 1:
        raise InvalidInput(f"window must be a positive number of blocks; got {window}")
    if window > MAX_UPTIME_WINDOW:
        raise LimitExceeded(f"window may be at most {MAX_UPTIME_WINDOW} blocks; got {window}")
    view = ctx.pin()
    top = min(height, view.latest_height)
    lo = max(view.earliest_height, top - window + 1)
    heights = list(range(lo, top + 1))
    commits = await ctx.loaders.commit.load_many(heights)
    if commits and commits[-1] is None:  # the top block's commit is still the node's seen commit
        ctx.volatile()
        commits[-1] = await ctx.loaders.seen_commit.load(top)
    counted = [c for c in commits if c is not None]
    if not counted:
        return None
    signed = sum(1 for c in counted for s in c.signatures if s.block_id_flag == 2 and s.validator_address == consensus_address)
    return signed / len(counted)


async def account_txs(ctx: Context, address: str, version: int, first: int | None, after: str | None, order: str) -> Page[TxRef]:
    """Every tx up to the account's height whose indexed events name the address:
    a keyset-paged union, O(page)."""
    A.readers(ctx).account_address(address)  # a malformed address is bad input, not an empty list
    n = page_size(first)
    view = ctx.pin()
    if n == 0:
        return Page.empty(has_previous=after is not None)
    queries = await run_in_threadpool(view.txs.address_queries, address)
    if version < view.latest_height:
        queries = tuple(f"{q} AND tx.height<={version}" for q in queries)
    if not queries:
        return Page.empty(has_previous=after is not None)
    return tx_page(await run_in_threadpool(view.txs.search_any, queries, order, after, n), after)


async def rewards(ctx: Context, addr: bytes, version: int) -> tuple[list[DelegationReward], list[DecCoin]]:
    """(per-validator rewards, total) exactly as the distribution module would pay them now."""
    return await A.readers(ctx).loaders.rewards.load((version, addr))


async def commission(ctx: Context, operator_address: str, version: int) -> list[DecCoin]:
    r = A.readers(ctx)
    return await r.loaders.commission.load((version, r.valoper_address(operator_address))) or []


async def outstanding_rewards(ctx: Context, operator_address: str, version: int) -> list[DecCoin]:
    r = A.readers(ctx)
    return await r.loaders.outstanding.load((version, r.valoper_address(operator_address))) or []
