import shutil

import pytest

from cometgraph.storage.kv import open_kv
from cometgraph.storage.prefixes import Prefixes, detect


@pytest.fixture
def dbs(sample_home, tmp_path):
    out = {}
    for name in ("state", "tx_index"):
        shutil.copytree(sample_home / "data" / f"{name}.db", tmp_path / f"{name}.db")
        out[name] = open_kv(tmp_path / f"{name}.db")
    yield out
    for db in out.values():
        db.close()


def _node_prefixes(oracle) -> Prefixes:
    # the node's own answers name its prefixes: a delegator address and a validator operator
    sender = next(a["value"] for rpc in oracle.txs.values() for e in rpc["tx_result"]["events"] for a in e["attributes"] if a["key"] == "sender")
    rest = oracle.rest[max(oracle.rest, key=int)]
    operator = rest["validators"]["validators"][0]["operator_address"]
    cons = rest["signing_infos"]["info"][0]["address"]
    return Prefixes(sender.split("1")[0], operator.split("1")[0], cons.split("1")[0])


def test_prefixes_come_from_the_genesis_document(sample_home, dbs, oracle):
    assert detect(sample_home, dbs["state"], None) == _node_prefixes(oracle)


def test_prefixes_come_from_the_tx_index_when_there_is_no_genesis(dbs, oracle):
    got = detect(None, None, dbs["tx_index"])
    assert got.account == _node_prefixes(oracle).account


def test_no_address_anywhere_means_no_prefixes(tmp_path):
    assert detect(tmp_path, None, None) is None
