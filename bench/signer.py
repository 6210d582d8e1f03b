"""Sign Cosmos SDK txs offline, in-process, for Injective's eth_secp256k1 accounts.

What ``injectived tx sign-batch --offline`` does for one tx, without a process per batch:

* the tx (the same JSON the CLI reads: ``body``, ``auth_info`` …) is encoded with the
  project's own ``.proto`` files (``storage/proto/sdk``, loaded into a private pool by
  ``DescriptorRegistry``): ``TxBody`` and ``AuthInfo`` bytes, one ``SignerInfo`` with the
  account's ``/injective.crypto.v1beta1.ethsecp256k1.PubKey`` (33-byte compressed point),
  ``SIGN_MODE_DIRECT`` and the sequence;
* the sign-doc is ``cosmos.tx.v1beta1.SignDoc{body_bytes, auth_info_bytes, chain_id,
  account_number}``; injective's ``ethsecp256k1.PrivKey.Sign`` hashes it with Keccak-256 and
  signs with go-ethereum's ``crypto.Sign``: 65 bytes ``r || s || v`` (deterministic RFC 6979
  nonce, low s). The node's ``VerifySignature`` drops ``v`` and checks ``r || s`` against
  Keccak-256 of the sign-doc. coincurve (libsecp256k1) signs the same way, so the bytes equal
  the CLI's (``python bench/signer.py --check`` compares them on a scratch key);
* the tx bytes are ``TxRaw{body_bytes, auth_info_bytes, [signature]}``.

These bytes are client input: the real node checks them (CheckTx: signature, sequence,
fees) and writes them into its blocks itself. Needs the ``bench`` extra (coincurve).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from coincurve import PrivateKey  # noqa: E402
from Crypto.Hash import keccak  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from google.protobuf.message_factory import GetMessageClass  # noqa: E402

from cometgraph.storage.codec import bech32  # noqa: E402
from cometgraph.storage.codec.registry import DescriptorRegistry  # noqa: E402
from cometgraph.storage.codec.signers import pubkey_address  # noqa: E402

PUBKEY_URL = "/injective.crypto.v1beta1.ethsecp256k1.PubKey"
SIGN_MODE_DIRECT = 1


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


@dataclass(frozen=True)
class EthKey:
    """An eth_secp256k1 private key and what follows from it."""

    private: PrivateKey
    public: bytes  # 33-byte compressed point
    address: str  # bech32 ("inj1…")

    @classmethod
    def from_hex(cls, hex_key: str, hrp: str = "inj") -> EthKey:
        priv = PrivateKey(bytes.fromhex(hex_key.strip().removeprefix("0x")))
        pub = priv.public_key.format(compressed=True)
        addr = pubkey_address(PUBKEY_URL, pub)
        assert addr is not None
        return cls(priv, pub, bech32.encode(hrp, addr))


class Signer:
    """Encodes and signs txs given as the CLI's JSON (``"@type"`` names the messages)."""

    def __init__(self, chain_id: str) -> None:
        self.chain_id = chain_id
        reg = DescriptorRegistry()
        classes = {}
        for name in ("Tx", "TxBody", "AuthInfo", "SignDoc", "TxRaw"):
            desc = reg.find(f"cosmos.tx.v1beta1.{name}")
            if desc is None:
                raise RuntimeError(f"the built-in descriptors lack cosmos.tx.v1beta1.{name}")
            classes[name] = GetMessageClass(desc)
        pub = reg.find(PUBKEY_URL.removeprefix("/"))
        assert pub is not None
        self.pool = pub.file.pool
        self.TxBody, self.AuthInfo = classes["TxBody"], classes["AuthInfo"]
        self.SignDoc, self.TxRaw = classes["SignDoc"], classes["TxRaw"]
        self.PubKey = GetMessageClass(pub)

    def sign(self, key: EthKey, doc: dict[str, Any], account_number: int, sequence: int) -> bytes:
        """The signed tx bytes (``TxRaw``) of ``doc`` (``{"body": …, "auth_info": …}``,
        ``auth_info.signer_infos`` empty as the CLI's unsigned txs have it)."""
        body = json_format.ParseDict(doc["body"], self.TxBody(), descriptor_pool=self.pool)
        auth = json_format.ParseDict(doc["auth_info"], self.AuthInfo(), descriptor_pool=self.pool)
        del auth.signer_infos[:]
        info = auth.signer_infos.add()
        info.public_key.type_url = PUBKEY_URL
        info.public_key.value = self.PubKey(key=key.public).SerializeToString()
        info.mode_info.single.mode = SIGN_MODE_DIRECT
        info.sequence = sequence
        body_bytes, auth_bytes = body.SerializeToString(), auth.SerializeToString()
        sign_doc = self.SignDoc(body_bytes=body_bytes, auth_info_bytes=auth_bytes, chain_id=self.chain_id, account_number=account_number)
        signature = key.private.sign_recoverable(keccak256(sign_doc.SerializeToString()), hasher=None)
        return self.TxRaw(body_bytes=body_bytes, auth_info_bytes=auth_bytes, signatures=[signature]).SerializeToString()
