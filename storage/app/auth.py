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

This module is the store's keys and its reader; the records and their decoding, for every
type above, are ``storage.app.accounts``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from typing import Any

from google.protobuf import any_pb2
from google.protobuf.message import DecodeError

from ..codec import amino_app
from ..codec.amino import AminoError
from ..codec.registry import DescriptorRegistry, default_registry
from ..errors import CorruptRecord, InvalidInput
from ..prefixes import Prefixes
from .accounts import Account, Period, Undecodable, VestingInfo, decode_account, from_amino, uint64_value
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


def account_key(address: bytes) -> bytes:
    return ACCOUNT_PREFIX + check_address(address)


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
                raise Undecodable("an Any without a type URL")
            return decode_account(any_.type_url, bytes(any_.value), key[len(ACCOUNT_PREFIX) :], self.prefixes)
        except (DecodeError, ValueError, RuntimeError, Undecodable) as exc:
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
                return uint64_value(old)
            except Undecodable as exc:
                raise CorruptRecord(self.app.db, b"s/k:acc/" + LEGACY_NEXT_NUMBER_KEY, str(exc)) from None
        return 0

    def address_by_number(self, number: int, version: int) -> bytes | None:
        """The address holding account number ``number`` (SDK 0.47+ index), or None."""
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 1 << 64:
            raise InvalidInput(f"an account number is an integer from 0 to 2^64-1, got {number!r}")
        return self._tree(version).get(NUMBER_INDEX_PREFIX + struct.pack(">Q", number))
