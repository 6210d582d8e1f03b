"""CosmWasm: codes, contracts, their storage at a height, cw20 / cw721 views and holders.

Everything is read from the ``wasm`` store of application.db at the asked version;
lists page with keyset cursors over store keys (O(page) reads). ``holders`` ranks a
token's whole balance map once per (version, contract) and caches the ranking
(``chain.rankings``), refusing tokens with more than ``MAX_RANKED`` entries.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from cometgraph.storage.app.cw_tokens import Cw20Info, Cw721Info, CwTokens, Nft
from cometgraph.storage.app.wasm import Code, Contract, HistoryEntry, WasmReader
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import InvalidInput
from cometgraph.storage.models import Event

from . import app as A
from .context import Context
from .inputs import LimitExceeded
from .paging import Page, decode_cursor, encode_cursor, page_size
from .subscriptions import new_txs
from .txs import TxRef
from .whales import MAX_RANKED, Holder, _rank_page

#: event types whose ``_contract_address`` names the contract a tx instantiated, executed or migrated
CONTRACT_EVENTS = ("instantiate", "execute", "migrate")
#: index entries one ``contracts(codeId:, creator:)`` request looks at, at most
SCAN_BUDGET = 5_000
ENCODINGS = ("UTF8", "HEX", "BASE64")


def _wasm(ctx: Context) -> tuple[A.AppReaders, WasmReader]:
    r = A.readers(ctx)
    return r, r.view.readers.modules.wasm  # type: ignore[union-attr]  # AppReaders checked modules


def parse_key(text: str, encoding: str) -> bytes:
    """A contract storage key as the client wrote it: UTF8 text, HEX or BASE64 bytes."""
    if encoding == "UTF8":
        return text.encode()
    try:
        if encoding == "HEX":
            return bytes.fromhex(text)
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput(f"{text!r} is not valid {encoding.lower()}") from None


def _bytes_cursor(kind: str, after: str | None) -> bytes | None:
    if after is None:
        return None
    try:
        return bytes.fromhex(decode_cursor(kind, after))
    except ValueError:
        raise InvalidInput("after is not a cursor this server issued") from None


def _keyed_page(kind: str, rows: list[tuple[bytes, object]], n: int, after: str | None) -> Page[Any]:
    """``rows`` holds up to n+1 (key, item): the extra one only says another page exists."""
    return Page(
        items=[item for _, item in rows[:n]],
        cursors=[encode_cursor(kind, k.hex()) for k, _ in rows[:n]],
        has_next=len(rows) > n,
        has_previous=after is not None,
    )


# ---------------------------------------------------------------- codes
async def code(ctx: Context, code_id: int, height: int | None) -> tuple[int, Code | None]:
    r, w = _wasm(ctx)
    version = r.version(height)
    if code_id < 0:
        raise InvalidInput(f"a code id is ≥ 0; got {code_id}")
    return version, await run_in_threadpool(w.code, code_id, version)


async def codes(ctx: Context, first: int | None, after: str | None, height: int | None) -> tuple[int, Page[Any]]:
    r, w = _wasm(ctx)
    version = r.version(height)
    n = page_size(first)
    kind = f"codes/{version}"
    last = int.from_bytes(_bytes_cursor(kind, after) or b"", "big") if after is not None else None
    got = await run_in_threadpool(w.codes, version, last, n + 1)
    return version, _keyed_page(kind, [(c.id.to_bytes(8, "big"), c) for c in got], n, after)


# ---------------------------------------------------------------- contracts
async def contract(ctx: Context, address: str, height: int | None) -> tuple[int, Contract | None]:
    r, w = _wasm(ctx)
    addr = r.account_address(address)
    version = r.version(height)
    return version, await run_in_threadpool(w.contract, addr, version)


async def contracts(ctx: Context, code_id: int | None, creator: str | None, first: int | None, after: str | None, height: int | None) -> tuple[int, Page[Any]]:
    """All contracts by address bytes; of a code or of a creator in creation order. Both: the
    code's contracts, keeping the creator's, looking at no more than ``SCAN_BUDGET`` of them
    per request (then the page ends early, ``endCursor`` resuming where the scan stopped)."""
    r, w = _wasm(ctx)
    version = r.version(height)
    n = page_size(first)
    if code_id is not None and code_id < 0:
        raise InvalidInput(f"a code id is ≥ 0; got {code_id}")
    creator_bytes = r.account_address(creator) if creator is not None else None
    creator_text = bech32.encode(r.prefixes.account, creator_bytes) if creator_bytes is not None else None
    kind = f"contracts/{code_id}/{creator_text}/{version}"
    start = _bytes_cursor(kind, after)

    def fetch() -> Page[Any]:
        if code_id is None and creator_bytes is None:
            return _keyed_page(kind, [(c.address, c) for c in w.contracts(version, start, n + 1)], n, after)
        rows: list[tuple[bytes, object]] = []
        cursor, scanned, exhausted = start, 0, False
        while len(rows) <= n and scanned < SCAN_BUDGET:
            want = min(100, SCAN_BUDGET - scanned)
            if code_id is not None:
                batch = w.contracts_of_code(code_id, version, cursor, want)
            else:
                assert creator_bytes is not None
                batch = w.contracts_of_creator(creator_bytes, version, cursor, want)
            for key, addr in batch:
                scanned, cursor = scanned + 1, key
                c = w.contract(addr, version)
                if c is not None and (creator_text is None or c.creator == creator_text):
                    rows.append((key, c))
                    if len(rows) > n:
                        break
            if len(batch) < want:
                exhausted = True
                break
        page = _keyed_page(kind, rows, n, after)
        if len(rows) <= n and not exhausted:  # the budget ran out first: resume after the last entry looked at
            return Page(page.items, page.cursors, has_next=True, end_cursor=encode_cursor(kind, (cursor or b"").hex()), has_previous=after is not None)
        return page

    return version, await run_in_threadpool(fetch)


async def history(ctx: Context, addr: bytes, version: int) -> list[HistoryEntry]:
    _, w = _wasm(ctx)
    return await run_in_threadpool(w.history, addr, version)


@dataclass(frozen=True)
class StateEntry:
    key: bytes
    value: bytes


async def raw(ctx: Context, addr: bytes, key: bytes, version: int) -> StateEntry | None:
    _, w = _wasm(ctx)
    value = await run_in_threadpool(w.raw, addr, key, version)
    return None if value is None else StateEntry(key, value)


async def state(ctx: Context, addr: bytes, prefix: bytes, first: int | None, after: str | None, version: int) -> Page[Any]:
    _, w = _wasm(ctx)
    n = page_size(first)
    kind = f"state/{bech32.encode('c', addr)}/{prefix.hex()}/{version}"
    start = _bytes_cursor(kind, after)
    rows = await run_in_threadpool(w.state, addr, version, prefix, start, n + 1)
    return _keyed_page(kind, [(k, StateEntry(k, v)) for k, v in rows], n, after)


async def contract_txs(ctx: Context, address: str, first: int | None, after: str | None, order: str) -> Page[Any]:
    """Txs whose instantiate, execute or migrate events name the contract (tx index), O(page)."""
    n = page_size(first)
    view = ctx.pin()
    if n == 0:
        return Page(items=[], cursors=[], has_next=False, has_previous=after is not None)
    queries = tuple(f"{e}._contract_address='{address}'" for e in CONTRACT_EVENTS)
    page = await run_in_threadpool(view.txs.search_any, queries, order, after, n)
    refs = [TxRef(hash=t.hash, height=t.height, index=t.index, raw=t.tx, result=t.result) for t in page.txs]
    return Page(items=refs, cursors=list(page.cursors), has_next=page.next_cursor is not None, has_previous=after is not None)


# ---------------------------------------------------------------- cw20 / cw721
def _tokens(ctx: Context) -> CwTokens:
    return CwTokens(_wasm(ctx)[1])


async def cw20(ctx: Context, addr: bytes, version: int) -> Cw20Info | None:
    return await run_in_threadpool(_tokens(ctx).cw20_info, addr, version)


async def cw20_balance(ctx: Context, addr: bytes, holder: str, version: int) -> int:
    r = A.readers(ctx)
    r.account_address(holder)  # a bad address is BAD_INPUT, as the contract's own query refuses it
    return await run_in_threadpool(_tokens(ctx).cw20_balance, addr, holder, version)


async def cw20_allowance(ctx: Context, addr: bytes, owner: str, spender: str, version: int) -> dict[str, object] | None:
    r = A.readers(ctx)
    r.account_address(owner)
    r.account_address(spender)
    return await run_in_threadpool(_tokens(ctx).cw20_allowance, addr, owner, spender, version)


async def cw20_holders(ctx: Context, addr: bytes, first: int | None, after: str | None, version: int) -> Page[Any]:
    tokens = _tokens(ctx)

    def compute() -> list[tuple[int, str, object]]:
        rows = [(-amount, holder, Holder(holder, amount)) for holder, amount in tokens.cw20_holders(addr, version, MAX_RANKED)]
        rows.sort(key=lambda x: (x[0], x[1]))
        return rows  # type: ignore[return-value]

    ranked = await run_in_threadpool(ctx.chain.rankings.get_or_compute, ("cw20", version, addr), compute)
    return _rank_page(ranked, f"cw20/{addr.hex()}/{version}", first, after)


async def cw721(ctx: Context, addr: bytes, version: int) -> Cw721Info | None:
    return await run_in_threadpool(_tokens(ctx).cw721_info, addr, version)


async def cw721_token(ctx: Context, addr: bytes, token_id: str, version: int) -> Nft | None:
    return await run_in_threadpool(_tokens(ctx).nft, addr, token_id, version)


async def cw721_tokens(ctx: Context, addr: bytes, owner: str | None, first: int | None, after: str | None, version: int) -> Page[Any]:
    if owner is not None:
        A.readers(ctx).account_address(owner)
    n = page_size(first)
    kind = f"nfts/{addr.hex()}/{owner}/{version}"
    start = decode_cursor(kind, after) if after is not None else None
    got = await run_in_threadpool(_tokens(ctx).nfts, addr, version, owner, start, n + 1)
    return Page(
        items=got[:n],
        cursors=[encode_cursor(kind, t.token_id) for t in got[:n]],
        has_next=len(got) > n,
        has_previous=after is not None,
    )


def address_text(ctx: Context) -> Callable[[bytes], str]:
    """Address bytes → bech32 text with the chain's account prefix (contracts print so)."""
    hrp = A.readers(ctx).prefixes.account
    return lambda addr: bech32.encode(hrp, addr)


