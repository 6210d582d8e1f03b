"""x/bank from SDK 0.40 on: the ``bank`` store (key layouts in ``bank.py``'s table).

One generation of the bank's records, chosen by ``BankReader`` from the bytes of a version
(its commit info is protobuf). Several key layouts of this generation may sit in one tree
(upgrades migrate keys but never rewrite old balance values), so each read tries the newest
layout first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from ..codec.registry import DescriptorRegistry, default_registry
from ..codec.tx import DynamicMessage
from ..errors import CorruptRecord, InvalidInput
from ..lru import LRU
from ..models import Coin, Time
from ..proto import cosmos_store_pb2, cosmos_tx_pb2
from .addresses import check_address
from .iavl import IAVLTree
from .store import AppStore, commit_info_key

STORE = "bank"
SUPPLY_PREFIX = b"\x00"
METADATA_PREFIX = b"\x01"
BALANCES_PREFIX = b"\x02"
LEGACY_BALANCES_PREFIX = b"balances"  # SDK 0.40 - 0.42: no length byte
DENOM_INDEX_PREFIX = b"\x03"  # denom → holder reverse index (SDK 0.47+)

_INT_TEXT = re.compile(rb"[+-]?[0-9]+")
_METADATA = "cosmos.bank.v1beta1.Metadata"
_SUPPLY = "cosmos.bank.v1beta1.Supply"


def balances_prefix(address: bytes) -> bytes:
    address = check_address(address)
    return BALANCES_PREFIX + bytes([len(address)]) + address


def balance_key(address: bytes, denom: str) -> bytes:
    return balances_prefix(address) + _denom(denom)


def _denom(denom: object) -> bytes:
    if not isinstance(denom, str) or not denom:
        raise InvalidInput(f"a denom is a non-empty string, got {denom!r}")
    return denom.encode()


class TooManyHolders(InvalidInput):
    code = "LIMIT_EXCEEDED"


def _zero(denom: str) -> Coin:
    return Coin(denom=denom, amount="0")


# ---------------------------------------------------------------- values
class _Bad(Exception):
    pass


def _int_text(raw: bytes) -> str | None:
    """math.Int decimal text → canonical decimal (what the REST prints), or None."""
    if _INT_TEXT.fullmatch(raw):
        return str(int(raw))
    return None


def _amount(raw: bytes) -> str:
    """A balance value: math.Int text (0.46+), else a ``Coin`` proto (≤ 0.45)."""
    text = _int_text(raw)
    if text is not None:
        return text
    coin = cosmos_tx_pb2.Coin()
    try:
        coin.ParseFromString(raw)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise _Bad(f"neither math.Int text nor a Coin: {exc}") from None
    text = _int_text(coin.amount.encode())
    if text is None:
        raise _Bad(f"neither math.Int text nor a Coin with an integer amount ({coin.amount!r})")
    return text


# ---------------------------------------------------------------- coins arithmetic (sdk.Coins)
class BankStore:
    """Balances, supply and denom metadata of the ``bank`` store (SDK ≥ 0.40)."""

    def __init__(self, app: AppStore, registry: DescriptorRegistry) -> None:
        self.app = app
        self.registry = registry
        #: version → whether its tree holds SDK 0.40-0.42 ``"balances"`` keys (probed once)
        self._legacy: LRU[bool] = LRU(1024)

    def _tree(self, version: int) -> IAVLTree:
        return self.app.tree(STORE, version)

    def _corrupt(self, key: bytes, reason: str) -> CorruptRecord:
        return CorruptRecord(self.app.db, b"s/k:bank/" + key, reason)

    def _coin(self, key: bytes, denom: bytes, raw: bytes) -> Coin:
        try:
            return Coin(denom=denom.decode(), amount=_amount(raw))
        except UnicodeDecodeError:
            raise self._corrupt(key, "denom is not UTF-8") from None
        except _Bad as exc:
            raise self._corrupt(key, str(exc)) from None

    def _has_legacy_layout(self, tree: IAVLTree) -> bool:
        legacy = self._legacy.get(tree.version)
        if legacy is None:
            legacy = next(tree.iterate_prefix(LEGACY_BALANCES_PREFIX), None) is not None
            self._legacy.put(tree.version, legacy)
        return legacy

    def _balances(self, tree: IAVLTree, address: bytes) -> list[Coin]:
        prefix = balances_prefix(address)
        out = [self._coin(k, k[len(prefix) :], v) for k, v in tree.iterate_prefix(prefix)]
        if not out and self._has_legacy_layout(tree):  # SDK 0.40 - 0.42 layout
            prefix = LEGACY_BALANCES_PREFIX + address
            out = [self._coin(k, k[len(prefix) :], v) for k, v in tree.iterate_prefix(prefix)]
        return out

    def balances_many(self, addresses: Sequence[bytes], version: int) -> list[list[Coin]]:
        tree = self._tree(version)
        return [self._balances(tree, a) for a in addresses]

    def balance(self, address: bytes, denom: str, version: int) -> Coin:
        d = _denom(denom)
        key = balance_key(address, denom)
        legacy = LEGACY_BALANCES_PREFIX + address + d
        raw, old = self._tree(version).get_many([key, legacy])
        if raw is not None:
            return self._coin(key, d, raw)
        if old is not None:
            return self._coin(legacy, d, old)
        return _zero(denom)

    def holders(self, denom: str, version: int, cap: int = 200_000, chunk: int = 512) -> list[tuple[bytes, int]]:
        """Every (address, amount) holding ``denom``, from the store's own denom→holder
        index (``0x03``+denom+``00``+len+addr, SDK ≥0.47), balances read ``chunk`` at a time.

        Refuses with ``TooManyHolders`` past ``cap`` holders, so a huge chain says so
        instead of exhausting memory. Unordered: rank it above.
        """
        d = _denom(denom)
        tree = self._tree(version)
        prefix = DENOM_INDEX_PREFIX + d + b"\x00"
        out: list[tuple[bytes, int]] = []
        batch: list[bytes] = []

        def flush() -> None:
            keys = [balance_key(a, denom) for a in batch]
            for a, k, raw in zip(batch, keys, tree.get_many(keys)):
                if raw is not None:
                    amount = int(self._coin(k, d, raw).amount)
                    if amount > 0:
                        out.append((a, amount))
            batch.clear()

        for key, _ in tree.iterate_prefix(prefix):
            rest = key[len(prefix) :]
            if not rest or rest[0] != len(rest) - 1:
                raise self._corrupt(key, "denom index key does not end in a length-prefixed address")
            batch.append(rest[1:])
            if len(out) + len(batch) > cap:
                raise TooManyHolders(f"more than {cap:,} accounts hold {denom}: too many to rank here")
            if len(batch) >= chunk:
                flush()
        if batch:
            flush()
        return out

    def supply(self, version: int) -> list[Coin]:
        """The total supply, as the REST ``/cosmos/bank/v1beta1/supply`` lists it (denom order)."""
        out: list[Coin] = []
        for k, v in self._tree(version).iterate_prefix(SUPPLY_PREFIX):
            if k == SUPPLY_PREFIX:  # SDK 0.40 - 0.42: one Supply record
                out.extend(self._legacy_supply(k, v))
                continue
            text = _int_text(v)
            if text is None:
                raise self._corrupt(k, "supply is not math.Int text")
            try:
                out.append(Coin(k[1:].decode(), text))
            except UnicodeDecodeError:
                raise self._corrupt(k, "denom is not UTF-8") from None
        return out

    def _legacy_supply(self, key: bytes, raw: bytes) -> list[Coin]:
        desc = self.registry.find(_SUPPLY) or default_registry().find(_SUPPLY)
        if desc is None:  # the bundled descriptors have it
            raise self._corrupt(key, f"no descriptor for {_SUPPLY}")
        cls = GetMessageClass(desc)
        value = raw
        try:
            wrapped = any_pb2.Any.FromString(raw)
            if wrapped.type_url.endswith("/" + _SUPPLY):
                value = wrapped.value
            msg: DynamicMessage = cls.FromString(value)
        except (DecodeError, ValueError, RuntimeError) as exc:
            raise self._corrupt(key, f"not a Supply: {exc}") from None
        return [Coin(c.denom, _int_text(c.amount.encode()) or "0") for c in msg.total]

    def supply_of(self, denom: str, version: int) -> Coin:
        """The supply of one denom; a zero coin when none exists."""
        d = _denom(denom)
        tree = self._tree(version)
        raw = tree.get(SUPPLY_PREFIX + d)
        if raw is not None:
            text = _int_text(raw)
            if text is None:
                raise self._corrupt(SUPPLY_PREFIX + d, "supply is not math.Int text")
            return Coin(denom, text)
        old = tree.get(SUPPLY_PREFIX)
        if old is not None:
            for c in self._legacy_supply(SUPPLY_PREFIX, old):
                if c.denom == denom:
                    return c
        return _zero(denom)

    def _metadata_json(self, key: bytes, raw: bytes) -> dict[str, Any]:
        if self.registry.parse("/" + _METADATA, raw) is None:
            raise self._corrupt(key, "not a Metadata")
        out = self.registry.message_json("/" + _METADATA, raw)
        out.pop("@type", None)
        return out

    def denom_metadata(self, version: int) -> list[dict[str, Any]]:
        """Every denom's metadata as the REST ``denoms_metadata`` lists it (``metadatas``)."""
        return [self._metadata_json(k, v) for k, v in self._tree(version).iterate_prefix(METADATA_PREFIX)]

    def denom_metadata_of(self, denom: str, version: int) -> dict[str, Any] | None:
        """One denom's metadata (REST ``denoms_metadata/{denom}`` ``metadata``), or None."""
        d = _denom(denom)
        new, old = self._tree(version).get_many([METADATA_PREFIX + d, METADATA_PREFIX + d + d])
        if new is not None:
            return self._metadata_json(METADATA_PREFIX + d, new)
        if old is not None:
            return self._metadata_json(METADATA_PREFIX + d + d, old)
        return None

    def block_time(self, version: int) -> Time | None:
        """The block time the node's queries at ``version`` see: the CommitInfo's timestamp
        (SDK 0.50 records it; it equals the header time of block ``version``), else None."""
        raw = self.app.kv.get(commit_info_key(version))
        if raw is None:
            return None
        try:
            ci = cosmos_store_pb2.CommitInfo.FromString(raw)
        except (DecodeError, ValueError, RuntimeError):
            return None
        if not ci.HasField("timestamp"):
            return None
        return Time(ci.timestamp.seconds, ci.timestamp.nanos)
