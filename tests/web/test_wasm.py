"""CosmWasm over GraphQL against the node's own REST answers (the wasm chain,
tests/devnet/make_wasm_chain.py): codes, contracts, history, raw and paged state, cw20
(info, balances, allowances, holders ranked from ``all_accounts`` + ``balance``), cw721,
a contract's txs, and the coded errors of bad input."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path

import httpx
import pytest

from cometgraph.storage.chain import Chain
from cometgraph.storage.codec import bech32
from cometgraph.web.app import create_app
from tests.wasm_chain import smart_data, wasm_dir, wasm_oracle  # noqa: F401  (fixtures)

from .conftest import GQL


@pytest.fixture(scope="session")
async def wgql(wasm_dir, tmp_path_factory):  # noqa: F811
    chain = Chain.from_home(wasm_dir / "home", snapshot_dir=tmp_path_factory.mktemp("wasm-snaps")).open()
    app = create_app(chain)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield GQL(c, chain)


def heights(oracle) -> list[tuple[int, dict]]:
    return [(int(h), rest) for h, rest in sorted(oracle["rest"].items(), key=lambda kv: int(kv[0]))]


CONTRACT = """query($a: String!, $h: Int) { contract(address: $a, height: $h) {
  address codeId creator admin label createdHeight createdTxIndex ibcPortId
  history { operation codeId updatedHeight updatedTxIndex msg } } }"""


async def test_contracts_and_their_history_equal_the_rest(wgql, wasm_oracle):  # noqa: F811
    for h, rest in heights(wasm_oracle):
        for text, answer in rest["contract"].items():
            c = (await wgql.data(CONTRACT, {"a": text, "h": h}))["contract"]
            info = answer["contract_info"]
            assert c["address"] == text
            assert (str(c["codeId"]), c["creator"], c["admin"] or "", c["label"], c["ibcPortId"] or "") == (
                info["code_id"], info["creator"], info["admin"], info["label"], info["ibc_port_id"],
            )  # fmt: skip
            assert {"block_height": str(c["createdHeight"]), "tx_index": str(c["createdTxIndex"])} == info["created"]
            want = [
                {"operation": e["operation"], "codeId": int(e["code_id"]), "updatedHeight": int(e["updated"]["block_height"]),
                 "updatedTxIndex": int(e["updated"]["tx_index"]), "msg": e["msg"]}
                for e in rest["history"][text]["entries"]
            ]  # fmt: skip
            assert c["history"] == want


async def test_codes_and_contract_lists_equal_the_rest(wgql, wasm_oracle):  # noqa: F811
    q = """query($h: Int, $after: String) { codes(first: 1, after: $after, height: $h) {
      pageInfo { hasNextPage endCursor } nodes { id checksum creator instantiatePermission
        contracts(first: 100) { nodes { address } } } } }"""
    for h, rest in heights(wasm_oracle):
        got, after = [], None
        while True:
            page = (await wgql.data(q, {"h": h, "after": after}))["codes"]
            got += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        want = rest["codes"]["code_infos"]
        assert [(str(c["id"]), c["checksum"], c["creator"], c["instantiatePermission"]) for c in got] == [
            (c["code_id"], c["data_hash"], c["creator"], c["instantiate_permission"]) for c in want
        ]
        for c in got:
            assert [x["address"] for x in c["contracts"]["nodes"]] == rest["code_contracts"][str(c["id"])]["contracts"]
        one = await wgql.data("query($h: Int) { code(id: 99, height: $h) { id } }", {"h": h})
        assert one["code"] is None and "no such code" in rest["code"]["99"]["message"]
        for creator, answer in rest["creator_contracts"].items():
            listed = await wgql.data(
                "query($c: String, $h: Int) { contracts(creator: $c, height: $h, first: 100) { nodes { address } } }", {"c": creator, "h": h}
            )
            assert [x["address"] for x in listed["contracts"]["nodes"]] == answer["contract_addresses"]
        for cid in rest["code_contracts"]:  # both filters: the code's contracts, the creator's only
            for creator, answer in rest["creator_contracts"].items():
                both = await wgql.data(
                    "query($i: Int, $c: String, $h: Int) { contracts(codeId: $i, creator: $c, height: $h) { nodes { address } } }",
                    {"i": int(cid), "c": creator, "h": h},
                )
                mine = set(answer["contract_addresses"])
                assert [x["address"] for x in both["contracts"]["nodes"]] == [x for x in rest["code_contracts"][cid].get("contracts", []) if x in mine]
        every = await wgql.data("query($h: Int) { contracts(height: $h, first: 2) { pageInfo { hasNextPage } nodes { address } } }", {"h": h})
        assert len(every["contracts"]["nodes"]) == 2 and every["contracts"]["pageInfo"]["hasNextPage"]


async def test_state_pages_and_raw_values_equal_the_rest(wgql, wasm_oracle):  # noqa: F811
    q = """query($a: String!, $h: Int, $after: String) { contract(address: $a, height: $h) {
      state(first: 4, after: $after) { pageInfo { hasNextPage endCursor } nodes { key value keyText valueJson } } } }"""
    for h, rest in heights(wasm_oracle):
        for text, answer in rest["state"].items():
            got, after = [], None
            while True:
                page = (await wgql.data(q, {"a": text, "h": h, "after": after}))["contract"]["state"]
                got += page["nodes"]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            assert [(n["key"], n["value"]) for n in got] == [(m["key"], m["value"]) for m in answer["models"]]
        raw = "query($a: String!, $h: Int, $k: String!) { contract(address: $a, height: $h) { raw(key: $k, encoding: BASE64) { value } } }"
        for text, answers in rest["raw"].items():
            for key_hex, answer in list(answers.items())[:6] + list(answers.items())[-1:]:
                k = base64.b64encode(bytes.fromhex(key_hex)).decode()
                entry = (await wgql.data(raw, {"a": text, "h": h, "k": k}))["contract"]["raw"]
                assert (entry["value"] if entry else None) == answer["data"]


async def test_state_under_a_prefix_and_text_keys(wgql, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["token_a"]
    h = wasm_oracle["workload"]["heights"][-1]
    models = wasm_oracle["rest"][str(h)]["state"][text]["models"]
    q = """query($a: String!, $h: Int) { contract(address: $a, height: $h) {
      balances: state(prefix: "000762616c616e6365", encoding: HEX, first: 100) { nodes { key valueJson } }
      info: raw(key: "token_info") { keyText valueJson } } }"""
    c = (await wgql.data(q, {"a": text, "h": h}))["contract"]
    want = [m for m in models if m["key"].startswith("000762616C616E6365")]
    assert [n["key"] for n in c["balances"]["nodes"]] == [m["key"] for m in want] and want
    assert [n["valueJson"] for n in c["balances"]["nodes"]] == [base64.b64decode(m["value"]).decode().strip('"') for m in want]
    token_info = smart_data(wasm_oracle["rest"][str(h)]["smart"][text]["token_info"])
    assert c["info"]["keyText"] == "token_info"
    assert {k: c["info"]["valueJson"][k] for k in token_info} == token_info


CW20 = """query($a: String!, $h: Int) { contract(address: $a, height: $h) { cw721 { name }
  cw20 { name symbol decimals totalSupply minter cap holders(first: 100) { nodes { address amount } } } } }"""


async def test_cw20_views_equal_the_contract_queries(wgql, wasm_oracle):  # noqa: F811
    for h, rest in heights(wasm_oracle):
        for name in ("token_a", "token_b"):
            text = wasm_oracle["workload"]["contracts"][name]
            smart = rest["smart"][text]
            c = (await wgql.data(CW20, {"a": text, "h": h}))["contract"]
            assert c["cw721"] is None
            t, info, minter = c["cw20"], smart_data(smart["token_info"]), smart_data(smart["minter"])
            assert {k: t[k] for k in ("name", "symbol", "decimals")} == {k: info[k] for k in ("name", "symbol", "decimals")}
            assert (t["totalSupply"], t["minter"], t["cap"]) == (info["total_supply"], minter["minter"], minter["cap"])
            ranked = sorted(
                ((-int(smart_data(smart["balance"][x])["balance"]), x) for x in smart_data(smart["all_accounts"])["accounts"]),
            )
            assert [(n["address"], n["amount"]) for n in t["holders"]["nodes"]] == [(x, str(-a)) for a, x in ranked]
            fields = " ".join(f'b{i}: balance(address: "{x}")' for i, x in enumerate(smart["balance"]))
            got = await wgql.data(f"query($a: String!, $h: Int) {{ contract(address: $a, height: $h) {{ cw20 {{ {fields} }} }} }}", {"a": text, "h": h})
            assert list(got["contract"]["cw20"].values()) == [smart_data(a)["balance"] for a in smart["balance"].values()]


async def test_cw20_allowances_and_holder_pages(wgql, wasm_oracle):  # noqa: F811
    h = wasm_oracle["workload"]["heights"][-1]
    text = wasm_oracle["workload"]["contracts"]["token_a"]
    smart = wasm_oracle["rest"][str(h)]["smart"][text]
    q = "query($a: String!, $o: String!, $s: String!) { contract(address: $a) { cw20 { allowance(owner: $o, spender: $s) { allowance expires } } } }"
    checked = 0
    for owner, answer in smart["all_allowances"].items():
        for e in smart_data(answer)["allowances"]:
            got = (await wgql.data(q, {"a": text, "o": owner, "s": e["spender"]}))["contract"]["cw20"]["allowance"]
            assert got == {"allowance": e["allowance"], "expires": e["expires"]}
            checked += 1
    assert checked >= 2
    assert (await wgql.data(q, {"a": text, "o": text, "s": text}))["contract"]["cw20"]["allowance"] is None
    pq = "query($a: String!, $after: String) { contract(address: $a) { cw20 { holders(first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { address } } } } }"
    paged, after = [], None
    while True:
        page = (await wgql.data(pq, {"a": text, "after": after}))["contract"]["cw20"]["holders"]
        paged += [n["address"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(paged) == sorted(smart_data(smart["all_accounts"])["accounts"]) and len(paged) == len(set(paged)) > 2


async def test_cw721_views_equal_the_contract_queries(wgql, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["nft"]
    q = """query($a: String!, $h: Int, $o: String) { contract(address: $a, height: $h) { cw20 { name }
      cw721 { name symbol numTokens tokens(owner: $o, first: 100) { nodes { tokenId owner tokenUri extension approvals } } } } }"""
    for h, rest in heights(wasm_oracle):
        smart = rest["smart"][text]
        c = (await wgql.data(q, {"a": text, "h": h}))["contract"]
        assert c["cw20"] is None
        col, info = c["cw721"], smart_data(smart["contract_info"])
        assert (col["name"], col["symbol"], col["numTokens"]) == (info["name"], info["symbol"], smart_data(smart["num_tokens"])["count"])
        assert [t["tokenId"] for t in col["tokens"]["nodes"]] == smart_data(smart["all_tokens"])["tokens"]
        for t in col["tokens"]["nodes"]:
            assert {"owner": t["owner"], "approvals": t["approvals"]} == smart_data(smart["owner_of"][t["tokenId"]])
            assert {"token_uri": t["tokenUri"], "extension": t["extension"]} == smart_data(smart["nft_info"][t["tokenId"]])
        for owner, answer in smart["tokens"].items():
            mine = (await wgql.data(q, {"a": text, "h": h, "o": owner}))["contract"]["cw721"]["tokens"]["nodes"]
            assert [t["tokenId"] for t in mine] == smart_data(answer)["tokens"]
    one = 'query($a: String!) { contract(address: $a) { cw721 { a: token(id: "comet-1") { owner } b: token(id: "comet-404") { owner } } } }'
    got = (await wgql.data(one, {"a": text}))["contract"]["cw721"]
    h = wasm_oracle["workload"]["heights"][-1]
    assert got["a"]["owner"] == smart_data(wasm_oracle["rest"][str(h)]["smart"][text]["owner_of"]["comet-1"])["owner"] and got["b"] is None


async def test_contract_txs_are_the_txs_that_touched_it(wgql, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["token_b"]
    q = "query($a: String!) { contract(address: $a) { txs(first: 100, orderBy: ASC) { nodes { hash height } } } }"
    got = [n["hash"] for n in (await wgql.data(q, {"a": text}))["contract"]["txs"]["nodes"]]
    want = [
        t["hash"] for t in wasm_oracle["workload"]["workload_txs"]
        if any(a["key"] == "_contract_address" and a["value"] == text and e["type"] in ("instantiate", "execute", "migrate")
               for e in wasm_oracle["rest_txs"][t["hash"]]["tx_response"]["events"] for a in e["attributes"])
    ]  # fmt: skip
    assert got == want and len(want) >= 3


async def test_bad_input_gets_coded_errors_and_unknowns_are_null(wgql, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["token_a"]
    alice = wasm_oracle["workload"]["accounts"]["alice"]
    assert (await wgql.data("query($a: String!) { contract(address: $a) { address } }", {"a": alice}))["contract"] is None
    err = await wgql.error('{ contract(address: "cosmos1notanaddress") { address } }')
    assert err["extensions"]["code"] == "BAD_INPUT"
    err = await wgql.error('query($a: String!) { contract(address: $a) { raw(key: "zz", encoding: HEX) { value } } }', {"a": text})
    assert err["extensions"]["code"] == "BAD_INPUT" and "hex" in err["message"]
    err = await wgql.error('query($a: String!) { contract(address: $a) { raw(key: "@@", encoding: BASE64) { value } } }', {"a": text})
    assert err["extensions"]["code"] == "BAD_INPUT"
    err = await wgql.error('query($a: String!) { contract(address: $a) { cw20 { balance(address: "inj1xyz") } } }', {"a": text})
    assert err["extensions"]["code"] == "BAD_INPUT"
    err = await wgql.error("query($a: String!) { contract(address: $a) { state(first: 101) { nodes { key } } } }", {"a": text})
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED"
    err = await wgql.error('query($a: String!) { contract(address: $a) { state(after: "nope") { nodes { key } } } }', {"a": text})
    assert err["extensions"]["code"] == "BAD_INPUT"
    latest = wasm_oracle["workload"]["latest_height"]
    err = await wgql.error("query($a: String!, $h: Int) { contract(address: $a, height: $h) { address } }", {"a": text, "h": latest + 5})
    assert err["extensions"]["code"] == "NOT_FOUND"
    assert (await wgql.data('query($a: String!) { contract(address: $a) { raw(key: "no-such-key") { value } } }', {"a": text}))["contract"]["raw"] is None


async def test_wasm_messages_decode_to_the_rest_json(wgql, wasm_oracle):  # noqa: F811
    q = "query($h: String!) { tx(hash: $h) { messages { typeUrl json } } }"
    types = set()
    for t in wasm_oracle["workload"]["workload_txs"]:
        want = wasm_oracle["rest_txs"][t["hash"]]["tx"]["body"]["messages"]
        got = [m["json"] for m in (await wgql.data(q, {"h": t["hash"]}))["tx"]["messages"]]
        for g, w in zip(got, want, strict=True):
            if isinstance(w.get("wasm_byte_code"), dict):  # the oracle keeps the upload's sha256, not its 1 MB of base64
                g = {**g, "wasm_byte_code": {"sha256": hashlib.sha256(base64.b64decode(g["wasm_byte_code"])).hexdigest()}}
            assert g == w
            types.add(w["@type"])
    assert {
        f"/cosmwasm.wasm.v1.Msg{n}"
        for n in ("StoreCode", "InstantiateContract", "InstantiateContract2", "ExecuteContract", "MigrateContract", "UpdateAdmin", "ClearAdmin")
    } <= types


async def test_wasm_events_are_searchable_like_any_other(wgql, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["nft"]
    q = "query($q: String!) { txs(query: $q, first: 100, orderBy: ASC) { nodes { hash } } }"
    got = [n["hash"] for n in (await wgql.data(q, {"q": f"wasm._contract_address='{text}'"}))["txs"]["nodes"]]
    want = [
        t["hash"] for t in wasm_oracle["workload"]["workload_txs"]
        if any(e["type"] == "wasm" and {"key": "_contract_address", "value": text, "index": True} in e["attributes"]
               for e in wasm_oracle["rest_txs"][t["hash"]]["tx_response"]["events"])
    ]  # fmt: skip
    assert got == want and len(want) >= 5


async def test_account_cw20_balances_are_every_token_it_holds(wgql, wasm_oracle):  # noqa: F811
    q = "query($a: String!, $h: Int) { account(address: $a, height: $h) { cw20Balances { contract balance token { symbol } } } }"
    tokens = {wasm_oracle["workload"]["contracts"][n]: n for n in ("token_a", "token_b")}
    nonzero = 0
    for h, rest in heights(wasm_oracle):
        for holder in wasm_oracle["workload"]["accounts"].values():
            acc = (await wgql.data(q, {"a": holder, "h": h}))["account"]
            got = [(b["contract"], b["balance"], b["token"]["symbol"]) for b in (acc or {"cw20Balances": []})["cw20Balances"]]
            want = []
            for text in sorted(tokens, key=lambda t: bech32.decode(t)[1]):  # by address bytes
                amount = smart_data(rest["smart"][text]["balance"][holder])["balance"]
                if amount != "0":
                    want.append((text, amount, smart_data(rest["smart"][text]["token_info"])["symbol"]))
            assert got == want
            nonzero += len(want)
    assert nonzero >= 6


@pytest.fixture(scope="module")
def wasm_server(wasm_dir, tmp_path_factory):  # noqa: F811
    from tests.support import serve_in_thread

    chain = Chain.from_home(wasm_dir / "home", snapshot_dir=tmp_path_factory.mktemp("wasm-sub-snaps")).open()
    app = create_app(chain)
    with serve_in_thread(app) as port:
        yield app, f"ws://127.0.0.1:{port}/graphql"


def contract_events(oracle: dict, contract: str | None) -> list[tuple[str, str, str]]:
    """(tx hash, contract, event type) of every contract event, in chain order, from the REST's tx answers."""
    out = []
    for t in sorted(oracle["workload"]["workload_txs"], key=lambda t: (t["height"], t["index"])):
        for e in oracle["rest_txs"][t["hash"]]["tx_response"]["events"]:
            addr = next((a["value"] for a in e["attributes"] if a["key"] == "_contract_address"), None)
            if (e["type"] == "wasm" or e["type"].startswith("wasm-")) and contract in (None, addr):
                out.append((t["hash"], addr, e["type"]))
    return out


