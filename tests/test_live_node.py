"""cometgraph beside a running node: snapshots refresh while the real injectived produces blocks."""

from __future__ import annotations

import base64
import contextlib
import time

import pytest

from cometgraph.storage.chain import Chain
from tests.support import free_port_base, serve_in_thread

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def injectived():
    from tests.devnet.node import ensure_injectived

    return ensure_injectived()


@pytest.fixture
def running_node(injectived, sample_home, scratch_copy, tmp_path):
    from tests.devnet.node import DevnetNode

    home = scratch_copy(sample_home, "live-home")
    node = DevnetNode(injectived, home, port_base=free_port_base(), log_path=tmp_path / "node.log")
    node.start()
    try:
        yield node
    finally:
        node.stop()


@contextlib.asynccontextmanager
async def graphql_ws(port: int):
    """A graphql-transport-ws connection to a served /graphql, acknowledged."""
    import json

    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield ws


async def _subscribed(app, n: int, timeout: float = 60) -> None:
    """Until ``n`` subscriptions are registered with the app's broadcaster."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while app.state.broadcaster.subscribers < n:
        assert asyncio.get_running_loop().time() < deadline, "the subscription never started"
        await asyncio.sleep(0.02)


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
        # the RPC reports a height once the block is saved; its state is saved a moment later,
        # and a snapshot shows a height only when both are there: refresh until it does
        deadline = time.monotonic() + 90
        swaps = 0
        while True:
            swaps += chain.refresh()
            with chain.view() as v:
                if v.latest_height >= target:
                    break
            assert time.monotonic() < deadline, f"the node is past {target} but snapshots stop at {v.latest_height}"
        assert swaps >= 1, "the node wrote blocks but no refresh found a change"
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


def test_live_service_streams_new_blocks_and_matching_txs_from_a_running_node(running_node, oracle, tmp_path):
    """cometgraph serving a running node with file-watch refresh: subscribers see new blocks
    and a real tx sent meanwhile, status reports how far behind the snapshot is, /readyz and
    /metrics answer. Everything compared with the node's own RPC."""
    import asyncio
    import json

    import httpx

    from cometgraph.web.app import create_app

    node = running_node
    node.wait_height(int(oracle.status["sync_info"]["latest_block_height"]) + 1, timeout=120)
    chain = Chain.from_home(node.home, snapshot_dir=tmp_path / "snaps").open()
    app = create_app(chain, refresh=1.0)
    alice = oracle.workload["accounts"]["alice"]["address"]
    bob = oracle.workload["accounts"]["bob"]["address"]

    async def scenario(port):
        async with graphql_ws(port) as ws:
            await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": {"query": "subscription { newBlocks { height hash } }"}}))
            q = f"transfer.recipient='{bob}'"
            await ws.send(
                json.dumps(
                    {
                        "id": "t",
                        "type": "subscribe",
                        "payload": {"query": "subscription($q: String) { newTxs(query: $q) { hash height code memo } }", "variables": {"q": q}},
                    }
                )
            )
            await _subscribed(app, 2)  # both listening before the tx is sent
            # a real tx from the keyring the sample home carries
            sent = await asyncio.to_thread(
                node.injectived.run_json,
                "tx",
                "bank",
                "send",
                alice,
                bob,
                "1000inj",
                "--note",
                "live ✓",
                "--chain-id",
                oracle.workload["chain_id"],
                "--node",
                node.rpc_node,
                "--keyring-backend",
                "test",
                "--gas",
                "200000",
                "--gas-prices",
                "500000000inj",
                "--output",
                "json",
                "-y",
                home=node.home,
            )
            assert sent.get("code", 0) == 0, sent
            blocks, tx = [], None
            deadline = asyncio.get_running_loop().time() + 60
            while (len(blocks) < 3 or tx is None) and asyncio.get_running_loop().time() < deadline:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if msg.get("type") != "next":
                    continue
                if msg["id"] == "b":
                    blocks.append(msg["payload"]["data"]["newBlocks"])
                else:
                    tx = msg["payload"]["data"]["newTxs"]
            assert len(blocks) >= 3 and tx is not None
            heights = [b["height"] for b in blocks]
            assert heights == sorted(heights) and len(set(heights)) == len(heights)
            for b in blocks:
                assert b["hash"] == node.rpc("block", height=b["height"])["block_id"]["hash"]
            assert tx["hash"] == sent["txhash"] and tx["code"] == 0 and tx["memo"] == "live ✓"
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            st = (await c.post("/graphql", json={"query": "{ status { latestHeight snapshotHeight snapshotAge nodeHeight } }"})).json()["data"]["status"]
            assert st["snapshotHeight"] == st["latestHeight"] <= st["nodeHeight"]
            assert st["nodeHeight"] <= node.height()
            assert 0 <= st["snapshotAge"] < 30
            assert (await c.get("/readyz")).json()["ready"] is True
            metrics = (await c.get("/metrics")).text
            assert "cometgraph_snapshot_refresh_seconds_count" in metrics
            assert 'cometgraph_storage_reads_total{db="blockstore",op="get_many"}' in metrics

    with serve_in_thread(app) as port:
        asyncio.run(scenario(port))
    assert list((tmp_path / "snaps").iterdir()) == []


