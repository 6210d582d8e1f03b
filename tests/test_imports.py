"""The top-level folders install as ``cometgraph.*`` only: never a second copy under their own names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("storage", "schema", "resolvers", "web")


@pytest.mark.parametrize("name", FOLDERS)
def test_a_folder_cannot_be_imported_under_its_own_name(name):
    r = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert f"ImportError: import cometgraph.{name}, not {name}" in r.stderr


@pytest.mark.parametrize("name", FOLDERS)
def test_the_installed_name_imports(name):
    r = subprocess.run([sys.executable, "-c", f"import cometgraph.{name}"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_no_test_imported_a_folder_under_its_own_name():
    """Whatever ran before in this process: no module of the repository under a second name."""
    doubles = [
        m
        for m in sys.modules
        if m.split(".")[0] in FOLDERS and getattr(sys.modules[m], "__file__", "") and Path(sys.modules[m].__file__).resolve().is_relative_to(REPO)
    ]
    assert doubles == []
