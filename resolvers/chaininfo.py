"""Chain-wide state at a height: module params, x/mint, the community pool, ICS-20 denom traces,
bank denom metadata, authz grants and fee allowances (``storage.app.chainparams``,
``storage.app.grants``), and the trace / metadata of any coin (batched per request)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.app.chainparams import DenomTrace, Minter, parse_ibc_hash
from cometgraph.storage.app.distribution import DecCoin
from cometgraph.storage.app.grants import AuthzGrant, FeeAllowance
from cometgraph.storage.errors import CometgraphError, InvalidInput

from . import app as A
from .context import Context

MAX_DENOM = 128  # the SDK's denom regexp allows 3-128 characters


async def params(ctx: Context, module: str, height: int | None) -> dict[str, Any] | None:
    r = A.readers(ctx)
    version = r.version(height)
    return await run_in_threadpool(r.params.params, module, version)


async def mint(ctx: Context, height: int | None) -> tuple[Minter, dict[str, Any]] | None:
    """The minter and mint params; None when the chain has no x/mint."""
    r = A.readers(ctx)
    version = r.version(height)

    def read() -> tuple[Minter, dict[str, Any]] | None:
        m = r.params.minter(version)
        return None if m is None else (m, r.params.params("mint", version) or {})

    return await run_in_threadpool(read)


async def community_pool(ctx: Context, height: int | None) -> list[DecCoin]:
    r = A.readers(ctx)
    version = r.version(height)
    return await run_in_threadpool(r.distribution.community_pool, version)


async def denom_trace(ctx: Context, hash_text: str) -> DenomTrace | None:
    """The trace of ``ibc/<hash>`` (or the bare hash) at the latest height; None if unknown."""
    r = A.readers(ctx)
    h = parse_ibc_hash(hash_text)
    result: DenomTrace | None = await r.loaders.denom_trace.load((r.version(None), h))
    return result


def check_denom(denom: str) -> str:
    if not 1 <= len(denom) <= MAX_DENOM:
        raise InvalidInput(f"a denom is 1 to {MAX_DENOM} characters; got {len(denom)}")
    return denom


async def denom_metadata(ctx: Context, denom: str, height: int | None) -> dict[str, Any] | None:
    r = A.readers(ctx)
    version = r.version(height)
    result: dict[str, Any] | None = await r.loaders.denom_metadata.load((version, check_denom(denom)))
    return result


async def authz_grants(ctx: Context, granter: str | None, grantee: str | None, height: int | None) -> list[AuthzGrant]:
    version, g, e = _grant_parties(ctx, granter, grantee, height, "granter, grantee")
    return await run_in_threadpool(A.readers(ctx).grants.authz_grants, version, g, e)


async def fee_allowances(ctx: Context, grantee: str | None, granter: str | None, height: int | None) -> list[FeeAllowance]:
    version, e, g = _grant_parties(ctx, grantee, granter, height, "grantee, granter")
    return await run_in_threadpool(A.readers(ctx).grants.fee_allowances, version, e, g)


def _grant_parties(ctx: Context, first: str | None, second: str | None, height: int | None, names: str) -> tuple[int, bytes | None, bytes | None]:
    """(version, first, second) of a grants query: at least one party, each parsed in turn."""
    if first is None and second is None:
        raise InvalidInput(f"give {names} or both")
    r = A.readers(ctx)
    version = r.version(height)
    a = r.account_address(first) if first is not None else None
    b = r.account_address(second) if second is not None else None
    return version, a, b


# ---------------------------------------------------------------- any coin's names
def _latest(ctx: Context) -> A.AppReaders | None:
    """The app readers, or None where the node has no readable application state (a coin's
    names are then unknown: null, not an error)."""
    try:
        return A.readers(ctx)
    except CometgraphError:
        return None


async def coin_trace(ctx: Context, denom: str) -> DenomTrace | None:
    """The trace of an ``ibc/<hash>`` coin at the latest height; None for other denoms or unknown hashes."""
    if not denom.startswith("ibc/"):
        return None
    r = _latest(ctx)
    if r is None:
        return None
    try:
        h = parse_ibc_hash(denom)
    except InvalidInput:
        return None
    result: DenomTrace | None = await r.loaders.denom_trace.load((r.version(None), h))
    return result


async def coin_metadata(ctx: Context, denom: str) -> dict[str, Any] | None:
    """A coin's bank metadata at the latest height; None when it has none."""
    r = _latest(ctx)
    if r is None or not 1 <= len(denom) <= MAX_DENOM:
        return None
    result: dict[str, Any] | None = await r.loaders.denom_metadata.load((r.version(None), denom))
    return result