def test_a_delegation_on_a_running_node_arrives_as_a_staking_flow(running_node, oracle, tmp_path):
    import asyncio
    import json

    from cometgraph.web.app import create_app

    node = running_node
    node.wait_height(int(oracle.status["sync_info"]["latest_block_height"]) + 1, timeout=120)
    chain = Chain.from_home(node.home, snapshot_dir=tmp_path / "snaps").open()
    app = create_app(chain, refresh=1.0)
    alice = oracle.workload["accounts"]["alice"]["address"]
    valoper = oracle.workload["accounts"]["validator"]["valoper"]

    async def scenario(port):
        async with graphql_ws(port) as ws:
            q = "subscription($m: BigInt) { newStakingFlows(minAmount: $m) { kind delegatorAddress validatorAddress amount { denom amount } height tx { hash } } }"
            await ws.send(json.dumps({"id": "f", "type": "subscribe", "payload": {"query": q, "variables": {"m": "1000"}}}))
            await _subscribed(app, 1)  # listening before the delegation is sent
            sent = await asyncio.to_thread(
                node.injectived.run_json,
                "tx",
                "staking",
                "delegate",
                valoper,
                "2000000inj",
                "--from",
                alice,
                "--chain-id",
                oracle.workload["chain_id"],
                "--node",
                node.rpc_node,
                "--keyring-backend",
                "test",
                "--gas",
                "300000",
                "--gas-prices",
                "500000000inj",
                "--output",
                "json",
                "-y",
                home=node.home,
            )
            assert sent.get("code", 0) == 0, sent
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if msg.get("type") == "next":
                    return msg["payload"]["data"]["newStakingFlows"], sent["txhash"]

    with serve_in_thread(app) as port:
        flow, txhash = asyncio.run(scenario(port))
    assert flow["kind"] == "delegate" and flow["delegatorAddress"] == alice and flow["validatorAddress"] == valoper
    assert flow["amount"] == {"denom": "inj", "amount": "2000000"} and flow["tx"]["hash"] == txhash
    assert flow["height"] == int(node.rpc("tx", hash="0x" + txhash)["height"])


def test_subscribers_on_every_worker_follow_a_running_node(running_node, oracle, tmp_path):
    """`serve --workers 2` as users run it, beside a running node: each worker refreshes its own
    snapshot and feeds its own subscribers; every subscriber, whichever worker accepted it, gets
    the node's new blocks in order."""
    import asyncio
    import json
    import os
    import signal
    import subprocess
    import sys

    from tests.support import free_port

    node = running_node
    node.wait_height(int(oracle.status["sync_info"]["latest_block_height"]) + 1, timeout=120)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cometgraph.cli",
            "serve",
            "--home",
            str(node.home),
            "--port",
            str(port),
            "--workers",
            "2",
            "--refresh",
            "1",
            "--snapshot-dir",
            str(tmp_path / "snaps"),
        ],
        env={k: v for k, v in os.environ.items() if not k.startswith("COMETGRAPH_")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    async def subscriber() -> list[dict]:
        async with graphql_ws(port) as ws:
            await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": {"query": "subscription { newBlocks { height hash } }"}}))
            blocks = []
            while len(blocks) < 3:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if msg.get("type") == "next":
                    blocks.append(msg["payload"]["data"]["newBlocks"])
            return blocks

    async def scenario() -> list[list[dict]]:
        deadline = asyncio.get_running_loop().time() + 90
        while True:  # both workers up: the port answers
            assert proc.poll() is None, "serve exited"
            try:
                _, w = await asyncio.open_connection("127.0.0.1", port)
                w.close()
                break
            except OSError:
                assert asyncio.get_running_loop().time() < deadline, "serve did not come up"
                await asyncio.sleep(0.3)
        await asyncio.sleep(3)  # the second worker may still be opening its snapshot
        return await asyncio.gather(*(subscriber() for _ in range(8)))

    try:
        streams = asyncio.run(scenario())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    assert proc.returncode == 0
    for blocks in streams:
        heights = [b["height"] for b in blocks]
        assert heights == list(range(heights[0], heights[0] + len(heights))), heights
        for b in blocks:
            assert b["hash"] == _node_block_hash(node, b["height"])
    assert list((tmp_path / "snaps").iterdir()) == []
