"""IAVLTree against real bytes: the sample chain (iavl v1, written by injectived 1.20.1), the
tm034 legacy chain (iavl ≤ 0.20, SDK ~0.44), and a synthetic mixed tree for the shape an
upgraded chain leaves behind. Expected values come from the node's own answers (CommitInfo
hashes, REST balances and accounts), never from constants.
"""

from __future__ import annotations

import bisect
import random
import struct
from collections import Counter
from hashlib import sha256

import plyvel
import pytest

from cometgraph.storage.app.iavl import IAVLTree, NodeCache, decode_node, put_varint
from cometgraph.storage.app.store import AppStore
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import CorruptRecord, InvalidInput, NotFound, Pruned
from cometgraph.storage.kv import LevelDB


# ---------------------------------------------------------------- helpers
def balance_key(addr: bytes, denom: str) -> bytes:
    return b"\x02" + bytes([len(addr)]) + addr + denom.encode()


def raw_addr(text: str) -> bytes:
    return bech32.decode(text)[1]


def account_address(a: dict) -> str:
    """The address of a REST account of any type: it sits in the innermost base_account."""
    while "address" not in a:
        a = next(v for k, v in a.items() if k.startswith("base_") and isinstance(v, dict))
    return a["address"]


def rest_heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.rest)


@pytest.fixture(scope="module")
def app_kv(sample_kv):
    return sample_kv("application")


@pytest.fixture(scope="module")
def sample_app(app_kv) -> AppStore:
    return AppStore(app_kv)


