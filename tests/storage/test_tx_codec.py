"""storage.codec.tx against the node itself: every tx of the sample chain, decoded from the
RPC's raw bytes, must read exactly as injectived's REST printed it.

Expected values come from the oracle only (``txs.json``: RPC ``/tx`` with the base64 raw tx
and the node's events; ``rest_txs.json``: REST ``/cosmos/tx/v1beta1/txs/{hash}``), so the
tests hold for any regeneration of the sample chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from cometgraph.storage.codec import bech32
from cometgraph.storage.codec.descriptors import DescriptorSetError, load_descriptor_set
from cometgraph.storage.codec.registry import DescriptorRegistry, message_json, tx_json
from cometgraph.storage.codec.signers import required_signers, signers
from cometgraph.storage.codec.tx import InvalidTx, decode_tx
from cometgraph.storage.errors import CorruptRecord, InvalidInput
from cometgraph.storage.proto import cosmos_tx_pb2 as pb

ETH_KEY = "/injective.crypto.v1beta1.ethsecp256k1.PubKey"


# ---------------------------------------------------------------- oracle helpers
class OracleTx:
    def __init__(self, tx_hash: str, rpc: dict, rest: dict) -> None:
        self.hash = tx_hash
        self.rpc = rpc
        self.rest = rest
        self.raw = base64.b64decode(rpc["tx"])

    @property
    def rest_tx(self) -> dict:
        return self.rest["tx"]

    def attributes(self, event_type: str, key: str) -> list[str]:
        """Values of ``event_type.key`` in the node's DeliverTx events, in order."""
        return [a["value"] for ev in self.rpc["tx_result"]["events"] if ev["type"] == event_type for a in ev["attributes"] if a["key"] == key]

    def acc_seq(self) -> list[tuple[str, int]]:
        out = []
        for value in self.attributes("tx", "acc_seq"):
            addr, seq = value.rsplit("/", 1)
            out.append((addr, int(seq)))
        return out


@pytest.fixture(scope="module")
def oracle_txs(oracle) -> list[OracleTx]:
    rpc, rest = oracle.txs, oracle.rest_txs
    assert rpc, "the oracle records no tx"
    assert set(rpc) == set(rest), "txs.json and rest_txs.json name different txs"
    return [OracleTx(h, rpc[h], rest[h]) for h in sorted(rpc)]


@pytest.fixture(scope="module")
def hrp(oracle) -> str:
    """The account HRP, read from the workload's account addresses."""
    prefixes = {bech32.decode(acc["address"])[0] for acc in oracle.workload["accounts"].values() if "address" in acc}
    assert len(prefixes) == 1, prefixes
    return prefixes.pop()


@pytest.fixture(scope="module")
def registry() -> DescriptorRegistry:
    return DescriptorRegistry()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _reserialize(raw: bytes, edit_body=None, edit_auth=None) -> bytes:
    """A copy of a real tx with its body / auth info edited (fields re-encoded in order)."""
    tx_raw = pb.TxRaw.FromString(raw)
    if edit_body is not None:
        body = pb.TxBody.FromString(tx_raw.body_bytes)
        edit_body(body)
        tx_raw.body_bytes = body.SerializeToString()
    if edit_auth is not None:
        auth = pb.AuthInfo.FromString(tx_raw.auth_info_bytes)
        edit_auth(auth)
        tx_raw.auth_info_bytes = auth.SerializeToString()
    return tx_raw.SerializeToString()


# ---------------------------------------------------------------- the oracle itself
def test_oracle_raw_bytes_are_the_txs_the_rest_describes(oracle_txs):
    for tx in oracle_txs:
        assert hashlib.sha256(tx.raw).hexdigest().upper() == tx.hash
        assert tx.rest["tx_response"]["txhash"] == tx.hash
        assert tx.acc_seq(), f"{tx.hash}: no tx.acc_seq event"


