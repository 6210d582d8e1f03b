"""StateStore against the node's own answers (/validators, /block_results) at every height, plus legacy and damage."""

from __future__ import annotations

import base64
import json

import pytest

from cometgraph.storage.codec.merkle import consensus_hash, results_hash, validators_hash
from cometgraph.storage.errors import CorruptRecord, InvalidInput, Pruned
from cometgraph.storage.kv import LevelDB
from cometgraph.storage.models import Event, ExecResult, Validator
from cometgraph.storage.state import StateStore, increment_proposer_priority

PUBKEY_JSON_TYPE = {"ed25519": "tendermint/PubKeyEd25519", "secp256k1": "tendermint/PubKeySecp256k1"}


def validator_json(v: Validator) -> dict:
    return {
        "address": v.address.hex().upper(),
        "pub_key": {"type": PUBKEY_JSON_TYPE[v.pub_key.type], "value": base64.b64encode(v.pub_key.key).decode()},
        "voting_power": str(v.voting_power),
        "proposer_priority": str(v.proposer_priority),
    }


def events_json(events: tuple[Event, ...]) -> list:
    return [(e.type, [(a.key, a.value, a.index) for a in e.attributes]) for e in events]


def oracle_events(events: list | None) -> list:
    return [(e["type"], [(a["key"], a["value"], a.get("index", False)) for a in e["attributes"]]) for e in events or []]


def tx_result_json(r: ExecResult) -> dict:
    return {
        "code": r.code,
        "data": base64.b64encode(r.data).decode() if r.data else None,
        "log": r.log,
        "info": r.info,
        "gas_wanted": str(r.gas_wanted),
        "gas_used": str(r.gas_used),
        "events": events_json(r.events),
        "codespace": r.codespace,
    }


def oracle_tx_result(r: dict) -> dict:
    return {
        "code": r["code"],
        "data": r.get("data"),
        "log": r["log"],
        "info": r["info"],
        "gas_wanted": r["gas_wanted"],
        "gas_used": r["gas_used"],
        "events": oracle_events(r["events"]),
        "codespace": r["codespace"],
    }


def heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.validators)


# ---------------------------------------------------------------- state
def test_state_is_the_last_committed_block(sample_state, sample_blocks, oracle):
    st = sample_state.load_state()
    top = sample_blocks.height()
    assert st.last_block_height == top
    assert st.last_block_id == sample_blocks.load_block_meta(top).block_id
    assert st.chain_id == oracle.blocks["1"]["block"]["header"]["chain_id"]
    assert st.initial_height == 1 and st.version_block == 11 and st.software.startswith("1.")
    assert st.last_block_time == sample_blocks.load_block_meta(top).header.time


# ---------------------------------------------------------------- validators at every height
def test_every_validator_set_equals_the_nodes_answer(sample_state, oracle):
    for h in heights(oracle):
        vs = sample_state.load_validators(h)
        assert [validator_json(v) for v in vs.validators] == oracle.validators[str(h)]["validators"], h
        assert vs.priorities_exact


def test_the_sample_chain_changes_its_validator_set_so_priorities_are_replayed(sample_state, oracle):
    """Coverage guard: 1 → 2 → 1 validators, non-zero priorities, sets read through pointers."""
    sizes = [len(oracle.validators[str(h)]["validators"]) for h in heights(oracle)]
    assert 2 in sizes and sizes[0] == 1 and sizes[-1] == 1
    assert any(v["proposer_priority"] != "0" for h in heights(oracle) for v in oracle.validators[str(h)]["validators"])
    replayed = [h for h in heights(oracle) if sample_state.load_validators(h).stored_at != h]
    assert any(len(sample_state.load_validators(h).validators) == 2 for h in replayed)


def test_validator_sets_hash_to_the_headers(sample_state, sample_blocks):
    for h in range(1, sample_blocks.height() + 1):
        header = sample_blocks.load_block_meta(h).header
        assert validators_hash(sample_state.load_validators(h).validators) == header.validators_hash, h
        assert validators_hash(sample_state.load_validators(h + 1).validators) == header.next_validators_hash, h


def test_the_replayed_proposer_proposed_every_round_zero_block(sample_state, sample_blocks):
    """Round 0's proposer is the set's proposer; later rounds (val2 never runs) rotate on."""
    checked = 0
    for h in range(1, sample_blocks.height()):
        if sample_blocks.load_commit(h).round == 0:
            proposer = sample_state.load_validators(h).proposer
            assert proposer.address == sample_blocks.load_block_meta(h).header.proposer_address, h
            checked += 1
    assert checked > sample_blocks.height() // 2


