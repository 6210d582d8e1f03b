"""Session fixtures around the real sample chain written by injectived.

The archive is unpacked once per session into a temporary folder; readers open
private snapshots of it, exactly as they would a node's home.

The same workload exists twice, written by the node on each of its database backends
(``tests/devnet/make_sample_chain.py --backend``): ``goleveldb`` and ``pebbledb``. Every test
that reads the sample chain runs on both (``backend`` parametrizes ``sample_dir``), each
against the oracle the node recorded for its own chain; a test that is about LevelDB itself
(writes with plyvel, reads its manifests) is marked ``leveldb_only``, one about Pebble's
files ``pebble_only``.
``COMETGRAPH_TEST_BACKENDS=leveldb`` (comma-separated) runs fewer.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cometgraph.sample import ARCHIVE, unpack

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
#: the sample chain by the backend its node wrote it with
ARCHIVES = {"leveldb": ARCHIVE, "pebble": REPO / "tests" / "fixtures" / "sample-chain-pebble.tar.zst"}


def _backends() -> list[str]:
    wanted = os.environ.get("COMETGRAPH_TEST_BACKENDS")
    names = [b.strip() for b in wanted.split(",") if b.strip()] if wanted else list(ARCHIVES)
    unknown = set(names) - set(ARCHIVES)
    if unknown:
        raise pytest.UsageError(f"COMETGRAPH_TEST_BACKENDS: unknown {sorted(unknown)}; known: {sorted(ARCHIVES)}")
    return names


def pytest_generate_tests(metafunc):
    """Every test that reads the sample chain, once per backend (LevelDB-only ones on LevelDB)."""
    if "backend" in metafunc.fixturenames:
        names = _backends()
        # ``damaged`` (tests/storage/conftest.py) hands out plyvel handles: LevelDB by nature
        if metafunc.definition.get_closest_marker("leveldb_only") or "damaged" in metafunc.fixturenames:
            names = [b for b in names if b == "leveldb"]
        elif metafunc.definition.get_closest_marker("pebble_only"):
            names = [b for b in names if b == "pebble"]
        metafunc.parametrize("backend", names, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    """The node backend whose sample chain this test reads (``leveldb`` or ``pebble``)."""
    return request.param


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
def sample_dir(backend, tmp_path_factory) -> Path:
    """``home/`` and ``oracle/`` of the sample chain of ``backend``, unpacked for this session."""
    archive = ARCHIVES[backend]
    if not archive.is_file():
        pytest.fail(f"sample chain archive missing: {archive}")
    root = tmp_path_factory.mktemp(f"sample-{backend}")
    unpack(archive, root)
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
