import json

from cometgraph.cli import main


def test_check_prints_where_the_sample_chain_stands(sample_home, oracle, tmp_path, capsys):
    rc = main(["check", "--home", str(sample_home), "--snapshot-dir", str(tmp_path / "snaps")])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    top = int(oracle.status["sync_info"]["latest_block_height"])
    assert out["latest_height"] == top
    assert out["chain_id"] == oracle.status["node_info"]["network"]
    assert out["latest_block_hash"] == oracle.blocks[str(top)]["block_id"]["hash"]
    assert list((tmp_path / "snaps").iterdir()) == []


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
