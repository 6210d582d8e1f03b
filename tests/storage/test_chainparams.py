"""Module params, the minter, ICS-20 denom traces, bank denom metadata, authz grants and fee
allowances against the node's own REST answers (``oracle/modules.json``) at every recorded
height of the sample chain."""

from __future__ import annotations

import pytest

from cometgraph.storage.app import AppStore
from cometgraph.storage.app.bank import BankReader
from cometgraph.storage.app.chainparams import ChainParams, parse_ibc_hash
from cometgraph.storage.app.distribution import DistributionReader
from cometgraph.storage.app.gov import GovReader
from cometgraph.storage.app.grants import GrantsReader
from cometgraph.storage.app.slashing import SlashingReader
from cometgraph.storage.app.staking import StakingReader
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import InvalidInput
from cometgraph.storage.models import ProtoTime

REST_KEYS = {
    "auth": "auth_params",
    "bank": "bank_params",
    "staking": "staking_params",
    "slashing": "slashing_params",
    "distribution": "distribution_params",
    "mint": "mint_params",
    "transfer": "ibc_transfer_params",
}


@pytest.fixture(scope="module")
def params(app, prefixes) -> ChainParams:
    staking = StakingReader(app, prefixes)
    return ChainParams(app, staking, SlashingReader(app, prefixes), DistributionReader(app, prefixes, staking), GovReader(app))


@pytest.fixture(scope="module")
def grants(app, prefixes) -> GrantsReader:
    return GrantsReader(app, prefixes)


@pytest.fixture(scope="module")
def modules(oracle) -> dict:
    return oracle.modules


def test_module_params_equal_rest(params, modules):
    for h in modules["heights"]:
        for module, key in REST_KEYS.items():
            assert params.params(module, h) == modules[str(h)][key]["params"], (h, module)
        assert params.params("gov", h) == modules[str(h)]["gov_v1_params_voting"]["params"]
    with pytest.raises(InvalidInput):
        params.params("nosuchmodule", modules["heights"][-1])


def test_minter_equals_rest(params, modules):
    changes = set()
    for h in modules["heights"]:
        m = params.minter(h)
        assert m is not None
        assert m.inflation == modules[str(h)]["mint_inflation"]["inflation"], h
        assert m.annual_provisions == modules[str(h)]["mint_annual_provisions"]["annual_provisions"], h
        changes.add(m.inflation)
    assert len(changes) > 1  # inflation moves block by block


def test_denom_traces_equal_rest(params, modules):
    for h in modules["heights"]:
        rec = modules[str(h)]
        assert [{"path": t.path, "base_denom": t.base_denom} for t in params.denom_traces(h)] == rec["denom_traces"]["denom_traces"]
        for text, ans in rec["denom_trace"].items():
            try:
                hash_ = parse_ibc_hash(text)
            except InvalidInput:
                assert ans["code"] == 3, text  # the node: invalid denom trace hash
                continue
            t = params.denom_trace(hash_, h)
            if "denom_trace" in ans:
                assert t is not None and {"path": t.path, "base_denom": t.base_denom} == ans["denom_trace"]
            else:
                assert t is None and ans["code"] == 5
    for entry in modules["ibc_traces"]:
        t = params.denom_trace(parse_ibc_hash(entry["denom"]), modules["heights"][-1])
        assert t is not None and t.full_path == f"{entry['path']}/{entry['base_denom']}"


def test_denom_metadata_equals_rest(app, modules):
    bank = BankReader(app)
    for h in modules["heights"]:
        rec = modules[str(h)]
        assert bank.denom_metadata(h) == rec["denoms_metadata"]["metadatas"], h
        for denom, ans in rec["denom_metadata"].items():
            got = bank.denom_metadata_of(denom, h)
            if "metadata" in ans:
                assert got == ans["metadata"], (h, denom)
            else:
                assert got is None, (h, denom)


