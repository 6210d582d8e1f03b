"""Batched requests (a JSON array of operations, as Apollo's BatchHttpLink sends): each
operation answers on its own, with its own limits; the batch is capped and shares one cost budget."""

from __future__ import annotations

import time

from cometgraph.schema.limits import Limits


async def test_a_batch_answers_each_operation_in_order(gql, oracle, heights):
    h = heights[4]
    tx_hash, tx = next(iter(oracle.txs.items()))
    batch = [
        {"query": "query S { status { latestHeight } }", "operationName": "S"},
        {"query": "query($h: Int) { block(height: $h) { hash } }", "variables": {"h": h}},
        {"query": f'{{ tx(hash: "{tx_hash}") {{ height }} }}'},
        {"query": "{ block(height: 0) { hash } }"},  # its error stays its own
    ]
    r = await gql.client.post("/graphql", json=batch)
    assert r.status_code == 200
    got = r.json()
    assert got[:3] == [
        {"data": {"status": {"latestHeight": int(oracle.status["sync_info"]["latest_block_height"])}}},
        {"data": {"block": {"hash": oracle.blocks[str(h)]["block_id"]["hash"]}}},
        {"data": {"tx": {"height": int(tx["height"])}}},
    ]
    assert got[3]["data"] == {"block": None} and got[3]["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert r.headers["cache-control"] == "no-store"  # one answer has an error


async def test_an_all_immutable_batch_is_cacheable_and_one_latest_answer_makes_it_short_lived(gql, heights):
    both = [{"query": f"{{ block(height: {heights[1]}) {{ hash }} }}"}, {"query": f"{{ block(height: {heights[2]}) {{ hash }} }}"}]
    r = await gql.client.post("/graphql", json=both)
    assert r.headers["cache-control"].endswith("immutable") and r.headers["etag"]
    r = await gql.client.post("/graphql", json=[both[0], {"query": "{ status { latestHeight } }"}])
    assert r.headers["cache-control"] == "public, max-age=1"


async def test_the_batch_size_is_capped(client_with):
    client = await client_with(Limits(max_batch=2))
    q = {"query": "{ status { latestHeight } }"}
    assert len((await client.post("/graphql", json=[q, q])).json()) == 2
    r = await client.post("/graphql", json=[q, q, q])
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED" and "at most 2 operations" in r.json()["errors"][0]["message"]
    off = await client_with(Limits(max_batch=0))
    r = await off.post("/graphql", json=[q])
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_malformed_batches_are_clear_errors(gql):
    for body in ([], [1, 2], [{"query": "{ status { latestHeight } }"}, "x"]):
        r = await gql.client.post("/graphql", json=body)
        assert r.status_code == 400, body
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert (await gql.data("{ status { latestHeight } }"))["status"]["latestHeight"] > 0  # still serving


async def test_the_object_estimate_is_summed_over_the_batch(client_with, heights):
    page = {"query": "{ blocks(first: 100) { nodes { height } } }"}  # estimated 101 objects
    client = await client_with(Limits(max_nodes=150))
    assert "errors" not in (await client.post("/graphql", json=page)).json()
    first, second = (await client.post("/graphql", json=[page, page])).json()
    assert [n["height"] for n in first["data"]["blocks"]["nodes"]] == sorted(heights, reverse=True)[:100]
    assert second["data"] is None and second["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "already used 101 of the 150" in second["errors"][0]["message"]


async def test_each_operation_of_a_batch_has_its_own_timeout(client_with, monkeypatch):
    from cometgraph.resolvers import status as status_module

    client = await client_with(Limits(timeout_seconds=1.5))  # the fast one must finish inside it on a busy machine
    real = status_module._fixed

    def slow(*args):
        time.sleep(4.0)
        return real(*args)

    monkeypatch.setattr(status_module, "_fixed", slow)
    slow_op, fast_op = (await client.post("/graphql", json=[{"query": "{ status { latestHeight } }"}, {"query": "{ block(height: 2) { height } }"}])).json()
    assert slow_op["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert fast_op == {"data": {"block": {"height": 2}}}


def test_max_batch_comes_from_the_flag_then_the_environment(monkeypatch):
    from cometgraph.cli import build_parser, limits_from

    assert limits_from(build_parser().parse_args(["serve"])).max_batch == 10
    monkeypatch.setenv("COMETGRAPH_MAX_BATCH", "4")
    assert limits_from(build_parser().parse_args(["serve"])).max_batch == 4
    assert limits_from(build_parser().parse_args(["serve", "--max-batch", "0"])).max_batch == 0


async def test_an_operation_the_server_cannot_pick_fails_alone(gql, oracle):
    two = "query A { status { latestHeight } } query B { block(height: 2) { hash } }"
    good, unknown, missing = (
        await gql.client.post("/graphql", json=[{"query": two, "operationName": "B"}, {"query": two, "operationName": "Nope"}, {}])
    ).json()
    assert good == {"data": {"block": {"hash": oracle.blocks["2"]["block_id"]["hash"]}}}
    for refused in (unknown, missing):
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # alone, the same request is still refused as a whole, as before
    r = await gql.client.post("/graphql", json={"query": two, "operationName": "Nope"})
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_operations_sharing_a_request_pin_and_release_their_own_snapshots(gql, heights, oracle):
    """A batch's (or a connection's) operations run concurrently: one ending must not release
    the snapshot another is still reading; any one's volatile answer makes the request's volatile."""
    from cometgraph.resolvers.context import Context

    request = Context(chain=gql.chain)
    a, b = request.fork(), request.fork()
    a.pin()
    view_b = b.pin()
    a.release()
    assert a.view is None and b.view is view_b and request.view is None
    meta = await b.loaders.block_meta.load(heights[1])  # still readable
    assert (meta.height, meta.hash.hex().upper()) == (heights[1], oracle.blocks[str(heights[1])]["block_id"]["hash"])
    assert request.immutable
    b.volatile()
    assert not request.immutable and a.immutable
    b.release()