# ---------------------------------------------------------------- decode_tx
def test_decode_tx_envelope_equals_rest_for_every_tx(oracle_txs, registry):
    for tx in oracle_txs:
        d = decode_tx(tx.raw)
        body, auth = tx.rest_tx["body"], tx.rest_tx["auth_info"]
        where = tx.hash
        assert d.memo == body["memo"], where
        assert str(d.timeout_height) == body["timeout_height"], where
        assert [m.type_url for m in d.messages] == [m["@type"] for m in body["messages"]], where
        assert len(d.extension_options) == len(body["extension_options"]), where
        assert len(d.non_critical_extension_options) == len(body["non_critical_extension_options"]), where

        fee = auth["fee"]
        assert [{"denom": c.denom, "amount": c.amount} for c in d.fee.amount] == fee["amount"], where
        assert str(d.fee.gas_limit) == fee["gas_limit"], where
        assert d.fee.payer == fee["payer"], where
        assert d.fee.granter == fee["granter"], where
        if auth.get("tip") is None:
            assert d.tip is None, where
        else:
            assert [{"denom": c.denom, "amount": c.amount} for c in d.tip.amount] == auth["tip"]["amount"], where
            assert d.tip.tipper == auth["tip"]["tipper"], where

        assert len(d.signer_infos) == len(auth["signer_infos"]), where
        for got, want in zip(d.signer_infos, auth["signer_infos"], strict=True):
            key = want["public_key"]
            if key is None:
                assert (got.public_key_type, got.public_key) == ("", b""), where
            elif set(key) == {"@type", "key"}:  # single-key types: PubKey{key}
                assert got.public_key_type == key["@type"], where
                assert _b64(got.public_key) == key["key"], where
            else:  # multisig and other composite keys: the raw Any value
                assert got.public_key_type == key["@type"], where
                assert registry.message_json(got.public_key_type, got.public_key) == key, where
            mode = want["mode_info"]
            assert got.mode == (mode["single"]["mode"] if "single" in mode else "MULTI"), where
            assert str(got.sequence) == want["sequence"], where

        assert [_b64(s) for s in d.signatures] == tx.rest_tx["signatures"], where


def test_decoded_keys_are_what_the_node_indexed(oracle_txs, registry):
    """tx.signature events carry the signatures (for a multisig, its member signatures one by
    one then the whole MultiSignature, as the SDK's ante handler flattens them), tx.acc_seq the
    signer sequences."""
    for tx in oracle_txs:
        d = decode_tx(tx.raw)
        flat = []
        for info, sig in zip(d.signer_infos, d.signatures, strict=True):
            if info.mode == "MULTI":
                multi = registry.parse("/cosmos.crypto.multisig.v1beta1.MultiSignature", sig)
                assert multi is not None, tx.hash
                flat.extend(multi.signatures)
            flat.append(sig)  # a multisig's whole MultiSignature follows its members
        assert [_b64(s) for s in flat] == tx.attributes("tx", "signature"), tx.hash
        assert [s.sequence for s in d.signer_infos] == [seq for _, seq in tx.acc_seq()], tx.hash


# ---------------------------------------------------------------- JSON rendering
def test_message_json_equals_rest_for_every_message(oracle_txs, registry):
    seen_types = set()
    for tx in oracle_txs:
        d = decode_tx(tx.raw)
        want = tx.rest_tx["body"]["messages"]
        assert len(d.messages) == len(want), tx.hash
        for i, (m, w) in enumerate(zip(d.messages, want, strict=True)):
            got = registry.message_json(m.type_url, m.value)
            assert got == w, f"{tx.hash} message {i} ({m.type_url})"
            assert next(iter(got)) == "@type"
            # the module-level helper uses the built-in registry
            assert message_json(m.type_url, m.value) == w
            seen_types.add(m.type_url)
    assert seen_types  # at least one message rendered


def test_tx_json_equals_rest_tx_for_every_tx(oracle_txs, registry):
    for tx in oracle_txs:
        assert registry.tx_json(tx.raw) == tx.rest_tx, tx.hash
        assert tx_json(tx.raw) == tx.rest_tx, tx.hash


def test_raw_tx_as_a_tx_any_equals_rest_tx_response_tx(oracle_txs, registry):
    """tx_response.tx is the same tx as an Any of /cosmos.tx.v1beta1.Tx (TxRaw is wire-compatible)."""
    for tx in oracle_txs:
        want = tx.rest["tx_response"]["tx"]
        assert registry.message_json(want["@type"], tx.raw) == want, tx.hash


