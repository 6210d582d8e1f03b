"""Session fixtures around the real sample chain written by injectived.

The archive is unpacked once per session into a temporary folder; readers open
private snapshots of it, exactly as they would a node's home.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cometgraph.sample import ARCHIVE, unpack

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def compiled_plans_checked():
    """Every answer of a compiled plan in this session is compared with graphql-core's (tests/plancheck.py)."""
    from tests import plancheck

    undo = plancheck.install()
    yield plancheck
    undo()


def pytest_sessionfinish(session, exitstatus):
    from tests import plancheck

    if plancheck.MISMATCHES and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    from tests import plancheck

    s = plancheck.STATS
    terminalreporter.write_line(f"compiled plans checked against graphql-core: {s['compared']} answers identical, {s['moved']} skipped (a refresh in between)")
    for m in plancheck.MISMATCHES:
        terminalreporter.write_line("MISMATCH " + m)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """``home/`` and ``oracle/`` of the sample chain, unpacked for this session."""
    if not ARCHIVE.is_file():
        pytest.fail(f"sample chain archive missing: {ARCHIVE}")
    root = tmp_path_factory.mktemp("sample")
    unpack(ARCHIVE, root)
    return root


@pytest.fixture(scope="session")
def sample_home(sample_dir) -> Path:
    return sample_dir / "home"


class Oracle:
    """The node's own JSON answers, recorded while it ran the workload."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, object] = {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._cache:
            path = self.root / f"{name}.json"
            if not path.is_file():
                raise AttributeError(f"oracle has no {path.name}")
            self._cache[name] = json.loads(path.read_text())
        return self._cache[name]


@pytest.fixture(scope="session")
def oracle(sample_dir) -> Oracle:
    return Oracle(sample_dir / "oracle")


@pytest.fixture(scope="session")
def heights(oracle) -> list[int]:
    """Every height of the sample chain, ascending."""
    return sorted(int(h) for h in oracle.blocks)


@pytest.fixture(scope="session")
def legacy_dir() -> Path:
    path = SHARED / "data" / "legacy"
    if not path.is_dir():
        pytest.skip("../shared/data/legacy is absent: legacy-format tests need it")
    return path


@pytest.fixture
def scratch_copy(tmp_path):
    """Copy a folder into tmp_path (for tests that damage data on purpose)."""

    def copy(src: Path, name: str | None = None) -> Path:
        dst = tmp_path / (name or src.name)
        shutil.copytree(src, dst)
        return dst

    return copy
