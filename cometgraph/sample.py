"""The embedded sample chain: a real injectived devnet's home, committed compressed.

``cometgraph serve`` without ``--home`` serves it. The archive is unpacked once per
content hash into a cache folder and treated as an archive copy (no refresh).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

import zstandard

from cometgraph.storage.errors import CometgraphError

REPO_ROOT = Path(__file__).resolve().parent.parent
#: a wheel carries the archive in the package (setup.py copies it there); a checkout has it here
PACKAGED = Path(__file__).resolve().parent / "sample-chain.tar.zst"
ARCHIVE = REPO_ROOT / "tests" / "fixtures" / "sample-chain.tar.zst"


class SampleMissing(CometgraphError, RuntimeError):
    """No archive to serve: one clear line from the CLI, not a traceback."""


def archive_path() -> Path:
    env = os.environ.get("COMETGRAPH_SAMPLE_ARCHIVE")
    path = Path(env) if env else (PACKAGED if PACKAGED.is_file() else ARCHIVE)
    if not path.is_file():
        raise SampleMissing(f"the sample chain archive is not at {path}; reinstall cometgraph or pass --home")
    return path


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "cometgraph"


def unpack(archive: Path, dest: Path) -> None:
    """Unpack a .tar.zst safely (no absolute paths, no links out of ``dest``)."""
    with open(archive, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as zr:
        with tarfile.open(fileobj=zr, mode="r|") as tar:
            tar.extractall(dest, filter="data")


def sample_root(archive: Path | None = None) -> Path:
    """Folder holding ``home/`` and ``oracle/`` of the sample chain, unpacked on first use."""
    archive = archive or archive_path()
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = cache_root() / f"sample-{digest}"
    if (target / "home").is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sample-", dir=target.parent))
    try:
        unpack(archive, tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "home").is_dir():  # lost a race to another process: fine
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def sample_home() -> Path:
    return sample_root() / "home"