def test_increment_proposer_priority_matches_cometbft_rules():
    """Hand-checked against types/validator_set.go: A=3, B=1, start 0/0."""
    from cometgraph.storage.models import PubKey

    a = Validator(b"\x0a", PubKey("ed25519", b"a" * 32), 3, 0)
    b = Validator(b"\x0b", PubKey("ed25519", b"b" * 32), 1, 0)
    # round 1: 3/1 → A proposes → -1/1;  round 2: 2/2 → tie, lower address A → -2/2
    # round 3: 1/3 → B → 1/-1;           round 4: 4/0 → A → 0/0
    seq = [increment_proposer_priority((a, b), n) for n in range(1, 5)]
    assert [(p.address, [v.proposer_priority for v in vals]) for vals, p in seq] == [
        (b"\x0a", [-1, 1]),
        (b"\x0a", [-2, 2]),
        (b"\x0b", [1, -1]),
        (b"\x0a", [0, 0]),
    ]
    # rescale: a spread above 2×total is divided (Go truncation toward zero), then centred on the floor average
    # (flooring -9/4 to -3 would end at [3, -2])
    wide = (Validator(b"\x0a", a.pub_key, 3, 17), Validator(b"\x0b", b.pub_key, 1, -9))
    vals, p = increment_proposer_priority(wide, 1)  # diff 26 > 8 → ratio 4 → 4/-2 → avg 1 → 3/-3 → 6/-2 → A
    assert [v.proposer_priority for v in vals] == [2, -2] and p.address == b"\x0a"
    # big.Int Div floors a negative average: -1/2 → -1 (truncating would end at [-1, 0])
    vals, _ = increment_proposer_priority((Validator(b"\x0a", a.pub_key, 3, 0), Validator(b"\x0b", b.pub_key, 1, -1)), 1)
    assert [v.proposer_priority for v in vals] == [0, 1]


def test_validators_beyond_what_the_node_wrote_are_none(sample_state):
    top = sample_state.load_state().last_block_height
    assert sample_state.load_validators(top + 2) is not None
    assert sample_state.load_validators(top + 3) is None


@pytest.mark.parametrize("bad", [0, -5, "1", None])
def test_non_heights_are_invalid_input(sample_state, bad):
    for load in (sample_state.load_validators, sample_state.load_consensus_params, sample_state.load_block_results):
        with pytest.raises(InvalidInput):
            load(bad)


# ---------------------------------------------------------------- consensus params
def test_consensus_params_equal_genesis_and_hash_to_every_header(sample_state, sample_blocks, sample_home):
    genesis = json.loads((sample_home / "config" / "genesis.json").read_text())
    assert sample_state.load_consensus_params(1).params == genesis["consensus"]["params"]
    for h in range(1, sample_blocks.height() + 1):
        params = sample_state.load_consensus_params(h)
        assert params.height == h
        assert consensus_hash(params.params) == sample_blocks.load_block_meta(h).header.consensus_hash, h
    assert sample_state.load_consensus_params(sample_blocks.height() + 2) is None


# ---------------------------------------------------------------- block results at every height
def test_every_block_results_equal_the_nodes_answer(sample_state, oracle):
    for h in sorted(int(x) for x in oracle.block_results):
        want = oracle.block_results[str(h)]
        got = sample_state.load_block_results(h)
        assert got.layout == "finalize_block" and got.height == h
        assert [tx_result_json(r) for r in got.tx_results] == [oracle_tx_result(r) for r in want["txs_results"] or []], h
        assert events_json(got.finalize_block_events) == oracle_events(want["finalize_block_events"]), h
        assert base64.b64encode(got.app_hash).decode() == want["app_hash"], h
        assert [(base64.b64encode(u.pub_key.key).decode(), str(u.power)) for u in got.validator_updates] == [
            (u["pub_key_bytes"], u.get("power", "0")) for u in want["validator_updates"] or []
        ], h
        if want["consensus_param_updates"]:
            assert got.consensus_param_updates["block"] == want["consensus_param_updates"]["block"]


def test_block_results_hash_to_the_next_header(sample_state, sample_blocks):
    for h in range(1, sample_blocks.height()):
        results = sample_state.load_block_results(h)
        assert results_hash(results.tx_results) == sample_blocks.load_block_meta(h + 1).header.last_results_hash, h
        assert results.app_hash == sample_blocks.load_block_meta(h + 1).header.app_hash, h


def test_the_sample_chain_has_failed_txs_and_validator_updates(sample_state, oracle):
    """Coverage guard for the comparisons above."""
    codes = {r["code"] for b in oracle.block_results.values() for r in b["txs_results"] or []}
    assert 0 in codes and codes - {0}
    assert any(b["validator_updates"] for b in oracle.block_results.values())


def test_block_results_beyond_the_chain_are_none(sample_state):
    assert sample_state.load_block_results(sample_state.load_state().last_block_height + 1) is None


# ---------------------------------------------------------------- damage and pruning
def test_a_garbage_validator_set_is_corrupt_at_its_own_key_and_through_pointers(damaged, sample_blocks):
    db, path = damaged("state")
    db.put(b"validatorsKey:1", b"\x0a\x05\xff\xff garbage")
    db.close()
    kv = LevelDB(path)
    try:
        store = StateStore(kv)
        with pytest.raises(CorruptRecord) as err:
            store.load_validators(1)
        assert err.value.key == b"validatorsKey:1"
        pointer_height = next(h for h in range(2, sample_blocks.height()) if store.kv.get(b"validatorsKey:%d" % h) == b"\x10\x01")
        with pytest.raises(CorruptRecord) as err:
            store.load_validators(pointer_height)  # points at height 1
        assert err.value.key == b"validatorsKey:1"
    finally:
        kv.close()


