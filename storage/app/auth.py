"""x/auth: accounts, read from the ``acc`` store of application.db.

Keys (SDK x/auth/types/keys.go; 0.40 → 0.50):

* ``0x01``+address (raw bytes, no length byte; 20 or 32 B) → ``google.protobuf.Any``
  holding the account. [checked on the sample chain, SDK 0.50, and tm034, SDK 0.4x]
* account-number counter: ``0x02`` → BE64 (0.50 ``collections.Sequence``) [sample];
  ``"globalAccountNumber"`` → gogo ``UInt64Value`` (≤ 0.47) [tm034]. The 0.50
  migration moves the second to the first. An absent counter is 0.
* ``"accountNumber"``+BE64(n) → the address bytes (0.47+ index) [sample].
* ``0x00`` → Params.

Account types (Any type URL → where its ``BaseAccount`` sits):

* ``/cosmos.auth.v1beta1.BaseAccount{address=1, pub_key=2 Any, account_number=3, sequence=4}``
* ``/cosmos.auth.v1beta1.ModuleAccount{base_account=1, name=2, permissions=3}``
* ``/cosmos.vesting.v1beta1.{Continuous,Delayed,Periodic}VestingAccount`` and
  ``PermanentLockedAccount``: ``base_vesting_account=1{base_account=1,
  original_vesting=2, delegated_free=3, delegated_vesting=4, end_time=5}``, plus
  ``start_time=2`` (continuous, periodic) and ``vesting_periods=3{length=1, amount=2}``
  (periodic). Injective 1.20.1 cannot hold any (its registry lacks the types); other
  chains do.
* ``/injective.types.v1beta1.EthAccount{base_account=1, code_hash=2}`` (every user account
  of an Injective chain).
* any other type (``/ethermint.types.v1.EthAccount``, ICA ``InterchainAccount`` …) is read
  generically: the first message found by following field 1 (at most 4 levels) that
  parses as a ``BaseAccount`` whose address is the key's address.

SDK ≤ 0.39 (go-amino, ``codec.amino_app``) stores the account itself under the same key,
as a registered type holding its coins (``cosmos-sdk/Account``, ``cosmos-sdk/ModuleAccount``,
the vesting accounts). Such an account is served in the same model as the protobuf type
SDK 0.40 migrated it to (``type_url``, ``value`` re-encoded so JSON renders alike), with
``amino_type`` naming what is stored and ``coins`` holding its balances.

Field numbers and options are those injectived 1.20.1 registers (its embedded
descriptors); ``account_json`` renders REST-identical JSON through the descriptor
registry (``storage/proto/sdk/cosmos.auth.v1beta1.proto`` …).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from google.protobuf import any_pb2, unknown_fields
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from ..codec import amino, amino_app, bech32
from ..codec.amino import AminoError
from ..codec.registry import DescriptorRegistry, default_registry
from ..codec.tx import DynamicMessage
from ..errors import CorruptRecord, InvalidInput, UnknownFormat
from ..models import Coin
from ..prefixes import Prefixes
from ..proto import cosmos_tx_pb2
from .addresses import check_address
from .iavl import IAVLTree
from .store import AppStore

__all__ = [
    "ACCOUNT_PREFIX",
    "Account",
    "AuthReader",
    "Period",
    "VestingInfo",
    "account_key",
    "decode_account",
]

STORE = "acc"
ACCOUNT_PREFIX = b"\x01"
NEXT_NUMBER_KEY = b"\x02"  # SDK 0.50
LEGACY_NEXT_NUMBER_KEY = b"globalAccountNumber"  # SDK <= 0.47
NUMBER_INDEX_PREFIX = b"accountNumber"

BASE_ACCOUNT = "cosmos.auth.v1beta1.BaseAccount"
MODULE_ACCOUNT = "cosmos.auth.v1beta1.ModuleAccount"
ETH_ACCOUNT = "injective.types.v1beta1.EthAccount"
BASE_VESTING = "cosmos.vesting.v1beta1.BaseVestingAccount"
CONTINUOUS = "cosmos.vesting.v1beta1.ContinuousVestingAccount"
DELAYED = "cosmos.vesting.v1beta1.DelayedVestingAccount"
PERIODIC = "cosmos.vesting.v1beta1.PeriodicVestingAccount"
PERMANENT_LOCKED = "cosmos.vesting.v1beta1.PermanentLockedAccount"
VESTING_TYPES = frozenset({BASE_VESTING, CONTINUOUS, DELAYED, PERIODIC, PERMANENT_LOCKED})

_GENERIC_DEPTH = 4


def account_key(address: bytes) -> bytes:
    return ACCOUNT_PREFIX + check_address(address)


# ---------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class Period:
    """One period of a periodic vesting account: ``length`` seconds, then ``amount`` vests."""

    length: int
    amount: tuple[Coin, ...]


@dataclass(frozen=True, slots=True)
class VestingInfo:
    """The vesting part of a vesting account (times are unix seconds).

    ``start_time`` is None for the kinds without one (delayed, permanent locked, a bare
    ``BaseVestingAccount``); ``periods`` is empty except for periodic accounts.
    """

    original_vesting: tuple[Coin, ...]
    delegated_free: tuple[Coin, ...]
    delegated_vesting: tuple[Coin, ...]
    end_time: int
    start_time: int | None
    periods: tuple[Period, ...]


@dataclass(frozen=True, slots=True)
class Account:
    """One account as the auth store holds it.

    ``address`` is the bech32 text stored in the account (what the REST prints);
    ``type_url`` the account's Any type URL. ``pub_key_type`` is the key's Any type URL
    (None until the account signs), ``pub_key`` the key bytes for single-key types
    (``….PubKey{key}``) and the raw Any value otherwise (multisig
    ``LegacyAminoPubKey``). ``module_name`` / ``permissions`` are a module account's.
    ``value`` is the account's raw Any value, ``pub_key_value`` the key's.
    """

    address: str
    type_url: str
    account_number: int
    sequence: int
    pub_key_type: str | None
    pub_key: bytes | None
    module_name: str | None
    permissions: tuple[str, ...]
    vesting: VestingInfo | None
    value: bytes = field(default=b"", repr=False)
    pub_key_value: bytes | None = field(default=None, repr=False)
    #: SDK ≤ 0.39: the registered amino type stored ("cosmos-sdk/Account" …); None for protobuf accounts
    amino_type: str | None = None
    #: SDK ≤ 0.39: the coins the account holds (its balances); None where the bank store keeps them
    coins: tuple[Coin, ...] | None = None

    @property
    def is_vesting(self) -> bool:
        return self.vesting is not None


# ---------------------------------------------------------------- decoding
class _Undecodable(Exception):
    pass


@cache
def _cls(full_name: str) -> type[DynamicMessage]:
    desc = default_registry().find(full_name)
    if desc is None:  # pragma: no cover - the built-in set always has these
        raise RuntimeError(f"built-in descriptors lack {full_name}")
    return GetMessageClass(desc)


def _parse(full_name: str, data: bytes) -> DynamicMessage:
    msg = _cls(full_name)()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise _Undecodable(f"not a {full_name}: {exc}") from exc
    return msg


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _Undecodable("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _field1(buf: bytes) -> bytes | None:
    """The last length-delimited field 1 of a protobuf message (None if absent or not parseable)."""
    pos, found = 0, None
    try:
        while pos < len(buf):
            tag, pos = _uvarint(buf, pos)
            number, wire = tag >> 3, tag & 7
            if number == 0:
                return None
            if wire == 0:
                _, pos = _uvarint(buf, pos)
            elif wire == 1:
                pos += 8
            elif wire == 5:
                pos += 4
            elif wire == 2:
                n, pos = _uvarint(buf, pos)
                if pos + n > len(buf):
                    return None
                if number == 1:
                    found = bytes(buf[pos : pos + n])
                pos += n
            else:
                return None
        return found if pos == len(buf) else None
    except _Undecodable:
        return None


def _address_matches(text: str, key_address: bytes | None) -> bool:
    try:
        _, payload = bech32.decode(text)
    except bech32.Bech32Error:
        return False
    return payload == key_address if key_address is not None else 1 <= len(payload) <= 255


def _find_base(buf: bytes, key_address: bytes | None) -> DynamicMessage | None:
    """Follow field 1 until a ``BaseAccount`` whose address is the key's (generic account types)."""
    for _ in range(_GENERIC_DEPTH):
        try:
            base = _parse(BASE_ACCOUNT, buf)
        except _Undecodable:
            base = None
        if base is not None and _address_matches(base.address, key_address):
            return base
        nxt = _field1(buf)
        if nxt is None:
            return None
        buf = nxt
    return None


