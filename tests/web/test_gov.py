"""Governance, params, mint, community pool, denom traces and metadata, authz grants and fee
allowances through GraphQL, against the node's own REST answers (``oracle/modules.json``) at
every recorded height; coded errors for malformed ids, addresses, hashes and modules."""

from __future__ import annotations

PROPOSAL = """
query($id: Int!, $h: Int) { proposal(id: $id, height: $h) {
  id status title summary metadata proposer expedited failedReason
  messages { typeUrl json } submitTime depositEndTime votingStartTime votingEndTime
  totalDeposit { denom amount } finalTallyResult { yes abstain no noWithVeto }
  tally { yes abstain no noWithVeto }
  votes(first: 100) { nodes { voter metadata options { option weight } } }
  deposits(first: 100) { nodes { depositor amount { denom amount } } }
} }"""


def _tally(t: dict) -> dict:
    return {"yes": t["yes_count"], "abstain": t["abstain_count"], "no": t["no_count"], "noWithVeto": t["no_with_veto_count"]}


def _coins(cs: list[dict]) -> list[dict]:
    return [{"denom": c["denom"], "amount": c["amount"]} for c in cs]


async def test_proposals_equal_rest_at_every_recorded_height(gql, oracle):
    m = oracle.modules
    open_tallies = 0
    for h in m["heights"]:
        rec = m[str(h)]
        for pid, ans in rec["gov_v1_proposal"].items():
            got = (await gql.data(PROPOSAL, {"id": int(pid), "h": h}))["proposal"]
            if "proposal" not in ans:
                assert got is None, (h, pid)
                continue
            p = ans["proposal"]
            assert got["id"] == int(p["id"]) and got["status"] == p["status"].removeprefix("PROPOSAL_STATUS_"), (h, pid)
            for ours, theirs in [("title", "title"), ("summary", "summary"), ("metadata", "metadata"), ("proposer", "proposer"), ("expedited", "expedited")]:
                assert got[ours] == p[theirs], (h, pid, ours)
            assert got["failedReason"] == p["failed_reason"]
            assert [x["json"] for x in got["messages"]] == p["messages"], (h, pid)
            assert [x["typeUrl"] for x in got["messages"]] == [x["@type"] for x in p["messages"]]
            for ours, theirs in [
                ("submitTime", "submit_time"),
                ("depositEndTime", "deposit_end_time"),
                ("votingStartTime", "voting_start_time"),
                ("votingEndTime", "voting_end_time"),
            ]:
                assert got[ours] == p[theirs], (h, pid, ours)
            assert got["totalDeposit"] == _coins(p["total_deposit"])
            assert got["finalTallyResult"] == _tally(p["final_tally_result"])
            assert got["tally"] == _tally(rec["gov_v1_tally"][pid]["tally"]), (h, pid)
            votes = rec["gov_v1_votes"][pid]["votes"]
            assert got["votes"]["nodes"] == [{"voter": v["voter"], "metadata": v["metadata"], "options": v["options"]} for v in votes], (h, pid)
            deposits = rec["gov_v1_deposits"][pid]["deposits"]
            assert got["deposits"]["nodes"] == [{"depositor": d["depositor"], "amount": _coins(d["amount"])} for d in deposits], (h, pid)
            open_tallies += p["status"] == "PROPOSAL_STATUS_VOTING_PERIOD" and got["tally"]["yes"] != "0"
    assert open_tallies >= 3


