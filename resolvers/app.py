"""Application state (auth, bank, staking, slashing) at a height the node still keeps.

A GraphQL ``height`` is an application version: the state after that block, as the
node's REST answers it with ``x-cosmos-block-height``. Readers are built per
snapshot; loaders are keyed by (version, address) and batch per version.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, cast

from cometgraph.storage.app.addresses import parse_account, parse_valoper
from cometgraph.storage.app.auth import Account
from cometgraph.storage.app.chainparams import DenomTrace
from cometgraph.storage.app.distribution import DecCoin, DelegationReward
from cometgraph.storage.app.slashing import SigningInfo
from cometgraph.storage.app.staking import Delegation, Redelegation, StakingValidator, UnbondingDelegation
from cometgraph.storage.errors import CometgraphError, DatabaseBroken, NotFound, Pruned
from cometgraph.storage.models import Coin

from .context import Context
from .inputs import check_height
from .loaders import _Loader


#: an app loader's key: (version, address bytes)
Key = tuple[int, bytes]


class AppReaders:
    """The module readers over one pinned snapshot's application.db."""

    def __init__(self, ctx: Context) -> None:
        view = ctx.pin()
        app = view.readers.app
        if app is None:
            reason = (view.readers.broken or {}).get("application")
            if reason:
                raise DatabaseBroken(f"application.db cannot be read: {reason}")
            raise NotFound("this node's application.db is not available")
        prefixes = view.readers.prefixes
        if prefixes is None:
            raise NotFound("the chain's data names no address yet, so its bech32 prefixes are unknown")
        modules = view.readers.modules
        if modules is None:  # built whenever app and prefixes are, checked above
            raise NotFound("this node's application state has no module readers")
        self.on_batch = ctx.on_batch
        self.view = view
        self.app = app
        self.prefixes = prefixes
        self.auth = modules.auth
        self.bank = modules.bank
        self.staking = modules.staking
        self.slashing = modules.slashing
        self.distribution = modules.distribution
        self.gov = modules.gov
        self.params = modules.params
        self.grants = modules.grants

    def version(self, height: int | None) -> int:
        """The app version a ``height`` argument names (default: the latest both stores have)."""
        latest = min(self.app.latest_version(), self.view.latest_height)
        if height is None:
            return latest
        check_height(height)
        if height > latest:
            raise NotFound(f"height {height} is above the latest height {latest}")
        earliest = self.app.earliest_version()
        if height < earliest:
            raise Pruned("application state", height, earliest)
        return height

    def account_address(self, text: str) -> bytes:
        return parse_account(text, self.prefixes)

    def valoper_address(self, text: str) -> bytes:
        return parse_valoper(text, self.prefixes)

    # ---------------------------------------------------------------- loaders
    @cached_property
    def loaders(self) -> AppLoaders:
        return AppLoaders(self, self.on_batch)


def _per_version(load: Callable[[Sequence[bytes], int], Sequence[Any]]) -> Callable[[Sequence[tuple[int, bytes]]], list[Any]]:
    """Batch (version, key) pairs: one reader call per version present in the batch."""

    def fetch(keys: Sequence[tuple[int, bytes]]) -> list[Any]:
        groups: dict[int, list[int]] = defaultdict(list)
        for i, (version, _) in enumerate(keys):
            groups[version].append(i)
        out: list[Any] = [None] * len(keys)
        for version, idx in groups.items():
            try:
                values = load([keys[i][1] for i in idx], version)
            except CometgraphError as exc:
                values = [exc] * len(idx)  # each key's result: the error
            for i, v in zip(idx, values):
                out[i] = v
        return out

    return fetch


def _each_version(load: Callable[[bytes, int], object]) -> Callable[[Sequence[tuple[int, bytes]]], list[Any]]:
    def many(items: Sequence[bytes], version: int) -> list[Any]:
        return [load(a, version) for a in items]

    return _per_version(many)