def _grant_json(g) -> dict:
    return {
        "granter": g.granter,
        "grantee": g.grantee,
        "authorization": g.authorization,
        "expiration": None if g.expiration is None else ProtoTime(g.expiration.seconds, g.expiration.nanos).rfc3339(),
    }


def test_authz_grants_equal_rest(grants, modules):
    seen = {"grants": 0, "expiring": 0, "send": 0}
    for h in modules["heights"]:
        rec = modules[str(h)]
        for addr, ans in rec["authz_granter"].items():
            got = [_grant_json(g) for g in grants.authz_grants(h, granter=bech32.decode(addr)[1])]
            assert got == ans["grants"], (h, addr)
            seen["grants"] += len(got)
            seen["expiring"] += sum(g["expiration"] is not None for g in got)
            seen["send"] += sum(g["authorization"]["@type"].endswith("SendAuthorization") for g in got)
        for addr, ans in rec["authz_grantee"].items():
            got = [_grant_json(g) for g in grants.authz_grants(h, grantee=bech32.decode(addr)[1])]
            assert got == ans["grants"], (h, addr)
    assert all(seen.values()), seen


def test_fee_allowances_equal_rest(grants, modules):
    kinds = set()
    for h in modules["heights"]:
        rec = modules[str(h)]
        for addr, ans in rec["feegrant_allowances"].items():
            got = [{"granter": a.granter, "grantee": a.grantee, "allowance": a.allowance} for a in grants.fee_allowances(h, grantee=bech32.decode(addr)[1])]
            assert got == ans["allowances"], (h, addr)
            kinds.update(a["allowance"]["@type"] for a in got)
        for addr, ans in rec["feegrant_issued"].items():
            got = [{"granter": a.granter, "grantee": a.grantee, "allowance": a.allowance} for a in grants.fee_allowances(h, granter=bech32.decode(addr)[1])]
            assert got == ans["allowances"], (h, addr)
    assert {"/cosmos.feegrant.v1beta1.BasicAllowance", "/cosmos.feegrant.v1beta1.PeriodicAllowance", "/cosmos.feegrant.v1beta1.AllowedMsgAllowance"} <= kinds


def test_ibc_hash_input():
    h = "27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2"
    assert parse_ibc_hash("ibc/" + h.lower()) == bytes.fromhex(h)
    for bad in ("ibc/xyz", h[:-1], "", "ibc/" + h + "00"):
        with pytest.raises(InvalidInput):
            parse_ibc_hash(bad)


# ---------------------------------------------------------------- tm034: SDK ~0.44, params in x/params
@pytest.mark.legacy
def test_legacy_params_equal_the_genesis_the_node_ran_tm034(tm034_kv, tm034_state):
    """Before SDK 0.47 every module kept its params in the x/params store as amino JSON
    (durations in nanoseconds, numbers as strings); read and put in the REST's shape they
    equal the genesis the node ran (state.db's genesis doc), which no proposal changed."""
    from cometgraph.storage.prefixes import Prefixes

    app = AppStore(tm034_kv("application"))
    v = app.latest_version()
    prefixes = Prefixes.from_account("onomy")
    staking = StakingReader(app, prefixes)
    gov = GovReader(app)
    params = ChainParams(app, staking, SlashingReader(app, prefixes), DistributionReader(app, prefixes, staking), gov)
    state = tm034_state.load_genesis()["app_state"]
    g = state["gov"]
    assert gov.params(v) == {**g["deposit_params"], **g["voting_params"], **g["tally_params"]}
    assert params.params("mint", v) == state["mint"]["params"]
    assert params.params("auth", v) == state["auth"]["params"]
    assert params.params("bank", v) == state["bank"]["params"]
    assert params.params("transfer", v) == state["transfer"]["params"]
    m = params.minter(v)
    assert m is not None and state["mint"]["params"]["inflation_min"] <= m.inflation <= state["mint"]["params"]["inflation_max"]
    assert list(gov.iter_proposals(v)) == [] and state["gov"]["proposals"] == []
    assert params.denom_traces(v) == []
