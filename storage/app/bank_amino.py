"""x/bank before it had a store (SDK ≤ 0.39, amino): coins inside accounts, supply in x/supply.

One generation of the bank's records, chosen by ``BankReader`` from the bytes of a version
(its commit info is amino): an account's coins live in the account (``acc`` store) and the
total supply in the ``supply`` store; there was no denom metadata and no block time in
commit infos.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..codec import amino_app
from ..codec.amino import AminoError
from ..errors import CorruptRecord
from ..models import Coin, Time
from .auth import ACCOUNT_PREFIX, AuthReader
from .bank_store import SUPPLY_PREFIX, TooManyHolders, _zero
from .store import AppStore

AMINO_SUPPLY_STORE = "supply"  # x/supply kept the total supply; no bank store existed


class AccountCoins:
    """The bank's answers from accounts and x/supply (SDK ≤ 0.39)."""

    def __init__(self, app: AppStore, auth: AuthReader) -> None:
        self.app = app
        self._auth = auth

    def balances_many(self, addresses: Sequence[bytes], version: int) -> list[list[Coin]]:
        """Each account's coins, sorted by denom bytes as ``sdk.Coins`` keeps them (no account: [])."""
        accounts = self._auth.accounts(addresses, version)
        return [sorted(a.coins or (), key=lambda c: c.denom.encode()) if a else [] for a in accounts]

    def balance(self, address: bytes, denom: str, version: int) -> Coin:
        return next((c for c in self.balances_many([address], version)[0] if c.denom == denom), _zero(denom))

    def holders(self, denom: str, version: int, cap: int, chunk: int) -> list[tuple[bytes, int]]:
        out: list[tuple[bytes, int]] = []
        for key, raw in self.app.tree("acc", version).iterate_prefix(ACCOUNT_PREFIX):
            acc = self._auth._decode(key, raw)
            amount = sum(int(c.amount) for c in acc.coins or () if c.denom == denom)
            if amount > 0:
                out.append((key[len(ACCOUNT_PREFIX) :], amount))
                if len(out) > cap:
                    raise TooManyHolders(f"more than {cap:,} accounts hold {denom}: too many to rank here")
        return out

    def supply(self, version: int) -> list[Coin]:
        raw = self.app.tree(AMINO_SUPPLY_STORE, version).get(SUPPLY_PREFIX)
        if raw is None:
            return []
        try:
            return sorted(amino_app.decode_supply(raw), key=lambda c: c.denom.encode())
        except AminoError as exc:
            raise CorruptRecord(self.app.db, b"s/k:supply/" + SUPPLY_PREFIX, f"not an amino Supply: {exc}") from None

    def supply_of(self, denom: str, version: int) -> Coin:
        return next((c for c in self.supply(version) if c.denom == denom), _zero(denom))

    def denom_metadata(self, version: int) -> list[dict[str, Any]]:
        return []  # SDK ≤ 0.39 kept no denom metadata

    def denom_metadata_of(self, denom: str, version: int) -> dict[str, Any] | None:
        return None

    def block_time(self, version: int) -> Time | None:
        return None  # SDK ≤ 0.39 commit infos record no time