def _coins(items: Iterable[Any]) -> tuple[Coin, ...]:
    return tuple(Coin(denom=c.denom, amount=c.amount) for c in items)


def _pubkey_bytes(type_url: str, value: bytes) -> bytes:
    """``PubKey.key`` for single-key types (…​.PubKey{key=1}); the raw Any value otherwise.

    The same rule as ``codec.tx`` (decode_tx) applies to a tx's signer infos, so a key reads alike in both.
    """
    if type_url.endswith(".PubKey"):
        key = cosmos_tx_pb2.PubKey()
        try:
            key.ParseFromString(value)
        except (DecodeError, ValueError, RuntimeError):
            return value
        if not len(unknown_fields.UnknownFieldSet(key)):
            single: bytes = key.key
            return single
    return value


def _vesting(msg: DynamicMessage, name: str) -> tuple[DynamicMessage, VestingInfo]:
    bva = msg if name == BASE_VESTING else msg.base_vesting_account
    start = msg.start_time if name in (CONTINUOUS, PERIODIC) else None
    periods = tuple(Period(length=p.length, amount=_coins(p.amount)) for p in msg.vesting_periods) if name == PERIODIC else ()
    info = VestingInfo(
        original_vesting=_coins(bva.original_vesting),
        delegated_free=_coins(bva.delegated_free),
        delegated_vesting=_coins(bva.delegated_vesting),
        end_time=bva.end_time,
        start_time=start,
        periods=periods,
    )
    return bva.base_account, info


