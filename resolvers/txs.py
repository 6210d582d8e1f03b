"""Transactions: by hash, within a block, and by CometBFT event query."""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from cometgraph.storage.errors import IndexDisabled, NotFound
from cometgraph.storage.models import DecodedTx, ExecResult
from cometgraph.storage.prefixes import Prefixes
from cometgraph.storage.txcursor import TxPage

from .blocks import block_tx_bytes
from .context import Context
from .inputs import parse_hash
from .paging import Page, page_size


@dataclass
class TxRef:
    """A tx known by position; its bytes and result are read only when asked."""

    hash: bytes
    height: int
    index: int
    raw: bytes | None = None
    result: ExecResult | None = None
    _decoded: DecodedTx | None = field(default=None, repr=False)


async def tx(ctx: Context, hash: str) -> TxRef | None:
    h = parse_hash(hash, "tx hash")
    res = await ctx.loaders.tx_result.load(h)
    if res is None:
        return None
    return TxRef(hash=h, height=res.height, index=res.index, raw=res.tx, result=res.result)


async def block_txs(ctx: Context, height: int, results: bool = False, decode: bool = False) -> list[TxRef]:
    """The block's txs; with ``results`` the block's ABCI results and with ``decode`` each tx's
    body are loaded in the same batches as the block itself (a page of blocks: one read each),
    so the txs' fields answer at once instead of each waiting on a loader (W2: ~500 a page).
    A record that fails to load here is left unset: the field that needs it asks the loader
    again, which kept the failure, and raises it as it would have."""
    loaders = ctx.loaders
    pending = loaders.block_results.load(height) if results else None
    try:
        raws = await block_tx_bytes(ctx, height)
    except BaseException:
        if pending is not None:
            pending.add_done_callback(_retrieved)
        raise
    refs = [TxRef(hash=sha256(raw).digest(), height=height, index=i, raw=raw) for i, raw in enumerate(raws)]
    bodies = [loaders.decoded_tx.load(raw) for raw in raws] if decode else ()
    if pending is not None:
        try:
            res = await pending
        except Exception:  # the field that needs it raises it
            res = None
        if res is not None:
            for ref, result in zip(refs, res.tx_results):
                ref.result = result
    for ref, body in zip(refs, bodies):
        try:
            ref._decoded = await body
        except Exception:  # likewise
            pass
    return refs


def _retrieved(future: Any) -> None:
    """Mark a prefetch's failure seen (its field never asked for it)."""
    if not future.cancelled():
        future.exception()


async def tx_result(ctx: Context, ref: TxRef) -> ExecResult:
    """The tx's ABCI result: from the block's results (always kept by a node that serves
    /block_results), else from the tx index."""
    if ref.result is None:
        results = await ctx.loaders.block_results.load(ref.height)
        if results is not None and ref.index < len(results.tx_results):
            ref.result = results.tx_results[ref.index]
        else:
            try:
                res = await ctx.loaders.tx_result.load(ref.hash)
            except IndexDisabled:
                res = None
            if res is None:
                raise NotFound(f"no result is stored for tx {ref.hash.hex().upper()}")
            ref.result = res.result
    return ref.result


async def tx_raw(ctx: Context, ref: TxRef) -> bytes:
    if ref.raw is None:
        txs = await block_tx_bytes(ctx, ref.height)
        ref.raw = txs[ref.index]
    return ref.raw


async def search(ctx: Context, query: str, first: int | None, after: str | None, order: str) -> Page[TxRef]:
    """One page of tx_search results: O(page) reads, keyset cursor from the index."""
    from starlette.concurrency import run_in_threadpool

    n = page_size(first)
    view = ctx.pin()
    if n == 0:
        return Page.empty(has_previous=after is not None)
    return tx_page(await run_in_threadpool(view.txs.search, query, order, after, n), after)


def tx_page(page: TxPage, after: str | None) -> Page[TxRef]:
    """A page of the tx index as a list page: each row with the cursor the index made for it."""
    refs = [TxRef(hash=r.hash, height=r.height, index=r.index, raw=r.tx, result=r.result) for r in page.txs]
    return Page(items=refs, cursors=list(page.cursors), has_next=page.next_cursor is not None, has_previous=after is not None)


async def decoded(ctx: Context, ref: TxRef) -> DecodedTx:
    """The tx body and auth info, opened once per tx (messages stay undecoded bytes)."""
    if ref._decoded is None:
        ref._decoded = await ctx.loaders.decoded_tx.load(await tx_raw(ctx, ref))
    return ref._decoded


def message_json(ctx: Context, type_url: str, value: bytes) -> dict[str, Any]:
    """A protobuf message as the REST prints it, with the chain's descriptors."""
    return ctx.chain.registry.message_json(type_url, value)


def prefixes(ctx: Context) -> Prefixes | None:
    """The chain's bech32 prefixes (None while its data names no address)."""
    return ctx.pin().readers.prefixes


async def tx_signers(ctx: Context, ref: TxRef) -> list[str]:
    from cometgraph.storage.codec.signers import signers

    prefixes = ctx.pin().readers.prefixes
    if prefixes is None:
        raise NotFound("the chain's data names no address yet, so its bech32 prefix is unknown")
    return [s for s in signers(await decoded(ctx, ref), prefixes.account, ctx.chain.registry) if s is not None]
