import json

import pytest

from cometgraph.cli import main


def test_check_prints_where_the_sample_chain_stands(sample_home, oracle, backend, tmp_path, capsys):
    rc = main(["check", "--home", str(sample_home), "--snapshot-dir", str(tmp_path / "snaps")])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    top = int(oracle.status["sync_info"]["latest_block_height"])
    chain = out["chain"]
    assert chain["latest_height"] == top and chain["earliest_height"] == 1
    assert chain["chain_id"] == oracle.status["node_info"]["network"]
    assert chain["latest_block_hash"] == oracle.blocks[str(top)]["block_id"]["hash"]
    assert chain["node_version"] == oracle.status["node_info"]["version"]
    assert out["databases"] == {"blockstore": "ok", "state": "ok", "tx_index": "ok", "application": "ok", "evidence": "present (not read)"}
    # the backend each database was written with, and its format, for every folder present
    assert set(out["backends"]) == set(out["databases"])
    assert {b["backend"] for b in out["backends"].values()} == {backend}
    assert all(("format_major_version=1" in b["format"]) == (backend == "pebble") for b in out["backends"].values())
    assert out["blocks"]["key_layout"] == "v1"
    assert out["state"] == {"abci_results_layout": "finalize_block"}
    assert out["tx_index"]["enabled"] and out["tx_index"]["event_sequence_keys"]
    assert out["application"]["iavl_formats"] == ["iavl-v1"] and "bank" in out["application"]["stores"]
    assert out["application"]["bech32_prefixes"]["account"] == oracle.workload["accounts"]["alice"]["address"][:3]
    assert "problems" not in out
    assert list((tmp_path / "snaps").iterdir()) == []


def test_check_names_what_it_cannot_read(sample_home, tmp_path, capsys):
    import shutil

    home = tmp_path / "home"
    shutil.copytree(sample_home, home)
    app = home / "data" / "application.db"
    tables = sorted([*app.glob("*.ldb"), *app.glob("*.sst")], key=lambda p: p.stat().st_size)
    tables[-1].unlink()
    assert main(["check", "--home", str(home), "--snapshot-dir", str(tmp_path / "snaps")]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["databases"]["application"].startswith("cannot open") and "missing" in out["databases"]["application"]
    assert out["databases"]["blockstore"] == "ok" and out["chain"]["latest_height"] > 0


def test_a_home_without_a_node_is_a_clear_error(tmp_path, capsys):
    assert main(["check", "--home", str(tmp_path)]) == 2
    assert "blockstore.db" in capsys.readouterr().err


def test_a_bad_descriptor_set_is_a_clear_error_naming_the_file(sample_home, tmp_path, capsys):
    bad = tmp_path / "chain.binpb"
    bad.write_bytes(b"\xff\x00 not a FileDescriptorSet")
    rc = main(["check", "--home", str(sample_home), "--snapshot-dir", str(tmp_path / "snaps"), "--descriptors", str(bad)])
    assert rc == 2
    assert "chain.binpb" in capsys.readouterr().err


def test_the_committed_sdl_is_the_served_schema(capsys):
    """docs/schema.graphql is the API contract: a change to it must be deliberate."""
    from pathlib import Path

    assert main(["schema"]) == 0
    committed = (Path(__file__).resolve().parent.parent / "docs" / "schema.graphql").read_text()
    assert capsys.readouterr().out == committed, "schema changed: run `cometgraph schema > docs/schema.graphql` and review"


def test_serving_processes_keep_their_startup_objects_out_of_the_collectors_way():
    import gc

    from cometgraph.factory import GC_THRESHOLDS, tune_gc

    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 10_000  # the imported modules, at least
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_serve_settings_come_from_flags_or_same_named_environment_variables(monkeypatch):
    from cometgraph.settings import Settings
    from cometgraph.storage.errors import InvalidInput

    assert Settings.from_env({}).workers == 1
    assert Settings.from_env({"COMETGRAPH_WORKERS": "3", "COMETGRAPH_REFRESH": "0.5"}).workers == 3
    assert Settings.from_env({"COMETGRAPH_WORKERS": "3"}, workers=2).workers == 2  # the flag wins
    with pytest.raises(InvalidInput, match="COMETGRAPH_WORKERS='two' is not a valid int"):
        Settings.from_env({"COMETGRAPH_WORKERS": "two"})
    with pytest.raises(InvalidInput, match="--workers must be >= 1"):
        Settings.from_env({}, workers=0)


def test_bad_serve_settings_are_one_line_not_a_traceback(capsys, monkeypatch):
    monkeypatch.setenv("COMETGRAPH_REFRESH", "soon")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.strip() == "cometgraph: COMETGRAPH_REFRESH='soon' is not a valid float"


def test_the_cache_budget_comes_from_a_flag_or_the_environment_and_bounds_the_chains_caches(sample_home, tmp_path, capsys):
    from cometgraph.cli import main
    from cometgraph.factory import open_chain
    from cometgraph.settings import Settings

    assert Settings.from_env({}).cache_mb == 128
    assert Settings.from_env({"COMETGRAPH_CACHE_MB": "32"}).cache_mb == 32
    assert Settings.from_env({"COMETGRAPH_CACHE_MB": "32"}, cache_mb=8).cache_mb == 8
    chain, _ = open_chain(Settings.from_env({}, home=sample_home, snapshot_dir=tmp_path / "s", cache_mb=8))
    try:
        assert chain.node_cache.max_bytes == 3 << 20 and chain.records.max_bytes == 3 << 20 and chain.rankings.max_size == 2 << 20
        # the IAVL share: nodes, and an eighth of it for module records decoded from them
        assert chain.node_cache.max_size + chain.node_cache.records.max_size == 3 << 20 and chain.node_cache.records.max_size == (3 << 20) // 8
        with chain.view() as v:
            v.blocks.load_block_metas(list(range(1, v.latest_height)))
        assert 0 < chain.records.size <= 3 << 20
    finally:
        chain.close()
    two = Settings.from_env({}, home=sample_home, snapshot_dir=tmp_path / "t", cache_mb=8, workers=2)
    chain, _ = open_chain(two)  # what one of two workers opens: half the server's budget
    try:
        assert chain.cache_bytes == 4 << 20 and chain.node_cache.max_bytes + chain.records.max_bytes + chain.rankings.max_size == 4 << 20
    finally:
        chain.close()
    assert main(["serve", "--cache-mb", "-1"]) == 2
    assert capsys.readouterr().err.strip() == "cometgraph: --cache-mb must be >= 0"
