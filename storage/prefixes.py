"""The chain's bech32 prefixes, read from its own data (never hard-coded).

Cosmos SDK chains pick their prefixes at build time and store them nowhere
explicitly, but every address the chain ever wrote carries one. We look, in order,
at the genesis document (state.db's ``genesisDoc`` up to CometBFT 0.38, or the
node's ``config/genesis.json``) and at the tx index's ``message.sender`` keys, and
take the most common valid bech32 prefix of 20/32-byte payloads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .codec import bech32
from .kv import KV

_BECH32 = re.compile(rb'"([a-z]{1,30}1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{38,80})"')
#: how much of a genesis document to look at: mainnet genesis files reach gigabytes
_GENESIS_SCAN = 8 << 20


@dataclass(frozen=True)
class Prefixes:
    account: str
    valoper: str
    valcons: str

    @classmethod
    def from_account(cls, hrp: str, seen: Counter[str] | None = None) -> Prefixes:
        seen = seen or Counter()
        valoper = _best(seen, lambda p: p.endswith("valoper")) or hrp + "valoper"
        valcons = _best(seen, lambda p: p.endswith("valcons")) or hrp + "valcons"
        return cls(hrp, valoper, valcons)


def _best(seen: Counter[str], want: Callable[[str], bool]) -> str | None:
    for p, _ in seen.most_common():
        if want(p):
            return p
    return None


def _scan(blob: bytes, seen: Counter[str]) -> None:
    for m in _BECH32.finditer(blob):
        try:
            hrp, payload = bech32.decode(m.group(1).decode())
        except ValueError:
            continue
        if len(payload) in (20, 32):
            seen[hrp] += 1


def detect(home: Path | None, state: KV | None, tx_index: KV | None) -> Prefixes | None:
    """The chain's prefixes, or None when its data holds no address at all."""
    seen: Counter[str] = Counter()
    if state is not None:
        doc = state.get(b"genesisDoc")
        if doc:
            _scan(doc[:_GENESIS_SCAN], seen)
    if not seen and home is not None:
        path = Path(home) / "config" / "genesis.json"
        if path.is_file():
            with open(path, "rb") as fh:
                _scan(fh.read(_GENESIS_SCAN), seen)
    if tx_index is not None:
        for n, (key, _) in enumerate(tx_index.iterate(prefix=b"message.sender/")):
            _scan(b'"' + key.split(b"/")[1] + b'"', seen)
            if n >= 64:
                break
    accounts = _best(seen, lambda p: not p.endswith(("valoper", "valcons", "pub")))
    return Prefixes.from_account(accounts, seen) if accounts else None