class AppLoaders:
    """Keys are (version, address bytes). Each loader is made when first used (a request uses
    one or two of them). Small batches of single records (an account, a validator, balances)
    are read on the event loop like the consensus loaders (resolvers/loaders.py); lists that
    grow with an address's history (delegations, unbondings, redelegations, rewards), and
    large batches, in the thread pool."""

    def __init__(self, r: AppReaders, on_batch: Callable[[str, int], None] | None = None) -> None:
        # a weak reference: the readers hold these loaders (``AppReaders.loaders``), and a strong
        # one back made each request's readers, loaders, futures and pinned view a cycle that
        # waited for the collector instead of being freed when the operation ends
        self._r = cast(AppReaders, weakref.proxy(r))
        self._on_batch = on_batch

    def _loader(self, name: str, fetch: Callable[[Sequence[Any]], list[Any]], inline: int) -> _Loader[Any, Any]:
        return _Loader(fetch, name=name, on_batch=self._on_batch, inline=inline)

    @cached_property
    def account(self) -> _Loader[Key, Account | None]:
        r = self._r
        return self._loader("account", _per_version(r.auth.accounts), inline=20)

    @cached_property
    def balances(self) -> _Loader[Key, list[Coin]]:
        r = self._r
        return self._loader("balances", _per_version(r.bank.balances_many), inline=20)

    @cached_property
    def delegations(self) -> _Loader[Key, list[Delegation]]:
        r = self._r
        return self._loader("delegations", _each_version(r.staking.delegations), inline=0)

    @cached_property
    def unbonding(self) -> _Loader[Key, list[UnbondingDelegation]]:
        r = self._r
        return self._loader("unbonding", _each_version(r.staking.unbonding_delegations), inline=0)

    @cached_property
    def redelegations(self) -> _Loader[Key, list[Redelegation]]:
        r = self._r
        return self._loader("redelegations", _each_version(r.staking.redelegations), inline=0)

    @cached_property
    def validator(self) -> _Loader[Key, StakingValidator | None]:
        r = self._r
        return self._loader("staking_validator", _each_version(r.staking.validator), inline=20)

    @cached_property
    def validator_by_consensus(self) -> _Loader[Key, StakingValidator | None]:
        r = self._r
        return self._loader("staking_by_consensus", _per_version(r.staking.validators_by_consensus), inline=20)

    @cached_property
    def signing_info(self) -> _Loader[Key, SigningInfo | None]:
        r = self._r
        return self._loader("signing_info", _each_version(r.slashing.signing_info), inline=20)

    @cached_property
    def rewards(self) -> _Loader[Key, tuple[list[DelegationReward], list[DecCoin]]]:
        r = self._r
        return self._loader("rewards", _each_version(r.distribution.rewards), inline=0)

    @cached_property
    def commission(self) -> _Loader[Key, list[DecCoin] | None]:
        r = self._r
        return self._loader("commission", _each_version(r.distribution.validator_commission), inline=20)

    @cached_property
    def denom_trace(self) -> _Loader[tuple[int, bytes], DenomTrace | None]:
        r = self._r
        return self._loader("denom_trace", _per_version(lambda hashes, v: r.params.denom_traces_many(list(hashes), v)), inline=50)

    @cached_property
    def denom_metadata(self) -> _Loader[tuple[int, str], dict[str, Any] | None]:
        r = self._r

        def many(denoms: Sequence[str], version: int) -> list[dict[str, Any] | None]:
            return [r.bank.denom_metadata_of(d, version) for d in denoms]

        return self._loader("denom_metadata", _per_version(many), inline=50)  # type: ignore[arg-type]

    @cached_property
    def outstanding(self) -> _Loader[Key, list[DecCoin] | None]:
        r = self._r
        return self._loader("outstanding_rewards", _each_version(r.distribution.outstanding_rewards), inline=20)


def readers(ctx: Context) -> AppReaders:
    if ctx._app_readers is None:
        ctx._app_readers = AppReaders(ctx)
    return ctx._app_readers
