"""The record codec on real bytes: every generation it reads, the ones it refuses, and damage."""

from __future__ import annotations

import base64
import shutil
from hashlib import sha256

import pytest

from cometgraph.storage import keys
from cometgraph.storage.codec import cometbft as codec
from cometgraph.storage.codec.merkle import data_hash, header_hash, merkle_root
from cometgraph.storage.errors import CorruptRecord, UnknownFormat
from cometgraph.storage.kv import LevelDB
from cometgraph.storage.proto import cometbft_pb2 as pb

TM033 = "tm033-sdk039-testblockchain"
TM032 = "tm032-nameservice"


# ---------------------------------------------------------------- merkle
def test_merkle_root_follows_rfc6962_splits():
    leaf = lambda x: sha256(b"\x00" + x).digest()  # noqa: E731
    node = lambda a, b: sha256(b"\x01" + a + b).digest()  # noqa: E731
    a, b, c = b"a", b"b", b"c"
    assert merkle_root([]) == sha256(b"").digest()
    assert merkle_root([a]) == leaf(a)
    assert merkle_root([a, b, c]) == node(node(leaf(a), leaf(b)), leaf(c))


# ---------------------------------------------------------------- damage
@pytest.mark.parametrize(
    "decode",
    [
        lambda d: codec.decode_block_meta(d, "blockstore", b"H:5"),
        lambda d: codec.decode_commit(d, "blockstore", b"H:5"),
        lambda d: codec.decode_block(d, "blockstore", b"H:5"),
        lambda d: codec.decode_validators_info(d, "blockstore", b"H:5"),
        lambda d: codec.decode_abci_responses(d, 5, "blockstore", b"H:5"),
        lambda d: codec.decode_state(d, "blockstore", b"H:5"),
    ],
)
def test_undecodable_bytes_raise_corrupt_record_naming_the_key(decode):
    with pytest.raises(CorruptRecord) as err:
        decode(b"\xff\xff\xff garbage")
    assert err.value.key == b"H:5" and err.value.db == "blockstore" and "H:5" in str(err.value)


def test_a_meta_that_parses_but_holds_no_header_is_corrupt():
    with pytest.raises(CorruptRecord, match="no header"):
        codec.decode_block_meta(pb.BlockMeta(block_size=5).SerializeToString(), "blockstore", b"H:7")


def test_a_validators_record_with_neither_set_nor_pointer_is_corrupt():
    with pytest.raises(CorruptRecord, match="pointer"):
        codec.decode_validators_info(b"", "state", b"validatorsKey:3")


# ---------------------------------------------------------------- per-record generation choices
def test_validator_pubkey_from_pub_key_bytes_in_1_0(sample_kv):
    raw = sample_kv("state").get(keys.V1.validators(1))
    m = pb.ValidatorsInfo.FromString(raw)
    v = m.validator_set.validators[0]
    assert not v.HasField("pub_key") and v.pub_key_type == "ed25519" and len(v.pub_key_bytes) == 32
    vals, _, _ = codec.decode_validators_info(raw, "state", b"validatorsKey:1")
    assert vals[0].pub_key.type == "ed25519" and vals[0].pub_key.key == v.pub_key_bytes
    assert vals[0].address == sha256(vals[0].pub_key.key).digest()[:20]


@pytest.mark.legacy
def test_validator_pubkey_from_the_pub_key_oneof_in_0_34(tm034_kv):
    raw = tm034_kv("state").get(b"validatorsKey:1")
    v = pb.ValidatorsInfo.FromString(raw).validator_set.validators[0]
    assert v.HasField("pub_key") and not v.pub_key_bytes
    vals, proposer, last_changed = codec.decode_validators_info(raw, "state", b"validatorsKey:1")
    assert vals[0].pub_key.type == "ed25519" and vals[0].pub_key.key == v.pub_key.ed25519
    assert vals[0].address == sha256(vals[0].pub_key.key).digest()[:20]
    assert proposer.address == vals[0].address and last_changed == 1


@pytest.mark.legacy
def test_finalize_block_response_is_told_from_legacy_by_app_hash(sample_kv, tm034_kv):
    modern_raw = sample_kv("state").get(b"abciResponsesKey:2")
    legacy_raw = tm034_kv("state").get(b"abciResponsesKey:2")
    assert pb.FinalizeBlockResponse.FromString(modern_raw).app_hash
    # legacy ABCIResponses bytes *parse* as FinalizeBlockResponse too; only app_hash tells them apart
    assert not pb.FinalizeBlockResponse.FromString(legacy_raw).app_hash
    modern = codec.decode_abci_responses(modern_raw, 2, "state", b"k")
    legacy = codec.decode_abci_responses(legacy_raw, 2, "state", b"k")
    assert modern.layout == "finalize_block" and len(modern.app_hash) == 32 and modern.finalize_block_events
    assert legacy.layout == "abci_responses" and legacy.app_hash == b"" and not legacy.finalize_block_events