@pytest.mark.parametrize("which", [None, "stake"])
async def test_new_contract_events_stream_every_contract_event(wasm_server, wasm_oracle, which):  # noqa: F811
    from tests.web.test_subscriptions import Client, _wait_subscribers, publish

    app, url = wasm_server
    contract = wasm_oracle["workload"]["contracts"][which] if which else None
    want = contract_events(wasm_oracle, contract)
    assert len(want) >= (1 if which else 15)
    for _ in range(250):  # the previous test's subscription ends when its socket closes
        if app.state.broadcaster.subscribers == 0:
            break
        await asyncio.sleep(0.02)
    assert app.state.broadcaster.subscribers == 0
    client = await Client.connect(url)
    try:
        sid = await client.subscribe(
            "subscription($c: String) { newContractEvents(contract: $c) { contract type height tx { hash } attributes { key value } } }", {"c": contract}
        )
        await _wait_subscribers(app, 1)  # subscribed before the heights are published
        publish(app, range(1, wasm_oracle["workload"]["latest_height"] + 1))
        got = []
        while len(got) < len(want):
            msg = await client.recv()
            assert msg["type"] == "next" and msg["id"] == sid, msg
            e = msg["payload"]["data"]["newContractEvents"]
            got.append((e["tx"]["hash"], e["contract"], e["type"]))
        assert got == want
    finally:
        await client.ws.close()


