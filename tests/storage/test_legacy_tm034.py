"""Tendermint 0.34 / SDK 0.44 (onomy-testnet1, 10,002 blocks) through the service's own path.

The archive is opened as the service opens a node (``Chain.from_home``: a private
snapshot, ``build_readers``), and checked against the chain itself: commit
signatures verify with state.db's validator key, the staking validator is the genesis
gentx's, and with no tx in any block every account still holds its genesis coins.
"""

from __future__ import annotations

import base64
from hashlib import sha256

import pytest

from cometgraph.storage.codec import bech32
from cometgraph.storage.codec.merkle import validators_hash
from cometgraph.storage.models import PROTO

from .legacy_support import ed25519_verify, vote_sign_bytes

pytestmark = pytest.mark.legacy


@pytest.fixture(scope="module")
def gentx(tm034_view):
    doc = tm034_view.state.load_genesis()
    msg = doc["app_state"]["genutil"]["gen_txs"][0]["body"]["messages"][0]
    return doc, msg


def test_status(tm034_view):
    r = tm034_view.readers
    assert (tm034_view.blocks.base(), tm034_view.blocks.height()) == (1, 10002)
    st = tm034_view.state.load_state()
    assert (st.chain_id, st.last_block_height, st.version_block, st.encoding) == ("onomy-testnet1", 10001, 11, PROTO)
    assert (tm034_view.earliest_height, tm034_view.latest_height) == (1, 10001)  # the node stopped before saving state for 10002
    assert r.prefixes.account == "onomy" and r.prefixes.valoper == "onomyvaloper"
    assert (r.app.latest_version(), r.app.earliest_version()) == (10001, 100)
    assert not tm034_view.blocks.amino and all(m.header.encoding == PROTO for m in tm034_view.blocks.iter_block_metas(9990, 10002))


@pytest.mark.parametrize("h", [1, 2, 100, 5000, 10001, 10002])
def test_validator_sets_and_commit_signatures(tm034_view, gentx, h):
    _, msg = gentx
    vs = tm034_view.state.load_validators(h)
    (v,) = vs.validators
    assert v.pub_key.key == base64.b64decode(msg["pubkey"]["key"]) and v.address == sha256(v.pub_key.key).digest()[:20]
    header = tm034_view.blocks.load_block_meta(h).header
    assert validators_hash(vs.validators) == header.validators_hash and header.proposer_address == v.address
    commit = tm034_view.blocks.load_commit(h) if h < 10002 else tm034_view.blocks.load_seen_commit(h)
    (sig,) = commit.signatures
    assert commit.block_id == tm034_view.blocks.load_block_meta(h).block_id and sig.validator_address == v.address
    assert ed25519_verify(v.pub_key.key, vote_sign_bytes("onomy-testnet1", commit, sig), sig.signature)


def test_staking_validator_is_the_genesis_gentx(tm034_view, gentx):
    _, msg = gentx
    staking = tm034_view.readers.modules.staking
    latest = tm034_view.readers.app.latest_version()
    for version in (100, latest):
        (val,) = staking.validators(version)
        assert val.operator_address == msg["validator_address"] and val.status == "BOND_STATUS_BONDED"
        assert val.consensus_pubkey == base64.b64decode(msg["pubkey"]["key"])
        assert val.consensus_address == tm034_view.state.load_validators(version).validators[0].address
        assert 0 < val.tokens <= int(msg["value"]["amount"])
        assert staking.validators_by_consensus([val.consensus_address], version) == [val]
        op = bech32.decode(val.operator_address)[1]
        (self_delegation,) = staking.validator_delegations(op, version)
        assert self_delegation.delegator_address == msg["delegator_address"]


def test_accounts_hold_their_genesis_coins(tm034_view, gentx):
    """No block holds a tx: every genesis balance is still there, less the gentx's self-delegation."""
    doc, msg = gentx
    auth, bank = tm034_view.readers.modules.auth, tm034_view.readers.modules.bank
    bonded = {msg["delegator_address"]: (msg["value"]["denom"], int(msg["value"]["amount"]))}
    for version in (100, tm034_view.readers.app.latest_version()):
        for entry in doc["app_state"]["bank"]["balances"]:
            raw = bech32.decode(entry["address"])[1]
            want = {c["denom"]: int(c["amount"]) for c in entry["coins"]}
            if entry["address"] in bonded:
                denom, amount = bonded[entry["address"]]
                want[denom] -= amount
            got = {c.denom: int(c.amount) for c in bank.balances(raw, version)}
            assert {d: a for d, a in got.items() if a} == {d: a for d, a in want.items() if a}, entry["address"]
            acc = auth.account(raw, version)
            assert acc is not None and acc.address == entry["address"] and acc.amino_type is None and acc.coins is None
        genesis_supply = {c["denom"]: int(c["amount"]) for c in doc["app_state"]["bank"]["supply"]}
        supply = {c.denom: int(c.amount) for c in bank.supply(version)}
        assert supply["footoken"] == genesis_supply["footoken"]  # nothing mints footoken
        assert supply["nom"] >= genesis_supply["nom"]  # the mint module mints nom every block