@pytest.mark.parametrize(
    "key, load",
    [
        (b"abciResponsesKey:4", lambda s: s.load_block_results(4)),
        (b"consensusParamsKey:4", lambda s: s.load_consensus_params(4)),
        (b"stateKey", lambda s: s),
    ],
)
def test_garbage_values_raise_corrupt_record_naming_the_key(damaged, key, load):
    db, path = damaged("state")
    assert db.get(key) is not None
    db.put(key, b"\x0a\xff\xff\xff\xff garbage")
    db.close()
    kv = LevelDB(path)
    try:
        with pytest.raises(CorruptRecord) as err:
            load(StateStore(kv))
        assert err.value.key == key and err.value.db == "state.db"
    finally:
        kv.close()


def test_records_missing_below_the_base_are_pruned_and_above_it_corrupt(damaged):
    db, path = damaged("state")
    for h in (2, 3):
        db.delete(b"validatorsKey:%d" % h)
        db.delete(b"consensusParamsKey:%d" % h)
        db.delete(b"abciResponsesKey:%d" % h)
    db.close()
    kv = LevelDB(path)
    try:
        pruned = StateStore(kv, base=4)
        for load in (pruned.load_validators, pruned.load_consensus_params, pruned.load_block_results):
            with pytest.raises(Pruned) as err:
                load(3)
            assert (err.value.height, err.value.base) == (3, 4)
        assert pruned.load_validators(4) is not None
        whole = StateStore(kv)  # claims to keep everything: a hole is damage
        with pytest.raises(CorruptRecord) as err:
            whole.load_validators(2)
        assert err.value.key == b"validatorsKey:2"
        assert whole.load_block_results(2) is None  # a node may discard ABCI responses
    finally:
        kv.close()


# ---------------------------------------------------------------- Tendermint 0.34 (onomy-testnet1)
@pytest.mark.legacy
def test_tm034_state_validators_params_and_results_verify_against_every_header(tm034_state, tm034_blocks):
    st = tm034_state.load_state()
    assert (st.chain_id, st.last_block_height, st.version_block, st.software) == ("onomy-testnet1", 10001, 11, "")
    for h in range(1, tm034_blocks.height() + 1):
        header = tm034_blocks.load_block_meta(h).header
        vs = tm034_state.load_validators(h)
        assert validators_hash(vs.validators) == header.validators_hash, h
        assert vs.proposer.address == header.proposer_address
        assert consensus_hash(tm034_state.load_consensus_params(h).params) == header.consensus_hash, h
        if h > 1:
            prev = tm034_state.load_block_results(h - 1)
            assert prev.layout == "abci_responses"
            assert results_hash(prev.tx_results) == header.last_results_hash, h


@pytest.mark.legacy
def test_tm034_legacy_results_keep_begin_and_end_block_events(tm034_state):
    r = tm034_state.load_block_results(1)
    assert r.layout == "abci_responses" and r.app_hash == b"" and not r.finalize_block_events
    assert r.begin_block_events and r.end_block_events
    assert r.consensus_param_updates["block"] == {"max_bytes": "22020096", "max_gas": "-1"}
    assert tm034_state.load_consensus_params(1).params["block"]["time_iota_ms"] == "1000"
    assert all(a.key and a.value is not None for e in r.begin_block_events for a in e.attributes)


def test_a_stored_set_without_its_proposer_gets_cometbft_find_proposer():
    from cometgraph.storage.models import PubKey
    from cometgraph.storage.state import find_proposer

    k = PubKey("ed25519", b"k" * 32)
    vals = (Validator(b"\x0b", k, 1, 5), Validator(b"\x0a", k, 1, 5), Validator(b"\x09", k, 9, 4))
    assert find_proposer(vals).address == b"\x0a"


def test_the_results_cache_estimate_covers_what_decoded_results_take(sample_kv, sample_blocks):
    """``--cache-mb`` bounds the record cache by estimates: a block's decoded results must not
    take more memory than the size they are kept under (tracemalloc over every block)."""
    import gc
    import tracemalloc

    from cometgraph.storage.records import RecordCache

    records = RecordCache(1 << 30)
    state = StateStore(sample_kv("state"), base=sample_blocks.base(), records=records)
    heights = list(range(sample_blocks.base(), state._top()))  # below the top: the ones kept
    gc.collect()
    tracemalloc.start()
    try:
        kept = state.load_block_results_many(heights)
        gc.collect()
        taken = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(records) == len(heights) and all(r is not None for r in kept)
    assert sum(len(e.attributes) for r in kept for t in r.tx_results for e in t.events) > 1_000  # a real sample
    assert taken <= records.size, (taken, records.size)
    assert records.size <= 2 * taken, (taken, records.size)  # and not so loose it wastes the budget
