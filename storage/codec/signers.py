"""Who signed a tx: account addresses from the signer infos' public keys, else the messages'
declared ``cosmos.msg.v1.signer`` fields (the SDK's GetSigners)."""

from __future__ import annotations

import hashlib
from typing import Literal

from ..models import DecodedTx
from . import bech32
from .hashes import keccak256, ripemd160
from .registry import DescriptorRegistry, default_registry


_P = 2**256 - 2**32 - 977  # secp256k1 field prime
_ETH_KEYS = frozenset(
    {
        "/injective.crypto.v1beta1.ethsecp256k1.PubKey",
        "/ethermint.crypto.v1.ethsecp256k1.PubKey",
        "/cosmos.evm.crypto.v1.ethsecp256k1.PubKey",
    }
)


def _uncompressed_xy(key: bytes) -> bytes | None:
    """X‖Y (64 bytes) of a secp256k1 point given compressed (33 B) or uncompressed (65 B)."""
    if len(key) == 65 and key[0] == 4:
        return key[1:]
    if len(key) != 33 or key[0] not in (2, 3):
        return None
    x = int.from_bytes(key[1:], "big")
    if x >= _P:
        return None
    y2 = (pow(x, 3, _P) + 7) % _P
    y = pow(y2, (_P + 1) // 4, _P)  # p ≡ 3 (mod 4)
    if y * y % _P != y2:
        return None  # x is not on the curve
    if y & 1 != key[0] & 1:
        y = _P - y
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def pubkey_address(type_url: str, key: bytes) -> bytes | None:
    """The account address bytes a single public key controls, or None if not derivable.

    secp256k1: ripemd160(sha256(key)); eth_secp256k1 (Injective, Ethermint):
    keccak256(X‖Y)[12:]; ed25519: sha256(key)[:20].
    """
    if type_url == "/cosmos.crypto.secp256k1.PubKey":
        return ripemd160(hashlib.sha256(key).digest()) if len(key) == 33 else None
    if type_url in _ETH_KEYS:
        xy = _uncompressed_xy(key)
        return keccak256(xy)[12:] if xy is not None else None
    if type_url == "/cosmos.crypto.ed25519.PubKey":
        return hashlib.sha256(key).digest()[:20] if len(key) == 32 else None
    return None


def required_signers(tx: DecodedTx, registry: DescriptorRegistry | None = None) -> list[bytes] | None:
    """The SDK's GetSigners: every message's signer addresses, first occurrence order, then
    the fee payer if not among them. None if a message's signers cannot be read."""
    reg = registry or default_registry()
    out: list[bytes] = []
    seen: set[bytes] = set()
    texts: list[str] = []
    for m in tx.messages:
        got = reg.message_signers(m.type_url, m.value)
        if got is None:
            return None
        texts.extend(got)
    if tx.fee.payer:
        texts.append(tx.fee.payer)
    for text in texts:
        try:
            _, addr = bech32.decode(text)
        except bech32.Bech32Error:
            return None
        if addr not in seen:
            seen.add(addr)
            out.append(addr)
    return out


def signers(tx: DecodedTx, hrp: str, registry: DescriptorRegistry | None = None) -> list[str | None]:
    """Bech32 addresses (account HRP ``hrp``, from the chain's data) of the tx's signers,
    in signer-info order.

    Each comes from the signer info's public key; where the tx carries none (or a key
    type without a known address rule, e.g. multisig), from the messages' declared
    signers at the same position (signer_infos[i] belongs to GetSigners()[i]); None
    when neither is available.
    """
    out: list[str | None] = []
    declared: list[bytes] | None | Literal[False] = False  # False: not computed yet
    for i, info in enumerate(tx.signer_infos):
        addr = pubkey_address(info.public_key_type, info.public_key)
        if addr is None:
            if declared is False:
                declared = required_signers(tx, registry)
            if declared and i < len(declared):
                addr = declared[i]
        out.append(bech32.encode(hrp, addr) if addr is not None else None)
    return out
