"""DistributionReader against the node's own REST answers at every recorded height of the
sample chain (pending rewards per delegation and in total, validator commission and
outstanding rewards, community pool), its genesis params and its withdraw transfers, on a
copy pruned by ``injectived prune``, and on tm034's pre-0.43 key layout; the LegacyDec
helpers against hand-checked values.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cometgraph.storage.app import AppStore
from cometgraph.storage.app.distribution import (
    DecCoin,
    DelegationReward,
    DistributionReader,
    _Layout,
    _Start,
)
from cometgraph.storage.app.legacydec import (
    chop_round,
    chop_truncate,
    dec_mul,
    dec_mul_truncate,
    dec_quo,
    dec_quo_truncate,
    dec_text,
    tokens_from_shares_dec,
)
from cometgraph.storage.app.legacydec import coins_add as _coins_add
from cometgraph.storage.app.legacydec import coins_mul_dec_truncate as _coins_mul_dec_truncate
from cometgraph.storage.app.legacydec import coins_quo_dec_truncate as _coins_quo_dec_truncate
from cometgraph.storage.app.legacydec import coins_sub as _coins_sub
from cometgraph.storage.app.staking import StakingReader
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import CorruptRecord, InvalidInput, NotFound, Pruned
from cometgraph.storage.prefixes import Prefixes
from tests.storage.test_appstore import pruned  # noqa: F401  (the copy pruned by injectived itself)

E18 = 10**18


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def distribution(app, prefixes) -> DistributionReader:
    return DistributionReader(app, prefixes, StakingReader(app, prefixes))


def heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.rest)


def raw(addr: str) -> bytes:
    return bech32.decode(addr)[1]


def coins_json(coins) -> list[dict]:
    return [{"denom": c.denom, "amount": c.amount} for c in coins]


def rewards_json(answer: tuple[list[DelegationReward], list[DecCoin]]) -> dict:
    rewards, total = answer
    return {
        "rewards": [{"validator_address": r.validator_address, "reward": coins_json(r.reward)} for r in rewards],
        "total": coins_json(total),
    }


# ---------------------------------------------------------------- rewards
def test_rewards_equal_rest_at_every_recorded_height(distribution, oracle):
    seen = {"with_rewards": 0, "empty_reward": 0, "no_delegation": 0, "fraction": 0}
    for h in heights(oracle):
        answers = oracle.rest[str(h)]["rewards"]
        assert set(answers) == {a["address"] for a in oracle.workload["accounts"].values()}
        for addr, want in answers.items():
            got = rewards_json(distribution.rewards(raw(addr), h))
            assert got == want, (h, addr)
            for r in want["rewards"]:
                if r["reward"]:
                    seen["with_rewards"] += 1
                    seen["fraction"] += any(not c["amount"].endswith(".000000000000000000") for c in r["reward"])
                else:
                    seen["empty_reward"] += 1  # a delegation started at h, or nothing accrued since
            seen["no_delegation"] += not want["rewards"]
    assert all(seen.values()), seen


def test_slash_events_enter_the_recorded_rewards(app, distribution, oracle):
    """val2's downtime slash left a slash event; a recorded height after it has pending rewards
    on val2 from a delegation that started before it (the slash branch of the calculation)."""
    latest = oracle.workload["latest_height"]
    val2 = oracle.workload["accounts"]["val2"]["valoper"]
    events = [k for k, _ in app.tree("distribution", latest).iterate_prefix(b"\x08" + bytes([20]) + raw(val2))]
    assert events
    slash_height = int.from_bytes(events[0][22:30], "big")
    after = [h for h in heights(oracle) if h >= slash_height]
    assert after
    tree_at = {h: app.tree("distribution", h) for h in after}
    crossed = 0
    for h in after:
        for addr, want in oracle.rest[str(h)]["rewards"].items():
            for r in want["rewards"]:
                if r["validator_address"] != val2 or not r["reward"]:
                    continue
                info = tree_at[h].get(b"\x04" + bytes([20]) + raw(val2) + bytes([20]) + raw(addr))
                assert info is not None
                start_height = distribution._decode("DelegatorStartingInfo", info, b"").height
                crossed += start_height < slash_height
    assert crossed


def test_rewards_of_unknown_and_odd_delegators(distribution, oracle):
    latest = oracle.workload["latest_height"]
    assert distribution.rewards(b"\x01" * 20, latest) == ([], [])
    assert distribution.rewards(b"\x02" * 32, latest) == ([], [])
    for bad in (b"", "inj1...", None):
        with pytest.raises(InvalidInput):
            distribution.rewards(bad, latest)
    with pytest.raises(NotFound) as e:
        distribution.rewards(b"\x01" * 20, latest + 1)
    assert not isinstance(e.value, Pruned)
    with pytest.raises(InvalidInput):
        distribution.rewards(b"\x01" * 20, 0)


def test_rewards_compute_at_every_height(distribution, oracle):
    """The node answered its rewards query at every height (it never panics on its own state):
    so must we, from 1 to latest, including the slash's own height (a slash at the queried
    height counts; without it the recomputed stake would exceed the delegation's)."""
    accounts = [a["address"] for a in oracle.workload["accounts"].values()]
    for h in range(1, oracle.workload["latest_height"] + 1):
        for addr in accounts:
            rewards, total = distribution.rewards(raw(addr), h)
            summed: dict[str, int] = {}
            for r in rewards:
                for c in r.reward:
                    summed[c.denom] = summed.get(c.denom, 0) + int(c.amount.replace(".", ""))
            assert {c.denom: int(c.amount.replace(".", "")) for c in total} == {d: a for d, a in summed.items() if a}, (h, addr)


