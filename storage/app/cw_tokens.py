"""CW20 tokens and CW721 collections read from a contract's own storage (cw-storage-plus).

cw-storage-plus keys (checked on bytes cw20-base 1.1.1 and cw721-base 0.19.0 wrote on
injectived 1.20.1): an ``Item`` is its plain name; a ``Map`` entry is ``u16 len(namespace)
‖ namespace ‖ key``, a composite key length-prefixing every part but the last. Values are
JSON. Which contract is which is decided from the state, not from the code id, so forks
of the reference contracts are read too:

* cw20 — ``token_info`` (``{name, symbol, decimals, total_supply, mint: {minter, cap}}``)
  and the ``balance`` map keyed by the holder's **bech32 text** (cw20-base 1.x) → amount
  as a JSON string; ``allowance`` keyed (owner, spender) → ``{allowance, expires}``.
* cw721 — the collection's ``{name, symbol}`` in ``cw721_collection_info`` (cw721-base
  0.19) or ``nft_info`` (≤ 0.18), ``num_tokens`` (a JSON number; unset until the first
  mint) and the ``tokens`` map
  keyed by token id → ``{owner, approvals, token_uri, extension}``, with the
  ``tokens__owner`` multi-index keyed (owner, token id).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import CorruptRecord, InvalidInput
from .wasm import WasmReader

__all__ = ["Cw20Info", "Cw721Info", "Nft", "CwTokens", "TooManyHolders", "map_key"]


class TooManyHolders(InvalidInput):
    """A cw20 token with more holders than a ranking may hold in memory."""

    code = "LIMIT_EXCEEDED"


def map_key(namespace: str, *parts: bytes) -> bytes:
    """A cw-storage-plus ``Map`` key: every part but the last is u16-length-prefixed."""
    out = len(namespace.encode()).to_bytes(2, "big") + namespace.encode()
    for p in parts[:-1]:
        out += len(p).to_bytes(2, "big") + p
    return out + (parts[-1] if parts else b"")


BALANCE = map_key("balance")
TOKENS = map_key("tokens")


@dataclass(frozen=True, slots=True)
class Cw20Info:
    name: str
    symbol: str
    decimals: int
    total_supply: int
    minter: str | None
    cap: int | None


@dataclass(frozen=True, slots=True)
class Cw721Info:
    name: str
    symbol: str
    num_tokens: int


@dataclass(frozen=True, slots=True)
class Nft:
    token_id: str
    owner: str
    token_uri: str | None
    extension: Any
    #: ``[{spender, expires}]`` as the contract stores (and ``owner_of`` prints) them
    approvals: list[Any]


def _amount(value: Any, where: str) -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"{where} is not a Uint128 string: {value!r}")


class CwTokens:
    """The cw20 / cw721 views of one contract's storage at a version."""

    def __init__(self, wasm: WasmReader) -> None:
        self.wasm = wasm

    def _json(self, address: bytes, key: bytes, version: int) -> Any:
        raw = self.wasm.raw(address, key, version)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise CorruptRecord(self.wasm.app.db, key, f"contract value is not JSON: {exc}") from None

    def _has_map(self, address: bytes, prefix: bytes, version: int) -> bool:
        return any(True for _ in self.wasm.iter_state(address, version, prefix, limit=1))

    # ---------------------------------------------------------------- cw20
    def cw20_info(self, address: bytes, version: int) -> Cw20Info | None:
        """The token's info, or None unless the state is cw20-shaped (a ``token_info``
        item with name, symbol, decimals and total supply, and a ``balance`` map)."""
        info = self._json(address, b"token_info", version)
        if not isinstance(info, dict) or not {"name", "symbol", "decimals", "total_supply"} <= info.keys():
            return None
        if not self._has_map(address, BALANCE, version):
            return None
        try:
            mint = info.get("mint") or None
            return Cw20Info(
                name=str(info["name"]),
                symbol=str(info["symbol"]),
                decimals=int(info["decimals"]),
                total_supply=_amount(info["total_supply"], "total_supply"),
                minter=str(mint["minter"]) if mint else None,
                cap=_amount(mint["cap"], "cap") if mint and mint.get("cap") is not None else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptRecord(self.wasm.app.db, b"token_info", f"cw20 token_info does not decode: {exc}") from None

    def cw20_balance(self, address: bytes, holder: str, version: int) -> int:
        """The ``balance`` query: 0 when the holder has no entry."""
        value = self._json(address, BALANCE + holder.encode(), version)
        return 0 if value is None else _amount(value, "balance")

    def cw20_allowance(self, address: bytes, owner: str, spender: str, version: int) -> dict[str, Any] | None:
        """``{allowance, expires}`` as stored; None when the owner granted the spender nothing."""
        value = self._json(address, map_key("allowance", owner.encode(), spender.encode()), version)
        return value if isinstance(value, dict) else None

    def iter_cw20_balances(self, address: bytes, version: int) -> Iterator[tuple[str, int]]:
        """(holder, amount) of every entry of the balance map, by holder text (``all_accounts`` order)."""
        for key, value in self.wasm.iter_state(address, version, BALANCE):
            try:
                yield key[len(BALANCE) :].decode(), _amount(json.loads(value), "balance")
            except (UnicodeDecodeError, ValueError) as exc:
                raise CorruptRecord(self.wasm.app.db, key, f"cw20 balance does not decode: {exc}") from None

    def cw20_holders(self, address: bytes, version: int, cap: int) -> list[tuple[str, int]]:
        """Every (holder, amount), refusing past ``cap`` entries (``TooManyHolders``)."""
        out = []
        for row in self.iter_cw20_balances(address, version):
            out.append(row)
            if len(out) > cap:
                raise TooManyHolders(f"this token has more than {cap:,} holders: too many to rank here")
        return out

    # ---------------------------------------------------------------- cw721
    def cw721_info(self, address: bytes, version: int) -> Cw721Info | None:
        """Name, symbol and token count, or None unless the state is cw721-shaped (a
        collection info item with name and symbol; ``num_tokens``, if set, a number)."""
        info = self._json(address, b"cw721_collection_info", version)
        if info is None:
            info = self._json(address, b"nft_info", version)
        count = self._json(address, b"num_tokens", version)
        if not isinstance(info, dict) or not {"name", "symbol"} <= info.keys() or not isinstance(count, (int, type(None))):
            return None
        return Cw721Info(str(info["name"]), str(info["symbol"]), count or 0)  # no num_tokens before the first mint

    def _nft(self, token_id: str, value: Any, key: bytes) -> Nft:
        try:
            return Nft(token_id, str(value["owner"]), value.get("token_uri"), value.get("extension"), list(value.get("approvals") or []))
        except (KeyError, TypeError, AttributeError) as exc:
            raise CorruptRecord(self.wasm.app.db, key, f"cw721 token does not decode: {exc}") from None

    def nft(self, address: bytes, token_id: str, version: int) -> Nft | None:
        key = TOKENS + token_id.encode()
        value = self._json(address, key, version)
        return None if value is None else self._nft(token_id, value, key)

    def nfts(self, address: bytes, version: int, owner: str | None = None, after: str | None = None, limit: int = 20) -> list[Nft]:
        """Tokens by id (``all_tokens`` / ``tokens`` order), those after ``after``; with
        ``owner``, only that owner's, read from the ``tokens__owner`` index."""
        start = after.encode() if after is not None else None
        out: list[Nft] = []
        if owner is None:
            for key, value in self.wasm.iter_state(address, version, TOKENS, TOKENS + start if start is not None else None, limit):
                out.append(self._nft(key[len(TOKENS) :].decode(), json.loads(value), key))
            return out
        index = map_key("tokens__owner", owner.encode(), b"")
        for key, _ in self.wasm.iter_state(address, version, index, index + start if start is not None else None):
            token_id = key[len(index) :].decode()
            nft = self.nft(address, token_id, version)
            if nft is not None and nft.owner == owner:
                out.append(nft)
                if len(out) >= limit:
                    break
        return out
