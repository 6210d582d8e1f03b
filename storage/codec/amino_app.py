"""Cosmos SDK ≤ 0.39 application state (go-amino): multistore commit infos, accounts, supply.

Keys are those of later SDKs; values differ:

* ``s/latest`` → ``MarshalBinaryLengthPrefixed(int64)`` (``02 ee05`` = 750), where 0.40+
  writes a protobuf ``Int64Value`` (``08 …``).
* ``s/{v}`` → ``MarshalBinaryLengthPrefixed(commitInfo{version 1, store_infos 2
  storeInfo{name 1, core 2 storeCore{commit_id 1 CommitID{version 1, hash 2}}}})``: one
  more level (``core``) than 0.40's ``StoreInfo{name, commit_id}``.
* the app hash leaf of a store is ``sha256(sha256(root))``: 0.39's ``storeInfo.Hash()``
  hashes the root once and ``SimpleHashFromMap`` hashes that value again (0.40+ hashes
  once). Checked against every header of tm033.
* ``acc`` store ``0x01``+address → ``MarshalBinaryBare(Account)``: a registered concrete
  type (``cosmos-sdk/Account`` = BaseAccount, ``cosmos-sdk/ModuleAccount``, the vesting
  accounts) holding its coins; there is no bank store of balances.
* ``supply`` store ``0x00`` → ``MarshalBinaryLengthPrefixed(cosmos-sdk/Supply{total 1})``.

SDK@v0.39.1: store/rootmulti/store.go, x/auth/types/account.go, x/auth/vesting/types,
x/supply/internal/types; read for the layouts, checked on tm033's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Coin, PubKey
from . import amino
from .amino import AminoError, Fields

BASE_ACCOUNT = "cosmos-sdk/Account"
MODULE_ACCOUNT = "cosmos-sdk/ModuleAccount"
BASE_VESTING = "cosmos-sdk/BaseVestingAccount"
CONTINUOUS = "cosmos-sdk/ContinuousVestingAccount"
DELAYED = "cosmos-sdk/DelayedVestingAccount"
PERIODIC = "cosmos-sdk/PeriodicVestingAccount"
SUPPLY = "cosmos-sdk/Supply"
_ACCOUNTS = amino.names_by_prefix(BASE_ACCOUNT, MODULE_ACCOUNT, BASE_VESTING, CONTINUOUS, DELAYED, PERIODIC)
_SUPPLY = amino.names_by_prefix(SUPPLY)


# ---------------------------------------------------------------- multistore
def is_amino_latest(raw: bytes) -> bool:
    """``s/latest``: protobuf ``Int64Value`` opens with its tag ``08`` (or is empty for 0);
    amino opens with a length that covers the rest (an 8 would mean a version ≥ 2^49)."""
    return bool(raw) and raw[0] != 0x08 and amino.has_length_prefix(raw)


def decode_latest(raw: bytes) -> int:
    """A length-prefixed bare int64: one uvarint filling the body."""
    body = amino.strip_length_prefix(raw)
    value, pos = amino.read_uvarint(body, 0)
    if pos != len(body):
        raise AminoError(f"{len(body) - pos} bytes after the version")
    return value


def is_amino_commit_info(raw: bytes) -> bool:
    """``s/{v}``: a length prefix over the rest, and ``storeInfo.core`` (a struct) where 0.40+
    has ``commit_id.version`` (a varint)."""
    if raw[:1] == b"\x08" or not amino.has_length_prefix(raw):
        return False
    try:
        stores = Fields(amino.strip_length_prefix(raw)).repeated(2)
        return all(Fields(s).wire(2) in (None, amino.BYTES) for s in stores)
    except AminoError:
        return False


def decode_commit_info(raw: bytes) -> tuple[int, list[tuple[str, int, bytes]]]:
    """(version, [(store name, commit version, root hash)]) in stored order."""
    f = Fields(amino.strip_length_prefix(raw))
    out = []
    for s in f.repeated(2):
        info = Fields(s)
        cid = info.msg_or_empty(2).msg_or_empty(1)
        out.append((info.text(1), cid.sint(1), cid.blob(2)))
    return f.sint(1), out


# ---------------------------------------------------------------- accounts
@dataclass(frozen=True, slots=True)
class AminoAccount:
    """One SDK ≤ 0.39 account, fields as stored (address as bytes, coins inside)."""

    name: str  # the registered type ("cosmos-sdk/Account" …)
    address: bytes
    coins: tuple[Coin, ...]
    pub_key: PubKey | None
    pub_key_raw: bytes  # the interface value as stored (prefix + key), b"" when unset
    account_number: int
    sequence: int
    module_name: str | None = None
    permissions: tuple[str, ...] = ()
    original_vesting: tuple[Coin, ...] = ()
    delegated_free: tuple[Coin, ...] = ()
    delegated_vesting: tuple[Coin, ...] = ()
    end_time: int = 0
    start_time: int | None = None
    periods: tuple[tuple[int, tuple[Coin, ...]], ...] = ()


def is_amino_account(raw: bytes) -> bool:
    return raw[:4] in _ACCOUNTS


def coins(raws: list[bytes]) -> tuple[Coin, ...]:
    """``sdk.Coins``: ``Coin{denom 1, amount 2}`` with the amount as ``sdk.Int`` text."""
    out = []
    for raw in raws:
        c = Fields(raw)
        amount = c.text(2) or "0"
        if not amount.lstrip("-").isdigit():
            raise AminoError(f"coin amount {amount[:40]!r} is not an integer")
        out.append(Coin(denom=c.text(1), amount=str(int(amount))))
    return tuple(out)


def _base(f: Fields) -> dict[str, Any]:
    pk_raw = f.blob(3)
    pub_key = None
    if pk_raw:
        try:
            pub_key = amino.read_pubkey(pk_raw)
        except AminoError:
            pub_key = None  # a multisig or other key type: kept raw in pub_key_raw
    return {
        "address": f.blob(1),
        "coins": coins(f.repeated(2)),
        "pub_key": pub_key,
        "pub_key_raw": pk_raw,
        "account_number": f.uint(4),
        "sequence": f.uint(5),
    }


def _vesting(f: Fields) -> dict[str, Any]:
    """``BaseVestingAccount{*BaseAccount 1, original_vesting 2, delegated_free 3, delegated_vesting 4, end_time 5}``."""
    return {
        **_base(f.msg_or_empty(1)),
        "original_vesting": coins(f.repeated(2)),
        "delegated_free": coins(f.repeated(3)),
        "delegated_vesting": coins(f.repeated(4)),
        "end_time": f.sint(5),
    }


def decode_account(raw: bytes) -> AminoAccount:
    """An ``exported.Account`` interface value; raises ``AminoError`` for another type or damage."""
    name, body = amino.registered(raw, _ACCOUNTS)
    f = Fields(body)
    if name == BASE_ACCOUNT:
        return AminoAccount(name=name, **_base(f))
    if name == MODULE_ACCOUNT:
        return AminoAccount(name=name, module_name=f.text(2), permissions=tuple(f.repeated_text(3)), **_base(f.msg_or_empty(1)))
    if name == BASE_VESTING:
        return AminoAccount(name=name, **_vesting(f))
    fields = _vesting(f.msg_or_empty(1))
    if name == DELAYED:
        return AminoAccount(name=name, **fields)
    start = f.sint(2)
    if name == CONTINUOUS:
        return AminoAccount(name=name, start_time=start, **fields)
    periods = tuple((p.sint(1), coins(p.repeated(2))) for p in map(Fields, f.repeated(3)))
    return AminoAccount(name=name, start_time=start, periods=periods, **fields)


def decode_supply(raw: bytes) -> tuple[Coin, ...]:
    """The ``supply`` store's ``0x00``: the total supply."""
    _, body = amino.registered(amino.strip_length_prefix(raw), _SUPPLY)
    return coins(Fields(body).repeated(1))