def decode_account(type_url: str, value: bytes, key_address: bytes | None = None, prefixes: Prefixes | None = None) -> Account:
    """An account from its Any (type URL + value). ``key_address``: the store key's address.

    Raises ``UnknownFormat`` for a type that holds no recognisable ``BaseAccount`` and
    ``_Undecodable`` (turned into ``CorruptRecord`` by the reader) for bytes that do not
    parse as the type they claim.
    """
    name = type_url.rsplit("/", 1)[-1]
    module_name: str | None = None
    permissions: tuple[str, ...] = ()
    vesting: VestingInfo | None = None
    if name == BASE_ACCOUNT:
        base = _parse(name, value)
    elif name == MODULE_ACCOUNT:
        msg = _parse(name, value)
        base, module_name, permissions = msg.base_account, msg.name, tuple(msg.permissions)
    elif name == ETH_ACCOUNT:
        base = _parse(name, value).base_account
    elif name in VESTING_TYPES:
        base, vesting = _vesting(_parse(name, value), name)
    else:
        base = _find_base(value, key_address)
        if base is None:
            shown = bech32.encode(prefixes.account, key_address) if prefixes and key_address else (key_address or b"").hex()
            raise UnknownFormat(f"account {shown} has the type {type_url!r}, which holds no BaseAccount cometgraph can find")
    address = base.address
    if not address and key_address is not None:
        address = bech32.encode(prefixes.account, key_address) if prefixes else key_address.hex()
    if base.HasField("pub_key"):
        pk_type, pk_value = base.pub_key.type_url, bytes(base.pub_key.value)
        pk: bytes | None = _pubkey_bytes(pk_type, pk_value)
    else:
        pk_type = pk = pk_value = None
    return Account(
        address=address,
        type_url=type_url,
        account_number=base.account_number,
        sequence=base.sequence,
        pub_key_type=pk_type,
        pub_key=pk,
        module_name=module_name,
        permissions=permissions,
        vesting=vesting,
        value=bytes(value),
        pub_key_value=pk_value,
    )


# ---------------------------------------------------------------- SDK ≤ 0.39 (amino)
_AMINO_TO_PROTO = {
    amino_app.BASE_ACCOUNT: BASE_ACCOUNT,
    amino_app.MODULE_ACCOUNT: MODULE_ACCOUNT,
    amino_app.BASE_VESTING: BASE_VESTING,
    amino_app.CONTINUOUS: CONTINUOUS,
    amino_app.DELAYED: DELAYED,
    amino_app.PERIODIC: PERIODIC,
}
_AMINO_KEY_TYPES = {"ed25519": "/cosmos.crypto.ed25519.PubKey", "secp256k1": "/cosmos.crypto.secp256k1.PubKey"}


