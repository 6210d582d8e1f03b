"""What GraphQL clients expect of the transport: operation selection, media types, batches,
and queries over both WebSocket subprotocols."""

from __future__ import annotations

TWO_OPS = "query A { status { latestHeight } } query B { block(height: 2) { hash } }"


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
