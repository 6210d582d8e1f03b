"""x/slashing state read from the ``slashing`` IAVL store: validator signing infos and params.

Keys (SDK 0.50 x/slashing/types/keys.go; ``lp(a)`` = 1-byte length + address):

* ``0x01 lp(consaddr)`` → ``ValidatorSigningInfo{address, start_height, index_offset,
  jailed_until, tombstoned, missed_blocks_counter}`` (same record in 0.47 and earlier);
* ``0x02 lp(consaddr) LE64(chunk)`` → missed-blocks bitmap chunk (0.50; in 0.47 the key
  held one ``BoolValue`` per window index) — not read here;
* ``0x03 lp(consaddr)`` → the consensus key as an ``Any``;
* ``0x00`` → ``Params`` (≥ 0.47; before, the x/params store's ``slashing/*`` keys).

Before SDK 0.43 the address had no length byte (``0x01 consaddr``) [checked: tm034]; the
layout is detected per version from a signing-info key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..codec.tx import DynamicMessage
from ..errors import CorruptRecord
from ..models import Time
from ..prefixes import Prefixes
from .iavl import IAVLTree
from .legacydec import dec_text, legacy_dec_value
from .sdkcodec import decode, duration_ns_text, legacy_params, rest_json, to_time
from .module import ModuleReader, length_prefixed
from .store import AppStore

__all__ = ["SigningInfo", "SlashingReader"]

STORE = "slashing"
PARAMS = b"\x00"
SIGNING_INFO = b"\x01"


@dataclass(frozen=True, slots=True)
class SigningInfo:
    #: the valcons bech32 text the node stored (what its REST prints)
    address: str
    start_height: int
    index_offset: int
    #: Unix epoch (1970) when never jailed: the SDK stores a zero Timestamp then
    jailed_until: Time
    tombstoned: bool
    missed_blocks_counter: int


class SlashingReader(ModuleReader):
    """x/slashing state at any retained version; consensus addresses come in as raw bytes.

    A missing signing info is None; a pruned version raises ``Pruned``; undecodable bytes
    raise ``CorruptRecord``.
    """

    def __init__(self, app: AppStore, prefixes: Prefixes, store: str = STORE) -> None:
        super().__init__(app, store)
        self.prefixes = prefixes

    def _probe(self, tree: IAVLTree) -> bool | None:
        return length_prefixed(tree, SIGNING_INFO)

    def _info(self, raw: bytes, key: bytes) -> SigningInfo:
        m: DynamicMessage = decode("cosmos.slashing.v1beta1.ValidatorSigningInfo", raw, self.app.db, self._key(key))
        return SigningInfo(
            address=m.address,
            start_height=m.start_height,
            index_offset=m.index_offset,
            jailed_until=to_time(m, "jailed_until"),
            tombstoned=m.tombstoned,
            missed_blocks_counter=m.missed_blocks_counter,
        )

    def signing_info(self, consaddr: bytes, version: int) -> SigningInfo | None:
        tree, prefixed = self._open(version)
        consaddr = bytes(consaddr)
        key = SIGNING_INFO + (bytes([len(consaddr)]) if prefixed else b"") + consaddr
        raw = tree.get(key)
        return None if raw is None else self._info(raw, key)

    def signing_infos(self, version: int) -> list[SigningInfo]:
        """Every signing info, in the REST's order (by consensus-address key bytes)."""
        return list(self.iter_signing_infos(version))

    def iter_signing_infos(self, version: int) -> Iterator[SigningInfo]:
        tree, _ = self._open(version)
        for key, raw in tree.iterate_prefix(SIGNING_INFO):
            yield self._info(raw, key)

    def params(self, version: int) -> dict[str, Any]:
        """``/cosmos/slashing/v1beta1/params``' ``params`` object.

        ≥ 0.47 from key ``0x00``; ≤ 0.46 from the x/params store, put in the same shape.
        {} if neither exists.
        """
        tree, _ = self._open(version)
        raw = tree.get(PARAMS)
        if raw is not None:
            return rest_json("cosmos.slashing.v1beta1.Params", raw, self.app.db, self._key(PARAMS))
        names = ("SignedBlocksWindow", "MinSignedPerWindow", "DowntimeJailDuration", "SlashFractionDoubleSign", "SlashFractionDowntime")
        old = legacy_params(self.app, version, "slashing", names)
        if old is None:
            return {}
        try:
            return {
                "signed_blocks_window": str(int(old.get("SignedBlocksWindow", 0))),
                "min_signed_per_window": dec_text(legacy_dec_value(str(old.get("MinSignedPerWindow", "0")))),
                "downtime_jail_duration": duration_ns_text(int(old.get("DowntimeJailDuration", 0))),
                "slash_fraction_double_sign": dec_text(legacy_dec_value(str(old.get("SlashFractionDoubleSign", "0")))),
                "slash_fraction_downtime": dec_text(legacy_dec_value(str(old.get("SlashFractionDowntime", "0")))),
            }
        except (TypeError, ValueError) as exc:
            raise CorruptRecord(self.app.db, b"s/k:params/slashing/", f"params do not decode: {exc}") from None
