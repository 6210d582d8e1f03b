"""Private, point-in-time snapshots of a node's database folders (LevelDB or Pebble).

Opening a LevelDB takes its LOCK and replays (rewrites) its log, and a running
node holds the LOCK already; the reader of Pebble folders writes a config file into
any folder it opens. So cometgraph never opens a node's folder: it builds a private
copy and opens that. Each database's backend is found from its files
(``storage/backends.py``); ``storage/pebble_copy.py`` copies Pebble folders in their
own order, and what follows here holds for both.

A snapshot of one database is:
- hard links to the immutable table files (``*.ldb``, ``*.sst``) that the copied
  manifest names: free, and they stay valid even after the node's compaction
  deletes its own names for them. A table the manifest does not name yet may be
  one the node is still writing, and our copy's recovery could reuse its number
  and write through the link (``storage/manifest.py``): it is never taken;
- byte copies of the files the node still appends to: ``CURRENT``, ``MANIFEST-*``
  and ``*.log``.

Files are only ever *read* in the node's folder (``os.link`` reads a name and
adds one elsewhere; it changes neither the file's bytes nor the node's folder).
A copy is consistent when the node's ``CURRENT`` and manifest did not change while
we copied (no flush or compaction raced us); otherwise we retry. A torn last log
record is dropped by LevelDB's recovery, which is exactly a slightly older state.
Where hard links are impossible (another filesystem, a read-only archive with
protected links) table files are copied instead.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import leveldb_copy, pebble_copy
from .backends import PEBBLE, UnsupportedFormat, detect
from .errors import DatabaseUnavailable, SnapshotError
from .kv import KV
from .leveldb_copy import NEVER, Cancel, Fingerprint, SnapshotCancelled, _Linker

log = logging.getLogger(__name__)

#: the databases cometgraph reads, by their folder name under data/
DATABASES = ("blockstore", "state", "tx_index", "application")
_seq = itertools.count(1)


def find_data_dir(home: Path | None = None, data_dir: Path | None = None) -> Path:
    """The node's ``data/`` folder from ``--home`` or ``--data-dir``."""
    if data_dir is None:
        if home is None:
            raise DatabaseUnavailable("give a node home or a data directory")
        data_dir = Path(home) / "data"
    data_dir = Path(data_dir)
    if not (data_dir / "blockstore.db").is_dir():
        raise DatabaseUnavailable(f"no blockstore.db under {data_dir}: is this a CometBFT node's data folder?")
    return data_dir


class Snapshot:
    """One private copy of the node's databases, open, shared by concurrent readers.

    Reference-counted: ``retire()`` marks it replaced, and the last ``release()``
    (or ``retire()`` itself when nobody holds it) closes the databases and
    deletes the folder.
    """

    def __init__(
        self,
        folder: Path,
        dbs: dict[str, KV],
        fingerprints: dict[str, Fingerprint],
        taken_at: float,
        broken: dict[str, str] | None = None,
    ):
        self.folder = folder
        self.dbs = dbs
        #: databases present in the node's folder that would not open, and why
        self.broken = broken or {}
        self.fingerprints = fingerprints
        self.taken_at = taken_at
        self._refs = 0
        self._retired = False
        self._closed = False
        self._lock = threading.Lock()
        #: what the owner built on top of this snapshot (readers), set before it is published
        self.readers: object = None

    def db(self, name: str) -> KV | None:
        return self.dbs.get(name)

    def acquire(self) -> Snapshot:
        with self._lock:
            if self._closed:
                raise SnapshotError("snapshot already closed")
            self._refs += 1
        return self

    def release(self) -> None:
        with self._lock:
            self._refs -= 1
            done = self._retired and self._refs == 0
        if done:
            self._close()

    def retire(self) -> None:
        with self._lock:
            self._retired = True
            done = self._refs == 0
        if done:
            self._close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for db in self.dbs.values():
            db.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        log.debug("snapshot %s removed", self.folder.name)


def default_workdir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "cometgraph" / "snapshots"