class _EmptyTree:
    """No stored records (the ratios are handed in): only the slash-event scan reads it."""

    def iterate(self, start=None, end=None, reverse=False):
        return iter(())

    def get(self, key):
        return None


def test_final_stake_margin_and_falling_ratio(distribution, oracle):
    """The keeper's sanity checks: a recomputed stake up to 3×10^-18 above the delegation's
    current stake is clamped to it, more is a panic (CorruptRecord); so is a cumulative ratio
    that falls (a negative reward never appears)."""
    latest = oracle.workload["latest_height"]
    val = raw(oracle.workload["accounts"]["validator"]["valoper"])
    # 10 shares of 1000 on 999 tokens: the current stake is 9.99 tokens
    v = replace(distribution.staking.validator(val, latest), tokens=999, delegator_shares=dec_text(1000 * E18))
    current = 999 * 10**16

    def calc(stake: int, ratios: dict, current_rewards: dict | None = None) -> dict:
        return distribution._delegation_rewards(
            _EmptyTree(),
            _Layout(True),
            val,
            v,
            dec_text(10 * E18),
            _Start(3, stake, 1),
            current_rewards or {},
            5,
            dict(ratios),
            latest,
        )

    ratios = {(val, 3): {"inj": E18}, (val, 4): {"inj": 3 * E18}}  # +2 per token between periods 3 and 4
    assert calc(current, ratios) == {"inj": 2 * current}
    assert calc(current + 3, ratios) == {"inj": 2 * current}  # clamped
    assert calc(current - 1, ratios) == {"inj": 2 * (current - 1)}  # below: kept
    with pytest.raises(CorruptRecord):
        calc(current + 4, ratios)
    # the running period's rewards ÷ tokens (truncated) join the ending ratio: 999 inj / 999 tokens = +1 per token
    assert calc(current, ratios, {"inj": 999 * E18}) == {"inj": 3 * current}
    with pytest.raises(CorruptRecord):
        calc(current, {(val, 3): {"inj": 3 * E18}, (val, 4): {"inj": E18}})


# ---------------------------------------------------------------- per validator, chain-wide
def test_commission_and_outstanding_equal_rest(distribution, oracle):
    seen = {"found": 0, "absent": 0}
    for h in heights(oracle):
        rest = oracle.rest[str(h)]
        for valoper, want in rest["validator_commission"].items():
            got = distribution.validator_commission(raw(valoper), h)
            out = distribution.outstanding_rewards(raw(valoper), h)
            want_out = rest["validator_outstanding_rewards"][valoper]
            if "code" in want:  # val2 before create_validator: "validator does not exist"
                assert "code" in want_out and got is None and out is None, (h, valoper)
                seen["absent"] += 1
                continue
            assert coins_json(got) == want["commission"]["commission"], (h, valoper)
            assert coins_json(out) == want_out["rewards"]["rewards"], (h, valoper)
            seen["found"] += 1
    assert seen["found"] and seen["absent"]
    assert distribution.validator_commission(b"\x03" * 20, heights(oracle)[-1]) is None


def test_community_pool_equals_rest(distribution, oracle):
    for h in heights(oracle):
        assert coins_json(distribution.community_pool(h)) == oracle.rest[str(h)]["community_pool"]["pool"], h


