"""Subscriptions over graphql-transport-ws on a real uvicorn, fed with the sample chain's heights."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import websockets

from cometgraph.resolvers.live import Broadcaster, SubscriberTooSlow
from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app
from tests.support import serve_in_thread


@pytest.fixture(scope="module")
def server(sample_home, tmp_path_factory):
    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path_factory.mktemp("sub-snaps")).open()
    app = create_app(chain, queue_size=4)
    with serve_in_thread(app) as port:
        yield app, f"ws://127.0.0.1:{port}/graphql", None


class Client:
    """A minimal graphql-transport-ws client (what browsers and `gql` speak)."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    @classmethod
    async def connect(cls, url):
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
        return cls(ws)

    async def subscribe(self, query, variables=None) -> str:
        self.next_id += 1
        sid = str(self.next_id)
        await self.ws.send(json.dumps({"id": sid, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}))
        return sid

    async def recv(self, timeout=30):
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if msg["type"] != "ping":
                return msg


def publish(app, heights: range):
    """Publish on the server's event loop, as its refresher would."""
    asyncio.run_coroutine_threadsafe(_publish(app, heights), app.state.loop).result(5)


async def _publish(app, heights):
    app.state.broadcaster.publish(heights)


async def _wait_subscribers(app, n):
    for _ in range(200):
        if app.state.broadcaster.subscribers >= n:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("subscriber did not register")


async def test_new_blocks_streams_each_published_height_with_the_nodes_values(server, oracle, heights):
    app, url, _ = server
    c = await Client.connect(url)
    before = app.state.broadcaster.subscribers
    sid = await c.subscribe("subscription { newBlocks { height hash time numTxs } }")
    await _wait_subscribers(app, before + 1)
    publish(app, range(heights[-4], heights[-1] + 1))
    got = []
    for _ in range(4):
        msg = await c.recv()
        assert msg["type"] == "next" and msg["id"] == sid, msg
        got.append(msg["payload"]["data"]["newBlocks"])
    assert got == [
        {
            "height": h,
            "hash": oracle.blocks[str(h)]["block_id"]["hash"],
            "time": oracle.blocks[str(h)]["block"]["header"]["time"],
            "numTxs": len(oracle.blocks[str(h)]["block"]["data"]["txs"] or []),
        }
        for h in range(heights[-4], heights[-1] + 1)
    ]
    await c.ws.close()


async def test_new_txs_filters_with_the_tx_search_language(server, oracle, heights):
    app, url, _ = server
    rec = next(r for r in oracle.tx_search if r["query"].startswith("message.sender=") and r["order_by"] == "asc" and len(r["hashes"]) >= 2)
    c = await Client.connect(url)
    before = app.state.broadcaster.subscribers
    sid_all = await c.subscribe("subscription { newTxs { hash height index code } }")
    sid_q = await c.subscribe("subscription($q: String) { newTxs(query: $q) { hash } }", {"q": rec["query"]})
    await _wait_subscribers(app, before + 2)
    publish(app, range(1, heights[-1] + 1))
    every = [(int(rpc["height"]), rpc.get("index", 0), h) for h, rpc in oracle.txs.items()]
    want_all = [h for _, _, h in sorted(every)]
    got_all, got_q = [], []
    while len(got_all) < len(want_all) or len(got_q) < len(rec["hashes"]):
        msg = await c.recv()
        assert msg["type"] == "next", msg
        if msg["id"] == sid_all:
            got_all.append(msg["payload"]["data"]["newTxs"]["hash"])
        else:
            assert msg["id"] == sid_q
            got_q.append(msg["payload"]["data"]["newTxs"]["hash"])
    assert got_all == want_all  # block order within a height
    assert sorted(got_q) == sorted(rec["hashes"])
    await c.ws.close()


@pytest.mark.parametrize(
    "subscription",
    ['subscription { newTxs(query: "tx.height>>") { hash } }', 'subscription { newTransfers(denom: "1x") { txHash } }'],
    ids=["newTxs query", "newTransfers denom"],
)
async def test_a_malformed_subscription_argument_is_a_clear_error(server, subscription):
    _, url, _ = server
    c = await Client.connect(url)
    sid = await c.subscribe(subscription)
    msg = await c.recv()
    assert msg["id"] == sid and msg["type"] in ("error", "next")
    errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_INPUT"
    await c.ws.close()


