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
    assert body["errors"] == [{"message": "Must provide operation name if query contains multiple operations.", "extensions": {"code": "BAD_REQUEST"}}]
    named = (await gql.client.post("/graphql", json={"query": TWO_OPS, "operationName": "B"})).json()
    assert named == {"data": {"block": {"hash": oracle.blocks["2"]["block_id"]["hash"]}}}
    # one operation needs no name
    assert (await gql.data("query A { status { latestHeight } }"))["status"]["latestHeight"] == int(oracle.status["sync_info"]["latest_block_height"])


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


GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _post(gql, body, accept=GRAPHQL_RESPONSE, **kw):
    return await gql.client.post("/graphql", json=body, headers={"accept": accept}, **kw)


async def test_graphql_response_json_answers_in_that_media_type_with_its_status_codes(gql, oracle, heights):
    h = heights[2]
    ok = await _post(gql, {"query": f"{{ block(height: {h}) {{ hash }} }}"})
    assert ok.status_code == 200 and ok.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert ok.json() == {"data": {"block": {"hash": oracle.blocks[str(h)]["block_id"]["hash"]}}}
    assert ok.headers["etag"] and ok.headers["cache-control"].endswith("immutable")
    # request errors: nothing ran, so no data entry and a 4xx
    for query, code in (
        ("{ block(height: 2) { hash ", "GRAPHQL_PARSE_FAILED"),
        ("{ block(height: 2) { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ blocks(first: 100) { nodes { txs { events { attributes { key } } } } } }", "LIMIT_EXCEEDED"),
        (TWO_OPS, "BAD_REQUEST"),
    ):
        r = await _post(gql, {"query": query})
        assert r.status_code == 400, (query, r.text)
        assert r.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
        body = r.json()
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == code
        assert r.headers["cache-control"] == "no-store"
    bad_json = await gql.client.post("/graphql", content=b"{nope", headers={"accept": GRAPHQL_RESPONSE, "content-type": "application/json"})
    assert bad_json.status_code == 400 and "data" not in bad_json.json()
    assert bad_json.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    # a field error happens during execution: 200, data present
    field = await _post(gql, {"query": "{ block(height: 0) { hash } }"})
    assert field.status_code == 200 and field.json()["data"] == {"block": None}
    assert field.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"


async def test_application_json_keeps_answering_as_before(gql):
    for accept in ("application/json", f"application/json, {GRAPHQL_RESPONSE};q=0.5", "*/*"):
        r = await _post(gql, {"query": "{ block(height: 2) { nope } }"}, accept=accept)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", accept
        assert r.json()["data"] is None and r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_accept_negotiation_prefers_the_better_weighted_type():
    from cometgraph.web.media import GRAPHQL_RESPONSE as G, JSON, negotiate

    assert negotiate(None) == JSON and negotiate("*/*") == JSON and negotiate("text/html") == JSON
    assert negotiate(G) == G and negotiate(f"{G}, application/json;q=0.9") == G
    assert negotiate(f"application/json, {G}") == G  # a tie goes to the GraphQL type
    assert negotiate(f"application/json, {G};q=0.8") == JSON
    assert negotiate(f"{G};q=0") == JSON