def _set_coins(field_: Any, coins: tuple[Coin, ...]) -> None:
    for c in coins:
        field_.add(denom=c.denom, amount=c.amount)


def from_amino(acc: amino_app.AminoAccount, key_address: bytes, prefixes: Prefixes | None) -> Account:
    """An SDK ≤ 0.39 account in the model of the protobuf type SDK 0.40 migrated it to.

    ``value`` is that protobuf message (what ``to_json`` renders); a public key of a type
    with no protobuf ``PubKey{key}`` (multisig) keeps its amino name and bytes.
    """
    name = _AMINO_TO_PROTO[acc.name]
    if acc.address != key_address:
        raise AminoError(f"holds the account of {acc.address.hex()}, stored under {key_address.hex()}")
    address = bech32.encode(prefixes.account, acc.address) if prefixes else acc.address.hex()
    base = _cls(BASE_ACCOUNT)(address=address, account_number=acc.account_number, sequence=acc.sequence)
    pk_type = pk = pk_value = None
    if acc.pub_key is not None and acc.pub_key.type in _AMINO_KEY_TYPES:
        pk_type, pk = _AMINO_KEY_TYPES[acc.pub_key.type], acc.pub_key.key
        pk_value = cosmos_tx_pb2.PubKey(key=pk).SerializeToString()
        base.pub_key.type_url, base.pub_key.value = pk_type, pk_value
    elif acc.pub_key_raw:  # a multisig (or unknown) key: its amino name and bytes, as stored
        multisig = acc.pub_key_raw[:4] == amino.prefix_of(amino.MULTISIG_PUBKEY)
        pk_type = amino.MULTISIG_PUBKEY if multisig else "amino:" + acc.pub_key_raw[:4].hex()
        pk = pk_value = acc.pub_key_raw
    msg = _cls(name)()
    vesting = None
    if name == BASE_ACCOUNT:
        msg.CopyFrom(base)
    elif name == MODULE_ACCOUNT:
        msg.base_account.CopyFrom(base)
        msg.name = acc.module_name or ""
        msg.permissions.extend(acc.permissions)
    else:
        bva = msg if name == BASE_VESTING else msg.base_vesting_account
        bva.base_account.CopyFrom(base)
        _set_coins(bva.original_vesting, acc.original_vesting)
        _set_coins(bva.delegated_free, acc.delegated_free)
        _set_coins(bva.delegated_vesting, acc.delegated_vesting)
        bva.end_time = acc.end_time
        if name in (CONTINUOUS, PERIODIC):
            msg.start_time = acc.start_time or 0
        for length, amount in acc.periods:
            _set_coins(msg.vesting_periods.add(length=length).amount, amount)
        _, vesting = _vesting(msg, name)
    return Account(
        address=address,
        type_url="/" + name,
        account_number=acc.account_number,
        sequence=acc.sequence,
        pub_key_type=pk_type,
        pub_key=pk,
        module_name=acc.module_name,
        permissions=acc.permissions,
        vesting=vesting,
        value=msg.SerializeToString(),
        pub_key_value=pk_value,
        amino_type=acc.name,
        coins=acc.coins,
    )