class Snapshotter:
    """Builds snapshots of one node's data folder into a work folder of ours.

    The work folder should be on the node's filesystem so table files can be
    hard-linked (``--snapshot-dir``); elsewhere they are copied. It must not be
    inside the node's data folder.
    """

    def __init__(
        self,
        data_dir: Path,
        workdir: Path | None = None,
        databases: Iterable[str] = DATABASES,
        verify: Callable[[dict[str, KV]], None] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.workdir = Path(workdir or default_workdir()).resolve()
        if self.workdir == self.data_dir or self.data_dir in self.workdir.parents:
            raise SnapshotError("the snapshot folder must not be inside the node's data folder")
        self.databases = tuple(databases)
        self.verify = verify
        self._linker = _Linker()
        self.workdir.mkdir(parents=True, exist_ok=True)

    def fingerprints(self) -> dict[str, Fingerprint]:
        out = {}
        for name in self.databases:
            src = self.data_dir / f"{name}.db"
            if src.is_dir():
                out[name] = Fingerprint.of(src)
        return out

    def take(self, attempts: int = 4, cancel: Cancel = NEVER) -> Snapshot:
        """Copy every database (blockstore first, so it is the oldest) and open the copies.

        The order matters: the node saves a block before it executes it, so later
        copies of state/tx_index/application are at least as new as the blocks.
        A ``cancel`` set meanwhile raises ``SnapshotCancelled`` with the folder removed.
        """
        last: Exception | None = None
        for _ in range(attempts):
            cancel.check()
            folder = self.workdir / f"snap-{os.getpid()}-{next(_seq)}-{time.time_ns()}"
            folder.mkdir()
            dbs: dict[str, KV] = {}
            try:
                fps = {}
                broken: dict[str, str] = {}
                for name in self.databases:
                    src = self.data_dir / f"{name}.db"
                    if not src.is_dir():
                        if name == "blockstore":
                            raise DatabaseUnavailable(f"{src} is missing")
                        continue  # e.g. tx_index off: readers report it
                    try:
                        dbs[name], fps[name] = open_copy(src, folder / f"{name}.db", linker=self._linker, cancel=cancel)
                    except (SnapshotError, UnsupportedFormat) as exc:
                        if name == "blockstore":
                            raise
                        # serve everything else; what needs this database says why it cannot
                        log.error("serving without %s.db: %s", name, exc)
                        broken[name] = str(exc)
                        fps[name] = Fingerprint.of(src)
                if self.verify:
                    self.verify(dbs)
                cancel.check()
                return Snapshot(folder, dbs, fps, time.time(), broken)
            except (SnapshotError, DatabaseUnavailable) as exc:
                last = exc
                for db in dbs.values():
                    db.close()
                shutil.rmtree(folder, ignore_errors=True)
                if isinstance(exc, DatabaseUnavailable) and not (self.data_dir / "blockstore.db").is_dir():
                    raise
            except BaseException:
                for db in dbs.values():
                    db.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise
        raise SnapshotError(f"could not build a snapshot of {self.data_dir.name}: {last}")

    def clean_stale(self) -> list[Path]:
        """Delete snapshot folders left by processes that are gone (killed mid-refresh)."""
        removed = []
        for entry in self.workdir.glob("snap-*"):
            try:
                pid = int(entry.name.split("-")[1])
            except (IndexError, ValueError):
                continue
            if pid == os.getpid() or _pid_alive(pid):
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
        return removed


def open_copy(src: Path, dst: Path, *, linker: _Linker, cancel: Cancel = NEVER) -> tuple[KV, Fingerprint]:
    """A private copy of one database folder, made and opened the way its backend needs;
    ``UnsupportedFormat`` (never retried: the files will not change their format) otherwise."""
    if detect(src).kind == PEBBLE:
        return pebble_copy.open_copy(src, dst, linker=linker, cancel=cancel)
    return leveldb_copy.open_copy(src, dst, linker=linker, cancel=cancel)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SnapshotHolder:
    """The current snapshot, swapped atomically; readers pin one for a whole request.

    ``close()`` is final and leaves no folder of its own behind: it cancels a snapshot
    being taken (an open or a refresh on another thread), waits until that take has
    removed its folder, then retires the current snapshot (deleted at once, or by the
    last reader still holding it).
    """

    def __init__(self, snapshotter: Snapshotter, prepare: Callable[[Snapshot], object] | None = None) -> None:
        self.snapshotter = snapshotter
        #: builds what readers need on a new snapshot before it is published
        self.prepare = prepare
        self.current: Snapshot | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._taking = 0
        self._closed = False
        self._cancel = Cancel()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def taking(self) -> int:
        """Snapshots being taken right now (open or refresh in flight)."""
        return self._taking

    def _take(self) -> Snapshot:
        with self._lock:
            if self._closed:
                raise SnapshotCancelled("the snapshot holder is closed")
            self._taking += 1
        try:
            snap = self.snapshotter.take(cancel=self._cancel)
            if self.prepare is not None:
                try:
                    snap.readers = self.prepare(snap)
                except BaseException:
                    snap.retire()
                    raise
            return snap
        finally:
            with self._lock:
                self._taking -= 1
                self._idle.notify_all()

    def open(self) -> Snapshot:
        self.snapshotter.clean_stale()
        snap: Snapshot | None = self._take()
        with self._lock:
            if self._closed:  # closed while the first snapshot was being prepared
                old, snap = snap, None
            else:
                old, self.current = self.current, snap
        if old is not None:
            old.retire()
        if snap is None:
            raise SnapshotCancelled("the snapshot holder was closed while opening")
        return snap

    def pin(self) -> Snapshot:
        with self._lock:
            if self.current is None:
                raise SnapshotError("no snapshot is open")
            return self.current.acquire()

    def changed(self) -> bool:
        cur = self.current
        return cur is None or self.snapshotter.fingerprints() != cur.fingerprints

    def refresh(self, force: bool = False) -> Snapshot | None:
        """Take a new snapshot if the node's files changed; returns it, or None.

        None also when the holder is closed before or while the new one is taken.
        """
        if self._closed or (not force and not self.changed()):
            return None
        try:
            new = self._take()
        except SnapshotCancelled:
            return None
        with self._lock:
            if self._closed:  # closed while this refresh was preparing: nobody will read it
                old = new
                new = None
            else:
                old, self.current = self.current, new
        if old is not None:
            old.retire()
        return new

    def close(self, timeout: float | None = None) -> bool:
        """Cancel and wait for any snapshot being taken, then retire the current one.

        Returns False only when ``timeout`` ran out with a take still in flight (its
        folder is then removed by that take itself when it ends).
        """
        with self._lock:
            self._closed = True
            self._cancel.set()
            if self._taking:
                log.info("closing: stopping the snapshot being taken and removing its folder")
            done = self._idle.wait_for(lambda: self._taking == 0, timeout)
            old, self.current = self.current, None
        if old is not None:
            old.retire()
        if not done:
            log.warning("closed while a snapshot was still being taken; it removes itself when it ends")
        return done
