"""Fixtures for the storage readers: private copies of real node databases.

Every database is opened from a copy in this session's tmp folder, never in place:
opening a LevelDB replays and rewrites its log, a second open of one folder in one
process fails on LevelDB's LOCK, and the Pebble reader writes a file into its folder.
The copies open through ``open_kv``, with the engine their files name.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cometgraph.sample import unpack
from cometgraph.storage.app import AppStore
from cometgraph.storage.blocks import BlockStore
from cometgraph.storage.chain import Chain, View
from cometgraph.storage.kv import KV, open_kv
from cometgraph.storage.prefixes import Prefixes, detect
from cometgraph.storage.state import StateStore

TM034 = "tm034-sdk044-onomy-testnet1"
TM033 = "tm033-sdk039-testblockchain"
TM032 = "tm032-nameservice"


@pytest.fixture(scope="session")
def legacy_data(legacy_dir, tmp_path_factory):
    """``legacy_data(name)`` → the ``data/`` folder of a legacy archive, unpacked once per session."""
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            root = tmp_path_factory.mktemp(name)
            unpack(legacy_dir / f"{name}.tar.zst", root)
            found = sorted(root.rglob("blockstore.db"))
            assert found, f"{name} holds no blockstore.db"
            cache[name] = found[0].parent
        return cache[name]

    return get


def _open_copy(src: Path, tmp_path_factory) -> KV:
    dst = tmp_path_factory.mktemp("db") / src.name
    shutil.copytree(src, dst)
    return open_kv(dst)


@pytest.fixture(scope="session")
def sample_data(sample_home) -> Path:
    return sample_home / "data"


@pytest.fixture(scope="session")
def sample_kv(sample_data, tmp_path_factory) -> Iterator:
    """``sample_kv(name)`` → a session-wide KV over a private copy of the sample chain's ``name``.db."""
    opened: dict[str, KV] = {}

    def get(name: str) -> KV:
        if name not in opened:
            opened[name] = _open_copy(sample_data / f"{name}.db", tmp_path_factory)
        return opened[name]

    yield get
    for kv in opened.values():
        kv.close()


@pytest.fixture(scope="module")
def prefixes(sample_home, sample_kv) -> Prefixes:
    """The sample chain's prefixes as cometgraph detects them from the chain's own data."""
    found = detect(sample_home, sample_kv("state"), sample_kv("tx_index"))
    assert found is not None
    return found


@pytest.fixture(scope="module")
def app(sample_kv) -> AppStore:
    return AppStore(sample_kv("application"))


@pytest.fixture(scope="session")
def sample_blocks(sample_kv) -> BlockStore:
    return BlockStore(sample_kv("blockstore"))


@pytest.fixture(scope="session")
def sample_state(sample_kv, sample_blocks) -> StateStore:
    return StateStore(sample_kv("state"), base=sample_blocks.base())


@pytest.fixture(scope="session")
def tm034_kv(legacy_data, tmp_path_factory) -> Iterator:
    opened: dict[str, KV] = {}

    def get(name: str) -> KV:
        if name not in opened:
            opened[name] = _open_copy(legacy_data(TM034) / f"{name}.db", tmp_path_factory)
        return opened[name]

    yield get
    for kv in opened.values():
        kv.close()


@pytest.fixture(scope="session")
def tm034_blocks(tm034_kv) -> BlockStore:
    return BlockStore(tm034_kv("blockstore"))


@pytest.fixture(scope="session")
def tm034_state(tm034_kv, tm034_blocks) -> StateStore:
    return StateStore(tm034_kv("state"), base=tm034_blocks.base())


@pytest.fixture(scope="module")
def tm034_view(legacy_data, tmp_path_factory) -> Iterator[View]:
    """The onomy archive opened as the service opens a node (``Chain.from_home``: a private
    snapshot, ``build_readers``), pinned for the module's tests."""
    chain = Chain.from_home(legacy_data(TM034).parent, snapshot_dir=tmp_path_factory.mktemp("tm034-snaps")).open()
    v = chain.pin()
    yield v
    v.release()
    chain.close()


@pytest.fixture
def damaged(scratch_copy, sample_data):
    """``damaged(name)`` → a writable plyvel handle on a fresh copy of the sample ``name``.db, and its path.

    Tests write garbage through it, close it, then open the copy with the readers.
    """
    import plyvel

    def make(name: str, src: Path | None = None):
        path = scratch_copy((src or sample_data) / f"{name}.db")
        return plyvel.DB(str(path), create_if_missing=False), path

    return make
