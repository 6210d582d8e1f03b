"""Blocks: by height or hash, and newest-first pages of them."""

from __future__ import annotations

from cometgraph.storage.errors import InvalidInput, Pruned
from cometgraph.storage.models import BlockMeta, BlockResults, Commit

from .context import Context
from .inputs import check_height, height_range, parse_hash
from .paging import Cursors, Page, decode_height_cursor, encode_cursor, page_size


def block_cursor(height: int) -> str:
    return encode_cursor("block", str(height))


async def block(ctx: Context, height: int | None, hash: str | None) -> BlockMeta | None:
    if (height is None) == (hash is None):
        raise InvalidInput("give exactly one of height or hash")
    view = ctx.pin()
    if hash is not None:
        h = await ctx.loaders.height_by_hash.load(parse_hash(hash, "block hash"))
        if h is None:
            return None
        height = h
    if height is None:  # not both None: checked above
        raise InvalidInput("give exactly one of height or hash")
    check_height(height)
    if height > view.latest_height:
        return None
    if height < view.earliest_height:
        raise Pruned("block", height, view.earliest_height)
    return await ctx.loaders.block_meta.load(height)


async def blocks(
    ctx: Context,
    first: int | None,
    after: str | None,
    min_height: int | None,
    max_height: int | None,
    last: int | None = None,
    before: str | None = None,
) -> Page[BlockMeta | None]:
    """Newest first, keyset-paged by height both ways: only the page's metas are read.

    The list is heights ``lo..hi`` (retained, within min/maxHeight) read downwards; ``after``
    and ``before`` cut it to the heights below / above their cursor, then ``first`` takes the
    newest of what is left, ``last`` the oldest (Relay). Both flags of ``pageInfo`` are
    exact: they say whether the list, not just the cut, goes on past the page.
    """
    if first is not None and last is not None:
        raise InvalidInput("give first or last, not both: first pages forward (older blocks), last pages backward (newer blocks)")
    min_height, max_height = height_range(min_height, max_height)
    backward = last is not None or (before is not None and first is None)
    n = page_size(last, name="last") if backward else page_size(first)
    view = ctx.pin()
    lo = max(view.earliest_height, min_height or 1)
    hi = view.latest_height if max_height is None else min(max_height, view.latest_height)
    top, bottom = hi, lo  # the cut the cursors leave
    if after is not None:
        top = min(top, decode_height_cursor("block", after) - 1)
    if before is not None:
        bottom = max(bottom, decode_height_cursor("block", before, "before") + 1)
    if backward:  # the oldest n of the cut, still newest first
        page_top = min(top, bottom + n - 1)
        heights = list(range(page_top, bottom - 1, -1)) if n else []
        first_above, last_below = page_top, bottom  # an empty page sits at the cut's bottom
    else:
        page_bottom = max(bottom, top - n + 1)
        heights = list(range(top, page_bottom - 1, -1)) if n else []
        first_above, last_below = top, top + 1  # an empty page sits at the cut's top
    if heights:
        first_above, last_below = heights[0], heights[-1]
    metas = await ctx.loaders.block_meta.load_all(heights)
    return Page(
        items=metas,
        cursors=Cursors(heights, block_cursor),
        has_next=min(hi, last_below - 1) >= lo,
        has_previous=max(lo, first_above + 1) <= hi,
    )


async def block_meta(ctx: Context, height: int) -> BlockMeta | None:
    """The meta of a height already known to exist (a tx's block)."""
    return await ctx.loaders.block_meta.load(height)


async def block_results(ctx: Context, height: int) -> BlockResults | None:
    """The ABCI results state.db keeps for a height; None where they are not kept."""
    return await ctx.loaders.block_results.load(height)


def latest_height(ctx: Context) -> int:
    """The top height of the snapshot this request is pinned to."""
    return ctx.pin().latest_height


async def block_tx_bytes(ctx: Context, height: int) -> tuple[bytes, ...]:
    blk = await ctx.loaders.block.load(height)
    return blk.txs if blk is not None else ()


async def last_commit(ctx: Context, height: int) -> Commit | None:
    """Block h's last commit: the ``C:h-1`` record, without reading block h's parts."""
    if height <= 1:
        blk = await ctx.loaders.block.load(height)
        return blk.last_commit if blk is not None else None
    commit = await ctx.loaders.commit.load(height - 1)
    if commit is None:
        blk = await ctx.loaders.block.load(height)
        commit = blk.last_commit if blk is not None else None
    return commit


async def commit(ctx: Context, height: int) -> Commit | None:
    """The commit for block h: ``C:h``, or the node's seen commit at the top."""
    c = await ctx.loaders.commit.load(height)
    if c is None:
        ctx.volatile()  # the top block: its canonical commit arrives with the next block
        c = await ctx.loaders.seen_commit.load(height)
    return c


async def verified(ctx: Context, meta: BlockMeta) -> bool:
    """Whether every hash of this block recomputes from the stored bytes (cometgraph verify,
    for one height); a block never changes, so the answer is cached per (height, hash)."""
    from starlette.concurrency import run_in_threadpool

    from cometgraph.storage.integrity import verify_readers

    key = (meta.height, meta.block_id.hash)
    ok = ctx.chain.verified.get(key)
    if ok is None:
        view = ctx.pin()
        ok = (await run_in_threadpool(verify_readers, view.readers, meta.height, meta.height)).ok
        ctx.chain.verified.put(key, ok)
    return ok


async def block_search(ctx: Context, query: str, first: int | None, after: str | None, order: str) -> Page[BlockMeta]:
    """CometBFT's ``block_search``: the node's heights in its order, keyset-paged, O(page).
    A matched height whose block this node no longer keeps (pruned) is left out, as the node does."""
    from starlette.concurrency import run_in_threadpool

    from cometgraph.storage.blockindex import block_index

    n = page_size(first)
    view = ctx.pin()
    if n == 0:
        return Page.empty(has_previous=after is not None)
    page = await run_in_threadpool(lambda: block_index(view.readers).search(query, order, after, n))
    kept = [(h, c) for h, c in zip(page.heights, page.cursors) if view.earliest_height <= h <= view.latest_height]
    metas = await ctx.loaders.block_meta.load_all([h for h, _ in kept])
    rows = [(m, c) for m, (_, c) in zip(metas, kept) if m is not None]
    cursors = [c for _, c in rows]
    # past heights left out at the end of the page, the next page starts after the last one read
    end = page.cursors[-1] if page.cursors and (not cursors or cursors[-1] != page.cursors[-1]) else None
    return Page(items=[m for m, _ in rows], cursors=cursors, has_next=page.more, end_cursor=end, has_previous=after is not None)
