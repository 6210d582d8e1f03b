"""StakingReader against the node's own REST answers at every recorded height of the sample
chain (validators, per-validator and per-account delegations, unbondings, redelegations,
params, pool), against its CometBFT validator sets at every height, on a copy pruned by
``injectived prune``, and on tm034's pre-0.43 key layout (SDK ~0.42, x/params params).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, UTC

import pytest

from cometgraph.storage.app import AppStore
from cometgraph.storage.app.iavl import NodeCache, decode_v1, put_bytes, put_varint
from cometgraph.storage.app.module import OneWay
from cometgraph.storage.app.staking import (
    Delegation,
    Redelegation,
    StakingReader,
    StakingValidator,
    UnbondingDelegation,
    dec_text,
    tokens_from_shares,
)
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import CorruptRecord, InvalidInput, NotFound, Pruned
from cometgraph.storage.kv import LevelDB
from cometgraph.storage.models import Time
from cometgraph.storage.prefixes import Prefixes
from tests.storage.test_appstore import pruned  # noqa: F401  (the copy pruned by injectived itself)

STATUSES = ("BOND_STATUS_BONDED", "BOND_STATUS_UNBONDING", "BOND_STATUS_UNBONDED")


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def staking(sample_kv, prefixes) -> StakingReader:
    return StakingReader(AppStore(sample_kv("application")), prefixes)


def heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.rest)


def raw(addr: str) -> bytes:
    return bech32.decode(addr)[1]


def accounts(oracle) -> list[str]:
    return [a["address"] for a in oracle.workload["accounts"].values()]


def valopers(oracle) -> list[str]:
    return [a["valoper"] for a in oracle.workload["accounts"].values() if "valoper" in a]


# ---------------------------------------------------------------- REST shapes of our records
def rest_time(text: str) -> Time:
    """gogo jsonpb RFC 3339 (UTC, 0/3/6/9 fraction digits) → Time."""
    base, _, frac = text.removesuffix("Z").partition(".")
    dt = datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    seconds = int((dt - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    return Time(seconds, int(frac.ljust(9, "0")) if frac else 0)


def validator_json(v: StakingValidator) -> dict:
    return {
        "operator_address": v.operator_address,
        "consensus_pubkey": {"@type": v.consensus_pubkey_type, "key": base64.b64encode(v.consensus_pubkey).decode()},
        "jailed": v.jailed,
        "status": v.status,
        "tokens": str(v.tokens),
        "delegator_shares": v.delegator_shares,
        "description": {
            "moniker": v.moniker,
            "identity": v.identity,
            "website": v.website,
            "security_contact": v.security_contact,
            "details": v.details,
        },
        "unbonding_height": str(v.unbonding_height),
        "unbonding_time": v.unbonding_time,
        "commission": {
            "commission_rates": {
                "rate": v.commission_rate,
                "max_rate": v.commission_max_rate,
                "max_change_rate": v.commission_max_change_rate,
            },
            "update_time": v.commission_update_time,
        },
        "min_self_delegation": str(v.min_self_delegation),
        "unbonding_on_hold_ref_count": str(v.unbonding_on_hold_ref_count),
        "unbonding_ids": [str(i) for i in v.unbonding_ids],
    }


def rest_validator(answer: dict) -> dict:
    """The REST validator with its times parsed (our records keep Time, not text)."""
    out = {**answer, "commission": {**answer["commission"]}}
    out["unbonding_time"] = rest_time(answer["unbonding_time"])
    out["commission"]["update_time"] = rest_time(answer["commission"]["update_time"])
    return out


def delegation_json(d: Delegation) -> dict:
    return {
        "delegation": {"delegator_address": d.delegator_address, "validator_address": d.validator_address, "shares": d.shares},
        "balance": {"denom": d.balance.denom, "amount": d.balance.amount},
    }


def unbonding_json(u: UnbondingDelegation) -> dict:
    return {
        "delegator_address": u.delegator_address,
        "validator_address": u.validator_address,
        "entries": [
            {
                "creation_height": str(e.creation_height),
                "completion_time": e.completion_time,
                "initial_balance": str(e.initial_balance),
                "balance": str(e.balance),
                "unbonding_id": str(e.unbonding_id),
                "unbonding_on_hold_ref_count": str(e.unbonding_on_hold_ref_count),
            }
            for e in u.entries
        ],
    }


def rest_unbonding(answer: dict) -> dict:
    return {**answer, "entries": [{**e, "completion_time": rest_time(e["completion_time"])} for e in answer["entries"]]}


def redelegation_json(r: Redelegation) -> dict:
    return {
        "redelegation": {
            "delegator_address": r.delegator_address,
            "validator_src_address": r.validator_src_address,
            "validator_dst_address": r.validator_dst_address,
        },
        "entries": [
            {
                "creation_height": e.creation_height,
                "completion_time": e.completion_time,
                "initial_balance": str(e.initial_balance),
                "shares_dst": e.shares_dst,
                "unbonding_id": e.unbonding_id,
                "unbonding_on_hold_ref_count": e.unbonding_on_hold_ref_count,
                "balance": str(e.balance),
            }
            for e in r.entries
        ],
    }


def rest_redelegation(answer: dict) -> dict:
    """This REST answer prints the entry's int64s as numbers, omits zero fields and nulls
    ``redelegation.entries`` (the entries are the response's own ``entries``)."""
    red = dict(answer["redelegation"])
    assert red.pop("entries") is None
    entries = []
    for e in answer["entries"]:
        inner = e["redelegation_entry"]
        entries.append(
            {
                "creation_height": int(inner["creation_height"]),
                "completion_time": rest_time(inner["completion_time"]),
                "initial_balance": inner["initial_balance"],
                "shares_dst": inner["shares_dst"],
                "unbonding_id": int(inner.get("unbonding_id", 0)),
                "unbonding_on_hold_ref_count": int(inner.get("unbonding_on_hold_ref_count", 0)),
                "balance": e["balance"],
            }
        )
    return {"redelegation": red, "entries": entries}


# ---------------------------------------------------------------- validators
def test_validators_equal_rest_at_every_recorded_height(staking, oracle):
    for h in heights(oracle):
        got = staking.validators(h)
        want = oracle.rest[str(h)]["validators"]["validators"]
        assert [validator_json(v) for v in got] == [rest_validator(w) for w in want], h
        for status in STATUSES:
            assert [v.operator_address for v in staking.validators(h, status=status)] == [w["operator_address"] for w in want if w["status"] == status], (
                h,
                status,
            )


def test_a_validator_record_is_decoded_once_per_distinct_bytes(sample_kv, prefixes, oracle, monkeypatch):
    app = AppStore(sample_kv("application"))
    reader = StakingReader(app, prefixes)
    decodes = []
    real = reader._decode_validator
    monkeypatch.setattr(reader, "_decode_validator", lambda raw, key: decodes.append((key, raw)) or real(raw, key))
    uncached = StakingReader(AppStore(sample_kv("application"), NodeCache(0)), prefixes)
    distinct = set()
    for h in heights(oracle):
        got = reader.validators(h)
        assert got == uncached.validators(h), h
        assert [a is b for a, b in zip(got, reader.validators(h), strict=True)] == [True] * len(got), h
        distinct |= {(k, v) for k, v in app.tree("staking", h).iterate_prefix(b"\x21")}
    assert sorted(decodes) == sorted(distinct)
    assert len(distinct) < sum(len(oracle.rest[str(h)]["validators"]["validators"]) for h in heights(oracle))


def test_validator_by_operator_equals_rest(staking, oracle):
    seen = {"found": 0, "absent": 0}
    for h in heights(oracle):
        for valoper in valopers(oracle):
            answer = oracle.rest[str(h)]["validator"][valoper]
            got = staking.validator(raw(valoper), h)
            if "code" in answer:  # val2 before create_validator: the node answers NotFound (5)
                assert answer["code"] == 5 and got is None, (h, valoper)
                seen["absent"] += 1
            else:
                assert validator_json(got) == rest_validator(answer["validator"]), (h, valoper)
                seen["found"] += 1
    assert seen["found"] and seen["absent"]
    assert staking.validator(b"\x01" * 20, heights(oracle)[-1]) is None


def test_consensus_addresses_follow_the_node_validator_sets(staking, oracle, prefixes):
    """Every validator of every CometBFT set (1..latest) maps through index 0x22 to the staking
    validator holding that consensus key; the REST's validatorsets at the recorded heights too."""
    latest = oracle.workload["latest_height"]
    for h in range(1, latest + 1):
        vals = oracle.validators[str(h)]["validators"]
        addrs = [bytes.fromhex(v["address"]) for v in vals]
        got = staking.validators_by_consensus(addrs + [b"\x02" * 20], h)
        assert got[-1] is None
        for v, sv in zip(vals, got):
            assert sv is not None, (h, v["address"])
            assert (sv.consensus_pubkey_type, base64.b64encode(sv.consensus_pubkey).decode()) == ("/cosmos.crypto.ed25519.PubKey", v["pub_key"]["value"]), h
            assert sv.consensus_address.hex().upper() == v["address"]
    for h in heights(oracle):
        sets = oracle.rest[str(h)]["validatorsets"]["validators"]
        got = staking.validators_by_consensus([raw(v["address"]) for v in sets], h)
        for v, sv in zip(sets, got):
            assert bech32.encode(prefixes.valcons, sv.consensus_address) == v["address"]
            assert base64.b64encode(sv.consensus_pubkey).decode() == v["pub_key"]["key"]


class CountingKV:
    """The real KV, counting calls (a seam, not a mock: every read still hits LevelDB)."""

    def __init__(self, kv) -> None:
        self.kv = kv
        self.name = kv.name
        self.calls: list[int] = []

    def get(self, key):
        self.calls.append(1)
        return self.kv.get(key)

    def get_many(self, keys):
        self.calls.append(len(keys))
        return self.kv.get_many(keys)

    def iterate(self, *args, **kwargs):
        return self.kv.iterate(*args, **kwargs)


def test_validators_by_consensus_batches_each_level(staking, oracle, prefixes):
    h = heights(oracle)[-1]
    addrs = [v.consensus_address for v in staking.validators(h)]
    assert len(addrs) >= 2
    kv = CountingKV(staking.app.kv)
    reader = StakingReader(AppStore(kv), prefixes)  # fresh node cache: every node is read
    levels = reader.app.tree("staking", h).height
    kv.calls.clear()
    got = reader.validators_by_consensus(addrs, h)
    assert [v.consensus_address for v in got] == addrs
    # tree open, the layout probe (one path), then two batched walks (index, validators);
    # the validators' path shares the index's top nodes, already cached
    assert len(kv.calls) <= 1 + 3 * levels, kv.calls
    kv.calls.clear()
    reader.validators_by_consensus(addrs, h)
    assert len(kv.calls) <= 1 + 2 * levels  # second time: only leaves are read again at most


def test_a_remembered_operator_answers_only_where_its_record_holds_that_consensus_key(sample_kv, oracle, prefixes):
    """Every consensus address the chain ever had, asked at every height (before a validator
    existed too), newest height first so the reader remembers operators it then meets before
    their validators were created: the same answers as a reader that remembers nothing
    (a cache of 0 bytes keeps no guess) and so walks the index every time."""
    kv = sample_kv("application")
    latest = oracle.workload["latest_height"]
    every = sorted({bytes.fromhex(v["address"]) for h in range(1, latest + 1) for v in oracle.validators[str(h)]["validators"]})
    assert len(every) >= 2
    asked = every + [b"\x02" * 20]
    hinted = StakingReader(AppStore(kv, NodeCache(8 << 20)), prefixes)
    plain = StakingReader(AppStore(kv, NodeCache(0)), prefixes)
    absent = 0
    for h in range(latest, 0, -1):
        want = plain.validators_by_consensus(asked, h)
        assert hinted.validators_by_consensus(asked, h) == want, h
        absent += want.count(None)
    assert plain.app.hint("staking.operator_by_cons", every[0]) is None
    assert hinted.app.hint("staking.operator_by_cons", every[0]) is not None
    assert absent > latest  # the unknown address at each height, and validators not created yet


def test_a_wrong_remembered_operator_is_not_trusted(sample_kv, oracle, prefixes):
    h = heights(oracle)[-1]
    reader = StakingReader(AppStore(sample_kv("application"), NodeCache(8 << 20)), prefixes)
    vals = reader.validators(h)
    assert len(vals) >= 2
    a, b = vals[0], vals[1]
    reader.app.remember("staking.operator_by_cons", a.consensus_address, raw(b.operator_address))  # another validator
    reader.app.remember("staking.operator_by_cons", b.consensus_address, b"\x07" * 20)  # no validator at all
    assert reader.validators_by_consensus([a.consensus_address, b.consensus_address], h) == [a, b]
    # the walk put the true operators back
    assert reader.app.hint("staking.operator_by_cons", a.consensus_address) == raw(a.operator_address)
    assert reader.app.hint("staking.operator_by_cons", b.consensus_address) == raw(b.operator_address)


def test_remembered_operators_skip_the_index_walk(sample_kv, oracle, prefixes):
    """A validator set whose operators are known reads the validators' paths only (one batched
    read a level); forgotten operators cost the index's paths first. No node is cached
    for either (only the root), so each read shows in the counts."""
    hs = heights(oracle)
    first, other = hs[-1], hs[0]
    addrs = [v.consensus_address for v in StakingReader(AppStore(sample_kv("application")), prefixes).validators(other)]
    read = {}
    for forget in (False, True):
        kv = CountingKV(sample_kv("application"))
        reader = StakingReader(AppStore(kv, NodeCache(8 << 20)), prefixes)
        reader.validators_by_consensus(addrs, first)
        reader.app.tree("staking", other)
        reader.app.cache.clear()  # the nodes, not the records' share (decoded records, remembered operators)
        if forget:
            reader.app.cache.records.clear()
        kv.calls.clear()
        got = reader.validators_by_consensus(addrs, other)
        assert [v.consensus_address for v in got] == addrs
        read[forget] = (len(kv.calls), sum(kv.calls))
    levels = StakingReader(AppStore(sample_kv("application")), prefixes).app.tree("staking", other).height
    assert read[False][0] <= levels < read[True][0], read
    assert read[False][1] < read[True][1], read


# ---------------------------------------------------------------- delegations
def test_account_delegations_equal_rest(staking, oracle):
    nonempty = 0
    for h in heights(oracle):
        for addr in accounts(oracle):
            want = oracle.rest[str(h)]["delegations"][addr]["delegation_responses"]
            got = staking.delegations(raw(addr), h)
            assert [delegation_json(d) for d in got] == want, (h, addr)
            nonempty += bool(want)
    assert nonempty


def test_validator_delegations_equal_rest(staking, oracle):
    for h in heights(oracle):
        for valoper in valopers(oracle):
            want = oracle.rest[str(h)]["validator_delegations"][valoper]["delegation_responses"]
            assert [delegation_json(d) for d in staking.validator_delegations(raw(valoper), h)] == want, (h, valoper)


def test_slashed_validator_balances_are_truncated_exchange_rates(staking, oracle):
    """After val2's downtime slash its shares are worth less than their face: the REST's
    balances are TokensFromShares truncated, not shares truncated."""
    h = heights(oracle)[-1]
    val2 = oracle.workload["accounts"]["val2"]["valoper"]
    v = staking.validator(raw(val2), h)
    assert v.tokens != int(v.delegator_shares.split(".")[0])
    dels = staking.validator_delegations(raw(val2), h)
    assert any(d.balance.amount != d.shares.split(".")[0] for d in dels)


def test_tokens_from_shares_rounds_like_legacy_dec():
    # Quo rounds half to even at 18 decimals before TruncateInt: 1.9999…9 × 1 / 2 = 0.99…95 → 1.0 → 1
    assert tokens_from_shares(2 * 10**18 - 1, 1, 2 * 10**18) == 1
    # 1.9999…7 × 1 / 2 = 0.99…985: the 18th digit (8) is even, the half stays down → 0
    assert tokens_from_shares(2 * 10**18 - 3, 1, 2 * 10**18) == 0
    assert tokens_from_shares(10**18, 5, 0) == 0  # no shares at all: the node's query fails
    assert dec_text(5) == "0.000000000000000005"
    assert dec_text(-15 * 10**17) == "-1.500000000000000000"
    assert dec_text(0) == "0.000000000000000000"


# ---------------------------------------------------------------- unbonding, redelegations
def test_account_unbondings_equal_rest(staking, oracle):
    seen = set()
    for h in heights(oracle):
        for addr in accounts(oracle):
            want = oracle.rest[str(h)]["unbonding"][addr]["unbonding_responses"]
            got = staking.unbonding_delegations(raw(addr), h)
            assert [unbonding_json(u) for u in got] == [rest_unbonding(w) for w in want], (h, addr)
            seen.update(e.unbonding_id for u in got for e in u.entries)
    assert len(seen) >= 2  # the matured one (alice) and the pending one (bob)


def test_validator_unbondings_equal_rest(staking, oracle):
    for h in heights(oracle):
        for valoper in valopers(oracle):
            want = oracle.rest[str(h)]["validator_unbonding_delegations"][valoper]["unbonding_responses"]
            got = staking.validator_unbonding_delegations(raw(valoper), h)
            assert [unbonding_json(u) for u in got] == [rest_unbonding(w) for w in want], (h, valoper)


def test_redelegations_equal_rest(staking, oracle):
    nonempty = 0
    for h in heights(oracle):
        for addr in accounts(oracle):
            want = oracle.rest[str(h)]["redelegations"][addr]["redelegation_responses"]
            got = staking.redelegations(raw(addr), h)
            assert [redelegation_json(r) for r in got] == [rest_redelegation(w) for w in want], (h, addr)
            nonempty += bool(want)
    assert nonempty


def test_unknown_addresses_give_nothing(staking, oracle):
    h = heights(oracle)[-1]
    nobody = b"\x04" * 20
    assert staking.validator(nobody, h) is None
    assert staking.validators_by_consensus([nobody], h) == [None]
    for call in (
        staking.delegations,
        staking.validator_delegations,
        staking.unbonding_delegations,
        staking.validator_unbonding_delegations,
        staking.redelegations,
    ):
        assert call(nobody, h) == []


# ---------------------------------------------------------------- params, pool
def test_params_and_pool_equal_rest(staking, oracle):
    for h in heights(oracle):
        rest = oracle.rest[str(h)]
        assert staking.params(h) == rest["staking_params"]["params"], h
        pool = staking.pool(h)
        assert {"not_bonded_tokens": str(pool.not_bonded_tokens), "bonded_tokens": str(pool.bonded_tokens)} == rest["staking_pool"]["pool"], h


# ---------------------------------------------------------------- errors
def test_bad_versions_and_inputs(staking, oracle):
    top = staking.app.latest_version()
    with pytest.raises(NotFound) as e:
        staking.validators(top + 1)
    assert not isinstance(e.value, Pruned)
    for bad in (0, -1, None):
        with pytest.raises(InvalidInput):
            staking.validator(b"\x01" * 20, bad)
    with pytest.raises(InvalidInput):
        staking.validators(top, status="BONDED")


def test_pruned_versions_raise_pruned(pruned, prefixes, oracle):  # noqa: F811
    app, first_kept = pruned
    reader = StakingReader(app, prefixes)
    val = raw(valopers(oracle)[0])
    alice = raw(oracle.workload["accounts"]["alice"]["address"])
    below = [h for h in heights(oracle) if h < first_kept]
    kept = [h for h in heights(oracle) if h >= first_kept]
    assert below and kept
    for h in below:
        for call in (
            lambda: reader.validators(h),
            lambda: reader.validator(val, h),
            lambda: reader.delegations(alice, h),
            lambda: reader.validator_delegations(val, h),
            lambda: reader.redelegations(alice, h),
            lambda: reader.params(h),
            lambda: reader.pool(h),
        ):
            with pytest.raises(Pruned) as e:
                call()
            assert e.value.base == first_kept and e.value.height == h
    for h in kept:  # the kept versions still answer as the node did
        assert [validator_json(v) for v in reader.validators(h)] == [rest_validator(w) for w in oracle.rest[str(h)]["validators"]["validators"]]
        assert [delegation_json(d) for d in reader.delegations(alice, h)] == oracle.rest[str(h)]["delegations"][
            oracle.workload["accounts"]["alice"]["address"]
        ]["delegation_responses"]


def test_corrupt_validator_raises(damaged, prefixes, oracle):
    """A validator record whose bytes are not a Validator raises CorruptRecord naming the key."""
    db, path = damaged("application")
    # find the leaf holding the first validator at version h and overwrite its value
    prefix = b"s/k:staking/"
    target = None
    for key, value in db.iterator(prefix=prefix + b"s"):
        node = decode_v1(key[len(prefix) :], value)
        if node.is_leaf and node.key[:1] == b"\x21":
            target = (key, node)
    assert target is not None
    key, node = target
    db.put(key, put_varint(0) + put_varint(1) + put_bytes(node.key) + put_bytes(b"\xff\xff\xff"))
    db.close()
    kv = LevelDB(path)
    try:
        reader = StakingReader(AppStore(kv), prefixes)
        version = int.from_bytes(key[len(prefix) + 1 : len(prefix) + 9], "big")
        with pytest.raises(CorruptRecord) as e:
            reader.validator(node.key[2:], max(version, 1))
        assert b"\x21" in e.value.key
    finally:
        kv.close()


# ---------------------------------------------------------------- tm034: SDK ~0.42 (no length bytes in keys)
@pytest.mark.legacy
def test_legacy_layout_tm034(tm034_kv, tm034_state):
    app = AppStore(tm034_kv("application"))
    v = app.latest_version()
    hrp = "onomy"
    reader = StakingReader(app, Prefixes.from_account(hrp))
    vals = reader.validators(v)
    assert vals and all(x.operator_address.startswith(hrp + "valoper1") for x in vals)
    # every validator of the node's own set at v maps to its staking record by consensus key
    vset = tm034_state.load_validators(v)
    got = reader.validators_by_consensus([x.address for x in vset.validators], v)
    for cv, sv in zip(vset.validators, got):
        assert sv is not None and sv.consensus_pubkey == cv.pub_key.key and sv.consensus_address == cv.address
    # params from the x/params store, in the REST's 0.50 shape
    params = reader.params(v)
    assert set(params) == {"unbonding_time", "max_validators", "max_entries", "historical_entries", "bond_denom", "min_commission_rate"}
    stored = app.tree("params", v)
    assert params["bond_denom"] == json.loads(stored.get(b"staking/BondDenom"))
    assert params["unbonding_time"] == f"{int(json.loads(stored.get(b'staking/UnbondingTime'))) // 10**9}s"
    assert params["max_validators"] == json.loads(stored.get(b"staking/MaxValidators"))
    # the delegations add up to each validator's shares; the bonded pool holds the bonded tokens
    for sv in vals:
        op = bech32.decode(sv.operator_address)[1]
        dels = reader.validator_delegations(op, v)
        assert sum(int(d.shares.replace(".", "")) for d in dels) == int(sv.delegator_shares.replace(".", ""))
        for d in dels:
            assert d.balance.denom == params["bond_denom"]
            assert reader.delegations(bech32.decode(d.delegator_address)[1], v)
    pool = reader.pool(v)  # ≤ 0.42 bank layout: "balances" + address + denom → Coin
    assert pool.bonded_tokens == sum(x.tokens for x in vals if x.status == "BOND_STATUS_BONDED") > 0


# ---------------------------------------------------------------- the key layout, told once per chain
def test_a_one_way_fact_tells_later_versions_once_seen_and_earlier_ones_once_absent():
    fact = OneWay()
    assert fact.known(7) is None
    fact.learn(10, True)
    assert [fact.known(v) for v in (9, 10, 11, 10**9)] == [None, True, True, True]
    fact.learn(4, False)
    assert [fact.known(v) for v in (1, 4, 5, 9, 10)] == [False, False, None, None, True]
    fact.learn(12, True)  # a later sighting moves nothing
    fact.learn(2, False)
    assert (fact.since, fact.before) == (10, 4)
    fact.learn(6, True)
    fact.learn(5, False)
    assert (fact.since, fact.before) == (6, 5)


def test_the_key_layout_is_probed_at_both_ends_only_for_every_version_read(sample_kv, prefixes, oracle):
    reader = StakingReader(AppStore(sample_kv("application")), prefixes)
    probes = []
    probe = reader._probe
    reader._probe = lambda tree: probes.append(tree.version) or probe(tree)  # type: ignore[method-assign]
    hs = heights(oracle)
    for h in reversed(hs):
        want = oracle.rest[str(h)]["validators"]["validators"]
        assert want and [validator_json(v) for v in reader.validators(h)] == [rest_validator(w) for w in want]
    assert probes == [hs[-1], reader.app.earliest_version()]


@pytest.mark.legacy
def test_the_pre_043_layout_seen_at_the_latest_version_holds_below_it_tm034(tm034_kv, tm034_state):
    app = AppStore(tm034_kv("application"))
    latest = app.latest_version()
    reader = StakingReader(app, Prefixes.from_account("onomy"))
    probes = []
    probe = reader._probe
    reader._probe = lambda tree: probes.append(probe(tree)) or probes[-1]  # type: ignore[method-assign]
    for v in (latest, latest - 1, app.earliest_version()):
        vset = tm034_state.load_validators(v)
        got = reader.validators_by_consensus([x.address for x in vset.validators], v)
        assert all(sv is not None and sv.consensus_address == cv.address for cv, sv in zip(vset.validators, got))
    assert probes == [False]  # no length bytes at the latest version: none below it either
    assert not app.is_amino(latest)