async def test_new_contract_events_refuse_a_bad_address(wasm_server):
    from tests.web.test_subscriptions import Client

    _, url = wasm_server
    client = await Client.connect(url)
    try:
        await client.subscribe('subscription { newContractEvents(contract: "inj1bad") { type } }')
        msg = await client.recv()
        assert msg["type"] in ("next", "error"), msg
        errors = msg["payload"]["errors"] if msg["type"] == "next" else msg["payload"]
        assert errors[0]["extensions"]["code"] == "BAD_INPUT"
    finally:
        await client.ws.close()


async def test_the_readme_example_runs_and_ranks_the_holders(wgql, wasm_oracle):  # noqa: F811
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### CosmWasm contracts and tokens", 1)[1]
    query = section.split("```graphql", 1)[1].split("```", 1)[0]
    w = wasm_oracle["workload"]
    h = w["heights"][-1]
    token, alice, bob = w["contracts"]["token_a"], w["accounts"]["alice"], w["accounts"]["bob"]
    query = query.replace('contract(address: "inj1…", height: 42)', f'contract(address: "{token}", height: {h})')
    query = query.replace('balance(address: "inj1…")', f'balance(address: "{bob}")')
    query = query.replace('allowance(owner: "inj1…", spender: "inj1…")', f'allowance(owner: "{alice}", spender: "{bob}")')
    query = query.replace('account(address: "inj1…")', f'account(address: "{bob}")')
    assert "inj1…" not in query
    data = await wgql.data(query)
    smart = wasm_oracle["rest"][str(h)]["smart"][token]
    top = sorted((-int(smart_data(smart["balance"][x])["balance"]), x) for x in smart_data(smart["all_accounts"])["accounts"])[:10]
    assert [(n["address"], n["amount"]) for n in data["contract"]["cw20"]["holders"]["nodes"]] == [(x, str(-a)) for a, x in top]
    assert data["contract"]["cw20"]["balance"] == smart_data(smart["balance"][bob])["balance"]
    assert len(data["contract"]["state"]["nodes"]) == len(smart_data(smart["all_accounts"])["accounts"])


async def test_a_filtered_contract_scan_past_its_budget_resumes_from_the_end_cursor(wgql, wasm_oracle, monkeypatch):  # noqa: F811
    from cometgraph.resolvers import wasm as wasm_resolvers

    monkeypatch.setattr(wasm_resolvers, "SCAN_BUDGET", 1)
    h = wasm_oracle["workload"]["heights"][-1]
    bob = wasm_oracle["workload"]["accounts"]["bob"]
    q = "query($c: String, $h: Int, $after: String) { contracts(codeId: 1, creator: $c, height: $h, after: $after) { pageInfo { hasNextPage endCursor } nodes { address } } }"
    got, after, pages = [], None, 0
    while True:
        page = (await wgql.data(q, {"c": bob, "h": h, "after": after}))["contracts"]
        got += [x["address"] for x in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    rest = wasm_oracle["rest"][str(h)]
    mine = set(rest["creator_contracts"][bob]["contract_addresses"])
    assert got == [x for x in rest["code_contracts"]["1"]["contracts"] if x in mine] and got
    assert pages >= len(rest["code_contracts"]["1"]["contracts"])  # one entry looked at per request