def test_unknown_type_url_falls_back_to_base64(oracle_txs, registry):
    value = b"\x0a\x07inj1xyz\x10\x05"
    assert registry.message_json("/fakechain.v1.MsgNope", value) == {
        "@type": "/fakechain.v1.MsgNope",
        "value": _b64(value),
    }
    assert message_json("", b"\x01") == {"@type": "", "value": "AQ=="}
    # a known type whose bytes do not decode as it
    assert registry.message_json("/cosmos.bank.v1beta1.MsgSend", b"\xff\xff\xff") == {
        "@type": "/cosmos.bank.v1beta1.MsgSend",
        "value": "////",
    }

    # inside a whole tx: only that message falls back, the rest is the REST's answer
    tx = oracle_txs[0]
    original = decode_tx(tx.raw).messages[0]

    def rename(body):
        body.messages[0].type_url = "/fakechain.v1.MsgNope"

    got = registry.tx_json(_reserialize(tx.raw, edit_body=rename))
    want = tx.rest_tx["body"]["messages"]
    assert got["body"]["messages"][0] == {"@type": "/fakechain.v1.MsgNope", "value": _b64(original.value)}
    assert got["body"]["messages"][1:] == want[1:]
    assert got["auth_info"] == tx.rest_tx["auth_info"]
    assert got["signatures"] == tx.rest_tx["signatures"]


# ---------------------------------------------------------------- signers
def test_signers_equal_the_nodes_acc_seq_addresses(oracle_txs, hrp):
    for tx in oracle_txs:
        d = decode_tx(tx.raw)
        want = [addr for addr, _ in tx.acc_seq()]
        assert signers(d, hrp) == want, tx.hash
        # the fee payer event names the fee granter when one pays, else the fee's payer,
        # else the first signer
        payer = d.fee.granter or d.fee.payer or want[0]
        assert tx.attributes("tx", "fee_payer") in ([payer], []), tx.hash


def test_signers_without_public_keys_come_from_the_messages(oracle_txs, hrp):
    """An account whose key is already on chain may omit it: the signer then comes from the
    messages' cosmos.msg.v1.signer fields (every message type of the sample chain)."""

    def strip_keys(auth):
        for si in auth.signer_infos:
            si.ClearField("public_key")

    for tx in oracle_txs:
        stripped = decode_tx(_reserialize(tx.raw, edit_auth=strip_keys))
        assert all(si.public_key_type == "" for si in stripped.signer_infos)
        want = [addr for addr, _ in tx.acc_seq()]
        assert signers(stripped, hrp) == want, tx.hash
        assert required_signers(stripped) == [bech32.decode(a)[1] for a in want], tx.hash


def test_signer_without_key_or_declared_signer_is_none(oracle_txs, hrp):
    def strip_keys(auth):
        for si in auth.signer_infos:
            si.ClearField("public_key")

    def rename(body):
        for m in body.messages:
            m.type_url = "/fakechain.v1.MsgNope"

    tx = oracle_txs[0]
    d = decode_tx(_reserialize(tx.raw, edit_body=rename, edit_auth=strip_keys))
    assert signers(d, hrp) == [None] * len(d.signer_infos)
    assert required_signers(d) is None
    # the keys alone still name the signers when the messages are unknown
    d = decode_tx(_reserialize(tx.raw, edit_body=rename))
    assert signers(d, hrp) == [addr for addr, _ in tx.acc_seq()]


def test_message_signers_read_the_signer_option(oracle_txs, registry):
    for tx in oracle_txs:
        for m, w in zip(decode_tx(tx.raw).messages, tx.rest_tx["body"]["messages"], strict=True):
            got = registry.message_signers(m.type_url, m.value)
            assert got, f"{tx.hash}: {m.type_url} declares no signer"
            # every declared signer is an address string printed in the REST message
            printed = repr(w)
            assert all(s in printed for s in got), (tx.hash, got)
            if m.type_url == "/cosmos.bank.v1beta1.MsgSend":
                assert got == [w["from_address"]]
    assert registry.message_signers("/fakechain.v1.MsgNope", b"") is None


# ---------------------------------------------------------------- damage
def _field_boundaries(raw: bytes) -> set[int]:
    """Offsets just after each complete top-level field of a TxRaw (all length-delimited)."""

    def varint(pos: int) -> tuple[int, int]:
        shift = value = 0
        while True:
            b = raw[pos]
            value |= (b & 0x7F) << shift
            pos += 1
            if not b & 0x80:
                return value, pos
            shift += 7

    out, pos = set(), 0
    while pos < len(raw):
        tag, pos = varint(pos)
        assert tag & 7 == 2, "TxRaw holds only length-delimited fields"
        length, pos = varint(pos)
        pos += length
        out.add(pos)
    return out


def _garbage() -> list[bytes]:
    rnd = random.Random(20240601)
    return [
        b"",
        b"hello world",
        b"\xff" * 10,
        b'{"body": {"messages": []}}',
        b"\x00",
        b"\x0a\xff\xff\xff\xff\x0f",  # body_bytes claiming 4 GiB
        *(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64))) for _ in range(200)),
    ]


