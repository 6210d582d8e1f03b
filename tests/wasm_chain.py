"""The CosmWasm sample chain (tests/fixtures/wasm-chain.tar.zst, made by
tests/devnet/make_wasm_chain.py): fixtures shared by the storage and GraphQL tests.

Import the fixtures into a test module (``from tests.wasm_chain import wasm_dir, ...``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cometgraph.sample import unpack

ARCHIVE = Path(__file__).resolve().parent / "fixtures" / "wasm-chain.tar.zst"


@pytest.fixture(scope="session")
def wasm_dir(tmp_path_factory) -> Path:
    """``home/`` and ``oracle/`` of the wasm chain, unpacked once per session."""
    if not ARCHIVE.is_file():
        pytest.fail(f"wasm chain archive missing: {ARCHIVE}")
    root = tmp_path_factory.mktemp("wasm-chain")
    unpack(ARCHIVE, root)
    return root


@pytest.fixture(scope="session")
def wasm_oracle(wasm_dir) -> dict[str, Any]:
    """``{"workload", "rest": {"<h>": {...}}, "rest_txs"}``: the node's own answers."""
    return json.loads((wasm_dir / "oracle" / "wasm.json").read_text())


def smart_data(answer: dict[str, Any]) -> Any:
    assert "data" in answer, answer
    return answer["data"]
