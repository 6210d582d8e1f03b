"""``cometgraph verify`` on every height of the three legacy archives and the sample chain, then on
damaged copies: each damage shows as the first mismatch, at its height, under its check."""

from __future__ import annotations

import shutil
from pathlib import Path

import plyvel
import pytest

from cometgraph.cli import main
from cometgraph.storage.chain import Chain
from cometgraph.cli import format_report
from cometgraph.storage.integrity import CHECKS, height_checks, verify

from .legacy_support import open_copies

TM034 = "tm034-sdk044-onomy-testnet1"
TM033 = "tm033-sdk039-testblockchain"
TM032 = "tm032-nameservice"
FIRST_APP_HASH = "block 1's app hash is the genesis state's (InitChain); no commit info records it"
NO_APP_DB = "the node has no application.db (app state kept elsewhere or not shipped)"


def run(data_dir: Path, tmp: Path, **kw):
    with open_copies(data_dir, tmp) as s:
        return verify(s.blocks, s.state, s.app, **kw)


def copy_home(data_dir: Path, tmp: Path) -> Path:
    """A node home (``home/data/*.db``) holding copies of ``data_dir``'s databases, safe to damage."""
    home = tmp / "home"
    for db in data_dir.glob("*.db"):
        shutil.copytree(db, home / "data" / db.name)
    return home


def damage(home: Path, db: str, key: bytes, edit) -> None:
    """Rewrite one record of a copied database (``edit(old) -> new``, or None to delete it)."""
    h = plyvel.DB(str(home / "data" / f"{db}.db"), create_if_missing=False)
    try:
        new = edit(h.get(key))
        if new is None:
            h.delete(key)
        else:
            h.put(key, new)
    finally:
        h.close()


def flip(at: int):
    return lambda old: old[:at] + bytes([old[at] ^ 0x01]) + old[at + 1 :]


# ---------------------------------------------------------------- every height of every chain
@pytest.mark.legacy
@pytest.mark.parametrize(
    "name, top, encoding, unchecked",
    [
        (TM034, 10002, "proto", {("app_hash", FIRST_APP_HASH): 1}),
        (TM033, 750, "amino-0.33", {("app_hash", FIRST_APP_HASH): 1}),
        (TM032, 27, "amino-0.32", {("app_hash", NO_APP_DB): 27}),
    ],
)
def test_every_height_of_each_archive_verifies(legacy_data, tmp_path, name, top, encoding, unchecked):
    r = run(legacy_data(name), tmp_path)
    assert r.ok, format_report(r)
    assert (r.from_height, r.to_height, dict(r.encodings)) == (1, top, {encoding: top})
    assert dict(r.unchecked) == unchecked
    for check in CHECKS:
        assert r.passed[check] == top - sum(n for (c, _), n in unchecked.items() if c == check), check
    assert r.seconds < 60


def test_every_height_of_the_sample_chain_verifies(sample_data, tmp_path):
    r = run(sample_data, tmp_path)
    assert r.ok, format_report(r)
    assert r.heights > 50 and r.encodings == {"proto": r.heights}
    assert dict(r.unchecked) == {("app_hash", FIRST_APP_HASH): 1}
    assert r.passed["data_hash"] == r.heights and r.passed["app_hash"] == r.heights - 1


# ---------------------------------------------------------------- damage: the first mismatch names it
@pytest.mark.legacy
def test_a_damaged_amino_header_is_the_first_mismatch(legacy_data, tmp_path):
    home = copy_home(legacy_data(TM033), tmp_path)
    meta = plyvel.DB(str(home / "data" / "blockstore.db"))
    raw = meta.get(b"H:300")
    meta.close()
    at = raw.index(bytes.fromhex("0a02080a")) + 30  # inside the header's chain id / time: still decodes
    damage(home, "blockstore", b"H:300", flip(at))
    r = run(home / "data", tmp_path / "open")
    assert not r.ok and r.first_mismatch.height == 300
    assert r.first_mismatch.check in ("block_hash", "decode")
    assert {m.height for m in r.mismatches} == {300}


