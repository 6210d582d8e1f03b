"""x/auth accounts: the records and how their stored bytes decode (protobuf ``Any`` of any
account type, or an SDK ≤ 0.39 amino account), read by ``storage.app.auth``'s reader.

See ``storage.app.auth`` for the store's keys and the account types this recognises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from google.protobuf import unknown_fields
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from ..codec import amino, amino_app, bech32
from ..codec.amino import AminoError
from ..codec.registry import default_registry
from ..codec.tx import DynamicMessage
from ..errors import UnknownFormat
from ..models import Coin
from ..prefixes import Prefixes
from ..proto import cosmos_tx_pb2

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
class Undecodable(Exception):
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
        raise Undecodable(f"not a {full_name}: {exc}") from exc
    return msg


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise Undecodable("truncated varint")
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
    except Undecodable:
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
        except Undecodable:
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
    ``Undecodable`` (turned into ``CorruptRecord`` by the reader) for bytes that do not
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


def uint64_value(raw: bytes) -> int:
    """gogo ``UInt64Value{value=1}``: an empty message is 0."""
    pos, value = 0, 0
    while pos < len(raw):
        tag, pos = _uvarint(raw, pos)
        if tag != 0x08:
            raise Undecodable(f"not a UInt64Value (tag {tag:#x})")
        value, pos = _uvarint(raw, pos)
    return value
