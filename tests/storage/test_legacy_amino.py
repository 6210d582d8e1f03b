"""Tendermint 0.33 (tm033, SDK 0.39) and 0.32 (tm032) amino archives through the ordinary readers.

No node of these generations runs here, so the chains are their own oracle: every
header re-hashes to its block id, every commit signature verifies with the validator
key state.db holds, and the genesis files shipped with the archives name the same
validator and accounts the databases hold.
"""

from __future__ import annotations

import base64
import json
from hashlib import sha256

import pytest

from cometgraph.storage.app.auth import AuthReader
from cometgraph.storage.app.bank import BankReader
from cometgraph.storage.codec import bech32
from cometgraph.storage.codec.amino import pubkey_bytes
from cometgraph.storage.codec.merkle import commit_hash, consensus_hash, data_hash, header_hash, validators_hash
from cometgraph.storage.codec.hashes import ripemd160
from cometgraph.storage.errors import Pruned
from cometgraph.storage.models import AMINO_032, AMINO_033
from cometgraph.storage.prefixes import Prefixes

from .legacy_support import ed25519_verify, open_copies, vote_sign_bytes

pytestmark = pytest.mark.legacy

TM033 = "tm033-sdk039-testblockchain"
TM032 = "tm032-nameservice"
#: archive → (chain id, top height, software, encoding)
EXPECT = {
    TM033: ("testblockchain", 750, "0.33.7", AMINO_033),
    TM032: ("test-chain", 27, "0.32.0", AMINO_032),
}


@pytest.fixture(scope="module")
def archive(legacy_data, tmp_path_factory):
    opened = {}

    def get(name: str):
        if name not in opened:
            cm = open_copies(legacy_data(name), tmp_path_factory.mktemp(name))
            opened[name] = (cm, cm.__enter__())
        return opened[name][1]

    yield get
    for cm, _ in opened.values():
        cm.__exit__(None, None, None)


def genesis(legacy_data, name: str) -> dict:
    return json.loads((legacy_data(name).parent / "config" / "genesis.json").read_text())


def gentx_validator_key(doc: dict) -> bytes:
    """The consensus key of the genesis validator: a bech32 ``…valconspub`` of the amino key bytes."""
    msg = doc["app_state"]["genutil"]["gentxs"][0]["value"]["msg"][0]["value"]
    return bech32.decode(msg["pubkey"], limit=200)[1]


# ---------------------------------------------------------------- status
@pytest.mark.parametrize("name", [TM033, TM032])
def test_status(archive, name):
    s = archive(name)
    chain_id, top, software, encoding = EXPECT[name]
    assert (s.blocks.base(), s.blocks.height()) == (1, top)  # 0.32's blockStore JSON has no base: 1
    assert s.blocks.amino
    st = s.state.load_state()
    assert (st.chain_id, st.last_block_height, st.software, st.version_block, st.encoding) == (chain_id, top, software, 10, encoding)
    assert st.last_block_id == s.blocks.load_block_meta(top).block_id
    assert s.state.load_genesis()["chain_id"] == chain_id


# ---------------------------------------------------------------- blocks
@pytest.mark.parametrize("name", [TM033, TM032])
def test_every_block_hashes_to_its_id_and_chains(archive, name):
    s = archive(name)
    top, encoding = EXPECT[name][1], EXPECT[name][3]
    metas = list(s.blocks.iter_block_metas(1, top))
    assert [m.height for m in metas] == list(range(1, top + 1))
    blocks = s.blocks.load_blocks(list(range(1, top + 1)))
    for prev, meta, block in zip([None] + metas, metas, blocks):
        assert meta.header.encoding == encoding and header_hash(meta.header) == meta.hash, meta.height
        assert block.header == meta.header and block.txs == () and meta.num_txs == 0
        assert s.blocks.height_by_hash(meta.hash) == meta.height
        assert data_hash(block.txs, encoding) == meta.header.data_hash == b""  # no txs: no hash before 0.34
        if prev is None:
            assert not meta.header.last_block_id.hash and block.last_commit.signatures == ()
        else:
            assert meta.header.last_block_id == prev.block_id
            assert block.last_commit == s.blocks.load_commit(prev.height)
        assert commit_hash(block.last_commit) == meta.header.last_commit_hash
    if encoding == AMINO_032:  # 0.32 headers count txs (and hash the counts); metas record no size
        assert all(m.header.num_txs == 0 and m.header.total_txs == 0 and m.block_size == 0 for m in metas)
    else:
        assert all(m.block_size > 0 and m.header.num_txs is None for m in metas)


