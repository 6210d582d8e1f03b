"""x/bank: balances, supply and denom metadata, read from the ``bank`` store of application.db.

Keys (SDK x/bank/types/keys.go), newest first; one chain may hold several generations
(upgrades migrate keys but never rewrite old balance values):

==========================  =============================================  =========================
what                        SDK 0.43 → 0.50                                SDK 0.40 – 0.42
==========================  =============================================  =========================
balance                     ``0x02``+len+addr+denom                        ``"balances"``+addr+denom
supply                      ``0x00``+denom → math.Int text                 ``0x00`` → Any(``Supply``)
denom metadata              ``0x01``+denom (0.46+), ``0x01``+denom+denom   ``0x01``+denom+denom
                            (0.43 – 0.45) → ``Metadata``
reverse index               ``0x03``+denom+``00``+len+addr (0.47+)
send enabled / params       ``0x04``+denom → BoolValue / ``0x05`` → Params
==========================  =============================================  =========================

Balance values are math.Int decimal text from 0.46 on [sample chain]; values written by
≤ 0.45 are ``Coin{denom=1, amount=2}`` protos [tm034] and are never migrated, so — as
0.47's ``UnmarshalBalanceCompat`` and 0.50's ``BalanceValueCodec`` do — Int is tried
first, then Coin. The denom is always the key's.

Orders are the REST's: ``AllBalances``, ``TotalSupply`` and ``DenomsMetadata`` walk the
store in key order (denom bytes), keeping every stored entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from ..codec import amino_app
from ..codec.amino import AminoError
from ..codec.tx import DescriptorRegistry, default_registry
from ..errors import CorruptRecord, InvalidInput
from ..models import Coin, Time
from ..proto import cosmos_store_pb2, cosmos_tx_pb2
from .addresses import check_address
from .auth import ACCOUNT_PREFIX, CONTINUOUS, DELAYED, PERIODIC, PERMANENT_LOCKED, Account, AuthReader
from .store import AppStore, commit_info_key

__all__ = [
    "BankReader",
    "balance_key",
    "balances_prefix",
    "locked_coins",
    "spendable_from",
]

STORE = "bank"
AMINO_SUPPLY_STORE = "supply"  # SDK ≤ 0.39: x/supply kept the total supply; no bank store existed
SUPPLY_PREFIX = b"\x00"
METADATA_PREFIX = b"\x01"
BALANCES_PREFIX = b"\x02"
LEGACY_BALANCES_PREFIX = b"balances"  # SDK 0.40 - 0.42: no length byte
DENOM_INDEX_PREFIX = b"\x03"  # denom → holder reverse index (SDK 0.47+)

_INT_TEXT = re.compile(rb"[+-]?[0-9]+")
_METADATA = "cosmos.bank.v1beta1.Metadata"
_SUPPLY = "cosmos.bank.v1beta1.Supply"
_UNSET = object()


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
def _to_map(coins: Iterable[Coin]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in coins:
        out[c.denom] = out.get(c.denom, 0) + int(c.amount)
    return out


def _from_map(amounts: dict[str, int]) -> list[Coin]:
    """Sorted by denom, zeros dropped (``sdk.NewCoins``)."""
    return [Coin(d, str(a)) for d, a in sorted(amounts.items(), key=lambda kv: kv[0].encode()) if a != 0]


def _round_half_even(num: int, den: int) -> int:
    """num/den rounded half to even (LegacyDec's chopPrecisionAndRound for num, den ≥ 0)."""
    q, r = divmod(num, den)
    twice = 2 * r
    if twice < den or (twice == den and q % 2 == 0):
        return q
    return q + 1


_PRECISION = 10**18


def _vested(account: Account, t: int) -> dict[str, int]:
    """``GetVestedCoins(blockTime)`` of the SDK's vesting account types (x/auth/vesting/types)."""
    v = account.vesting
    assert v is not None
    original = _to_map(v.original_vesting)
    name = account.type_url.rsplit("/", 1)[-1]
    if name == PERMANENT_LOCKED:
        return {}
    if name == DELAYED:
        return original if t >= v.end_time else {}
    if name == CONTINUOUS:
        start = v.start_time or 0
        if t <= start:
            return {}
        if t >= v.end_time:
            return original
        # s = LegacyNewDec(x).Quo(LegacyNewDec(y)); vested = LegacyNewDecFromInt(amount).Mul(s).RoundInt()
        s = _round_half_even((t - start) * _PRECISION * _PRECISION, (v.end_time - start) * _PRECISION)
        return {d: _round_half_even(a * s, _PRECISION) for d, a in original.items()}
    if name == PERIODIC:
        start = v.start_time or 0
        if t <= start:
            return {}
        if t >= v.end_time:
            return original
        vested: dict[str, int] = {}
        period_start = start
        for p in v.periods:
            if t - period_start < p.length:
                break
            for d, a in _to_map(p.amount).items():
                vested[d] = vested.get(d, 0) + a
            period_start += p.length
        return vested
    return {}  # a bare BaseVestingAccount is no VestingAccount: nothing locked


def locked_coins(account: Account, block_time: int) -> list[Coin]:
    """``LockedCoins(blockTime)`` of a vesting account (unix seconds); [] for any other account.

    ``LockedCoinsFromVesting(vesting) = vesting − min(vesting, delegated_vesting)``, with
    ``vesting = original_vesting − GetVestedCoins(blockTime)``.
    """
    if account.vesting is None:
        return []
    name = account.type_url.rsplit("/", 1)[-1]
    if name not in (CONTINUOUS, DELAYED, PERIODIC, PERMANENT_LOCKED):
        return []
    original = _to_map(account.vesting.original_vesting)
    vested = _vested(account, block_time)
    vesting = {d: a - vested.get(d, 0) for d, a in original.items()}
    delegated = _to_map(account.vesting.delegated_vesting)
    locked = {d: a - min(a, delegated.get(d, 0)) for d, a in vesting.items()}
    return _from_map(locked)


def spendable_from(balances: Sequence[Coin], locked: Sequence[Coin]) -> list[Coin]:
    """The REST ``spendable_balances`` list: every balance denom (in the balances' order)
    with ``(balances − locked).AmountOf(denom)``; if any denom would go negative
    (``SafeSub``), every amount is 0, as the SDK does."""
    if not locked:
        return list(balances)
    total = _to_map(balances)
    diff = dict(total)
    for d, a in _to_map(locked).items():
        diff[d] = diff.get(d, 0) - a
    if any(a < 0 for a in diff.values()):
        diff = {}
    return [Coin(c.denom, str(diff.get(c.denom, 0))) for c in balances]


# ---------------------------------------------------------------- reader
class BankReader:
    """Balances, supply and denom metadata at a version of the ``bank`` store.

    SDK ≤ 0.39 (amino commit infos) has no bank store: an account's coins live in the
    account (``acc`` store) and the total supply in the ``supply`` store; the same
    methods answer from there (no denom metadata existed then).
    """

    def __init__(self, app: AppStore, registry: DescriptorRegistry | None = None) -> None:
        self.app = app
        self.registry = registry or default_registry()
        self._auth = AuthReader(app, None, self.registry)
        #: version → whether its tree holds SDK 0.40-0.42 ``"balances"`` keys (probed once)
        self._legacy: dict[int, bool] = {}

    def _tree(self, version: int):
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

    # -- SDK ≤ 0.39: coins inside accounts ----------------------------------------------
    def _amino(self, version: int) -> bool:
        return self.app.is_amino(version)

    def _account_coins(self, addresses: Sequence[bytes], version: int) -> list[list[Coin]]:
        """Each account's coins, sorted by denom bytes as ``sdk.Coins`` keeps them (no account: [])."""
        accounts = self._auth.accounts(addresses, version)
        return [sorted(a.coins or (), key=lambda c: c.denom.encode()) if a else [] for a in accounts]

    def _amino_supply(self, version: int) -> list[Coin]:
        raw = self.app.tree(AMINO_SUPPLY_STORE, version).get(SUPPLY_PREFIX)
        if raw is None:
            return []
        try:
            return sorted(amino_app.decode_supply(raw), key=lambda c: c.denom.encode())
        except AminoError as exc:
            raise CorruptRecord(self.app.db, b"s/k:supply/" + SUPPLY_PREFIX, f"not an amino Supply: {exc}") from None

    def _amino_holders(self, denom: str, version: int, cap: int) -> list[tuple[bytes, int]]:
        out: list[tuple[bytes, int]] = []
        for key, raw in self.app.tree("acc", version).iterate_prefix(ACCOUNT_PREFIX):
            acc = self._auth._decode(key, raw)
            amount = sum(int(c.amount) for c in acc.coins or () if c.denom == denom)
            if amount > 0:
                out.append((key[len(ACCOUNT_PREFIX) :], amount))
                if len(out) > cap:
                    raise TooManyHolders(f"more than {cap:,} accounts hold {denom}: too many to rank here")
        return out

    # -- balances -----------------------------------------------------------------------
    def _has_legacy_layout(self, tree) -> bool:
        legacy = self._legacy.get(tree.version)
        if legacy is None:
            legacy = next(tree.iterate_prefix(LEGACY_BALANCES_PREFIX), None) is not None
            if len(self._legacy) >= 1024:
                self._legacy.clear()
            self._legacy[tree.version] = legacy
        return legacy

    def _balances(self, tree, address: bytes) -> list[Coin]:
        prefix = balances_prefix(address)
        out = [self._coin(k, k[len(prefix) :], v) for k, v in tree.iterate_prefix(prefix)]
        if not out and self._has_legacy_layout(tree):  # SDK 0.40 - 0.42 layout
            prefix = LEGACY_BALANCES_PREFIX + address
            out = [self._coin(k, k[len(prefix) :], v) for k, v in tree.iterate_prefix(prefix)]
        return out

    def balances(self, address: bytes, version: int) -> list[Coin]:
        """Every stored balance of ``address``, in the REST ``AllBalances`` order (denom bytes)."""
        if self._amino(version):
            return self._account_coins([check_address(address)], version)[0]
        return self._balances(self._tree(version), check_address(address))

    def balances_many(self, addresses: Sequence[bytes], version: int) -> list[list[Coin]]:
        """``balances`` for each address (one tree, one prefix walk per address)."""
        addresses = [check_address(a) for a in addresses]
        if not addresses:
            return []
        if self._amino(version):
            return self._account_coins(addresses, version)
        tree = self._tree(version)
        return [self._balances(tree, a) for a in addresses]

    def balance(self, address: bytes, denom: str, version: int) -> Coin:
        """One balance; a zero coin (not None) when the account holds none of ``denom``."""
        address = check_address(address)
        d = _denom(denom)
        if self._amino(version):
            return next((c for c in self._account_coins([address], version)[0] if c.denom == denom), _zero(denom))
        key = balance_key(address, denom)
        legacy = LEGACY_BALANCES_PREFIX + address + d
        raw, old = self._tree(version).get_many([key, legacy])
        if raw is not None:
            return self._coin(key, d, raw)
        if old is not None:
            return self._coin(legacy, d, old)
        return _zero(denom)

    # -- holders ------------------------------------------------------------------------
    def holders(self, denom: str, version: int, cap: int = 200_000, chunk: int = 512) -> list[tuple[bytes, int]]:
        """Every (address, amount) holding ``denom``, from the store's own denom→holder
        index (``0x03``+denom+``00``+len+addr, SDK ≥0.47), balances read ``chunk`` at a time.

        Refuses with ``TooManyHolders`` past ``cap`` holders, so a huge chain says so
        instead of exhausting memory. Unordered: rank it above.
        """
        d = _denom(denom)
        if self._amino(version):
            return self._amino_holders(denom, version, cap)
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

    # -- supply -------------------------------------------------------------------------
    def supply(self, version: int) -> list[Coin]:
        """The total supply, as the REST ``/cosmos/bank/v1beta1/supply`` lists it (denom order)."""
        if self._amino(version):
            return self._amino_supply(version)
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
        cls = GetMessageClass(self.registry.find(_SUPPLY) or default_registry().find(_SUPPLY))
        value = raw
        try:
            wrapped = any_pb2.Any.FromString(raw)
            if wrapped.type_url.endswith("/" + _SUPPLY):
                value = wrapped.value
            msg = cls.FromString(value)
        except (DecodeError, ValueError, RuntimeError) as exc:
            raise self._corrupt(key, f"not a Supply: {exc}") from None
        return [Coin(c.denom, _int_text(c.amount.encode()) or "0") for c in msg.total]

    def supply_of(self, denom: str, version: int) -> Coin:
        """The supply of one denom; a zero coin when none exists."""
        d = _denom(denom)
        if self._amino(version):
            return next((c for c in self._amino_supply(version) if c.denom == denom), _zero(denom))
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

    # -- metadata -----------------------------------------------------------------------
    def _metadata_json(self, key: bytes, raw: bytes) -> dict:
        if self.registry.parse("/" + _METADATA, raw) is None:
            raise self._corrupt(key, "not a Metadata")
        out = self.registry.message_json("/" + _METADATA, raw)
        out.pop("@type", None)
        return out

    def denom_metadata(self, version: int) -> list[dict]:
        """Every denom's metadata as the REST ``denoms_metadata`` lists it (``metadatas``)."""
        if self._amino(version):
            return []  # SDK ≤ 0.39 kept no denom metadata
        return [self._metadata_json(k, v) for k, v in self._tree(version).iterate_prefix(METADATA_PREFIX)]

    def denom_metadata_of(self, denom: str, version: int) -> dict | None:
        """One denom's metadata (REST ``denoms_metadata/{denom}`` ``metadata``), or None."""
        d = _denom(denom)
        if self._amino(version):
            return None
        new, old = self._tree(version).get_many([METADATA_PREFIX + d, METADATA_PREFIX + d + d])
        if new is not None:
            return self._metadata_json(METADATA_PREFIX + d, new)
        if old is not None:
            return self._metadata_json(METADATA_PREFIX + d + d, old)
        return None

    # -- spendable ----------------------------------------------------------------------
    def block_time(self, version: int) -> Time | None:
        """The block time the node's queries at ``version`` see: the CommitInfo's timestamp
        (SDK 0.50 records it; it equals the header time of block ``version``), else None."""
        self.app.commit_info(version)  # NotFound / Pruned as for every other read
        if self._amino(version):
            return None  # SDK ≤ 0.39 commit infos record no time
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

    def spendable_balances(
        self, address: bytes, version: int, *, account: Account | None | object = _UNSET, block_time: Time | int | None = None
    ) -> list[Coin]:
        """The REST ``spendable_balances``: every balance denom with its spendable amount.

        Equal to ``balances`` unless the account is a vesting account; then ``balances −
        LockedCoins(block time)`` (SDK 0.50 ``SpendableCoins``). The block time is
        ``block_time`` (unix seconds or ``Time``) or the version's CommitInfo timestamp;
        ``InvalidInput`` when neither is known. ``account`` saves a read when the caller
        has it.
        """
        address = check_address(address)
        balances = self.balances(address, version)
        if account is _UNSET:
            account = self._auth.account(address, version)
        if account is None or account.vesting is None or not balances:
            return balances
        if block_time is None:
            block_time = self.block_time(version)
            if block_time is None:
                raise InvalidInput(f"the block time of version {version} is not recorded: pass block_time")
        seconds = block_time.seconds if isinstance(block_time, Time) else int(block_time)
        return spendable_from(balances, locked_coins(account, seconds))