def _assert_invalid(data: bytes, *needles: str) -> InvalidTx:
    for fn in (decode_tx, tx_json):
        with pytest.raises(InvalidTx) as info:
            fn(data)
        err = info.value
        assert isinstance(err, CorruptRecord)
        assert not isinstance(err, DecodeError)
        assert err.code == "CORRUPT_DATA"
        text = str(err)
        assert "is not a decodable Cosmos SDK tx" in text
        assert hashlib.sha256(data).hexdigest().upper() in text  # names the tx by its hash
        for needle in needles:
            assert needle in text, text
    return err


def test_garbage_raises_invalid_tx_never_a_protobuf_error():
    refused = 0
    for data in _garbage():
        try:
            decode_tx(data)
        except InvalidTx:
            refused += 1
            _assert_invalid(data)
        # bytes that happen to be a valid empty-ish TxRaw decode; tx_json must agree
        else:
            tx_json(data)
    assert refused >= 150  # random bytes are almost never a strict TxRaw
    _assert_invalid(b"", "empty tx bytes")
    _assert_invalid(b"hello world", "TxRaw")


def test_every_truncation_inside_a_field_raises_invalid_tx(oracle_txs):
    for tx in oracle_txs[:5]:
        boundaries = _field_boundaries(tx.raw)
        assert len(tx.raw) in boundaries
        for n in range(1, len(tx.raw)):
            cut = tx.raw[:n]
            if n in boundaries:  # whole fields only: still a (signature-less) TxRaw
                decode_tx(cut)
            else:
                _assert_invalid(cut, "does not parse")


def test_damaged_body_auth_info_and_unknown_envelope_fields(oracle_txs):
    raw = oracle_txs[0].raw
    tx_raw = pb.TxRaw.FromString(raw)

    bad_body = pb.TxRaw(body_bytes=b"\x0a\x03abc", auth_info_bytes=tx_raw.auth_info_bytes, signatures=tx_raw.signatures).SerializeToString()
    _assert_invalid(bad_body, "TxBody does not parse")

    bad_auth = pb.TxRaw(body_bytes=tx_raw.body_bytes, auth_info_bytes=tx_raw.auth_info_bytes[:-3], signatures=tx_raw.signatures).SerializeToString()
    _assert_invalid(bad_auth, "AuthInfo does not parse")

    # ADR-027: a TxRaw with a field it does not define is not a tx
    _assert_invalid(raw + b"\x22\x01x", "unknown field(s) [4]")
    _assert_invalid(raw + b"\x00")  # field number 0 is never valid


# ---------------------------------------------------------------- operator descriptor sets
FAKE_MSG_PROTO = """
    syntax = "proto3";
    package cosmos.msg.v1;
    import "google/protobuf/descriptor.proto";
    extend google.protobuf.MessageOptions { repeated string signer = 11110000; }
"""
FAKE_CHAIN_PROTO = """
    syntax = "proto3";
    package fakechain.v1;
    import "cosmos/msg/v1/msg.proto";
    import "google/protobuf/timestamp.proto";
    message MsgPing {
      option (cosmos.msg.v1.signer) = "sender";
      string sender = 1;
      uint64 n = 2;
      optional string note = 3;
      google.protobuf.Timestamp at = 4;
      bytes blob = 5;
      int32 small = 6;
    }
"""
FAKE_WKT_ONLY_PROTO = """
    syntax = "proto3";
    package wktonly.v1;
    import "google/protobuf/timestamp.proto";
    import "google/protobuf/duration.proto";
    message M { google.protobuf.Timestamp at = 1; google.protobuf.Duration d = 2; }
"""
FAKE_DUP_PROTO = """
    syntax = "proto3";
    package fakechain.v1;
    message MsgPing { string who = 1; }
"""
FAKE_BANK_PROTO = """
    syntax = "proto3";
    package cosmos.bank.v1beta1;
    message MsgSend { string from_address = 1; }
"""