# ---------------------------------------------------------------- commits and their signatures
@pytest.mark.parametrize("name", [TM033, TM032])
def test_every_commit_signature_verifies_with_the_stored_validator_key(archive, name):
    s = archive(name)
    chain_id, top, _, encoding = EXPECT[name]
    heights = list(range(1, top))
    commits = s.blocks.load_commits(heights)
    for h, c in zip(heights, commits):
        (v,) = s.state.load_validators(h).validators
        (sig,) = c.signatures
        assert (c.height, c.round, c.block_id, c.encoding) == (h, 0, s.blocks.load_block_meta(h).block_id, encoding)
        assert sig.block_id_flag == 2 and sig.validator_address == v.address
        assert ed25519_verify(v.pub_key.key, vote_sign_bytes(chain_id, c, sig), sig.signature), h
    assert s.blocks.load_commit(top) is None
    seen = s.blocks.load_seen_commit(top)  # the top block's +2/3, as this node saw them
    (v,) = s.state.load_validators(top).validators
    assert seen.block_id == s.blocks.load_block_meta(top).block_id
    assert ed25519_verify(v.pub_key.key, vote_sign_bytes(chain_id, seen, seen.signatures[0]), seen.signatures[0].signature)
    # a flipped bit in what is signed fails: the oracle is not vacuous
    c = commits[0]
    forged = vote_sign_bytes(chain_id + "x", c, c.signatures[0])
    assert not ed25519_verify(s.state.load_validators(1).validators[0].pub_key.key, forged, c.signatures[0].signature)


