"""What GraphQL clients expect of the transport: operation selection, media types, batches,
and queries over both WebSocket subprotocols."""

from __future__ import annotations

import pytest

from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app
from tests.support import serve_in_thread
from tests.web.test_subscriptions import publish

TWO_OPS = "query A { status { latestHeight } } query B { block(height: 2) { hash } }"


@pytest.fixture(scope="module")
def sub_server(sample_home, tmp_path_factory):
    """A real uvicorn whose broadcaster the test feeds (as the refresher would)."""
    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path_factory.mktemp("proto-snaps")).open()
    app = create_app(chain)
    with serve_in_thread(app) as port:
        yield app, f"ws://127.0.0.1:{port}/graphql"


async def test_several_operations_without_an_operation_name_are_the_specs_error(gql, oracle):
    body = await gql.raw(TWO_OPS)
    assert body["data"] is None
    assert body["errors"] == [
        {"message": "Must provide operation name if query contains multiple operations.", "extensions": {"code": "BAD_REQUEST"}}
    ]
    named = (await gql.client.post("/graphql", json={"query": TWO_OPS, "operationName": "B"})).json()
    assert named == {"data": {"block": {"hash": oracle.blocks["2"]["block_id"]["hash"]}}}
    # one operation needs no name
    assert (await gql.data("query A { status { latestHeight } }"))["status"]["latestHeight"] == int(
        oracle.status["sync_info"]["latest_block_height"]
    )


def test_gql_default_websocket_transport_runs_queries_and_subscriptions(sub_server, oracle, heights):
    """gql's WebsocketsTransport offers the legacy graphql-ws protocol first: queries must work
    there too, next to a subscription on the same connection."""
    import asyncio

    from gql import Client, gql as parse
    from gql.transport.websockets import WebsocketsTransport

    app, url = sub_server

    async def run():
        transport = WebsocketsTransport(url=url)
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            assert transport.subprotocol == "graphql-ws"
            got = []
            before = app.state.broadcaster.subscribers

            async def watch():
                async for r in session.subscribe(parse("subscription { newBlocks { height hash } }")):
                    got.append(r["newBlocks"])
                    if len(got) == 2:
                        return

            task = asyncio.create_task(watch())
            while app.state.broadcaster.subscribers <= before:
                await asyncio.sleep(0.02)
            h = heights[3]
            query = parse("query($h: Int) { block(height: $h) { hash numTxs } }")
            query.variable_values = {"h": h}
            block = await session.execute(query)
            publish(app, range(heights[0], heights[0] + 2))
            await asyncio.wait_for(task, 30)
            # a query after the subscription delivered still answers on the same connection
            status = await session.execute(parse("{ status { latestHeight } }"))
            return block, got, status

    block, got, status = asyncio.run(asyncio.wait_for(run(), 60))
    h = heights[3]
    assert block == {"block": {"hash": oracle.blocks[str(h)]["block_id"]["hash"], "numTxs": len(oracle.blocks[str(h)]["block"]["data"]["txs"] or [])}}
    assert got == [{"height": x, "hash": oracle.blocks[str(x)]["block_id"]["hash"]} for x in (heights[0], heights[0] + 1)]
    assert status == {"status": {"latestHeight": int(oracle.status["sync_info"]["latest_block_height"])}}


async def test_query_errors_over_graphql_ws_keep_their_codes(sub_server):
    import json

    import websockets

    _, url = sub_server
    async with websockets.connect(url, subprotocols=["graphql-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"type": "start", "id": "1", "payload": {"query": "{ block(height: 0) { hash } }"}}))
        data = json.loads(await ws.recv())
        assert data["type"] == "data" and data["payload"]["errors"][0]["extensions"]["code"] == "BAD_INPUT"
        assert json.loads(await ws.recv()) == {"type": "complete", "id": "1"}