#: contracts ``Account.cw20Balances`` looks at, at most, per height (each costs a few reads once)
MAX_CW20_SCAN = 10_000


async def cw20_balances_of(ctx: Context, holder: str, version: int) -> list[tuple[bytes, Cw20Info, int]]:
    """(token, info, amount) of every cw20-shaped contract where ``holder`` has a non-zero
    balance, by token address. Which contracts are cw20-shaped is worked out once per height
    (every contract's ``token_info`` read; refused past ``MAX_CW20_SCAN`` contracts) and
    cached; then each costs one read per request."""
    _, w = _wasm(ctx)
    tokens = CwTokens(w)

    def scan() -> list[tuple[bytes, Cw20Info]]:
        found: list[tuple[bytes, Cw20Info]] = []
        after: bytes | None = None
        seen = 0
        while batch := w.contracts(version, after, 500):
            seen += len(batch)
            if seen > MAX_CW20_SCAN:
                raise LimitExceeded(f"this chain has more than {MAX_CW20_SCAN:,} contracts: too many to look for cw20 balances in")
            for c in batch:
                info = tokens.cw20_info(c.address, version)
                if info is not None:
                    found.append((c.address, info))
            after = batch[-1].address
        return found

    def balances() -> list[tuple[bytes, Cw20Info, int]]:
        cw20s = ctx.chain.rankings.get_or_compute(("cw20-tokens", version), scan)
        out = []
        for addr, info in cw20s:
            amount = tokens.cw20_balance(addr, holder, version)
            if amount:
                out.append((addr, info, amount))
        return out

    return await run_in_threadpool(balances)


def is_contract_event(event_type: str) -> bool:
    """The events a contract emits itself: ``wasm`` and custom ``wasm-<name>``."""
    return event_type == "wasm" or event_type.startswith("wasm-")


async def new_contract_events(ctx: Context, contract: str | None) -> AsyncIterator[tuple[TxRef, Event]]:
    """(tx, event) of every contract event in every new block, optionally of one contract."""
    if contract is not None:
        A.readers(ctx).account_address(contract)  # BAD_INPUT before any block arrives
    query = f"wasm._contract_address='{contract}'" if contract is not None else "wasm._contract_address EXISTS"
    async for ref in new_txs(ctx, query):
        for e in ref.result.events if ref.result is not None else ():
            if is_contract_event(e.type) and (contract is None or any(a.key == "_contract_address" and a.value == contract for a in e.attributes)):
                yield ref, e