# ---------------------------------------------------------------- validator sets, params, results
@pytest.mark.parametrize("name", [TM033, TM032])
def test_validator_sets_at_several_heights(archive, legacy_data, name):
    s = archive(name)
    top, encoding = EXPECT[name][1], EXPECT[name][3]
    key_bytes = gentx_validator_key(genesis(legacy_data, name))
    for h in (1, 2, top // 2, top, top + 1, top + 2):
        vs = s.state.load_validators(h)
        (v,) = vs.validators
        assert v.pub_key.type == "ed25519" and pubkey_bytes(v.pub_key) == key_bytes  # the genesis validator
        assert v.address == sha256(v.pub_key.key).digest()[:20] and v.voting_power == 100
        assert vs.proposer == v and vs.stored_at == 1
        if h <= top:
            header = s.blocks.load_block_meta(h).header
            assert validators_hash(vs.validators, encoding) == header.validators_hash == header.next_validators_hash
            assert header.proposer_address == v.address
    assert s.state.load_validators(top + 3) is None
    assert s.state.load_validator_members_many([1, top, top + 3]) == [vs.validators, vs.validators, None]


@pytest.mark.parametrize("name", [TM033, TM032])
def test_consensus_params_and_results(archive, name):
    s = archive(name)
    top, encoding = EXPECT[name][1], EXPECT[name][3]
    params = s.state.load_consensus_params(top).params
    evidence = {"max_age": "100000"} if encoding == AMINO_032 else {"max_age_num_blocks": "100000", "max_age_duration": "172800000000000"}
    assert params == {
        "block": {"max_bytes": "22020096", "max_gas": "-1", "time_iota_ms": "1000"},
        "evidence": evidence,
        "validator": {"pub_key_types": ["ed25519"]},
    }
    assert consensus_hash(params) == s.blocks.load_block_meta(top).header.consensus_hash
    assert s.state.load_consensus_params_many([1, top]) == [s.state.load_consensus_params(1), s.state.load_consensus_params(top)]
    results = s.state.load_block_results_many(list(range(1, top + 1)))
    assert all(r.layout == "abci_responses" and r.tx_results == () and r.validator_updates == () for r in results)
    if name == TM032:  # nameservice's begin blocker moves fees and mints: real events, amino-encoded
        events = results[4].begin_block_events
        assert [e.type for e in events][:2] == ["transfer", "message"]
        assert events[0].attributes[0].key == "recipient" and events[0].attributes[0].value.startswith("cosmos1")


@pytest.mark.parametrize("name", [TM033, TM032])
def test_genesis_doc_in_state_db_is_the_shipped_genesis(archive, legacy_data, name):
    stored, shipped = archive(name).state.load_genesis(), genesis(legacy_data, name)
    assert stored["chain_id"] == shipped["chain_id"] and stored["genesis_time"] == shipped["genesis_time"]
    assert stored["app_state"] == shipped["app_state"]


# ---------------------------------------------------------------- SDK 0.39 application state (tm033)
def test_tm033_app_hash_of_every_version_and_retained_trees(archive):
    s = archive(TM033)
    app = s.app
    assert (app.latest_version(), app.earliest_version()) == (750, 100)
    assert set(app.commit_info(750)) == {"acc", "main", "params", "staking", "supply", "testblockchain"}
    for v in range(1, 750):
        assert app.is_amino(v) and app.app_hash(v) == s.blocks.load_block_meta(v + 1).header.app_hash, v
    for v in (100, 200, 650, 700, 750):  # kept trees (keep-every 100, plus the last 100) rehash to the stored roots
        assert app.app_hash(v, recompute=True) == app.app_hash(v)
    with pytest.raises(Pruned):
        app.tree("acc", 150)


def test_tm033_accounts_and_balances_match_genesis_after_the_gentx(archive, legacy_data):
    app = archive(TM033).app
    doc = genesis(legacy_data, TM033)
    (gen_acc,) = doc["app_state"]["auth"]["accounts"]
    gentx = doc["app_state"]["genutil"]["gentxs"][0]["value"]
    signer_key = base64.b64decode(gentx["signatures"][0]["pub_key"]["value"])
    bonded = int(gentx["msg"][0]["value"]["value"]["amount"])
    auth, bank = AuthReader(app, Prefixes.from_account("cosmos")), BankReader(app)
    for v in (100, 750):
        accounts = {a.address: a for a in auth.iterate_accounts(v)}
        user = accounts[gen_acc["value"]["address"]]
        raw = bech32.decode(user.address)[1]
        # the genesis account, after its gentx: signed once, key recorded, stake bonded away
        assert (user.amino_type, user.type_url) == ("cosmos-sdk/Account", "/cosmos.auth.v1beta1.BaseAccount")
        assert (user.sequence, user.pub_key_type, user.pub_key) == (1, "/cosmos.crypto.secp256k1.PubKey", signer_key)
        assert raw == ripemd160(sha256(user.pub_key).digest())
        genesis_coins = {c["denom"]: int(c["amount"]) for c in gen_acc["value"]["coins"]}
        assert {c.denom: int(c.amount) for c in bank.balances(raw, v)} == {"nametoken": genesis_coins["nametoken"]}
        assert bank.balance(raw, "stake", v).amount == "0" and bank.balance(raw, "nametoken", v).amount == "1000"
        assert auth.to_json(user)["pub_key"]["key"] == base64.b64encode(signer_key).decode()
        # module accounts: sha256(name)[:20]; the bonded pool holds the gentx's stake
        pools = {a.module_name: a for a in accounts.values() if a.module_name}
        assert set(pools) == {"bonded_tokens_pool", "not_bonded_tokens_pool"}
        for a in pools.values():
            assert bech32.decode(a.address)[1] == sha256(a.module_name.encode()).digest()[:20]
            assert a.permissions == ("burner", "staking") and a.type_url == "/cosmos.auth.v1beta1.ModuleAccount"
        assert bank.balances(bech32.decode(pools["bonded_tokens_pool"].address)[1], v)[0].amount == str(bonded)
        # the supply store's total is every account's coins added up, and genesis's
        supply = bank.supply(v)
        totals: dict[str, int] = {}
        for a in accounts.values():
            for c in a.coins:
                totals[c.denom] = totals.get(c.denom, 0) + int(c.amount)
        assert {c.denom: int(c.amount) for c in supply} == totals == genesis_coins
        assert bank.supply_of("stake", v).amount == str(bonded) and bank.denom_metadata(v) == []
        assert sorted(a for a, _ in bank.holders("stake", v)) == [bech32.decode(pools["bonded_tokens_pool"].address)[1]]
    assert sorted(a.account_number for a in accounts.values()) == [0, 1, 2]
