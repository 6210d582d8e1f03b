"""Module params, x/mint and ICS-20 denom traces read from their IAVL stores, shaped as the
node's REST answers them.

=================  ===============================  ==========================================
store              key                              record
=================  ===============================  ==========================================
``acc``            ``0x00``                         ``cosmos.auth.v1beta1.Params`` (≥ 0.47)
``bank``           ``0x05``                         ``cosmos.bank.v1beta1.Params`` (≥ 0.47)
``mint``           ``0x00`` / ``0x01``              ``Minter`` / ``Params`` (params ≥ 0.47)
``transfer``       ``0x02 sha256(path/base)``       ``DenomTrace`` (ibc-go ≤ v9)
``transfer``       ``"params"``                     ``ibc.applications.transfer.v1.Params`` (ibc-go ≥ v8)
=================  ===============================  ==========================================

Before SDK 0.47 params lived in the x/params store as amino JSON (``<subspace>/<Key>``);
those are read and put in the same shape. Staking, slashing, distribution and gov params
come from their own readers (:meth:`ChainParams.params` dispatches).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import CorruptRecord, InvalidInput, NotFound
from .distribution import DistributionReader
from .gov import GovReader
from .legacydec import dec_text, legacy_dec_value
from .sdkcodec import decode, legacy_params, rest_json
from .slashing import SlashingReader
from .staking import StakingReader
from .store import AppStore

__all__ = ["ChainParams", "DenomTrace", "MODULES", "Minter", "parse_ibc_hash"]

MODULES = ("auth", "bank", "staking", "slashing", "distribution", "gov", "mint", "transfer")
DENOM_TRACE = b"\x02"
_HASH = re.compile(r"[0-9A-Fa-f]{64}")


@dataclass(frozen=True, slots=True)
class DenomTrace:
    path: str
    base_denom: str

    @property
    def full_path(self) -> str:
        return f"{self.path}/{self.base_denom}" if self.path else self.base_denom


@dataclass(frozen=True, slots=True)
class Minter:
    #: LegacyDec texts (18 decimals), as the REST prints them
    inflation: str
    annual_provisions: str


def parse_ibc_hash(text: str) -> bytes:
    """An ICS-20 denom hash: 64 hex digits, optionally as ``ibc/<hash>`` (any case)."""
    value = text[4:] if text[:4].lower() == "ibc/" else text
    if not _HASH.fullmatch(value):
        raise InvalidInput(f"{text[:80]!r} is not an IBC denom hash (64 hex digits, optionally ibc/<hash>)")
    return bytes.fromhex(value)


def _dec(value: object) -> str:
    return dec_text(legacy_dec_value(str(value)))


class ChainParams:
    """Params of every module the REST serves them for, the minter and denom traces, at any retained version."""

    def __init__(self, app: AppStore, staking: StakingReader, slashing: SlashingReader, distribution: DistributionReader, gov: GovReader) -> None:
        self.app = app
        self._own: dict[str, Callable[[int], dict[str, Any] | None]] = {
            "staking": staking.params,
            "slashing": slashing.params,
            "distribution": distribution.params,
            "gov": gov.params,
            "auth": self._auth,
            "bank": self._bank,
            "mint": self._mint_params,
            "transfer": self._transfer_params,
        }

    def _tree_or_none(self, store: str, version: int) -> Any:
        try:
            return self.app.tree(store, version)
        except NotFound:
            if version > self.app.latest_version() or version < self.app.earliest_version():
                raise
            return None  # the chain has no such module

    def params(self, module: str, version: int) -> dict[str, Any] | None:
        """A module's ``params`` as ``/…/params`` prints it; None when the chain has no such module."""
        read = self._own.get(module)
        if read is None:
            raise InvalidInput(f"unknown module {module[:40]!r}: one of {', '.join(MODULES)}")
        return read(version)

    def _record(self, store: str, key: bytes, full_name: str, version: int) -> dict[str, Any] | None:
        """The stored record as REST JSON; {} when the store lacks it; None when there is no such store."""
        tree = self._tree_or_none(store, version)
        if tree is None:
            return None
        raw = tree.get(key)
        if raw is None:
            return {}
        return rest_json(full_name, raw, self.app.db, b"s/k:" + store.encode() + b"/" + key)

    def _legacy(self, version: int, subspace: str, names: tuple[str, ...], shape: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        old = legacy_params(self.app, version, subspace, names)
        if old is None:
            return {}
        try:
            return shape(old)
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptRecord(self.app.db, f"s/k:params/{subspace}/".encode(), f"params do not decode: {exc}") from None

    def _auth(self, version: int) -> dict[str, Any]:
        out = self._record("acc", b"\x00", "cosmos.auth.v1beta1.Params", version)
        if out:
            return out
        names = ("MaxMemoCharacters", "TxSigLimit", "TxSizeCostPerByte", "SigVerifyCostED25519", "SigVerifyCostSecp256k1")
        fields = ("max_memo_characters", "tx_sig_limit", "tx_size_cost_per_byte", "sig_verify_cost_ed25519", "sig_verify_cost_secp256k1")
        return self._legacy(version, "auth", names, lambda old: {f: str(int(old.get(n, 0))) for n, f in zip(names, fields)})

    def _bank(self, version: int) -> dict[str, Any]:
        out = self._record("bank", b"\x05", "cosmos.bank.v1beta1.Params", version)
        if out:
            return out

        def shape(old: dict[str, Any]) -> dict[str, Any]:
            entries = [{"denom": str(e["denom"]), "enabled": bool(e.get("enabled", False))} for e in old.get("SendEnabled") or []]
            return {"send_enabled": entries, "default_send_enabled": bool(old.get("DefaultSendEnabled", False))}

        return self._legacy(version, "bank", ("SendEnabled", "DefaultSendEnabled"), shape)

    def _mint_params(self, version: int) -> dict[str, Any] | None:
        out = self._record("mint", b"\x01", "cosmos.mint.v1beta1.Params", version)
        if out is None or out:
            return out
        names = ("MintDenom", "InflationRateChange", "InflationMax", "InflationMin", "GoalBonded", "BlocksPerYear")

        def shape(old: dict[str, Any]) -> dict[str, Any]:
            return {
                "mint_denom": str(old.get("MintDenom", "")),
                "inflation_rate_change": _dec(old.get("InflationRateChange", "0")),
                "inflation_max": _dec(old.get("InflationMax", "0")),
                "inflation_min": _dec(old.get("InflationMin", "0")),
                "goal_bonded": _dec(old.get("GoalBonded", "0")),
                "blocks_per_year": str(int(old.get("BlocksPerYear", 0))),
            }

        return self._legacy(version, "mint", names, shape)

    def _transfer_params(self, version: int) -> dict[str, Any] | None:
        out = self._record("transfer", b"params", "ibc.applications.transfer.v1.Params", version)
        if out is None or out:
            return out
        names = ("SendEnabled", "ReceiveEnabled")
        return self._legacy(
            version, "transfer", names, lambda old: {"send_enabled": bool(old.get("SendEnabled")), "receive_enabled": bool(old.get("ReceiveEnabled"))}
        )

    # -------------------------------------------------------------- mint
    def minter(self, version: int) -> Minter | None:
        """The minter's inflation and annual provisions; None when the chain has no x/mint."""
        tree = self._tree_or_none("mint", version)
        if tree is None:
            return None
        raw = tree.get(b"\x00")
        if raw is None:
            return Minter(dec_text(0), dec_text(0))
        m = decode("cosmos.mint.v1beta1.Minter", raw, self.app.db, b"s/k:mint/\x00")
        try:
            return Minter(dec_text(int(m.inflation or "0")), dec_text(int(m.annual_provisions or "0")))
        except ValueError:
            raise CorruptRecord(self.app.db, b"s/k:mint/\x00", "the minter's decimals do not parse") from None

    # -------------------------------------------------------------- ICS-20
    def denom_trace(self, hash_: bytes, version: int) -> DenomTrace | None:
        tree = self._tree_or_none("transfer", version)
        if tree is None:
            return None
        key = DENOM_TRACE + bytes(hash_)
        raw = tree.get(key)
        return None if raw is None else self._trace(raw, key)

    def denom_traces_many(self, hashes: list[bytes], version: int) -> list[DenomTrace | None]:
        tree = self._tree_or_none("transfer", version)
        if tree is None:
            return [None] * len(hashes)
        keys = [DENOM_TRACE + bytes(h) for h in hashes]
        return [None if raw is None else self._trace(raw, k) for k, raw in zip(keys, tree.get_many(keys))]

    def denom_traces(self, version: int) -> list[DenomTrace]:
        """Every trace, by full denom path (the REST sorts each page so; one page holds them all here)."""
        tree = self._tree_or_none("transfer", version)
        if tree is None:
            return []
        return sorted((self._trace(raw, key) for key, raw in tree.iterate_prefix(DENOM_TRACE)), key=lambda t: t.full_path)

    def _trace(self, raw: bytes, key: bytes) -> DenomTrace:
        m = decode("ibc.applications.transfer.v1.DenomTrace", raw, self.app.db, b"s/k:transfer/" + key)
        return DenomTrace(path=m.path, base_denom=m.base_denom)
