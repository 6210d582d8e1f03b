"""Whale views: ranked holders of a denom, a validator's delegators by stake, staking flows.

Rankings are computed once per (app version, subject) and cached (a version's state
never changes), then paged with keyset cursors on (amount, address) so pages are
stable; a subject too large to rank within a bound says so instead of eating memory.
Staking flows stream from the tx index, newest first, O(page) per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import InvalidInput
from cometgraph.storage.app.staking import Delegation
from cometgraph.storage.models import Coin

from . import app as A
from .context import Context
from .feed import event_feed, height_bounds
from .paging import Page, decode_cursor, encode_cursor, page_size
from .txs import TxRef

MAX_RANKED = 200_000

T = TypeVar("T")


def _rank_page(ranked: list[tuple[int, str, T]], kind: str, first: int | None, after: str | None) -> Page[T]:
    """``ranked`` is sorted by (-amount, address); the cursor holds the last (amount, address)."""
    n = page_size(first)
    start = 0
    if after is not None:
        value = decode_cursor(kind, after)
        amount_text, _, addr = value.partition(":")
        if not amount_text.isdigit() or not addr:
            raise InvalidInput("after is not a cursor this server issued")
        key = (-int(amount_text), addr)
        lo, hi = 0, len(ranked)
        while lo < hi:  # first row strictly after the cursor
            mid = (lo + hi) // 2
            if (ranked[mid][0], ranked[mid][1]) <= key:
                lo = mid + 1
            else:
                hi = mid
        start = lo
    rows = ranked[start : start + n]
    cursors = [encode_cursor(kind, f"{-r[0]}:{r[1]}") for r in rows]
    return Page(items=[r[2] for r in rows], cursors=cursors, has_next=start + n < len(ranked), has_previous=start > 0)


@dataclass(frozen=True)
class Holder:
    address: str
    amount: int


async def rich_list(ctx: Context, denom: str, first: int | None, after: str | None, height: int | None) -> Page[Holder]:
    r = A.readers(ctx)
    version = r.version(height)

    def compute() -> list[tuple[int, str, Holder]]:
        holders = r.bank.holders(denom, version, cap=MAX_RANKED)
        rows = [(-amount, bech32.encode(r.prefixes.account, addr), None) for addr, amount in holders]
        rows.sort(key=lambda x: (x[0], x[1]))
        return [(a, addr, Holder(addr, -a)) for a, addr, _ in rows]

    ranked = await run_in_threadpool(ctx.chain.rankings.get_or_compute, ("holders", version, denom), compute)
    return _rank_page(ranked, f"holders/{denom}/{version}", first, after)


async def validator_delegations(ctx: Context, operator_address: str, version: int, first: int | None, after: str | None) -> Page[Delegation]:
    r = A.readers(ctx)
    valoper = r.valoper_address(operator_address)

    def compute() -> list[tuple[int, str, Delegation]]:
        dels = r.staking.validator_delegations(valoper, version)
        if len(dels) > MAX_RANKED:
            raise InvalidInput(f"{operator_address} has more than {MAX_RANKED:,} delegations: too many to rank here")
        rows: list[tuple[int, str, Delegation]] = [(-int(d.balance.amount), d.delegator_address, d) for d in dels]
        rows.sort(key=lambda x: (x[0], x[1]))
        return rows

    ranked = await run_in_threadpool(ctx.chain.rankings.get_or_compute, ("delegations", version, operator_address), compute)
    return _rank_page(ranked, f"delegations/{operator_address}/{version}", first, after)


# ---------------------------------------------------------------- staking flows
FLOW_QUERIES = (
    "delegate.validator EXISTS",
    "unbond.validator EXISTS",
    "redelegate.source_validator EXISTS",
    "create_validator.validator EXISTS",
)
KINDS = {"delegate": "delegate", "unbond": "undelegate", "redelegate": "redelegate", "create_validator": "create-validator"}


@dataclass(frozen=True)
class StakingFlow:
    kind: str
    delegator_address: str
    validator_address: str
    dst_validator_address: str | None
    amount: Coin
    height: int
    tx: TxRef


def _split_amount(text: str) -> Coin | None:
    i = 0
    while i < len(text) and text[i].isdigit():
        i += 1
    if i == 0 or i == len(text):
        return None
    return Coin(denom=text[i:], amount=text[:i])


def flows_of(ref: TxRef, account_hrp: str, valoper_hrp: str) -> list[StakingFlow]:
    """The staking moves one tx's events record, in event order."""
    if ref.result is None or ref.result.code != 0:
        return []
    senders: dict[str, str] = {}
    for e in ref.result.events:
        if e.type == "message":
            a = {x.key: x.value for x in e.attributes}
            if "sender" in a:
                senders.setdefault(a.get("msg_index", ""), a["sender"])
    out = []
    for e in ref.result.events:
        kind = KINDS.get(e.type)
        if kind is None:
            continue
        a = {x.key: x.value for x in e.attributes}
        coin = _split_amount(a.get("amount", ""))
        if coin is None:
            continue
        validator = a.get("validator") or a.get("source_validator") or ""
        delegator = a.get("delegator") or senders.get(a.get("msg_index", ""), "")
        if not delegator and kind == "create-validator" and validator:
            try:
                _, raw = bech32.decode(validator)
                delegator = bech32.encode(account_hrp, raw)
            except ValueError:
                delegator = ""
        out.append(
            StakingFlow(
                kind=kind,
                delegator_address=delegator,
                validator_address=validator,
                dst_validator_address=a.get("destination_validator"),
                amount=coin,
                height=ref.height,
                tx=ref,
            )
        )
    return out


async def staking_flows(
    ctx: Context, min_amount: int | None, min_height: int | None, max_height: int | None, first: int | None, after: str | None
) -> Page[StakingFlow]:
    """Newest first, O(page), as every event feed (``resolvers.feed``).
    ``min_height``/``max_height``: inclusive, already resolved by ``inputs.height_range``."""
    prefixes = ctx.pin().readers.prefixes
    bounds = height_bounds(min_height, max_height)
    queries = tuple(" AND ".join([q, *bounds]) for q in FLOW_QUERIES)

    def extract(ref: TxRef) -> list[StakingFlow]:
        return flows_of(ref, prefixes.account if prefixes else "", prefixes.valoper if prefixes else "")

    def keep(f: StakingFlow) -> bool:
        return min_amount is None or int(f.amount.amount) >= min_amount

    return await event_feed(ctx, "flows", queries, extract, keep, first, after, filters=f"min={min_amount}")
