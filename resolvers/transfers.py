"""Transfers: every ``transfer`` event of every tx, the "whale alert" feed, newest first.

A transfer is one event as the bank module emitted it (sender, recipient, the coins it moved,
the message that moved them): the fee a tx paid, each ``MsgSend``, each output of a
``MsgMultiSend``, rewards paid out, module payments. A failed tx keeps only its fee transfer,
which did move coins, so it is listed too. Block-level transfers (minting, fee distribution)
belong to no tx and are not listed.

Txs come from the tx index (``resolvers.feed``): an address's transfers from its
``transfer.sender``/``transfer.recipient`` entries, all transfers from the height index walked
down from the top; denom and amount filters are applied to each tx's events.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from cometgraph.storage.app.addresses import parse_account
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import InvalidInput, NotFound
from cometgraph.storage.models import Coin

from .context import Context
from .feed import event_feed, height_bounds
from .paging import Page
from .subscriptions import new_txs
from .txs import TxRef

#: the SDK's denom rule (types/coin.go ``reDnmString``)
DENOM = re.compile(r"[a-zA-Z][a-zA-Z0-9/:._-]{2,127}\Z")
_COIN = re.compile(r"([0-9]+)([a-zA-Z][a-zA-Z0-9/:._-]{2,127})\Z")


@dataclass(frozen=True)
class Transfer:
    sender: str
    recipient: str
    amount: tuple[Coin, ...]
    height: int
    #: the ``msg_index`` attribute: which message of the tx moved the coins (None: the fee)
    message_index: int | None
    tx: TxRef


def parse_coins(text: str) -> tuple[Coin, ...]:
    """An SDK ``Coins`` string (``12inj,3ibc/…``) as coins; parts that are not a coin are left out."""
    out = []
    for part in text.split(","):
        m = _COIN.match(part.strip())
        if m:
            out.append(Coin(denom=m.group(2), amount=m.group(1)))
    return tuple(out)


def transfers_of(ref: TxRef) -> list[Transfer]:
    """The ``transfer`` events one tx's result records, in event order."""
    if ref.result is None:
        return []
    senders: dict[str, str] = {}
    out = []
    for e in ref.result.events:
        a: dict[str, str] = {}
        for x in e.attributes:
            a.setdefault(x.key, x.value)
        if e.type == "message" and "sender" in a:
            senders.setdefault(a.get("msg_index", ""), a["sender"])
        if e.type != "transfer":
            continue
        index = a.get("msg_index")
        out.append(
            Transfer(
                # SDK < 0.47 multi-sends name the sender in the message event only
                sender=a.get("sender") or senders.get(index or "", ""),
                recipient=a.get("recipient", ""),
                amount=parse_coins(a.get("amount", "")),
                height=ref.height,
                message_index=int(index) if index is not None and index.isdigit() else None,
                tx=ref,
            )
        )
    return out


@dataclass(frozen=True)
class TransferFilter:
    """What a client asked for; every field already checked."""

    address: str | None = None
    denom: str | None = None
    min_amount: int | None = None

    def keep(self, t: Transfer) -> bool:
        if self.address is not None and self.address not in (t.sender, t.recipient):
            return False
        if self.denom is None and self.min_amount is None:
            return True
        coins = [c for c in t.amount if self.denom is None or c.denom == self.denom]
        if not coins:
            return False
        return self.min_amount is None or any(int(c.amount) >= self.min_amount for c in coins)


def transfer_filter(ctx: Context, address: str | None, denom: str | None, min_amount: int | None) -> TransferFilter:
    """Check the arguments: an address of this chain (any case; kept in the events' lower case),
    a denom the SDK accepts, a non-negative amount."""
    if address is not None:
        prefixes = ctx.pin().readers.prefixes
        if prefixes is None:
            raise NotFound("the chain's data names no address yet, so its bech32 prefix is unknown")
        address = bech32.encode(prefixes.account, parse_account(address, prefixes))
    if denom is not None and not DENOM.match(denom):
        raise InvalidInput(f"{denom!r} is not a denom: a letter, then 2 to 127 letters, digits or / : . _ -")
    if min_amount is not None and min_amount < 0:
        raise InvalidInput(f"minAmount must be >= 0; got {min_amount}")
    return TransferFilter(address, denom, min_amount)


async def transfers(
    ctx: Context,
    f: TransferFilter,
    min_height: int | None,
    max_height: int | None,
    first: int | None,
    after: str | None,
) -> Page[Transfer]:
    """Newest first (height, then the node's tx order reversed, then event order), O(page)."""
    bounds = height_bounds(min_height, max_height)
    if f.address is not None:
        queries = tuple(" AND ".join([f"transfer.{role}='{f.address}'", *bounds]) for role in ("sender", "recipient"))
    else:  # every tx has its fee transfer: walk the height index itself
        queries = (" AND ".join(bounds or ["tx.height>0"]),)
    return await event_feed(ctx, "transfers", queries, transfers_of, f.keep, first, after, filters=f"denom={f.denom} min={f.min_amount}")


async def new_transfers(ctx: Context, f: TransferFilter) -> AsyncIterator[Transfer]:
    """The transfers of every new block's txs, in block order, that ``f`` keeps."""
    async for ref in new_txs(ctx, None):
        for t in transfers_of(ref):
            if f.keep(t):
                yield t
