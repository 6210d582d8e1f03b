"""Event feeds: rows that txs' events record (staking flows, transfers), newest first, from the tx index.

Txs stream from the index (``search_any``, newest first) fifty at a time; each tx is turned into
its rows (``extract``) and the rows a client wants are kept (``keep``). Memory is O(page): no
request holds more than one batch of txs and the page. A row's cursor is (the tx cursor just
before its tx, how many of that tx's rows are taken), so a page may end mid-tx and the next one
resumes inside it. One request looks at no more than ``SCAN_BUDGET`` txs: past it the page ends
early with ``hasNextPage`` and an ``endCursor`` after the last tx seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hashlib import sha256
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.errors import InvalidInput

from .context import Context
from .paging import Page, decode_cursor, encode_cursor, page_size
from .txs import TxRef

#: txs one request may look at while filtering; past it the page ends early (hasNextPage)
SCAN_BUDGET = 5_000
#: txs read from the index per step
BATCH = 50

T = TypeVar("T")


async def event_feed(
    ctx: Context,
    kind: str,
    queries: Sequence[str],
    extract: Callable[[TxRef], list[T]],
    keep: Callable[[T], bool],
    first: int | None,
    after: str | None,
    filters: str = "",
) -> Page[T]:
    """One page of the rows of the txs matching ANY of ``queries``, newest first.

    A cursor names its feed (``kind``) and a fingerprint of ``queries`` and ``filters`` (what
    ``keep`` tests): a cursor of another feed or of other arguments is refused, not misread."""
    n = page_size(first)
    view = ctx.pin()
    fp = sha256("\n".join([*queries, filters]).encode()).hexdigest()[:12]
    before, skip = None, 0
    if after is not None:
        got_fp, _, position = decode_cursor(kind, after).partition(":")
        tx_cursor, _, taken = position.rpartition("|")
        if not taken.isdigit():
            raise InvalidInput("after is not a cursor this server issued")
        if got_fp != fp:
            raise InvalidInput(f"after is a cursor of this feed with different arguments: ask {kind} again with the arguments it was made for")
        before, skip = (tx_cursor or None), int(taken)
    items: list[T] = []
    cursors: list[str] = []
    scanned, exhausted, tx_after = 0, False, before
    # one item more than asked, to know exactly whether another page exists
    while len(items) <= n and scanned < SCAN_BUDGET and not exhausted:
        page = await run_in_threadpool(view.txs.search_any, queries, "desc", tx_after, min(BATCH, SCAN_BUDGET - scanned))
        for tx in page.txs:
            scanned += 1
            ref = TxRef(hash=tx.hash, height=tx.height, index=tx.index, raw=tx.tx, result=tx.result)
            rows = extract(ref)
            for i in range(skip, len(rows)):
                if not keep(rows[i]):
                    continue
                items.append(rows[i])
                cursors.append(encode_cursor(kind, f"{fp}:{before or ''}|{i + 1}"))
                if len(items) > n:
                    break
            skip = 0
            if len(items) > n:
                break
            before = view.txs.cursor_for_any(queries, "desc", tx)
        else:
            exhausted = page.next_cursor is None
            tx_after = page.next_cursor
    resumed = after is not None
    if len(items) > n:
        return Page(items=items[:n], cursors=cursors[:n], has_next=True, has_previous=resumed)
    if not exhausted and scanned >= SCAN_BUDGET:  # the budget ran out first: resume after the last tx seen
        end = encode_cursor(kind, f"{fp}:{before or ''}|0")
        return Page(items=items, cursors=cursors, has_next=True, end_cursor=end, has_previous=resumed)
    return Page(items=items, cursors=cursors, has_next=False, has_previous=resumed)


def height_bounds(min_height: int | None, max_height: int | None) -> list[str]:
    """``tx.height`` conditions for an inclusive range (already checked by ``inputs.height_range``)."""
    bounds = [f"tx.height>={int(min_height)}"] if min_height is not None else []
    return bounds + ([f"tx.height<={int(max_height)}"] if max_height is not None else [])
