"""x/wasm and the cw20 / cw721 views against the node's own answers.

On the wasm chain (real cw20-base, cw4-stake and cw721-base run by injectived 1.20.1; see
tests/devnet/make_wasm_chain.py), at every height its oracle records: codes, contract
infos, code histories, contracts by code and by creator equal the REST's; every contract's
storage equals the REST's ``state`` key for key (also paged and under a prefix), every
``raw`` answer (absent keys included); the cw20 and cw721 views equal the contracts' own
smart queries.
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from cometgraph.storage.app.addresses import account_str, parse_account
from cometgraph.storage.app.cw_tokens import BALANCE, CwTokens, TooManyHolders
from cometgraph.storage.app.store import AppStore
from cometgraph.storage.app.wasm import WasmReader
from cometgraph.storage.errors import InvalidInput, NotFound
from cometgraph.storage.kv import LevelDB
from cometgraph.storage.prefixes import Prefixes
from tests.wasm_chain import smart_data, wasm_dir, wasm_oracle  # noqa: F401  (fixtures)

PREFIXES = Prefixes(account="inj", valoper="injvaloper", valcons="injvalcons")


@pytest.fixture(scope="module")
def wasm(wasm_dir, tmp_path_factory) -> WasmReader:  # noqa: F811
    dst = tmp_path_factory.mktemp("wasm-app") / "application.db"
    shutil.copytree(wasm_dir / "home" / "data" / "application.db", dst)
    return WasmReader(AppStore(LevelDB(dst)))


@pytest.fixture(scope="module")
def tokens(wasm) -> CwTokens:
    return CwTokens(wasm)


def addr(text: str) -> bytes:
    return parse_account(text, PREFIXES)


def heights(oracle) -> list[tuple[int, dict]]:
    return [(int(h), rest) for h, rest in sorted(oracle["rest"].items(), key=lambda kv: int(kv[0]))]


def contract_addrs(oracle) -> dict[str, str]:
    return oracle["workload"]["contracts"]


def code_json(c) -> dict:
    return {
        "code_id": str(c.id),
        "creator": c.creator,
        "data_hash": c.checksum.hex().upper(),
        "instantiate_permission": {"permission": c.permission, "addresses": list(c.addresses)},
    }


def test_codes_equal_the_rest_at_every_height(wasm, wasm_oracle):  # noqa: F811
    assert len(wasm_oracle["rest"]) >= 3
    for h, rest in heights(wasm_oracle):
        assert [code_json(c) for c in wasm.codes(h, limit=100)] == rest["codes"]["code_infos"]
        for cid, answer in rest["code"].items():
            got = wasm.code(int(cid), h)
            if "code_info" in answer:
                assert code_json(got) == answer["code_info"]
                assert got.checksum.hex() == answer["data"]["sha256"]
            else:
                assert got is None and "no such code" in answer["message"]
        first, rest_codes = wasm.codes(h, limit=1), wasm.codes(h, after=1, limit=100)
        assert [c.id for c in first + rest_codes] == [int(c["code_id"]) for c in rest["codes"]["code_infos"]]


def test_contract_infos_and_histories_equal_the_rest(wasm, wasm_oracle):  # noqa: F811
    seen_migrate = seen_admin_change = False
    for h, rest in heights(wasm_oracle):
        for text, answer in rest["contract"].items():
            c = wasm.contract(addr(text), h)
            info = answer["contract_info"]
            assert c is not None
            assert {
                "code_id": str(c.code_id),
                "creator": c.creator,
                "admin": c.admin,
                "label": c.label,
                "created": {"block_height": str(c.created_height), "tx_index": str(c.created_tx_index)},
                "ibc_port_id": c.ibc_port_id,
                "extension": None,
            } == info
            history = [
                {
                    "operation": e.operation,
                    "code_id": str(e.code_id),
                    "updated": {"block_height": str(e.updated_height), "tx_index": str(e.updated_tx_index)},
                    "msg": json.loads(e.msg),
                }
                for e in wasm.history(addr(text), h)
            ]
            assert history == rest["history"][text]["entries"]
            seen_migrate |= any(e["operation"].endswith("MIGRATE") for e in history)
        a = contract_addrs(wasm_oracle)["token_a"]
        seen_admin_change |= rest["contract"][a]["contract_info"]["admin"] != wasm_oracle["workload"]["accounts"]["alice"]
    assert seen_migrate and seen_admin_change  # the workload's migration and admin change are covered


def test_unknown_contracts_and_codes_are_none(wasm, wasm_oracle):  # noqa: F811
    h = wasm_oracle["workload"]["heights"][-1]
    assert wasm.contract(addr(wasm_oracle["workload"]["accounts"]["alice"]), h) is None
    assert wasm.contract(b"\x01" * 32, h) is None
    assert wasm.history(b"\x01" * 32, h) == []
    assert wasm.code(99, h) is None
    assert wasm.state(b"\x01" * 20, h) == []
    with pytest.raises(NotFound):
        wasm.code(1, wasm_oracle["workload"]["latest_height"] + 1)
    with pytest.raises(InvalidInput):
        wasm.contract(b"", h)


def test_contracts_by_code_and_by_creator_equal_the_rest(wasm, wasm_oracle):  # noqa: F811
    for h, rest in heights(wasm_oracle):
        for cid, answer in rest["code_contracts"].items():
            got = [account_str(a, PREFIXES) for _, a in wasm.contracts_of_code(int(cid), h, limit=100)]
            assert got == answer.get("contracts", [])
            paged, after = [], None
            while page := wasm.contracts_of_code(int(cid), h, after=after, limit=1):
                paged += [account_str(a, PREFIXES) for _, a in page]
                after = page[-1][0]
            assert paged == got
        for creator, answer in rest["creator_contracts"].items():
            got = [account_str(a, PREFIXES) for _, a in wasm.contracts_of_creator(addr(creator), h, limit=100)]
            assert got == answer["contract_addresses"]
        every = sorted(rest["contract"], key=lambda t: addr(t))
        assert [account_str(c.address, PREFIXES) for c in wasm.contracts(h, limit=100)] == every


def test_contract_state_equals_the_rest_key_for_key(wasm, wasm_oracle):  # noqa: F811
    for h, rest in heights(wasm_oracle):
        for text, answer in rest["state"].items():
            want = [(m["key"], m["value"]) for m in answer["models"]]
            got = [(k.hex().upper(), base64.b64encode(v).decode()) for k, v in wasm.iter_state(addr(text), h)]
            assert got == want and want
            paged, after = [], None
            while page := wasm.state(addr(text), h, after=after, limit=3):
                paged += page
                after = page[-1][0]
            assert [(k.hex().upper(), base64.b64encode(v).decode()) for k, v in paged] == want
            under = [(k.hex().upper(), base64.b64encode(v).decode()) for k, v in wasm.iter_state(addr(text), h, BALANCE)]
            assert under == [kv for kv in want if kv[0].startswith(BALANCE.hex().upper())]


def test_raw_values_equal_the_rest(wasm, wasm_oracle):  # noqa: F811
    absent = 0
    for h, rest in heights(wasm_oracle):
        for text, answers in rest["raw"].items():
            for key_hex, answer in answers.items():
                got = wasm.raw(addr(text), bytes.fromhex(key_hex), h)
                assert (base64.b64encode(got).decode() if got is not None else None) == answer["data"]
                absent += got is None
    assert absent > len(wasm_oracle["workload"]["contracts"])  # keys written later and the made-up key


def test_cw20_views_equal_the_contract_queries(tokens, wasm_oracle):  # noqa: F811
    allowances = 0
    for h, rest in heights(wasm_oracle):
        for name in ("token_a", "token_b"):
            text = contract_addrs(wasm_oracle)[name]
            a, smart = addr(text), rest["smart"][text]
            info = tokens.cw20_info(a, h)
            want = smart_data(smart["token_info"])
            assert (info.name, info.symbol, info.decimals, str(info.total_supply)) == (want["name"], want["symbol"], want["decimals"], want["total_supply"])
            minter = smart_data(smart["minter"])
            assert {"minter": info.minter, "cap": None if info.cap is None else str(info.cap)} == minter
            for holder, answer in smart["balance"].items():
                assert str(tokens.cw20_balance(a, holder, h)) == smart_data(answer)["balance"]
            balances = list(tokens.iter_cw20_balances(a, h))
            assert [x for x, _ in balances] == smart_data(smart["all_accounts"])["accounts"]
            assert sum(n for _, n in balances) == info.total_supply
            for owner, answer in smart["all_allowances"].items():
                for entry in smart_data(answer)["allowances"]:
                    got = tokens.cw20_allowance(a, owner, entry["spender"], h)
                    assert got == {"allowance": entry["allowance"], "expires": entry["expires"]}
                    allowances += 1
            assert tokens.cw20_allowance(a, text, text, h) is None
    assert allowances >= 2


def test_cw20_holders_refuse_past_the_cap(tokens, wasm_oracle):  # noqa: F811
    h = wasm_oracle["workload"]["heights"][-1]
    a = addr(contract_addrs(wasm_oracle)["token_a"])
    n = len(list(tokens.iter_cw20_balances(a, h)))
    assert len(tokens.cw20_holders(a, h, cap=n)) == n
    with pytest.raises(TooManyHolders):
        tokens.cw20_holders(a, h, cap=n - 1)


def test_cw721_views_equal_the_contract_queries(tokens, wasm_oracle):  # noqa: F811
    text = contract_addrs(wasm_oracle)["nft"]
    a = addr(text)
    for h, rest in heights(wasm_oracle):
        smart = rest["smart"][text]
        info = tokens.cw721_info(a, h)
        want = smart_data(smart["contract_info"])
        assert (info.name, info.symbol, info.num_tokens) == (want["name"], want["symbol"], smart_data(smart["num_tokens"])["count"])
        assert [t.token_id for t in tokens.nfts(a, h, limit=100)] == smart_data(smart["all_tokens"])["tokens"]
        for owner, answer in smart["tokens"].items():
            assert [t.token_id for t in tokens.nfts(a, h, owner=owner, limit=100)] == smart_data(answer)["tokens"]
        for token_id, answer in smart["owner_of"].items():
            nft = tokens.nft(a, token_id, h)
            if "data" not in answer:
                assert nft is None and "not found" in answer["message"]
                continue
            assert {"owner": nft.owner, "approvals": nft.approvals} == answer["data"]
            assert {"token_uri": nft.token_uri, "extension": nft.extension} == smart_data(smart["nft_info"][token_id])
        first = tokens.nfts(a, h, limit=1)
        if first:
            assert [t.token_id for t in first + tokens.nfts(a, h, after=first[0].token_id, limit=100)] == smart_data(smart["all_tokens"])["tokens"]


def test_only_token_shaped_state_gets_a_token_view(tokens, wasm_oracle):  # noqa: F811
    h = wasm_oracle["workload"]["heights"][-1]
    c = contract_addrs(wasm_oracle)
    assert tokens.cw20_info(addr(c["stake"]), h) is None and tokens.cw721_info(addr(c["stake"]), h) is None
    assert tokens.cw721_info(addr(c["token_a"]), h) is None
    assert tokens.cw20_info(addr(c["nft"]), h) is None


def test_a_chain_without_wasm_has_no_codes_or_contracts(legacy_data, tmp_path):
    """tm034 (SDK 0.44, no x/wasm): every lookup is empty, not an error."""
    from .conftest import TM034

    dst = tmp_path / "application.db"
    shutil.copytree(legacy_data(TM034) / "application.db", dst)
    app = AppStore(LevelDB(dst))
    reader = WasmReader(app)
    v = app.latest_version()
    assert "wasm" not in app.commit_info(v)
    assert reader.codes(v) == [] and reader.code(1, v) is None and reader.contracts(v) == []
    assert reader.contract(b"\x01" * 20, v) is None and reader.raw(b"\x01" * 20, b"k", v) is None and reader.state(b"\x01" * 20, v) == []
    assert CwTokens(reader).cw20_info(b"\x01" * 20, v) is None
