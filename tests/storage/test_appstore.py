"""AppStore (root multistore) against the chains' own hashes: each header's app_hash is the
multistore's commit of the previous height, so app_hash(v) must equal header(v+1).app_hash —
on the sample chain (RPC /block answers), on a copy pruned by ``injectived prune`` itself,
and on the tm034 legacy chain (its own blockstore headers).
"""

from __future__ import annotations

import struct

import pytest

from cometgraph.storage.app import AppStore, IAVLTree
from cometgraph.storage.errors import InvalidInput, NotFound, Pruned
from cometgraph.storage.kv import open_kv


def header_app_hash(oracle, h: int) -> bytes:
    return bytes.fromhex(oracle.blocks[str(h)]["block"]["header"]["app_hash"])


# ---------------------------------------------------------------- sample chain
def test_versions(app, oracle):
    latest = oracle.workload["latest_height"]
    assert app.latest_version() == latest == int(oracle.status["sync_info"]["latest_block_height"])
    assert app.earliest_version() == 1  # the sample node keeps everything (pruning = "nothing")


def test_app_hash_equals_the_next_header_at_every_height(app, oracle):
    latest = app.latest_version()
    for v in range(1, latest):
        assert app.app_hash(v) == header_app_hash(oracle, v + 1), v
    # /status's latest_app_hash is the latest header's (state after latest - 1); no answer holds
    # the commit of the latest version itself, so it is checked against its own trees
    assert app.app_hash(latest - 1) == bytes.fromhex(oracle.status["sync_info"]["latest_app_hash"])
    assert app.app_hash(latest) == app.app_hash(latest, recompute=True)


def test_app_hash_from_recomputed_trees(app, oracle):
    latest = app.latest_version()
    for v in sorted({1, latest // 2, latest - 1}):
        assert app.app_hash(v, recompute=True) == header_app_hash(oracle, v + 1), v


def test_commit_info(app):
    v = app.latest_version()
    infos = app.commit_info(v)
    assert "bank" in infos and "acc" in infos and all(cid.version == v for cid in infos.values())
    assert all(len(cid.hash) == 32 for cid in infos.values())
    assert app.commit_info(v) is infos  # cached
    assert app.tree("bank", v).root_hash() == infos["bank"].hash


def test_bad_versions(app):
    top = app.latest_version()
    for call in (lambda v: app.commit_info(v), lambda v: app.tree("bank", v), lambda v: app.app_hash(v)):
        with pytest.raises(NotFound) as e:
            call(top + 1)
        assert not isinstance(e.value, Pruned)
        for bad in (0, -3, True, None):
            with pytest.raises(InvalidInput):
                call(bad)
    with pytest.raises(NotFound) as e:
        app.tree("nosuchstore", top)
    assert not isinstance(e.value, Pruned)


# ---------------------------------------------------------------- a copy pruned by the node itself
@pytest.fixture(scope="module")
def pruned(sample_home, oracle, tmp_path_factory):
    """``injectived prune custom --pruning-keep-recent K`` on a copy of the sample home (≈0.3 s)."""
    from tests.devnet.node import DevnetError, ensure_injectived, prune_copy

    try:
        ensure_injectived()
    except (DevnetError, OSError) as exc:
        pytest.skip(f"injectived is not available to prune a copy: {exc}")
    home = tmp_path_factory.mktemp("pruned") / "home"
    latest = oracle.workload["latest_height"]
    keep = max(2, latest // 3)
    prune_copy(sample_home, home, keep)
    kv = open_kv(home / "data" / "application.db")
    yield AppStore(kv), latest - keep + 1
    kv.close()


def test_pruned_copy(pruned, oracle):
    app, first_kept = pruned
    assert app.earliest_version() == first_kept
    latest = app.latest_version()
    for store in ("bank", "acc", "params"):
        with pytest.raises(Pruned) as e:
            app.tree(store, first_kept - 1)
        assert e.value.base == first_kept and e.value.height == first_kept - 1
        with pytest.raises(Pruned):
            IAVLTree.at(app.kv, store, 1)
    # the node keeps every CommitInfo when it prunes trees
    assert app.commit_info(first_kept - 1)["bank"].version == first_kept - 1
    for v in range(first_kept, latest):
        assert app.app_hash(v) == header_app_hash(oracle, v + 1)
    for v in sorted({first_kept, latest}):
        for name, cid in app.commit_info(v).items():
            assert app.tree(name, v).root_hash() == cid.hash, (name, v)


def test_pruned_copy_follows_resaved_roots(pruned):
    """Pruning moved roots still referenced by kept versions from (w, 1) to (w, 0): those
    kept versions must read through the re-saved root."""
    app, first_kept = pruned
    kv = app.kv
    followed = 0
    for k, val in kv.iterate(prefix=b"s/k:"):
        p = k[: k.index(b"/", 4) + 1]
        rest = k[len(p) :]
        if rest[:1] != b"s" or rest[9:] != b"\x00\x00\x00\x01" or val[:1] != b"s" or len(val) != 13:
            continue
        if kv.get(p + val) is None and kv.get(p + val[:9] + b"\x00\x00\x00\x00") is not None:
            v = struct.unpack(">Q", rest[1:9])[0]
            name = p[4:-1].decode()
            assert app.tree(name, v).root_hash() == app.commit_info(v)[name].hash
            followed += 1
    assert followed > 0


# ---------------------------------------------------------------- tm034: SDK ~0.44, legacy IAVL, keep-every pruning
@pytest.mark.legacy
def test_legacy_app_hash_equals_next_header(tm034_kv, tm034_blocks):
    app = AppStore(tm034_kv("application"))
    latest = app.latest_version()
    assert tm034_blocks.height() >= latest
    earliest = app.earliest_version()
    kept = [struct.unpack(">Q", k[-8:])[0] for k in app.kv.iterate(prefix=b"s/k:bank/r", include_value=False)]
    assert earliest == min(kept) > 1
    versions = sorted({earliest, kept[len(kept) // 2], latest - 1})
    for v in versions:
        want = tm034_blocks.load_block_meta(v + 1).header.app_hash
        assert app.app_hash(v) == want, v
    assert app.app_hash(latest - 1, recompute=True) == tm034_blocks.load_block_meta(latest).header.app_hash
    # a version between keep-every snapshots is gone, though its CommitInfo stays
    hole = next(v for v in range(earliest, latest) if v not in set(kept))
    with pytest.raises(Pruned):
        app.tree("bank", hole)
    assert app.app_hash(hole) == tm034_blocks.load_block_meta(hole + 1).header.app_hash