def test_exec_result_decodes_a_real_tx_result(sample_kv, oracle):
    """The tx index's records use the same decoder: check it on one real TxResult."""
    h, tx = next((int(h), b["block"]["data"]["txs"][0]) for h, b in oracle.blocks.items() if b["block"]["data"]["txs"])
    raw_tx = base64.b64decode(tx)
    stored = pb.TxResult.FromString(sample_kv("tx_index").get(sha256(raw_tx).digest()))
    assert stored.height == h and stored.tx == raw_tx
    got = codec.decode_exec_result(stored.result)
    want = oracle.block_results[str(h)]["txs_results"][0]
    assert (got.code, str(got.gas_used), str(got.gas_wanted)) == (want["code"], want["gas_used"], want["gas_wanted"])
    assert [(e.type, [(a.key, a.value, a.index) for a in e.attributes]) for e in got.events] == [
        (e["type"], [(a["key"], a["value"], a.get("index", False)) for a in e["attributes"]]) for e in want["events"]
    ]


def test_attribute_bytes_that_are_not_utf8_stay_readable():
    m = pb.ExecTxResult(code=0)
    m.events.add(type="s").attributes.add(key="é".encode(), value=b"v", index=False)
    m.events.add(type="t").attributes.add(key=b"k", value=b"\xffok", index=True)
    first, second = codec.decode_exec_result(m).events
    assert (first.type, first.attributes[0].key, first.attributes[0].value, first.attributes[0].index) == ("s", "é", "v", False)
    assert (second.type, second.attributes[0].key, second.attributes[0].value, second.attributes[0].index) == ("t", "k", "\\xffok", True)


# ---------------------------------------------------------------- hashes on both generations
def test_header_and_data_hash_on_the_sample_chain(sample_blocks):
    for h in range(1, sample_blocks.height() + 1):
        b = sample_blocks.load_block(h)
        assert header_hash(b.header) == sample_blocks.load_block_meta(h).hash, h
        assert data_hash(b.txs) == b.header.data_hash, h


@pytest.mark.legacy
def test_header_and_data_hash_on_tm034(tm034_blocks):
    metas = list(tm034_blocks.iter_block_metas(1, tm034_blocks.height()))
    assert len(metas) == 10002
    assert all(header_hash(m.header) == m.hash for m in metas)
    for h in (1, 2, 5000, 10002):
        b = tm034_blocks.load_block(h)
        assert data_hash(b.txs) == b.header.data_hash


# ---------------------------------------------------------------- amino: 0.32/0.33 read (test_legacy_*.py), older refused by name
@pytest.mark.legacy
def test_amino_records_of_other_generations_are_refused_by_name(legacy_data, tmp_path):
    for db in ("blockstore", "state"):
        shutil.copytree(legacy_data(TM033) / f"{db}.db", tmp_path / db)
    bs, st = LevelDB(tmp_path / "blockstore"), LevelDB(tmp_path / "state")
    try:
        meta = bs.get(b"H:1")
        assert codec.decode_block_meta(meta, "blockstore", b"H:1").header.encoding == "amino-0.33"
        older = meta.replace(b"\x0a\x02\x08\x0a", b"\x0a\x02\x08\x09", 1)  # Version{block: 9}: Tendermint ≤ 0.31
        with pytest.raises(UnknownFormat, match="block protocol 9"):
            codec.decode_block_meta(older, "blockstore", b"H:1")
        vals = st.get(b"validatorsKey:1")
        multisig = vals.replace(bytes.fromhex("1624de64"), bytes.fromhex("22c1f7e2"))  # PubKeyMultisigThreshold
        with pytest.raises(UnknownFormat, match="22c1f7e2"):
            codec.decode_validators_info(multisig, "state", b"validatorsKey:1")
    finally:
        bs.close()
        st.close()
    with pytest.raises(UnknownFormat, match="JSON block store state"):
        codec.decode_block_store_state(b'{"base":"1","height":"5","extra":1}', "blockstore", b"blockStore")


def test_decoded_events_are_immutable_and_compare_by_value():
    m = pb.ExecTxResult(code=0)
    m.events.add(type="s").attributes.add(key=b"k", value=b"v", index=True)
    (ev,) = codec.decode_exec_result(m).events
    assert ev == codec.decode_exec_result(m).events[0] and hash(ev) == hash(codec.decode_exec_result(m).events[0])
    with pytest.raises(AttributeError):
        ev.attributes[0].value = "w"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        ev.type = "t"  # type: ignore[misc]


@pytest.mark.parametrize("proto", [False, True])
def test_times_print_as_go_prints_them_from_year_1_to_9999(proto):
    """Against datetime's own arithmetic: Go's zero time (year 1), before and after the epoch,
    day boundaries, the last second of year 9999; CometBFT trims every trailing zero of the
    fraction, the SDK's REST keeps 3, 6 or 9 digits."""
    import random
    from datetime import UTC, datetime, timedelta

    from cometgraph.storage.models import ProtoTime, Time

    rnd = random.Random(5)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first, last = -62135596800, 253402300799
    secs = [first, -86401, -86400, -1, 0, 1, 86399, 86400, 1733460000, last] + [rnd.randint(first, last) for _ in range(2000)]
    for s in secs:
        for n in (0, 5, 120_000_000, 123_456_789, rnd.randint(1, 999_999_999)):
            d = epoch + timedelta(seconds=s)
            frac = f"{n:09d}"
            if proto:
                frac = frac[:3] if frac[3:] == "000000" else frac[:6] if frac[6:] == "000" else frac
            else:
                frac = frac.rstrip("0")
            want = f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}" + (f".{frac}" if n else "") + "Z"
            assert (ProtoTime if proto else Time)(s, n).rfc3339() == want, (s, n)