async def test_proposal_list_filters_and_pages(gql, oracle):
    m = oracle.modules
    accounts = oracle.workload["accounts"]
    q = """query($s: ProposalStatus, $v: String, $d: String, $a: String, $h: Int) {
      proposals(status: $s, voter: $v, depositor: $d, first: 2, after: $a, height: $h) { nodes { id status } pageInfo { hasNextPage endCursor } } }"""
    for h in m["heights"]:
        rec = m[str(h)]
        want = [int(p["id"]) for p in rec["gov_v1_proposals"]["proposals"]]
        got, after = [], None
        while True:
            page = (await gql.data(q, {"a": after, "h": h}))["proposals"]
            got += [p["id"] for p in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert got == want, h
        for status in ("VOTING_PERIOD", "PASSED", "REJECTED", "DEPOSIT_PERIOD"):
            nodes = (await gql.data(q.replace("first: 2", "first: 100"), {"s": status, "h": h}))["proposals"]["nodes"]
            assert [p["id"] for p in nodes] == [int(p["id"]) for p in rec["gov_v1_proposals"]["proposals"] if p["status"].endswith(status)], (h, status)
        for name in ("validator", "alice", "carol", "dave"):
            addr = accounts[name]["address"]
            voted = [int(pid) for pid, a in rec["gov_v1_votes"].items() if any(v["voter"] == addr for v in a.get("votes", []))]
            nodes = (await gql.data(q.replace("first: 2", "first: 100"), {"v": addr, "h": h}))["proposals"]["nodes"]
            assert [p["id"] for p in nodes] == sorted(voted), (h, name)
            deposited = [int(pid) for pid, a in rec["gov_v1_deposits"].items() if any(d["depositor"] == addr for d in a.get("deposits", []))]
            nodes = (await gql.data(q.replace("first: 2", "first: 100"), {"d": addr, "h": h}))["proposals"]["nodes"]
            assert [p["id"] for p in nodes] == sorted(deposited), (h, name)


async def test_votes_page_by_voter(gql, oracle):
    pid = oracle.workload["gov"]["proposal_ids"]["open"]
    q = "query($id: Int!, $a: String) { proposal(id: $id) { votes(first: 1, after: $a) { nodes { voter } pageInfo { hasNextPage endCursor } } } }"
    got, after = [], None
    while True:
        page = (await gql.data(q, {"id": pid, "a": after}))["proposal"]["votes"]
        got += [v["voter"] for v in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    last = str(oracle.modules["heights"][-1])
    assert got == [v["voter"] for v in oracle.modules[last]["gov_v1_votes"][str(pid)]["votes"]] and len(got) >= 3


async def test_params_mint_and_community_pool_equal_rest(gql, oracle):
    m = oracle.modules
    keys = {
        "auth": "auth_params",
        "bank": "bank_params",
        "staking": "staking_params",
        "slashing": "slashing_params",
        "distribution": "distribution_params",
        "mint": "mint_params",
    }
    for h in m["heights"]:
        rec = m[str(h)]
        q = "query($h: Int) { govParams(height: $h) communityPool(height: $h) { denom amount } mint(height: $h) { inflation annualProvisions params } }"
        d = await gql.data(q, {"h": h})
        assert d["govParams"] == rec["gov_v1_params_tallying"]["params"]
        assert d["communityPool"] == rec["community_pool"]["pool"]
        assert d["mint"] == {
            "inflation": rec["mint_inflation"]["inflation"],
            "annualProvisions": rec["mint_annual_provisions"]["annual_provisions"],
            "params": rec["mint_params"]["params"],
        }
        for module, key in keys.items():
            got = (await gql.data("query($m: String!, $h: Int) { params(module: $m, height: $h) }", {"m": module, "h": h}))["params"]
            assert got == rec[key]["params"], (h, module)


async def test_denom_traces_and_metadata_equal_rest(gql, oracle):
    m = oracle.modules
    last = m[str(m["heights"][-1])]
    for text, ans in last["denom_trace"].items():
        body = await gql.raw("query($x: String!) { denomTrace(hash: $x) { path baseDenom hash fullPath } }", {"x": text})
        if "denom_trace" in ans:
            assert body["data"]["denomTrace"]["path"] == ans["denom_trace"]["path"]
            assert body["data"]["denomTrace"]["baseDenom"] == ans["denom_trace"]["base_denom"]
            assert body["data"]["denomTrace"]["hash"] == text.upper()
        elif ans["code"] == 5:
            assert body["data"]["denomTrace"] is None
        else:
            assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    q = "query($d: String!, $h: Int) { denomMetadata(denom: $d, height: $h) { description base display name symbol uri uriHash exponent denomUnits { denom exponent aliases } } }"
    for h in m["heights"]:
        for denom, ans in m[str(h)]["denom_metadata"].items():
            got = (await gql.data(q, {"d": denom, "h": h}))["denomMetadata"]
            if "metadata" not in ans:
                assert got is None
                continue
            md = ans["metadata"]
            assert got["denomUnits"] == md["denom_units"]
            assert (got["base"], got["display"], got["name"], got["symbol"], got["uri"], got["uriHash"], got["description"]) == (
                md["base"],
                md["display"],
                md["name"],
                md["symbol"],
                md["uri"],
                md["uri_hash"],
                md["description"],
            )


async def test_coins_name_their_denoms(gql, oracle):
    """Every balance of every account gains its trace and metadata (one batch per request)."""
    m = oracle.modules
    last = m["heights"][-1]
    traces = {"ibc/" + k: v["denom_trace"] for k, v in m[str(last)]["denom_trace"].items() if "denom_trace" in v}
    metas = {k: v.get("metadata") for k, v in m[str(last)]["denom_metadata"].items()}
    q = "query($a: String!) { account(address: $a) { balances { denom amount trace { path baseDenom } metadata { symbol display exponent } } } }"
    seen_ibc = 0
    for name in ("alice", "bob", "carol", "validator"):
        acc = (await gql.data(q, {"a": oracle.workload["accounts"][name]["address"]}))["account"]
        for b in acc["balances"]:
            t = traces.get(b["denom"])
            assert b["trace"] == (None if t is None else {"path": t["path"], "baseDenom": t["base_denom"]}), b["denom"]
            md = metas.get(b["denom"])
            if md is None:
                assert b["metadata"] is None
            else:
                unit = next((u["exponent"] for u in md["denom_units"] if u["denom"] == md["display"]), 0)
                assert b["metadata"] == {"symbol": md["symbol"], "display": md["display"], "exponent": unit}
            seen_ibc += t is not None
    assert seen_ibc >= 3


async def test_grants_equal_rest(gql, oracle):
    m = oracle.modules
    gq = "query($g: String, $e: String, $h: Int) { authzGrants(granter: $g, grantee: $e, height: $h) { granter grantee authorization expiration msgTypeUrl } }"
    fq = "query($g: String, $e: String, $h: Int) { feeAllowances(granter: $g, grantee: $e, height: $h) { granter grantee allowance } }"
    for h in m["heights"]:
        rec = m[str(h)]
        for addr, ans in rec["authz_granter"].items():
            got = (await gql.data(gq, {"g": addr, "h": h}))["authzGrants"]
            assert [{k: g[k] for k in ("granter", "grantee", "authorization", "expiration")} for g in got] == ans["grants"], (h, addr)
        for addr, ans in rec["authz_grantee"].items():
            got = (await gql.data(gq, {"e": addr, "h": h}))["authzGrants"]
            assert [{k: g[k] for k in ("granter", "grantee", "authorization", "expiration")} for g in got] == ans["grants"], (h, addr)
        for addr, ans in rec["feegrant_allowances"].items():
            assert (await gql.data(fq, {"e": addr, "h": h}))["feeAllowances"] == ans["allowances"], (h, addr)
        for addr, ans in rec["feegrant_issued"].items():
            assert (await gql.data(fq, {"g": addr, "h": h}))["feeAllowances"] == ans["allowances"], (h, addr)


async def test_bad_inputs_get_coded_errors(gql, oracle):
    alice = oracle.workload["accounts"]["alice"]["address"]
    cases = [
        ("{ proposal(id: -1) { id } }", "BAD_INPUT"),
        ('{ proposals(voter: "inj1notanaddress") { nodes { id } } }', "BAD_INPUT"),
        ('{ proposals(depositor: "cosmos1zzzz") { nodes { id } } }', "BAD_INPUT"),
        ('{ proposals(after: "bm90LWEtY3Vyc29y") { nodes { id } } }', "BAD_INPUT"),
        ("{ proposals(first: 1000) { nodes { id } } }", "LIMIT_EXCEEDED"),
        ('{ denomTrace(hash: "ibc/XYZ") { path } }', "BAD_INPUT"),
        ('{ denomTrace(hash: "1234") { path } }', "BAD_INPUT"),
        ('{ params(module: "nosuch") }', "BAD_INPUT"),
        ("{ authzGrants { granter } }", "BAD_INPUT"),
        ('{ authzGrants(granter: "inj1bad") { granter } }', "BAD_INPUT"),
        ('{ feeAllowances(grantee: "nope") { granter } }', "BAD_INPUT"),
        ("{ govParams(height: 0) }", "BAD_INPUT"),
        ("{ mint(height: 99999999) { inflation } }", "NOT_FOUND"),
        (f'{{ proposals(voter: "{alice}", height: 99999999) {{ nodes {{ id }} }} }}', "NOT_FOUND"),
    ]
    for query, code in cases:
        err = await gql.error(query)
        assert err["extensions"]["code"] == code, (query, err)


async def test_the_coins_of_a_request_are_named_in_one_batch(gql, oracle, monkeypatch):
    """Every `ibc/` coin of a request asks the transfer store once, in one batch (a DataLoader)."""
    from cometgraph.storage.app.chainparams import ChainParams

    batches: list[int] = []
    real = ChainParams.denom_traces_many

    def counted(self, hashes, version):
        batches.append(len(hashes))
        return real(self, hashes, version)

    monkeypatch.setattr(ChainParams, "denom_traces_many", counted)
    names = ("alice", "bob", "carol", "validator")
    fields = " ".join(f'{n}: account(address: "{oracle.workload["accounts"][n]["address"]}") {{ balances {{ denom trace {{ baseDenom }} }} }}' for n in names)
    d = await gql.data(f"{{ {fields} }}")
    ibc = {b["denom"] for n in names for b in d[n]["balances"] if b["denom"].startswith("ibc/")}
    assert len(ibc) >= 3 and all(b["trace"] for n in names for b in d[n]["balances"] if b["denom"].startswith("ibc/"))
    assert len(batches) == 1 and batches[0] == len(ibc)
