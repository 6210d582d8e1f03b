"""IAVL's fast-node index, read where the node keeps it (storage/app/iavl_fast.py).

The chain is the sample chain run on by the real node with ``iavl-disable-fastnode = false``
(tests/devnet/fast_chain.py, built once per module, ~10 s): the node builds the index at the
sample's last version (``upgraded``), then alice sends bob 7 INJ and carol unbonds her whole
delegation (its key leaves the tree and the index). The node's own REST answers at the heights
around them are the oracle. A second snapshot is taken after the node ran a few more blocks
with the index turned off again (the record keeps naming the last version it held).
"""

from __future__ import annotations

import random
import shutil

import pytest

from cometgraph.storage.app.auth import AuthReader
from cometgraph.storage.app.bank import BankReader
from cometgraph.storage.app.bank_store import balance_key
from cometgraph.storage.app.iavl import IAVLTree, NodeCache
from cometgraph.storage.app.iavl_fast import decode_fast_node, fast_index_version
from cometgraph.storage.app.store import AppStore
from cometgraph.storage.app.staking import StakingReader
from cometgraph.storage.codec import bech32
from cometgraph.storage.kv import KV, open_kv
from tests.support import free_port_base

from .test_staking import delegation_json, rest_unbonding, rest_validator, unbonding_json, validator_json

pytestmark = pytest.mark.node


def raw(addr: str) -> bytes:
    return bech32.decode(addr)[1]


def _open_copy(src, dst) -> KV:
    shutil.copytree(src, dst)
    return open_kv(dst, "application")


@pytest.fixture(scope="module")
def fast_chain(sample_home, oracle, tmp_path_factory):
    """(oracle of the fast-index chain, its application.db at the end of the run, the same after
    a few blocks with the index off, the home) — every byte written by injectived."""
    from tests.devnet import fast_chain as fc
    from tests.devnet.node import ensure_injectived

    injd = ensure_injectived()
    work = tmp_path_factory.mktemp("fast-chain")
    accounts = {k: v["address"] for k, v in oracle.workload["accounts"].items()}
    got = fc.build(injd, sample_home, work, free_port_base, accounts)
    on = _open_copy(work / "home" / "data" / "application.db", work / "app-on")
    got["off_latest"] = fc.turn_off(injd, work / "home", free_port_base)
    off = _open_copy(work / "home" / "data" / "application.db", work / "app-off")
    yield got, on, off, work / "home"
    on.close()
    off.close()


@pytest.fixture(scope="module")
def chain(fast_chain):
    return fast_chain[0]


@pytest.fixture(scope="module")
def app(fast_chain) -> AppStore:
    return AppStore(fast_chain[1])


def trees(app: AppStore, version: int, fast: bool) -> dict[str, IAVLTree]:
    return {name: IAVLTree.at(app.kv, name, version, cache=NodeCache(), fast=fast) for name in sorted(app.commit_info(version))}


# ---------------------------------------------------------------- detection, from the bytes
def test_every_store_holds_an_index_valid_at_the_latest_version(app, chain):
    latest = app.latest_version()
    assert latest == chain["latest"]
    for name, tree in trees(app, latest, True).items():
        record = app.kv.get(b"s/k:" + name.encode() + b"/mstorage_version")
        assert record == b"1.1.0-%d" % latest, name
        assert tree.fast is not None and tree.fast.version == latest, name


def test_the_sample_chain_has_no_index_and_reads_as_before(sample_kv):
    app = AppStore(sample_kv("application"))
    latest = app.latest_version()
    for name, tree in trees(app, latest, True).items():
        assert tree.fast is None, name
        assert next(app.kv.iterate(prefix=b"s/k:" + name.encode() + b"/f"), None) is None


def test_storage_version_records_the_node_does_not_write_mean_no_index():
    assert fast_index_version(None) is None
    assert fast_index_version(b"1.0.0") is None  # the default: no index
    assert fast_index_version(b"1.1.0") is None  # fast, but no version to say what it holds
    assert fast_index_version(b"1.1.0-12-3") is None
    assert fast_index_version(b"\xff") is None
    assert fast_index_version(b"1.1.0-12") == 12


def test_fast_records_decode_as_the_node_wrote_them(app, chain):
    """Every ``f`` record of the bank store is a (version, value) the tree agrees with."""
    latest = chain["latest"]
    walk = IAVLTree.at(app.kv, "bank", latest, fast=False)
    n = 0
    for k, v in app.kv.iterate(prefix=b"s/k:bank/f"):
        updated, value = decode_fast_node(v)
        assert chain["upgraded"] <= updated <= latest
        assert walk.get(k[len(b"s/k:bank/f") :]) == value
        n += 1
    assert n == walk.size


