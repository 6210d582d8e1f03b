"""The folders install as cometgraph.* packages: none may be left out of a wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_source_package_is_listed_for_setuptools():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = tool["package-dir"]
    assert set(tool["packages"]) == set(mapping)
    folders = {str(ROOT / path) for path in mapping.values()}
    for top in ("cometgraph", "schema", "resolvers", "storage", "web"):
        for init in (ROOT / top).rglob("__init__.py"):
            assert str(init.parent) in folders, f"{init.parent.relative_to(ROOT)} is not installed: add it to pyproject.toml"


def test_top_level_folders_install_under_cometgraph_only():
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    assert all(name == "cometgraph" or name.startswith("cometgraph.") for name in mapping)
    assert mapping["cometgraph.schema"] == "schema" and mapping["cometgraph.storage"] == "storage"