def three_versions(app: AppStore) -> list[int]:
    lo, hi = app.earliest_version(), app.latest_version()
    return sorted({lo, (lo + hi) // 2, hi})


# ---------------------------------------------------------------- the node encoding
def test_go_varints_and_node_decoding_rules():
    # zigzag: the 637 of formats.md's real decode is `fa09`
    assert put_varint(637) == bytes.fromhex("fa09") and put_varint(0) == b"\x00" and put_varint(-1) == b"\x01"
    assert put_varint(2) == b"\x04"  # a child mode of 2 reads 04 on disk
    ref = b"s" + struct.pack(">QI", 7, 3)
    leaf = decode_node(ref, b"\x00\x02\x02k1\x02v1")
    assert (leaf.height, leaf.size, leaf.version, leaf.key, leaf.value) == (0, 1, 7, b"k1", b"v1")
    for bad, why in [
        (b"\x00\x02\x02k1\x05v1", "runs past"),  # value length beyond the end
        (b"\x00\x02\x02k1\x02v1\x00", "trailing"),
        (b"\x00\x04\x02k1\x02v1", "size"),  # a leaf of size 2
        (b"\x01\x02", "height"),  # height -1
        (b"\x00\x02\x02k1\x02v1"[:3], "runs past"),
        (b"\xff" * 11, "varint"),
    ]:
        with pytest.raises(ValueError, match=why):
            decode_node(ref, bad)
    inner = b"\x02\x04\x02k2" + b"\x20" + b"\x11" * 32 + b"\x08"  # mode 4 (zigzag 8)
    with pytest.raises(ValueError, match="mode"):
        decode_node(ref, inner + b"\x02\x02\x02\x04")


# ---------------------------------------------------------------- sample chain (iavl v1)
def test_every_store_recomputes_to_its_commit_info_hash(sample_app):
    for v in three_versions(sample_app):
        infos = sample_app.commit_info(v)
        assert len(infos) > 10
        for name, cid in infos.items():
            tree = IAVLTree.at(sample_app.kv, name, v)
            assert cid.version == v
            assert tree.root_hash() == cid.hash, (name, v)
            assert tree.root_hash(recompute=False) == cid.hash, (name, v)


def test_sample_has_every_root_slot_kind(app_kv):
    """The v1 shapes the reader follows are all on disk here: root nodes, empty trees, references."""
    kinds = Counter()
    for k, val in app_kv.iterate(prefix=b"s/k:"):
        rest = k[k.index(b"/", 4) + 1 :]
        if rest[:1] == b"s" and rest[9:] == b"\x00\x00\x00\x01":
            kinds["empty" if val == b"" else "ref" if val[:1] == b"s" and len(val) in (9, 13) else "node"] += 1
    assert kinds["empty"] and kinds["ref"] and kinds["node"]


def test_balances_equal_rest_at_every_recorded_height(sample_app, oracle):
    for h in rest_heights(oracle):
        bank = sample_app.tree("bank", h)
        for addr, answer in oracle.rest[str(h)]["balances"].items():
            a = raw_addr(addr)
            for coin in answer["balances"]:
                assert bank.get(balance_key(a, coin["denom"])) == coin["amount"].encode()
            assert bank.get(balance_key(a, "nosuchdenom")) is None
            rows = list(bank.iterate_prefix(balance_key(a, "")))
            want = [(balance_key(a, c["denom"]), c["amount"].encode()) for c in answer["balances"]]
            assert rows == want
            assert list(bank.iterate_prefix(balance_key(a, ""), reverse=True)) == want[::-1]


def test_all_balances_add_up_to_the_rest_supply(sample_app, oracle):
    for h in rest_heights(oracle):
        bank = sample_app.tree("bank", h)
        totals: Counter = Counter()
        for key, value in bank.iterate_prefix(b"\x02"):
            n = key[1]
            totals[key[2 + n :].decode()] += int(value)
        supply = {c["denom"]: int(c["amount"]) for c in oracle.rest[str(h)]["supply"]["supply"]}
        assert dict(totals) == supply
        assert [(k[1:].decode(), int(v)) for k, v in bank.iterate_prefix(b"\x00")] == sorted(supply.items())


def test_account_keys_iterate_in_the_rest_order(sample_app, oracle):
    """REST lists accounts in store key order: forward iteration must give that order, reverse its mirror."""
    for h in rest_heights(oracle):
        answer = oracle.rest[str(h)]["auth_accounts"]["accounts"]
        want = [raw_addr(account_address(a)) for a in answer]
        acc = sample_app.tree("acc", h)
        got = [k[1:] for k, _ in acc.iterate_prefix(b"\x01")]
        assert got == want and len(want) > 5
        assert [k[1:] for k, _ in acc.iterate_prefix(b"\x01", reverse=True)] == want[::-1]


def test_ranges_match_a_filtered_full_walk(sample_app):
    rnd = random.Random(7)
    v = sample_app.latest_version()
    for name in ("bank", "staking", "distribution", "acc", "slashing"):
        tree = sample_app.tree(name, v)
        everything = list(tree.iterate())
        keys = [k for k, _ in everything]
        assert keys == sorted(keys) and len(keys) == len(set(keys)) == tree.size
        assert list(tree.iterate(reverse=True)) == everything[::-1]
        probes = keys + [k + b"\x00" for k in keys[:20]] + [b"", b"\xff" * 40]
        for _ in range(60):
            a, b = sorted(rnd.sample(probes, 2))
            want = [kv for kv in everything if a <= kv[0] < b]
            assert list(tree.iterate(a, b)) == want
            assert list(tree.iterate(a, b, reverse=True)) == want[::-1]
            assert list(tree.iterate(start=a)) == [kv for kv in everything if kv[0] >= a]
            assert list(tree.iterate(end=b, reverse=True)) == [kv for kv in everything if kv[0] < b][::-1]
        assert list(tree.iterate(b"\x05", b"\x05")) == [] and list(tree.iterate(b"\x06", b"\x05")) == []


def test_get_many_equals_get_and_costs_one_get_many_per_level(app_kv, oracle):
    v = max(rest_heights(oracle))
    probe = IAVLTree.at(app_kv, "bank", v, cache=NodeCache(max_bytes=0))
    keys = [k for k, _ in probe.iterate()]
    keys += [k + b"x" for k in keys[::3]] + [b"", b"\x02", b"\xff"]
    depths = []
    for k in keys:  # with no cache, one get per node below the root
        before = app_kv.stats["get"]
        probe.get(k)
        depths.append(app_kv.stats["get"] - before)
    tree = IAVLTree.at(app_kv, "bank", v, cache=NodeCache())
    before = dict(app_kv.stats)
    got = tree.get_many(keys)
    spent = Counter(app_kv.stats)
    spent.subtract(before)  # a Counter: a kind of call never made counts 0
    assert got == [probe.get(k) for k in keys]
    assert sum(x is not None for x in got) == tree.size
    assert spent["get"] == 0 and spent["iterate"] == 0
    assert spent["get_many"] == max(depths) == tree.height
    assert spent["keys"] <= tree.size * 2  # every node at most once
    # warm cache: leaves and inner nodes were kept, nothing more to read
    before = app_kv.stats["get_many"]
    assert tree.get_many(keys) == got and app_kv.stats["get_many"] == before
    assert tree.get_many([]) == []


def test_version_above_latest_is_not_found(sample_app):
    top = sample_app.latest_version()
    with pytest.raises(NotFound) as e:
        IAVLTree.at(sample_app.kv, "bank", top + 1)
    assert not isinstance(e.value, Pruned)
    with pytest.raises(NotFound):
        IAVLTree.at(sample_app.kv, "nosuchstore", 1)
    for bad in (0, -1, True, "1", 1.0):
        with pytest.raises(InvalidInput):
            IAVLTree.at(sample_app.kv, "bank", bad)
    with pytest.raises(InvalidInput):
        IAVLTree.at(sample_app.kv, "bad/name", 1)


def _bank_node_keys(path, version):
    db = plyvel.DB(str(path))
    p = b"s/k:bank/s" + struct.pack(">Q", version)
    keys = [k for k in db.iterator(prefix=p, include_value=False)]
    db.close()
    return keys


def test_corrupt_node_is_corrupt_record_naming_its_key(damaged, oracle):
    v = oracle.workload["latest_height"]
    db, path = damaged("application")
    keys = [k for k, _ in db.iterator(prefix=b"s/k:bank/s" + struct.pack(">Q", v))]
    inner = [k for k in keys if db.get(k)[0] != 0 and not k.endswith(b"\x00\x00\x00\x01")]  # a non-root inner node
    target = inner[0]
    db.put(target, b"\x99garbage")
    db.close()
    kv = LevelDB(path)
    try:
        tree = IAVLTree.at(kv, "bank", v)
        with pytest.raises(CorruptRecord) as e:
            tree.root_hash()
        assert e.value.key == target and e.value.db == kv.name
        with pytest.raises(CorruptRecord) as e:
            tree.get_many([k for k, _ in IAVLTree.at(kv, "bank", v - 1).iterate()])
        assert e.value.key == target
        with pytest.raises(CorruptRecord) as e:
            list(tree.iterate())
        assert e.value.key == target
    finally:
        kv.close()


def test_missing_child_and_bad_root_are_corrupt_records(damaged, oracle):
    v = oracle.workload["latest_height"]
    db, path = damaged("application")
    keys = [k for k, _ in db.iterator(prefix=b"s/k:bank/s" + struct.pack(">Q", v))]
    child = next(k for k in keys if not k.endswith(b"\x00\x00\x00\x01"))
    db.delete(child)
    slot = b"s/k:staking/s" + struct.pack(">QI", v, 1)
    assert db.get(slot)
    db.put(slot, b"\x04\x10")  # a root cut short
    db.close()
    kv = LevelDB(path)
    try:
        with pytest.raises(CorruptRecord, match="missing") as e:
            IAVLTree.at(kv, "bank", v).root_hash()
        assert e.value.key == child
        with pytest.raises(CorruptRecord) as e:
            IAVLTree.at(kv, "staking", v)
        assert e.value.key == slot
    finally:
        kv.close()


@pytest.mark.legacy
def test_first_items_are_read_lazily(tm034_kv):
    """On a 10k-leaf legacy tree: the first items cost about one call per level, never the range."""
    kv = tm034_kv("application")
    latest = AppStore(kv).latest_version()
    tree = IAVLTree.at(kv, "staking", latest, cache=NodeCache(max_bytes=0))
    assert tree.size > 5000
    for reverse in (False, True):
        before = dict(kv.stats)
        it = tree.iterate(reverse=reverse)
        first = [next(it) for _ in range(5)]
        calls = kv.stats["get_many"] - before["get_many"]
        keys = kv.stats["keys"] - before["keys"]
        assert calls <= tree.height + 2 and keys <= 4 * tree.height + 16
        assert [k for k, _ in first] == sorted((k for k, _ in first), reverse=reverse)
        it.close()


# ---------------------------------------------------------------- tm034: legacy IAVL written by SDK ~0.44
@pytest.mark.legacy
def test_legacy_roots_recompute_to_commit_info_hashes(tm034_kv):
    kv = tm034_kv("application")
    app = AppStore(kv)
    latest = app.latest_version()
    retained = sorted(struct.unpack(">Q", k[-8:])[0] for k in kv.iterate(prefix=b"s/k:acc/r", include_value=False))
    versions = sorted({retained[0], retained[len(retained) // 2], retained[-2], latest})
    checked = 0
    for v in versions:
        for name, cid in app.commit_info(v).items():
            if cid.version == 0 and not cid.hash:  # SDK 0.44 lists its memory store mem_capability so
                continue
            tree = IAVLTree.at(kv, name, v)
            assert tree.root_hash() == cid.hash, (name, v)
            checked += 1
    assert checked >= 4 * 10
    # point reads and iteration agree on a legacy tree
    tree = IAVLTree.at(kv, "staking", latest)
    rows = list(tree.iterate(b"\x21", b"\x22"))  # validators
    assert rows and tree.get_many([k for k, _ in rows]) == [v for _, v in rows]
    assert [tree.get(k) for k, _ in rows] == [v for _, v in rows]


@pytest.mark.legacy
def test_legacy_pruned_versions(tm034_kv):
    kv = tm034_kv("application")
    retained = sorted(struct.unpack(">Q", k[-8:])[0] for k in kv.iterate(prefix=b"s/k:bank/r", include_value=False))
    hole = next(v for v in range(retained[0], retained[-1]) if v not in set(retained))
    for v in (retained[0] - 1, hole):
        with pytest.raises(Pruned) as e:
            IAVLTree.at(kv, "bank", v)
        assert e.value.base == retained[0] and e.value.height == v
    with pytest.raises(NotFound) as e:
        IAVLTree.at(kv, "bank", retained[-1] + 1)
    assert not isinstance(e.value, Pruned)


# ---------------------------------------------------------------- a synthetic mixed tree
class MemKV:
    """A KV over a dict, counting calls like LevelDB.stats."""

    def __init__(self, data: dict[bytes, bytes], name: str = "mem.db") -> None:
        self.name = name
        self.data = dict(data)
        self.keys = sorted(self.data)
        self.stats: Counter = Counter()

    def get(self, key):
        self.stats["get"] += 1
        return self.data.get(key)

    def get_many(self, keys):
        self.stats["get_many"] += 1
        self.stats["keys"] += len(keys)
        return [self.data.get(k) for k in keys]

    def iterate(self, *, prefix=None, start=None, stop=None, reverse=False, include_value=True):
        self.stats["iterate"] += 1
        if prefix is not None:
            lo = bisect.bisect_left(self.keys, prefix)
            ks = [k for k in self.keys[lo:] if k.startswith(prefix)]
        else:
            ks = [k for k in self.keys if (start is None or k >= start) and (stop is None or k < stop)]
        for k in reversed(ks) if reverse else ks:
            yield (k, self.data[k]) if include_value else k

    def close(self):
        pass


def _uv(n: int) -> bytes:  # Go binary.PutUvarint, written again here so the test does not trust the reader's encoder
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def _zz(x: int) -> bytes:  # Go binary.PutVarint (zigzag)
    return _uv((x << 1) ^ (x >> 63))


def _b(x: bytes) -> bytes:
    return _uv(len(x)) + x


class Synth:
    """Builds nodes in both encodings; hashes follow formats.md §4 (version = v1 key version)."""

    def __init__(self, prefix: bytes) -> None:
        self.p = prefix
        self.data: dict[bytes, bytes] = {}

    def legacy_leaf(self, key, value, version):
        h = sha256(_zz(0) + _zz(1) + _zz(version) + _b(key) + _b(sha256(value).digest())).digest()
        self.data[self.p + b"n" + h] = _zz(0) + _zz(1) + _zz(version) + _b(key) + _b(value)
        return ("legacy", h, 0, 1)

    def legacy_inner(self, key, version, left, right):
        height, size = max(left[2], right[2]) + 1, left[3] + right[3]
        h = sha256(_zz(height) + _zz(size) + _zz(version) + _b(left[1]) + _b(right[1])).digest()
        self.data[self.p + b"n" + h] = _zz(height) + _zz(size) + _zz(version) + _b(key) + _b(left[1]) + _b(right[1])
        return ("legacy", h, height, size)

    def v1_leaf(self, key, value, version, nonce):
        h = sha256(_zz(0) + _zz(1) + _zz(version) + _b(key) + _b(sha256(value).digest())).digest()
        self.data[self.p + b"s" + struct.pack(">QI", version, nonce)] = _zz(0) + _zz(1) + _b(key) + _b(value)
        return ("v1", h, 0, 1, (version, nonce))

    def v1_inner(self, key, version, nonce, left, right, at=None):
        height, size = max(left[2], right[2]) + 1, left[3] + right[3]
        h = sha256(_zz(height) + _zz(size) + _zz(version) + _b(left[1]) + _b(right[1])).digest()
        mode = (1 if left[0] == "legacy" else 0) | (2 if right[0] == "legacy" else 0)
        body = _zz(height) + _zz(size) + _b(key) + _b(h) + _zz(mode)
        for child in (left, right):
            body += _b(child[1]) if child[0] == "legacy" else _zz(child[4][0]) + _zz(child[4][1])
        self.data[self.p + b"s" + struct.pack(">QI", version, nonce if at is None else at)] = body
        return ("v1", h, height, size, (version, nonce))

    def slot(self, version, value: bytes):
        self.data[self.p + b"s" + struct.pack(">QI", version, 1)] = value

    def legacy_root(self, version, node):
        self.data[self.p + b"r" + struct.pack(">Q", version)] = node[1] if node else b""


def _mixed():
    """The tree an SDK ≤ 0.47 chain (legacy iavl) leaves after its upgrade to 0.50 (iavl v1).

    No node here can write this shape: the sample chain was born on iavl v1 and tm034 never
    upgraded. So it is built from the node encoding: legacy versions 5..10 (root in ``r``),
    then v1 version 11 rewrites one value — its new inner nodes point at untouched legacy
    children by hash (modes 1, 2 and 3 all occur) —, 12 and 13 have no writes (reference
    roots, 13-byte and 9-byte forms), 14 is empty.
    """
    s = Synth(b"s/k:mix/")
    a, b, c, d, e = (s.legacy_leaf(k, k.upper() * 3, v) for k, v in [(b"a", 5), (b"b", 7), (b"c", 8), (b"d", 8), (b"e", 8)])
    A = s.legacy_inner(b"b", 7, a, b)
    DE = s.legacy_inner(b"e", 8, d, e)
    B = s.legacy_inner(b"d", 8, c, DE)
    s.legacy_root(10, s.legacy_inner(b"c", 10, A, B))
    # version 11: e := "E11"; new nodes (11,1) root, (11,2), (11,3), (11,4), pre-order nonces
    e11 = s.v1_leaf(b"e", b"E11", 11, 4)
    de11 = s.v1_inner(b"e", 11, 3, d, e11)  # left legacy (mode 1)
    b11 = s.v1_inner(b"d", 11, 2, c, de11)  # left legacy (mode 1)
    root11 = s.v1_inner(b"c", 11, 1, A, b11)  # left legacy (mode 1)
    s.slot(12, b"s" + struct.pack(">QI", 11, 1))
    s.slot(13, b"s" + struct.pack(">Q", 11))
    s.slot(14, b"")
    # version 15: a root whose two children are both legacy (mode 3), and version 16 one with a legacy right (mode 2)
    root15 = s.v1_inner(b"c", 15, 1, A, B)
    f16 = s.v1_leaf(b"0", b"zero", 16, 3)
    left16 = s.v1_inner(b"a", 16, 2, f16, a)  # right legacy (mode 2)
    root16 = s.v1_inner(b"b", 16, 1, left16, s.legacy_inner(b"c", 16, b, B))
    legacy_state = {k: k.upper() * 3 for k in (b"a", b"b", b"c", b"d", b"e")}
    states = {
        10: (legacy_state, s.data[b"s/k:mix/r" + struct.pack(">Q", 10)]),
        11: ({**legacy_state, b"e": b"E11"}, root11[1]),
        12: ({**legacy_state, b"e": b"E11"}, root11[1]),
        13: ({**legacy_state, b"e": b"E11"}, root11[1]),
        14: ({}, sha256(b"").digest()),
        15: (legacy_state, root15[1]),
        16: ({**legacy_state, b"0": b"zero"}, root16[1]),
    }
    return s, states


def test_synthetic_mixed_tree_reads_both_formats():
    s, states = _mixed()
    kv = MemKV(s.data)
    modes = set()
    for k, raw in s.data.items():
        ref = k[len(b"s/k:mix/") :]
        if ref[:1] == b"s" and raw[:1] not in (b"", b"s", b"\x00"):  # v1 inner nodes (not leaves, references, empty)
            node = decode_node(ref, raw)
            modes.add(node.left[:1] + node.right[:1])
    assert {b"ns", b"nn", b"sn"} <= modes  # legacy children on the left, both sides, the right
    for version, (state, root_hash) in states.items():
        tree = IAVLTree.at(kv, "mix", version)
        assert tree.root_hash() == root_hash, version
        assert tree.root_hash(recompute=False) == root_hash, version
        items = sorted(state.items())
        assert list(tree.iterate()) == items
        assert list(tree.iterate(reverse=True)) == items[::-1]
        assert list(tree.iterate(b"b", b"e")) == [kv_ for kv_ in items if b"b" <= kv_[0] < b"e"]
        assert list(tree.iterate_prefix(b"d")) == [kv_ for kv_ in items if kv_[0] == b"d"]
        probes = [b"", b"0", b"a", b"b", b"bb", b"c", b"d", b"e", b"f"]
        assert [tree.get(k) for k in probes] == [state.get(k) for k in probes]
        assert tree.get_many(probes) == [state.get(k) for k in probes]
    # below the oldest root: pruned; above the newest: not found
    with pytest.raises(Pruned) as e:
        IAVLTree.at(kv, "mix", 9)
    assert e.value.base == 10
    with pytest.raises(NotFound) as e:
        IAVLTree.at(kv, "mix", 17)
    assert not isinstance(e.value, Pruned)


def test_synthetic_resaved_root_and_missing_legacy_child():
    """Pruning re-saves a root still referenced by a later version as (v, 0); iavl's GetNode
    looks there when (v, 1) is gone. A legacy child that is gone is damage."""
    s = Synth(b"s/k:re/")
    x = s.v1_leaf(b"x", b"X", 3, 2)
    y = s.v1_leaf(b"y", b"Y", 3, 3)
    root = s.v1_inner(b"y", 3, 1, x, y, at=0)  # stored at (3, 0)
    s.slot(4, b"s" + struct.pack(">QI", 3, 1))
    s.slot(5, b"s" + struct.pack(">QI", 3, 1))
    kv = MemKV(s.data)
    tree = IAVLTree.at(kv, "re", 4)
    assert tree.root_hash() == root[1] and list(tree.iterate()) == [(b"x", b"X"), (b"y", b"Y")]
    with pytest.raises(Pruned) as e:
        IAVLTree.at(kv, "re", 3)
    assert e.value.base == 4

    m, states = _mixed()
    gone = next(k for k in m.data if k.startswith(b"s/k:mix/n") and m.data[k][0] == 0)  # a legacy leaf
    data = dict(m.data)
    del data[gone]
    kv = MemKV(data)
    with pytest.raises(CorruptRecord, match="missing") as e:
        IAVLTree.at(kv, "mix", 12).root_hash()
    assert e.value.key == gone
    data[gone] = b"\x00\x02"  # cut short
    with pytest.raises(CorruptRecord) as e:
        list(IAVLTree.at(MemKV(data), "mix", 11).iterate())
    assert e.value.key == gone


def test_node_cache_is_bounded_and_shared():
    s, states = _mixed()
    kv = MemKV(s.data)
    cache = NodeCache(max_bytes=400)  # a node costs 96 bytes and its key and value
    t1 = IAVLTree.at(kv, "mix", 11, cache=cache)
    assert len(t1.get_many([b"a", b"b", b"c", b"d", b"e"])) == 5
    assert 0 < cache.size <= 400 and len(cache) <= 4
    cache = NodeCache()
    IAVLTree.at(kv, "mix", 11, cache=cache).get(b"d")
    before = kv.stats["get"] + kv.stats["get_many"]
    IAVLTree.at(kv, "mix", 12, cache=cache).get(b"d")  # same nodes through the reference root
    assert kv.stats["get"] + kv.stats["get_many"] - before == 1  # only the root slot
    assert cache.hits > 0