# ---------------------------------------------------------------- reader
class AuthReader:
    """Accounts at a version of the ``acc`` store.

    ``registry`` renders JSON (``account_json``): pass the chain's ``DescriptorRegistry``
    (operator descriptor sets) to render chain-specific account and key types; the
    built-in one knows the SDK's, Injective's and the vesting types.
    """

    def __init__(self, app: AppStore, prefixes: Prefixes | None, registry: DescriptorRegistry | None = None) -> None:
        self.app = app
        self.prefixes = prefixes
        self.registry = registry or default_registry()

    def _tree(self, version: int) -> IAVLTree:
        return self.app.tree(STORE, version)

    def _decode(self, key: bytes, raw: bytes) -> Account:
        if amino_app.is_amino_account(raw):
            try:
                return from_amino(amino_app.decode_account(raw), key[len(ACCOUNT_PREFIX) :], self.prefixes)
            except AminoError as exc:
                raise CorruptRecord(self.app.db, b"s/k:acc/" + key, f"not an amino account: {exc}") from None
        any_ = any_pb2.Any()
        try:
            any_.ParseFromString(raw)
            if not any_.type_url:
                raise _Undecodable("an Any without a type URL")
            return decode_account(any_.type_url, bytes(any_.value), key[len(ACCOUNT_PREFIX) :], self.prefixes)
        except (DecodeError, ValueError, RuntimeError, _Undecodable) as exc:
            raise CorruptRecord(self.app.db, b"s/k:acc/" + key, f"not an account Any: {exc}") from None

    # -- accounts -----------------------------------------------------------------------
    def account(self, address: bytes, version: int) -> Account | None:
        """The account at ``address`` after ``version`` (None: no such account then)."""
        key = account_key(address)
        raw = self._tree(version).get(key)
        return None if raw is None else self._decode(key, raw)

    def accounts(self, addresses: Sequence[bytes], version: int) -> list[Account | None]:
        """Accounts aligned with ``addresses`` (one ``get_many``: one kv call per tree level)."""
        keys = [account_key(a) for a in addresses]
        if not keys:
            return []
        raws = self._tree(version).get_many(keys)
        return [None if raw is None else self._decode(k, raw) for k, raw in zip(keys, raws)]

    def iterate_accounts(self, version: int, reverse: bool = False) -> Iterator[Account]:
        """Every account in store key order (address bytes): the REST ``/accounts`` order."""
        for key, raw in self._tree(version).iterate_prefix(ACCOUNT_PREFIX, reverse=reverse):
            yield self._decode(key, raw)

    # -- JSON ---------------------------------------------------------------------------
    def account_json(self, address: bytes, version: int) -> dict[str, Any] | None:
        """The REST ``/cosmos/auth/v1beta1/accounts/{addr}`` ``account`` object, or None."""
        acc = self.account(address, version)
        return None if acc is None else self.to_json(acc)

    def to_json(self, account: Account) -> dict[str, Any]:
        """An account as the REST prints it (``{"@type": …, …}``)."""
        return self.registry.message_json(account.type_url, account.value)

    def info_json(self, account: Account, address_text: str | None = None) -> dict[str, Any]:
        """The REST ``/cosmos/auth/v1beta1/account_info/{addr}`` ``info`` object.

        The node echoes the address as asked (``address_text``); by default the stored one.
        """
        pub = None
        if account.pub_key_type is not None:
            pub = self.registry.message_json(account.pub_key_type, account.pub_key_value or b"")
        return {
            "address": account.address if address_text is None else address_text,
            "pub_key": pub,
            "account_number": str(account.account_number),
            "sequence": str(account.sequence),
        }

    # -- counters and indexes -----------------------------------------------------------
    def next_account_number(self, version: int) -> int:
        """The number the next new account gets (the SDK's global account-number counter)."""
        new, old = self._tree(version).get_many([NEXT_NUMBER_KEY, LEGACY_NEXT_NUMBER_KEY])
        if new is not None:
            if len(new) != 8:
                raise CorruptRecord(self.app.db, b"s/k:acc/" + NEXT_NUMBER_KEY, f"{len(new)} bytes, not a BE64 counter")
            number: int = struct.unpack(">Q", new)[0]
            return number
        if old is not None:
            try:
                return _uint64_value(old)
            except _Undecodable as exc:
                raise CorruptRecord(self.app.db, b"s/k:acc/" + LEGACY_NEXT_NUMBER_KEY, str(exc)) from None
        return 0

    def address_by_number(self, number: int, version: int) -> bytes | None:
        """The address holding account number ``number`` (SDK 0.47+ index), or None."""
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 1 << 64:
            raise InvalidInput(f"an account number is an integer from 0 to 2^64-1, got {number!r}")
        return self._tree(version).get(NUMBER_INDEX_PREFIX + struct.pack(">Q", number))


def _uint64_value(raw: bytes) -> int:
    """gogo ``UInt64Value{value=1}``: an empty message is 0."""
    pos, value = 0, 0
    while pos < len(raw):
        tag, pos = _uvarint(raw, pos)
        if tag != 0x08:
            raise _Undecodable(f"not a UInt64Value (tag {tag:#x})")
        value, pos = _uvarint(raw, pos)
    return value
