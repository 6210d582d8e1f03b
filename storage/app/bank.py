"""x/bank: balances, supply and denom metadata at a version of application.db.

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

from collections.abc import Iterable, Sequence
from typing import Any

from ..codec.registry import DescriptorRegistry, default_registry
from ..errors import InvalidInput
from ..models import Coin, Time
from .addresses import check_address
from .accounts import CONTINUOUS, DELAYED, PERIODIC, PERMANENT_LOCKED, Account
from .auth import AuthReader
from .bank_amino import AccountCoins
from .bank_store import BankStore, TooManyHolders, _denom, balance_key, balances_prefix
from .store import AppStore

__all__ = [
    "BankReader",
    "TooManyHolders",
    "balance_key",
    "balances_prefix",
    "locked_coins",
    "spendable_from",
]

_UNSET = object()


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
    """Balances, supply and denom metadata at any version, whatever its generation.

    Each version's records are read by the generation that wrote them, chosen from the
    bytes (``AppStore.is_amino``: its commit info's encoding): ``BankStore`` for the
    ``bank`` store (SDK ≥ 0.40), ``AccountCoins`` for SDK ≤ 0.39, which kept coins in
    accounts and the supply in x/supply.
    """

    def __init__(self, app: AppStore, registry: DescriptorRegistry | None = None) -> None:
        self.app = app
        self.registry = registry or default_registry()
        self._auth = AuthReader(app, None, self.registry)
        self._store = BankStore(app, self.registry)
        self._accounts = AccountCoins(app, self._auth)

    def _generation(self, version: int) -> BankStore | AccountCoins:
        return self._accounts if self.app.is_amino(version) else self._store

    def balances(self, address: bytes, version: int) -> list[Coin]:
        """Every stored balance of ``address``, in the REST ``AllBalances`` order (denom bytes)."""
        return self._generation(version).balances_many([check_address(address)], version)[0]

    def balances_many(self, addresses: Sequence[bytes], version: int) -> list[list[Coin]]:
        """``balances`` for each address (one tree, one prefix walk per address)."""
        addresses = [check_address(a) for a in addresses]
        return self._generation(version).balances_many(addresses, version) if addresses else []

    def balance(self, address: bytes, denom: str, version: int) -> Coin:
        """One balance; a zero coin (not None) when the account holds none of ``denom``."""
        address = check_address(address)
        _denom(denom)
        return self._generation(version).balance(address, denom, version)

    def holders(self, denom: str, version: int, cap: int = 200_000, chunk: int = 512) -> list[tuple[bytes, int]]:
        """Every (address, amount) holding ``denom`` (SDK ≥ 0.47: from the store's own
        denom→holder index, balances read ``chunk`` at a time). Refuses with
        ``TooManyHolders`` past ``cap`` holders, so a huge chain says so instead of
        exhausting memory. Unordered: rank it above."""
        _denom(denom)
        return self._generation(version).holders(denom, version, cap, chunk)

    def supply(self, version: int) -> list[Coin]:
        """The total supply, as the REST ``/cosmos/bank/v1beta1/supply`` lists it (denom order)."""
        return self._generation(version).supply(version)

    def supply_of(self, denom: str, version: int) -> Coin:
        """The supply of one denom; a zero coin when none exists."""
        _denom(denom)
        return self._generation(version).supply_of(denom, version)

    def denom_metadata(self, version: int) -> list[dict[str, Any]]:
        """Every denom's metadata as the REST ``denoms_metadata`` lists it (``metadatas``)."""
        return self._generation(version).denom_metadata(version)

    def denom_metadata_of(self, denom: str, version: int) -> dict[str, Any] | None:
        """One denom's metadata (REST ``denoms_metadata/{denom}`` ``metadata``), or None."""
        _denom(denom)
        return self._generation(version).denom_metadata_of(denom, version)

    def block_time(self, version: int) -> Time | None:
        """The block time the node's queries at ``version`` see: the CommitInfo's timestamp
        (SDK 0.50 records it; it equals the header time of block ``version``), else None."""
        self.app.commit_info(version)  # NotFound / Pruned as for every other read
        return self._generation(version).block_time(version)

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
        if not isinstance(account, Account) or account.vesting is None or not balances:  # None: no account
            return balances
        if block_time is None:
            block_time = self.block_time(version)
            if block_time is None:
                raise InvalidInput(f"the block time of version {version} is not recorded: pass block_time")
        seconds = block_time.seconds if isinstance(block_time, Time) else int(block_time)
        return spendable_from(balances, locked_coins(account, seconds))
