"""Static checks run by the suite (tests/test_code.py, so .ci/run): ruff's lint and format check over
the repository, and, over the package as it installs, the import layers (pyproject's
[tool.importlinter]) and the types of ``cometgraph.storage`` and ``cometgraph.resolvers`` (mypy).

import-linter and mypy read a package from the file system, and the folders here install under
other names (``storage/`` is ``cometgraph.storage``, see [tool.setuptools] package-dir): so the
installed layout is laid out in a temporary folder first, as a wheel would place it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def installed_layout(dest: Path) -> Path:
    """Copy every package's .py files to where ``pip install`` would put them."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package, folder in cfg["package-dir"].items():
        target = dest.joinpath(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for src in (ROOT / folder).glob("*.py"):
            shutil.copy2(src, target / src.name)
    return dest


def run(cmd: list[str], **kw) -> int:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw).returncode


def main() -> int:
    bindir = Path(sys.executable).parent
    failed = run([str(bindir / "ruff"), "check", str(ROOT)])
    failed |= run([str(bindir / "ruff"), "format", "--check", str(ROOT)])
    with tempfile.TemporaryDirectory(prefix="cometgraph-layout-") as tmp:
        tree = installed_layout(Path(tmp))
        failed |= run([str(bindir / "lint-imports"), "--config", str(ROOT / "pyproject.toml")], cwd=tree, env={"PYTHONPATH": str(tree), "PATH": str(bindir)})
        # no cache: the tree is new each run, and a cache in the repository would be stale
        failed |= run(
            [str(bindir / "mypy"), "--config-file", str(ROOT / "pyproject.toml"), "--no-incremental", "-p", "cometgraph.storage", "-p", "cometgraph.resolvers"],
            cwd=tree,
            env={"MYPYPATH": str(tree), "PATH": str(bindir)},
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
