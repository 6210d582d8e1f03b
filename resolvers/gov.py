"""Governance: proposals, their votes, deposits and tally at a height, read from the ``gov``
store of application.db (``storage.app.gov``) as the node's REST answers them.

Lists page with keyset cursors over store keys: proposals by id, a proposal's votes and
deposits by address bytes; a page reads O(page) records (filters by voter or depositor add
one point read per proposal looked at, at most ``SCAN_BUDGET`` per request).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.app.gov import STATUSES, Deposit, Proposal, Tally, Vote, check_id
from cometgraph.storage.app.gov_tally import tally as compute_tally
from cometgraph.storage.errors import InvalidInput

from . import app as A
from .context import Context
from .paging import Page, decode_cursor, encode_cursor, page_size

#: proposals one filtered ``proposals`` request looks at, at most (then the page ends early)
SCAN_BUDGET = 5_000


def _status(status: str | None) -> str | None:
    if status is None:
        return None
    if status not in STATUSES[1:]:
        raise InvalidInput(f"unknown proposal status {status!r}")
    return status


async def proposal(ctx: Context, pid: int, height: int | None) -> tuple[int, Proposal | None]:
    r = A.readers(ctx)
    version = r.version(height)
    check_id(pid)
    return version, await run_in_threadpool(r.gov.proposal, pid, version)


async def proposals(
    ctx: Context, status: str | None, voter: str | None, depositor: str | None, first: int | None, after: str | None, height: int | None
) -> tuple[int, Page[Proposal]]:
    """By id, ascending (the REST's order), keeping those with ``status``, a vote of
    ``voter`` and a deposit of ``depositor`` (each when given)."""
    r = A.readers(ctx)
    version = r.version(height)
    n = page_size(first)
    want = _status(status)
    voter_b = r.account_address(voter) if voter is not None else None
    depositor_b = r.account_address(depositor) if depositor is not None else None
    kind = f"proposals/{version}/{want}/{voter}/{depositor}"
    last: int | None = None
    if after is not None:
        value = decode_cursor(kind, after)
        if not value.isdigit():
            raise InvalidInput("after is not a cursor this server issued")
        last = int(value)

    def fetch() -> Page[Proposal]:
        rows: list[Proposal] = []
        scanned, exhausted, last_seen = 0, True, last
        for p in r.gov.iter_proposals(version, last):
            if scanned >= SCAN_BUDGET:
                exhausted = False
                break
            scanned += 1
            last_seen = p.id
            if want is not None and p.status != want:
                continue
            if voter_b is not None and not r.gov.has_vote(p.id, voter_b, version):
                continue
            if depositor_b is not None and not r.gov.has_deposit(p.id, depositor_b, version):
                continue
            rows.append(p)
            if len(rows) > n:
                break
        page = Page(
            items=rows[:n],
            cursors=[encode_cursor(kind, str(p.id)) for p in rows[:n]],
            has_next=len(rows) > n or not exhausted,
            has_previous=after is not None,
        )
        if len(rows) <= n and not exhausted and last_seen is not None:
            return Page(page.items, page.cursors, True, encode_cursor(kind, str(last_seen)), page.has_previous)
        return page

    return version, await run_in_threadpool(fetch)


def _address_cursor(kind: str, after: str | None) -> bytes | None:
    if after is None:
        return None
    try:
        return bytes.fromhex(decode_cursor(kind, after))
    except ValueError:
        raise InvalidInput("after is not a cursor this server issued") from None


async def _children(ctx: Context, what: str, pid: int, version: int, first: int | None, after: str | None) -> Page[Any]:
    r = A.readers(ctx)
    n = page_size(first)
    kind = f"{what}/{pid}/{version}"
    start = _address_cursor(kind, after)
    read = r.gov.votes if what == "votes" else r.gov.deposits
    rows: list[tuple[bytes, Any]] = await run_in_threadpool(read, pid, version, start, n + 1)
    return Page(
        items=[item for _, item in rows[:n]],
        cursors=[encode_cursor(kind, addr.hex()) for addr, _ in rows[:n]],
        has_next=len(rows) > n,
        has_previous=after is not None,
    )


async def votes(ctx: Context, pid: int, version: int, first: int | None, after: str | None) -> Page[Vote]:
    """A proposal's votes by voter address bytes (the REST's order)."""
    return await _children(ctx, "votes", pid, version, first, after)


async def deposits(ctx: Context, pid: int, version: int, first: int | None, after: str | None) -> Page[Deposit]:
    """A proposal's deposits by depositor address bytes (the REST's order)."""
    return await _children(ctx, "deposits", pid, version, first, after)


async def tally(ctx: Context, p: Proposal, version: int) -> Tally:
    """What ``/cosmos/gov/v1/proposals/{id}/tally`` answers at ``version`` (computed while voting)."""
    r = A.readers(ctx)
    return await run_in_threadpool(compute_tally, r.gov, r.staking, r.prefixes, p, version)


async def gov_params(ctx: Context, height: int | None) -> dict[str, Any]:
    r = A.readers(ctx)
    version = r.version(height)
    return await run_in_threadpool(r.gov.params, version)