# ---------------------------------------------------------------- fast reads equal the walk
def test_every_key_of_every_store_reads_the_same_through_the_index_and_the_walk(app, chain):
    latest = chain["latest"]
    rnd = random.Random(7)
    walks, fasts = trees(app, latest, False), trees(app, latest, True)
    total = 0
    for name, walk in walks.items():
        fast = fasts[name]
        items = list(walk.iterate())
        assert list(fast.iterate()) == items, name
        assert list(fast.iterate(reverse=True)) == items[::-1], name
        keys = [k for k, _ in items]
        absent = [k for k in [x + b"\x00" for x in keys[:3]] + [b"\xff\xff", b"\x00"] if k not in set(keys)]
        assert [fast.get(k) for k in keys + absent] == [v for _, v in items] + [None] * len(absent), name
        sample = rnd.sample(keys + absent, min(len(keys), 40))
        assert fast.get_many(sample) == walk.get_many(sample), name
        for k in rnd.sample(keys, min(len(keys), 5)):  # ranges and prefixes
            for p in (k[:1], k[: len(k) // 2]):
                assert list(fast.iterate_prefix(p)) == list(walk.iterate_prefix(p)), (name, p)
            assert list(fast.iterate(k, None, reverse=True)) == list(walk.iterate(k, None, reverse=True)), name
        total += len(keys)
    assert total > 300


def test_a_point_read_at_the_latest_version_is_one_get(app, chain, oracle):
    key = b"\x01" + raw(oracle.workload["accounts"]["alice"]["address"])  # x/auth account key
    fast = IAVLTree.at(app.kv, "acc", chain["latest"], cache=NodeCache())
    walk = IAVLTree.at(app.kv, "acc", chain["latest"], cache=NodeCache(), fast=False)
    before = dict(app.kv.stats)
    assert fast.get(key) is not None
    assert app.kv.stats["get"] - before.get("get", 0) == 1 and app.kv.stats["get_many"] == before.get("get_many", 0)
    before = dict(app.kv.stats)
    assert walk.get(key) == fast.get(key)
    walked = app.kv.stats["get"] - before.get("get", 0) - 1  # the last get: the fast read above
    assert 3 <= walked <= walk.height  # a get per level below the root, down to the leaf


# ---------------------------------------------------------------- the node's own answers
@pytest.mark.parametrize("which", ["latest", "after the send", "upgraded", "before the index"])
def test_readers_answer_what_the_node_answered_at_each_height(app, chain, prefixes, which):
    h = {
        "latest": chain["latest"],
        "after the send": chain["heights"]["unbond_all"] - 1,
        "upgraded": chain["upgraded"],
        "before the index": chain["upgraded"] - 1,
    }[which]
    rest = chain["rest"][str(h)]
    bank, auth, staking = BankReader(app), AuthReader(app, prefixes), StakingReader(app, prefixes)
    for addr in rest["balances"]:
        assert [{"denom": c.denom, "amount": c.amount} for c in bank.balances(raw(addr), h)] == rest["balances"][addr]["balances"], (h, addr)
        answer = rest["accounts"][addr]
        got = auth.account_json(raw(addr), h)
        assert got == answer.get("account"), (h, addr)
        assert [delegation_json(d) for d in staking.delegations(raw(addr), h)] == rest["delegations"][addr]["delegation_responses"], (h, addr)
        want = [rest_unbonding(u) for u in rest["unbonding"][addr]["unbonding_responses"]]
        assert [unbonding_json(u) for u in staking.unbonding_delegations(raw(addr), h)] == want, (h, addr)
    assert [validator_json(v) for v in staking.validators(h)] == [rest_validator(v) for v in rest["validators"]["validators"]], h


def test_a_record_rewritten_later_is_walked_at_older_heights(app, chain, oracle):
    """alice's balance record was rewritten by her send: at the upgrade height the index holds
    a newer value, so the tree answers, and it answers what the node did then."""
    alice = oracle.workload["accounts"]["alice"]["address"]
    key = balance_key(raw(alice), "inj")
    h = chain["upgraded"]
    tree = IAVLTree.at(app.kv, "bank", h)
    assert tree.fast is not None and tree.fast.version == chain["latest"]
    updated, latest_value = tree.fast.get(key)
    assert updated > h  # the send (or a later fee) rewrote it
    want = [c["amount"] for c in chain["rest"][str(h)]["balances"][alice]["balances"] if c["denom"] == "inj"]
    assert tree.get(key) == want[0].encode() != latest_value


def test_a_key_removed_from_the_index_is_still_found_at_older_heights(app, chain, oracle, prefixes):
    carol = oracle.workload["accounts"]["carol"]["address"]
    h = chain["heights"]["unbond_all"] - 1
    staking = StakingReader(app, prefixes)
    (d,) = staking.delegations(raw(carol), h)
    assert [delegation_json(d)] == chain["rest"][str(h)]["delegations"][carol]["delegation_responses"]
    key = b"\x31" + bytes([20]) + raw(carol) + bytes([20]) + raw(d.validator_address)
    tree = IAVLTree.at(app.kv, "staking", h)
    assert tree.fast is not None and tree.fast.get(key) is None  # gone from the live state ...
    assert tree.get(key) is not None and tree.get_many([key]) == [tree.get(key)]  # ... not from height h
    assert IAVLTree.at(app.kv, "staking", chain["latest"]).get(key) is None
    assert staking.delegations(raw(carol), chain["latest"]) == []


# ---------------------------------------------------------------- an index the node stopped keeping
def test_an_index_turned_off_serves_only_up_to_its_last_version(fast_chain):
    chain, _, off, _ = fast_chain
    app = AppStore(off)
    latest = app.latest_version()
    assert latest == chain["off_latest"] > chain["latest"]
    for name in app.commit_info(latest):
        assert off.get(b"s/k:" + name.encode() + b"/mstorage_version") == b"1.1.0-%d" % chain["latest"], name
    for name, tree in trees(app, latest, True).items():
        assert tree.fast is None, name
    for name, tree in trees(app, chain["latest"], True).items():
        assert tree.fast is not None, name
        walk = IAVLTree.at(off, name, chain["latest"], fast=False)
        assert list(tree.iterate()) == list(walk.iterate()), name