async def test_a_slow_subscriber_is_dropped_with_a_reason_and_others_keep_going():
    b = Broadcaster(maxsize=2)
    slow, fast = b.subscribe(), b.subscribe()
    fast_got = []

    async def fast_reader():
        async for item in fast:
            fast_got.append(item)
            if len(fast_got) == 5:
                return

    reader = asyncio.create_task(fast_reader())
    first = asyncio.create_task(slow.__anext__())
    await asyncio.sleep(0)
    for h in range(1, 6):
        b.publish(range(h, h + 1))
        await asyncio.sleep(0)
    await asyncio.wait_for(reader, 10)
    assert fast_got == [range(h, h + 1) for h in range(1, 6)]
    assert (await first) == range(1, 2)
    with pytest.raises(SubscriberTooSlow, match="dropped"):
        while True:
            await slow.__anext__()
    assert b.dropped == 1 and b.subscribers <= 1


def test_gql_subscription_example_prints_published_blocks(server, oracle, heights):
    import subprocess
    import sys
    from pathlib import Path

    app, url, _ = server
    example = Path(__file__).resolve().parents[2] / "examples" / "watch_blocks.py"
    before = app.state.broadcaster.subscribers
    proc = subprocess.Popen([sys.executable, str(example), "--url", url, "--count", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # a cold Python importing gql on a loaded machine
        while app.state.broadcaster.subscribers <= before:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the example never subscribed"
            time.sleep(0.05)
        publish(app, range(heights[0], heights[0] + 3))
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    got = [json.loads(line) for line in out.splitlines()]
    assert [(b["height"], b["hash"]) for b in got] == [(h, oracle.blocks[str(h)]["block_id"]["hash"]) for h in range(heights[0], heights[0] + 3)]


def _transfers_in_block_order(oracle) -> list[dict]:
    """Every transfer event of the node's /tx answers, in block order (height, index), events in order."""
    rows = []
    for h, rpc in oracle.txs.items():
        for i, e in enumerate(rpc["tx_result"]["events"]):
            if e["type"] == "transfer":
                a = {x["key"]: x["value"] for x in e["attributes"]}
                rows.append(
                    ((int(rpc["height"]), rpc.get("index", 0), i), {"sender": a["sender"], "recipient": a["recipient"], "amount": a["amount"], "txHash": h})
                )
    return [r for _, r in sorted(rows, key=lambda x: x[0])]


async def test_new_transfers_streams_every_transfer_and_filters_by_amount(server, oracle, heights):
    app, url, _ = server
    want = _transfers_in_block_order(oracle)
    from .test_transfers import at_least, coins_of

    amounts = sorted(a for t in want for a, d in coins_of(t["amount"]) if d == "inj")
    m = amounts[len(amounts) // 2]
    big = [t for t in want if at_least(t, m, "inj")]
    c = await Client.connect(url)
    before = app.state.broadcaster.subscribers
    fields = "sender recipient amount { denom amount } txHash"
    sid_all = await c.subscribe(f"subscription {{ newTransfers {{ {fields} }} }}")
    sid_big = await c.subscribe(f'subscription($m: BigInt) {{ newTransfers(denom: "inj", minAmount: $m) {{ {fields} }} }}', {"m": str(m)})
    await _wait_subscribers(app, before + 2)
    publish(app, range(1, heights[-1] + 1))
    got: dict[str, list] = {sid_all: [], sid_big: []}
    while len(got[sid_all]) < len(want) or len(got[sid_big]) < len(big):
        msg = await c.recv()
        assert msg["type"] == "next", msg
        t = msg["payload"]["data"]["newTransfers"]
        got[msg["id"]].append({**t, "amount": ",".join(x["amount"] + x["denom"] for x in t["amount"])})
    assert got[sid_all] == want
    assert got[sid_big] == big and 0 < len(big) < len(want)
    await c.ws.close()
