"""The code's own rules, checked with every run of the suite: ruff's lint, imports that point
one way down the layers (pyproject.toml's [tool.importlinter]), and the types of storage and
resolvers (mypy, pyproject.toml's [tool.mypy])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_lint_import_layers_and_types_hold():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "check_code.py")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    assert "files already formatted" in r.stdout
    assert "Contracts: 2 kept, 0 broken." in r.stdout
    assert "Success: no issues found in" in r.stdout, r.stdout[-6000:]