@pytest.mark.legacy
def test_damage_in_each_database_shows_at_its_height(legacy_data, tmp_path):
    home = copy_home(legacy_data(TM033), tmp_path)
    # a signature byte in block 120's part (its last commit): the part set and the commit hash break
    part = plyvel.DB(str(home / "data" / "blockstore.db"))
    raw = part.get(b"P:120:0")
    part.close()
    damage(home, "blockstore", b"P:120:0", flip(len(raw) - 80))
    # application.db: one store root in the commit info of version 400 → block 401's app hash
    ci = plyvel.DB(str(home / "data" / "application.db"))
    raw = ci.get(b"s/400")
    ci.close()
    damage(home, "application", b"s/400", flip(raw.index(b"staking") + 20))
    # state.db: the validator set every height points at → every validators hash breaks, from 1
    r = run(home / "data", tmp_path / "open-1", from_height=100)
    got = {(m.height, m.check) for m in r.mismatches}
    assert r.first_mismatch.height == 120 and r.first_mismatch.check == "part_set_hash"
    assert (401, "app_hash") in got and all(h in (120, 401) for h, _ in got)
    damage(home, "state", b"validatorsKey:1", lambda old: old.replace(b"\x18\x64", b"\x18\x65"))  # power 100 → 101
    r = run(home / "data", tmp_path / "open-2")
    assert (r.first_mismatch.height, r.first_mismatch.check) == (1, "validators_hash")
    assert r.mismatch_count >= 2 * 750  # validators_hash and next_validators_hash at every height


@pytest.mark.legacy
def test_a_missing_commit_and_an_undecodable_meta(legacy_data, tmp_path):
    home = copy_home(legacy_data(TM032), tmp_path)
    damage(home, "blockstore", b"C:7", lambda old: None)
    damage(home, "blockstore", b"H:12", lambda old: b"\x0a\xff\xff garbage")
    r = run(home / "data", tmp_path / "open")
    assert [(m.height, m.check) for m in r.mismatches][:2] == [(7, "commit"), (12, "decode")]
    assert "H:12" in r.mismatches[1].computed


@pytest.mark.legacy
def test_tm034_damage_and_a_range(legacy_data, tmp_path):
    home = copy_home(legacy_data(TM034), tmp_path)
    damage(home, "blockstore", b"H:5000", lambda old: old.replace(b"onomy-testnet1", b"onomy-testnet2"))
    r = run(home / "data", tmp_path / "open", from_height=4990, to_height=5010)
    assert (r.from_height, r.to_height) == (4990, 5010)
    assert [(m.height, m.check) for m in r.mismatches] == [(5000, "block_hash")]
    assert r.passed["last_block_id"] == 21  # 4990 checked against 4989, read before the range


@pytest.mark.leveldb_only
def test_a_damaged_tx_in_the_sample_chain(sample_data, sample_blocks, tmp_path):
    h = next(h for h in range(1, sample_blocks.height() + 1) if sample_blocks.load_block(h).txs)
    tx = sample_blocks.load_block(h).txs[0]
    home = copy_home(sample_data, tmp_path)
    damage(home, "blockstore", b"P:%d:0" % h, lambda old: old.replace(tx, tx[:-3] + bytes([tx[-3] ^ 0xFF]) + tx[-2:]))
    r = run(home / "data", tmp_path / "open")
    assert (r.first_mismatch.height, r.first_mismatch.check) == (h, "part_set_hash")
    assert {(m.height, m.check) for m in r.mismatches} == {(h, "part_set_hash"), (h, "data_hash")}


# ---------------------------------------------------------------- the command
@pytest.mark.legacy
def test_the_verify_command_exits_by_the_result(legacy_data, tmp_path, capsys):
    home = copy_home(legacy_data(TM032), tmp_path)
    assert main(["verify", "--home", str(home), "--snapshot-dir", str(tmp_path / "snaps")]) == 0
    out = capsys.readouterr().out
    assert "heights 1..27" in out and "OK:" in out and NO_APP_DB in out
    damage(home, "blockstore", b"H:20", lambda old: old.replace(b"test-chain", b"test-chaim"))
    assert main(["verify", "--home", str(home), "--snapshot-dir", str(tmp_path / "snaps2"), "--from", "15"]) == 1
    out = capsys.readouterr().out
    assert "heights 15..27" in out and "first mismatch: height 20: block_hash" in out and "FAILED: 1 mismatch" in out


def test_height_checks_gives_one_blocks_verdict(sample_home, tmp_path):
    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path).open()
    try:
        with chain.view() as v:
            assert height_checks(v.readers, 1) == {**{c: "ok" for c in CHECKS}, "app_hash": f"unchecked: {FIRST_APP_HASH}"}
            assert height_checks(v.readers, v.latest_height) == {c: "ok" for c in CHECKS}
    finally:
        chain.close()