def test_params_equal_genesis(distribution, sample_home, oracle):
    """No governance ran on the sample chain: the params are the genesis ones, as the REST prints them."""
    genesis = json.loads((sample_home / "config" / "genesis.json").read_text())
    want = genesis["app_state"]["distribution"]["params"]
    for h in heights(oracle):
        assert distribution.params(h) == want, h


def test_withdraw_address_is_the_rewards_recipient(distribution, oracle):
    """Nobody set a withdraw address: each withdraw tx paid the delegator itself (its transfer event)."""
    for name in ("withdraw_rewards", "withdraw_all_rewards", "withdraw_commission"):
        tx = oracle.workload["notable_txs"][name]
        events = oracle.rest_txs[tx["hash"]]["tx_response"]["events"]
        withdrawn = [e for e in events if e["type"] == "withdraw_rewards"]
        assert withdrawn
        for e in withdrawn:
            attrs = {a["key"]: a["value"] for a in e["attributes"]}
            delegator = attrs["delegator"]
            paid = [
                {a["key"]: a["value"] for a in t["attributes"]}
                for t in events
                if t["type"] == "transfer" and {"key": "msg_index", "value": attrs["msg_index"], "index": True} in t["attributes"]
            ]
            assert [p["recipient"] for p in paid if p["amount"] == attrs["amount"]] == [delegator]
            for h in (tx["height"] - 1, tx["height"]):
                assert distribution.withdraw_address(raw(delegator), h) == delegator


# ---------------------------------------------------------------- pruned copy
def test_pruned_versions_raise_pruned(pruned, prefixes, oracle):  # noqa: F811
    app, first_kept = pruned
    reader = DistributionReader(app, prefixes, StakingReader(app, prefixes))
    val = raw(oracle.workload["accounts"]["validator"]["valoper"])
    alice = oracle.workload["accounts"]["alice"]["address"]
    below = [h for h in heights(oracle) if h < first_kept]
    kept = [h for h in heights(oracle) if h >= first_kept]
    assert below and kept
    for h in below:
        for call in (
            lambda: reader.rewards(raw(alice), h),
            lambda: reader.rewards(b"\x01" * 20, h),
            lambda: reader.validator_commission(val, h),
            lambda: reader.outstanding_rewards(val, h),
            lambda: reader.community_pool(h),
            lambda: reader.params(h),
            lambda: reader.withdraw_address(raw(alice), h),
        ):
            with pytest.raises(Pruned) as e:
                call()
            assert e.value.base == first_kept and e.value.height == h
    for h in kept:  # the kept versions still answer as the node did
        assert rewards_json(reader.rewards(raw(alice), h)) == oracle.rest[str(h)]["rewards"][alice]
        assert coins_json(reader.community_pool(h)) == oracle.rest[str(h)]["community_pool"]["pool"]


# ---------------------------------------------------------------- LegacyDec
def test_dec_text_prints_18_decimals():
    assert dec_text(0) == "0.000000000000000000"
    assert dec_text(1) == "0.000000000000000001"
    assert dec_text(E18) == "1.000000000000000000"
    assert dec_text(11584472056072519000 * E18 + 123 * 10**15) == "11584472056072519000.123000000000000000"
    assert dec_text(-5 * 10**17) == "-0.500000000000000000"


def test_chop_truncates_toward_zero_and_rounds_half_to_even():
    assert chop_truncate(2 * E18 - 1) == 1 and chop_truncate(-(2 * E18 - 1)) == -1  # Go Quo, not floor
    assert chop_round(15 * 10**17) == 2 and chop_round(25 * 10**17) == 2  # half to even
    assert chop_round(25 * 10**17 + 1) == 3 and chop_round(5 * 10**17 - 1) == 0
    assert chop_round(-15 * 10**17) == -2 and chop_round(-25 * 10**17) == -2


def test_mul_and_quo_truncate_versus_round():
    third = dec_quo(E18, 3 * E18)
    assert third == 333333333333333333 == dec_quo_truncate(E18, 3 * E18)
    assert dec_quo(2 * E18, 3 * E18) == 666666666666666667  # rounds up the last digit
    assert dec_quo_truncate(2 * E18, 3 * E18) == 666666666666666666
    # 0.000000000000000001 × 0.5: exactly half of the last digit
    assert dec_mul(1, 5 * 10**17) == 0 and dec_mul(3, 5 * 10**17) == 2  # half to even
    assert dec_mul_truncate(3, 5 * 10**17) == 1
    assert dec_mul_truncate(19, 99 * 10**16) == 18  # 0.000000000000000019 × 0.99 = …18.81 → 18
    assert dec_mul(19, 99 * 10**16) == 19
    # 5 INJ of stake × (1 − 0.01) as the slash path does it: exact
    assert dec_mul_truncate(5 * 10**18 * E18, E18 - 10**16) == 495 * 10**16 * E18
    with pytest.raises(ZeroDivisionError):
        dec_quo(E18, 0)


