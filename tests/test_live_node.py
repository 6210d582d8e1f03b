"""cometgraph beside a running node: snapshots refresh while the real injectived produces blocks."""

from __future__ import annotations

import base64
import time

import pytest

from cometgraph.storage.chain import Chain

pytestmark = pytest.mark.node

PORT_BASE = 37600  # not the devnet script's default: both may run on one machine


@pytest.fixture(scope="module")
def injectived():
    from tests.devnet.node import ensure_injectived

    return ensure_injectived()


@pytest.fixture
def running_node(injectived, sample_home, scratch_copy, tmp_path):
    from tests.devnet.node import DevnetNode

    home = scratch_copy(sample_home, "live-home")
    node = DevnetNode(injectived, home, port_base=PORT_BASE, log_path=tmp_path / "node.log")
    node.start()
    try:
        yield node
    finally:
        node.stop()


def _node_block_hash(node, height: int) -> str:
    return node.rpc("block", height=height)["block_id"]["hash"]


def test_snapshot_of_a_running_node_sees_new_heights_after_refresh(running_node, oracle, tmp_path):
    node = running_node
    recorded_top = int(oracle.status["sync_info"]["latest_block_height"])
    node.wait_height(recorded_top + 2, timeout=120)

    chain = Chain.from_home(node.home, snapshot_dir=tmp_path / "snaps").open()
    try:
        with chain.view() as v:
            first_top = v.latest_height
            assert first_top >= recorded_top + 1
            meta = v.blocks.load_block_meta(first_top)
            assert meta.block_id.hash.hex().upper() == _node_block_hash(node, first_top)
            # queries keep working on the pinned snapshot while the node writes
            vals = v.state.load_validators(first_top)
            node_vals = node.rpc("validators", height=first_top, per_page=100)["validators"]
            assert sorted(x.address.hex().upper() for x in vals.validators) == sorted(x["address"] for x in node_vals)

        target = first_top + 3
        node.wait_height(target, timeout=60)
        deadline = time.monotonic() + 30
        swapped = False
        while time.monotonic() < deadline and not swapped:
            swapped = chain.refresh()
        assert swapped, "the node wrote blocks but no refresh found a change"
        with chain.view() as v:
            assert v.latest_height >= target
            for h in (first_top, v.latest_height):
                assert v.blocks.load_block_meta(h).block_id.hash.hex().upper() == _node_block_hash(node, h)
            results = v.state.load_block_results(v.latest_height)
            node_results = node.rpc("block_results", height=v.latest_height)
            assert len(results.finalize_block_events) == len(node_results["finalize_block_events"])
            assert base64.b64encode(results.app_hash).decode() == node_results["app_hash"]  # RPC prints base64 here
    finally:
        chain.close()
    assert list((tmp_path / "snaps").iterdir()) == []
