"""The three older-generation archives served through the GraphQL API (skipped without ../shared).

No node of these generations runs here, so the chains are their own oracle: every block
served must verify (its hashes recompute from the stored bytes), consecutive blocks must
chain, and the validator sets must be the ones the blocks were signed with.
"""

from __future__ import annotations

import shutil

import httpx
import pytest

from cometgraph.sample import unpack
from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app

pytestmark = pytest.mark.legacy
ARCHIVES = ["tm034-sdk044-onomy-testnet1", "tm033-sdk039-testblockchain", "tm032-nameservice"]


@pytest.fixture(scope="module", params=ARCHIVES)
async def legacy(request, legacy_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    unpack(legacy_dir / f"{request.param}.tar.zst", root)
    data = sorted(root.rglob("blockstore.db"))[0].parent
    chain = Chain.from_home(data_dir=data, snapshot_dir=tmp_path_factory.mktemp("snaps"))
    chain.open()
    app = create_app(chain)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:

            async def q(query: str, variables: dict | None = None) -> dict:
                body = (await c.post("/graphql", json={"query": query, "variables": variables or {}})).json()
                assert not body.get("errors"), body["errors"]
                return body["data"]

            yield request.param, q, chain
    shutil.rmtree(root, ignore_errors=True)


async def test_an_old_chain_serves_status_and_verified_chained_blocks(legacy):
    name, q, _ = legacy
    st = (await q("{ status { chainId latestHeight earliestHeight } }"))["status"]
    assert st["latestHeight"] > st["earliestHeight"] >= 1 and st["chainId"]
    d = await q("{ blocks(first: 20) { nodes { height hash lastBlockHash verified chainId time numTxs } } }")
    blocks = d["blocks"]["nodes"]
    assert [b["height"] for b in blocks] == list(range(st["latestHeight"], st["latestHeight"] - len(blocks), -1))
    assert all(b["verified"] for b in blocks), name
    for newer, older in zip(blocks, blocks[1:]):
        assert newer["lastBlockHash"] == older["hash"]
    first = (await q("{ block(height: 1) { hash verified } }"))["block"] if st["earliestHeight"] == 1 else None
    if first:
        assert first["verified"]
    by_hash = (await q("query($h: String) { block(hash: $h) { height } }", {"h": blocks[3]["hash"].lower()}))["block"]
    assert by_hash == {"height": blocks[3]["height"]}


async def test_an_old_chain_serves_the_validators_that_signed_its_blocks(legacy):
    name, q, _ = legacy
    top = (await q("{ status { latestHeight } }"))["status"]["latestHeight"]
    for h in (2, top // 2, top - 1):
        d = await q(
            "query($h: Int) { validators(height: $h) { address votingPower pubKeyType } block(height: $h) { lastCommit { signatures { validatorAddress blockIdFlag } } } }",
            {"h": h},
        )
        addresses = {v["address"] for v in d["validators"]}
        assert addresses and all(int(v["votingPower"]) > 0 for v in d["validators"])
        signers = {s["validatorAddress"] for s in d["block"]["lastCommit"]["signatures"] if s["blockIdFlag"] == "BLOCK_ID_FLAG_COMMIT"}
        # block h carries the commit of h-1, signed by the set of h-1
        prev = {v["address"] for v in (await q("query($h: Int) { validators(height: $h) { address } }", {"h": h - 1}))["validators"]}
        assert signers and signers <= prev, name


@pytest.mark.parametrize("legacy", ["tm034-sdk044-onomy-testnet1"], indirect=True)
async def test_sdk044_gov_params_come_from_x_params_as_in_genesis(legacy):
    """SDK 0.44 kept gov params in the x/params store; with no tx on this chain they are the
    genesis doc's at every retained height. ``govParams`` and ``params(module: "gov")`` answer
    the v1 REST shape: genesis's ``deposit_params``, ``voting_params`` and ``tally_params``
    fields in one object (tests/storage/test_legacy_params.py checks every module)."""
    _, q, chain = legacy
    view = chain.pin()
    try:
        gov = view.state.load_genesis()["app_state"]["gov"]
    finally:
        view.release()
    want = {**gov["deposit_params"], **gov["voting_params"], **gov["tally_params"]}
    for h in (100, 5000, 10001):
        d = await q(
            'query($h: Int) { govParams(height: $h) params(module: "gov", height: $h) proposals(height: $h) { nodes { id } } proposal(id: 1, height: $h) { id } }',
            {"h": h},
        )
        assert d == {"govParams": want, "params": want, "proposals": {"nodes": []}, "proposal": None}, h