def test_tokens_from_shares_dec():
    # 10 shares of a validator with 999 tokens and 1000 shares → 9.99 tokens, as a Dec
    assert tokens_from_shares_dec(10 * E18, 999, 1000 * E18) == 999 * 10**16
    # 1 share of 3 tokens / 7 shares = 0.428571428571428571|428… → rounded down
    assert tokens_from_shares_dec(E18, 3, 7 * E18) == 428571428571428571
    # 1 share of 5 tokens / 7 shares = 0.714285714285714285|714… → rounded up
    assert tokens_from_shares_dec(E18, 5, 7 * E18) == 714285714285714286


def test_dec_coins_arithmetic():
    a = {"uatom": 5, "inj": 3 * E18}
    assert list(_coins_add(a, {"inj": -3 * E18})) == ["uatom"]  # zeros dropped
    assert list(_coins_add({"b": 1}, {"a": 1, "B": 1})) == ["B", "a", "b"]  # sorted by denom bytes
    assert _coins_sub({"inj": 5}, {"inj": 5}) == {}
    assert _coins_sub({"inj": 5}, {"inj": 6}) is None  # the SDK's Sub panics: never a negative amount
    assert _coins_sub({"inj": 5}, {"x": 1}) is None
    assert _coins_mul_dec_truncate({"inj": 3, "x": 10**18}, 5 * 10**17) == {"inj": 1, "x": 5 * 10**17}
    assert _coins_mul_dec_truncate({"inj": 1}, 5 * 10**17) == {}  # truncated to zero: dropped
    # rewards ÷ tokens (QuoDecTruncate by a Dec made from an Int)
    assert _coins_quo_dec_truncate({"inj": 10 * E18}, 3 * E18) == {"inj": 3333333333333333333}
    assert _coins_quo_dec_truncate({"inj": 2}, 3 * E18) == {}
    with pytest.raises(ZeroDivisionError):
        _coins_quo_dec_truncate({"inj": 2}, 0)


# ---------------------------------------------------------------- tm034: SDK ~0.42 (no length bytes in keys)
@pytest.mark.legacy
def test_legacy_layout_tm034(tm034_kv):
    """Addresses without length bytes, params in x/params. The latest version has a slash at
    that very height and one self-delegation: its rewards plus the commission are exactly the
    validator's outstanding rewards as the node stored them."""
    app = AppStore(tm034_kv("application"))
    v = app.latest_version()
    prefixes = Prefixes.from_account("onomy")
    staking = StakingReader(app, prefixes)
    reader = DistributionReader(app, prefixes, staking)
    stored = app.tree("params", v)
    params = reader.params(v)
    # amino JSON prints a LegacyDec with its 18 decimals, as the REST does
    assert params == {
        "community_tax": json.loads(stored.get(b"distribution/communitytax")),
        "base_proposer_reward": json.loads(stored.get(b"distribution/baseproposerreward")),
        "bonus_proposer_reward": json.loads(stored.get(b"distribution/bonusproposerreward")),
        "withdraw_addr_enabled": json.loads(stored.get(b"distribution/withdrawaddrenabled")),
    }
    assert [k[:1] for k, _ in app.tree("distribution", v).iterate_prefix(b"\x08")]
    vals = staking.validators(v)
    assert vals
    for sv in vals:
        op = raw(sv.operator_address)
        outstanding = {c.denom: int(c.amount.replace(".", "")) for c in reader.outstanding_rewards(op, v)}
        owed = {c.denom: int(c.amount.replace(".", "")) for c in reader.validator_commission(op, v)}
        dels = staking.validator_delegations(op, v)
        assert len(dels) == 1
        rewards, total = reader.rewards(raw(dels[0].delegator_address), v)
        assert [r.validator_address for r in rewards] == [sv.operator_address] and rewards[0].reward == tuple(total)
        for c in total:
            owed[c.denom] = owed.get(c.denom, 0) + int(c.amount.replace(".", ""))
        assert owed == outstanding
    pool = reader.community_pool(v)
    assert pool and all(c.denom == staking.params(v)["bond_denom"] for c in pool)
