"""The code's own rules, checked with every run of the suite: ruff's lint, imports that point
one way down the layers (pyproject.toml's [tool.importlinter]), and the types of storage and
resolvers (mypy, pyproject.toml's [tool.mypy])."""

from __future__ import annotations

import importlib.util
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


def _check_code():
    spec = importlib.util.spec_from_file_location("check_code", ROOT / "tools" / "check_code.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_hand_written_module_is_under_400_lines():
    """One job per module: a module over the limit is named, with its length."""
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "check_code.py"), "--lines"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 of the package's hand-written modules over 400 lines" in r.stdout


def test_the_line_limit_names_long_modules_and_skips_generated_ones(tmp_path):
    check = _check_code()
    (tmp_path / "pyproject.toml").write_text('[tool.setuptools]\npackage-dir = { "pkg" = "pkg", "pkg.proto" = "pkg/proto" }\n')
    (tmp_path / "pkg" / "proto").mkdir(parents=True)
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * 401)
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * 400)
    (tmp_path / "pkg" / "split_elsewhere.py").write_text("x = 1\n" * 500)
    (tmp_path / "pkg" / "proto" / "thing_pb2.py").write_text("x = 1\n" * 900)
    (tmp_path / "pkg" / "proto" / "sdk_descriptors.py").write_text("x = 1\n" * 900)
    assert check.long_modules(tmp_path, exempt=("pkg/split_elsewhere.py",)) == [("pkg/long.py", 401)]
    assert check.long_modules(tmp_path, exempt=()) == [("pkg/long.py", 401), ("pkg/split_elsewhere.py", 500)]


def test_no_exemption_from_the_line_limit_outlives_its_split():
    """An exempted module still over the limit is the only reason to exempt it."""
    check = _check_code()
    still_long = dict(check.long_modules(exempt=()))
    stale = [rel for rel in check.SPLIT_ELSEWHERE if rel not in still_long]
    assert not stale, f"split already: remove {stale} from SPLIT_ELSEWHERE in tools/check_code.py"