def _protoc(root: Path, files: dict[str, str], targets: list[str], out: Path, include_imports: bool = True) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    args = [sys.executable, "-m", "grpc_tools.protoc", "-I.", f"--descriptor_set_out={out}"]
    if include_imports:
        args.append("--include_imports")
    done = subprocess.run([*args, *targets], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def fake_sets(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fakechain")
    src = {"cosmos/msg/v1/msg.proto": FAKE_MSG_PROTO, "fakechain/v1/tx.proto": FAKE_CHAIN_PROTO}
    return {
        "fake": _protoc(root, src, ["fakechain/v1/tx.proto"], root / "fake.binpb"),
        "no_imports": _protoc(root, src, ["fakechain/v1/tx.proto"], root / "noimp.binpb", include_imports=False),
        "wkt_only": _protoc(root, {"wktonly/m.proto": FAKE_WKT_ONLY_PROTO}, ["wktonly/m.proto"], root / "wkt.binpb", include_imports=False),
        "dup": _protoc(root, {"other/dup.proto": FAKE_DUP_PROTO}, ["other/dup.proto"], root / "dup.binpb"),
        "bank": _protoc(root, {"bank/tx.proto": FAKE_BANK_PROTO}, ["bank/tx.proto"], root / "bank.binpb"),
    }


def _ping(reg: DescriptorRegistry, **fields) -> bytes:
    desc = reg.find("fakechain.v1.MsgPing")
    assert desc is not None
    msg = GetMessageClass(desc)(**{k: v for k, v in fields.items() if k != "at"})
    if "at" in fields:
        msg.at.seconds, msg.at.nanos = fields["at"]
    return msg.SerializeToString()


def test_operator_descriptor_set_decodes_its_messages(fake_sets, hrp):
    reg = DescriptorRegistry([fake_sets["fake"]])
    assert reg.sources == [str(fake_sets["fake"])]
    sender = bech32.encode(hrp, bytes(range(20)))
    value = _ping(reg, sender=sender, n=2**64 - 1, blob=b"\x01\x02\xff", small=-3, at=(1_700_000_000, 5_000_000))
    assert reg.message_json("/fakechain.v1.MsgPing", value) == {
        "@type": "/fakechain.v1.MsgPing",
        "sender": sender,
        "n": "18446744073709551615",  # 64-bit integers print as strings
        "at": "2023-11-14T22:13:20.005Z",
        "blob": "AQL/",
        "small": -3,
    }  # the unset proto3 `optional` field is left out
    with_note = _ping(reg, sender=sender, note="")
    assert reg.message_json("/fakechain.v1.MsgPing", with_note) == {
        "@type": "/fakechain.v1.MsgPing",
        "sender": sender,
        "n": "0",
        "note": "",
        "at": None,
        "blob": "",
        "small": 0,
    }
    assert reg.message_signers("/fakechain.v1.MsgPing", value) == [sender]
    # the built-in registry does not know the type
    assert DescriptorRegistry().message_json("/fakechain.v1.MsgPing", value) == {
        "@type": "/fakechain.v1.MsgPing",
        "value": _b64(value),
    }
    # built-in types still decode next to the operator's
    assert reg.knows("/cosmos.bank.v1beta1.MsgSend")


def test_operator_message_in_a_real_tx(fake_sets, oracle_txs, hrp):
    """A chain message from the operator's set renders inside tx_json and names its signer."""
    reg = DescriptorRegistry([fake_sets["fake"]])
    tx = oracle_txs[0]
    alice = tx.acc_seq()[0][0]
    value = _ping(reg, sender=alice, n=7)

    def swap(body):
        del body.messages[:]
        body.messages.add(type_url="/fakechain.v1.MsgPing", value=value)

    def strip_keys(auth):
        for si in auth.signer_infos:
            si.ClearField("public_key")

    raw = _reserialize(tx.raw, edit_body=swap, edit_auth=strip_keys)
    got = reg.tx_json(raw)
    assert got["body"]["messages"] == [{"@type": "/fakechain.v1.MsgPing", "sender": alice, "n": "7", "at": None, "blob": "", "small": 0}]
    assert got["body"]["memo"] == tx.rest_tx["body"]["memo"]
    assert got["auth_info"]["signer_infos"][0]["public_key"] is None
    d = decode_tx(raw)
    assert signers(d, hrp, reg) == [alice]
    assert signers(d, hrp) == [None]  # the built-in registry cannot read MsgPing's signer


def test_operator_definitions_win_in_the_order_given(fake_sets, oracle_txs):
    bank = DescriptorRegistry([fake_sets["bank"]])
    for tx in oracle_txs:
        for m, w in zip(decode_tx(tx.raw).messages, tx.rest_tx["body"]["messages"], strict=True):
            if m.type_url == "/cosmos.bank.v1beta1.MsgSend":
                # the operator's (smaller) MsgSend replaces the built-in one
                assert bank.message_json(m.type_url, m.value) == {"@type": m.type_url, "from_address": w["from_address"]}
    first = DescriptorRegistry([fake_sets["fake"], fake_sets["dup"]]).find("fakechain.v1.MsgPing")
    second = DescriptorRegistry([fake_sets["dup"], fake_sets["fake"]]).find("fakechain.v1.MsgPing")
    assert [f.name for f in first.fields] == ["sender", "n", "note", "at", "blob", "small"]
    assert [f.name for f in second.fields] == ["who"]


def _fds_bytes(*files: bytes) -> bytes:
    """A FileDescriptorSet of raw FileDescriptorProto encodings (to write invalid UTF-8)."""
    return b"".join(b"\x0a" + bytes([len(f)]) + f for f in files)


BAD_DESCRIPTOR_FILES = {
    # file name: (content, what the error says)
    "garbage.binpb": (bytes(random.Random(5).randrange(256) for _ in range(64)), "not a FileDescriptorSet"),
    "empty.binpb": (b"", "holds no proto files"),
    "image.json": (b'{"file": [{"name": "a.proto"}]}', "looks like JSON"),
    "source.proto": (b'syntax = "proto3";\nmessage A {}\n', "not a FileDescriptorSet"),
    "unnamed.binpb": (_fds_bytes(b"\x12\x03pkg"), "holds no proto files"),
    "badname.binpb": (_fds_bytes(b"\x0a\x08\xffa.proto"), "not valid UTF-8"),
    "badimport.binpb": (_fds_bytes(b"\x0a\x07a.proto\x1a\x08\xffb.proto"), "not valid UTF-8"),
    "lonely.binpb": (_fds_bytes(b"\x0a\x07a.proto\x1a\x07b.proto"), "a.proto imports b.proto"),
}


@pytest.mark.parametrize("name", sorted(BAD_DESCRIPTOR_FILES))
def test_bad_descriptor_file_raises_naming_it(tmp_path, name):
    content, needle = BAD_DESCRIPTOR_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)
    for load in (load_descriptor_set, lambda p: DescriptorRegistry([p])):
        with pytest.raises(DescriptorSetError) as info:
            load(path)
        assert isinstance(info.value, InvalidInput)
        assert str(path) in str(info.value)
        assert needle in str(info.value)


def test_missing_unreadable_or_incomplete_descriptor_sets(tmp_path, fake_sets):
    missing = tmp_path / "nope.binpb"
    with pytest.raises(DescriptorSetError, match="cannot read") as info:
        DescriptorRegistry([fake_sets["fake"], missing])
    assert str(missing) in str(info.value)

    with pytest.raises(DescriptorSetError, match="cannot read") as info:
        DescriptorRegistry([tmp_path])
    assert str(tmp_path) in str(info.value)

    # built without --include_imports: names the missing import and how to fix it
    with pytest.raises(DescriptorSetError) as info:
        DescriptorRegistry([fake_sets["no_imports"]])
    text = str(info.value)
    assert str(fake_sets["no_imports"]) in text
    assert "imports cosmos/msg/v1/msg.proto" in text
    assert "--include_imports" in text

    # two definitions of one type in one set
    both = tmp_path / "both.binpb"
    both.write_bytes(fake_sets["fake"].read_bytes() + fake_sets["dup"].read_bytes())
    with pytest.raises(DescriptorSetError, match="fakechain.v1.MsgPing") as info:
        DescriptorRegistry([both])
    assert str(both) in str(info.value)


def test_set_without_well_known_imports_loads_in_a_fresh_process(fake_sets):
    """google/protobuf/*.proto imports a set lacks come from the protobuf runtime, whether or
    not anything imported their _pb2 modules before (a fresh `cometgraph serve` has not)."""
    path = fake_sets["wkt_only"]
    # at = Timestamp{seconds: 86400}, d = Duration{seconds: 20}
    value = (b"\x0a\x04\x08\x80\xa3\x05" + b"\x12\x02\x08\x14").hex()
    code = (
        "import json, sys\n"
        "from cometgraph.storage.codec.registry import DescriptorRegistry\n"
        "reg = DescriptorRegistry([sys.argv[1]])\n"
        "print(json.dumps(reg.message_json('/wktonly.v1.M', bytes.fromhex(sys.argv[2]))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path), value], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"@type": "/wktonly.v1.M", "at": "1970-01-02T00:00:00Z", "d": "20s"}
