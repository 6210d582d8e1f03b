"""Bech32 addresses of the chain's three kinds: accounts, validator operators, consensus keys.

The prefixes are chain data (``storage.prefixes.Prefixes``, detected from the chain
itself); nothing here assumes ``inj`` or ``cosmos``. Parsing follows the SDK's
``sdk.AccAddressFromBech32`` / ``ValAddressFromBech32`` / ``ConsAddressFromBech32``:

* an empty (or all-blank) string is refused;
* bech32 with the original checksum (not bech32m), no 90-character limit (32-byte
  module / contract addresses are longer), one case throughout (an all-upper-case
  address is the same address);
* the human-readable part must be exactly the expected prefix;
* the payload must be 1..255 bytes (``address.VerifyAddressFormat``; 20 bytes for keys,
  32 for module-derived and contract accounts).

Every refusal is ``InvalidInput`` whose message says what was expected
("expected an address starting inj1…").
"""

from __future__ import annotations

from ..codec import bech32
from ..errors import InvalidInput
from ..prefixes import Prefixes

__all__ = [
    "MAX_ADDRESS_LEN",
    "account_str",
    "check_address",
    "parse_account",
    "parse_valcons",
    "parse_valoper",
    "valcons_str",
    "valoper_str",
]

#: the SDK's address.MaxAddrLen
MAX_ADDRESS_LEN = 255


def _kind_name(kind: str) -> str:
    return {"account": "an address", "valoper": "a validator operator address", "valcons": "a consensus address"}[kind]


def _parse(text: object, hrp: str, kind: str) -> bytes:
    expected = f"expected {_kind_name(kind)} starting {hrp}1…"
    if not isinstance(text, str):
        raise InvalidInput(f"{expected}, got {type(text).__name__} {text!r}")
    if not text.strip():
        raise InvalidInput(f"empty address: {expected}")
    shown = text if len(text) <= 120 else text[:117] + "..."
    try:
        got_hrp, payload = bech32.decode(text)
    except bech32.Bech32Error as exc:
        raise InvalidInput(f"{shown!r} is not a valid bech32 address ({exc}): {expected}") from None
    if got_hrp != hrp:
        raise InvalidInput(f"{shown!r} has the prefix {got_hrp!r}: {expected}")
    if not 1 <= len(payload) <= MAX_ADDRESS_LEN:
        raise InvalidInput(f"{shown!r} holds {len(payload)} bytes, not 1 to {MAX_ADDRESS_LEN}: {expected}")
    return payload


def parse_account(text: str, prefixes: Prefixes) -> bytes:
    """``inj1…`` → the account's address bytes (20 or 32 bytes in practice)."""
    return _parse(text, prefixes.account, "account")


def parse_valoper(text: str, prefixes: Prefixes) -> bytes:
    """``injvaloper1…`` → the operator's address bytes (the same bytes as its account)."""
    return _parse(text, prefixes.valoper, "valoper")


def parse_valcons(text: str, prefixes: Prefixes) -> bytes:
    """``injvalcons1…`` → the consensus address (sha256(ed25519 key)[:20], CometBFT's)."""
    return _parse(text, prefixes.valcons, "valcons")


def check_address(address: object) -> bytes:
    """Address bytes as a reader takes them: 1..255 bytes, else ``InvalidInput``."""
    if isinstance(address, (bytearray, memoryview)):
        address = bytes(address)
    if not isinstance(address, bytes):
        raise InvalidInput(f"an address must be bytes, got {type(address).__name__}")
    if not 1 <= len(address) <= MAX_ADDRESS_LEN:
        raise InvalidInput(f"an address is 1 to {MAX_ADDRESS_LEN} bytes, got {len(address)}")
    return address


def account_str(address: bytes, prefixes: Prefixes) -> str:
    return bech32.encode(prefixes.account, check_address(address))


def valoper_str(address: bytes, prefixes: Prefixes) -> str:
    return bech32.encode(prefixes.valoper, check_address(address))


def valcons_str(address: bytes, prefixes: Prefixes) -> str:
    return bech32.encode(prefixes.valcons, check_address(address))
