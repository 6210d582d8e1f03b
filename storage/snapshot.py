"""Private, point-in-time snapshots of a node's LevelDB folders.

Opening a LevelDB takes its LOCK and replays (rewrites) its log, and a running
node holds the LOCK already. So cometgraph never opens a node's folder: it builds
a private copy and opens that.

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

import errno
import itertools
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import DatabaseUnavailable, SnapshotError
from .kv import LevelDB
from .manifest import ManifestError, file_number, read_manifest

log = logging.getLogger(__name__)

#: the databases cometgraph reads, by their folder name under data/
DATABASES = ("blockstore", "state", "tx_index", "application")
#: tables are immutable once written: link them
TABLE_SUFFIXES = (".ldb", ".sst")
#: files LevelDB rewrites in place or that are not part of the data
SKIP = {"LOCK", "LOG", "LOG.old"}

_seq = itertools.count(1)


@dataclass(frozen=True)
class Fingerprint:
    """What changes in a LevelDB folder whenever the node writes to it."""

    entries: tuple[tuple[str, int, int, int], ...]  # (name, size, mtime_ns, inode) of mutable files

    @classmethod
    def of(cls, folder: Path) -> Fingerprint:
        out = []
        for entry in os.scandir(folder):
            if entry.name in SKIP or entry.name.endswith(TABLE_SUFFIXES):
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            # the inode catches CURRENT replaced by rename within one coarse mtime tick
            out.append((entry.name, st.st_size, st.st_mtime_ns, st.st_ino))
        return cls(tuple(sorted(out)))


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


class SnapshotCancelled(Exception):
    """The holder was closed while this snapshot was being taken: stop, leave nothing behind.

    Not a ``SnapshotError``: nothing is wrong with the node, so no retry may catch it.
    """


class Cancel:
    """Set once by the holder's ``close()``; every copy step checks it.

    Checked between files and between 1 MiB chunks, so a close waits for at most one
    chunk of an in-flight copy, not for a whole database.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise SnapshotCancelled("the snapshot holder was closed")

    def sleep(self, seconds: float) -> None:
        """A retry's back-off that a close cuts short."""
        if self._event.wait(seconds):
            self.check()


#: for callers that never cancel
NEVER = Cancel()

_CHUNK = 1 << 20


def _copy_file(src: Path, dst: Path, cancel: Cancel = NEVER) -> None:
    # read-only on the source; never copies metadata that could touch it
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(_CHUNK):
            fout.write(chunk)
            cancel.check()


class _Linker:
    """Hard-links table files, falling back to copies once links prove impossible."""

    def __init__(self) -> None:
        self.can_link = True

    def __call__(self, src: Path, dst: Path, cancel: Cancel = NEVER) -> None:
        if self.can_link:
            try:
                os.link(src, dst)
                return
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    raise
                log.info("hard links impossible (%s); copying table files instead", exc.strerror)
                self.can_link = False
        _copy_file(src, dst, cancel)


def copy_leveldb(src: Path, dst: Path, *, attempts: int = 8, linker: _Linker | None = None, cancel: Cancel = NEVER) -> Fingerprint:
    """Make ``dst`` a consistent private copy of the LevelDB folder ``src``.

    Retries while a flush or compaction in the node races the copy. Returns the
    source fingerprint the copy corresponds to. ``cancel`` stops it between any two
    steps (``SnapshotCancelled``); the caller removes what was copied.
    """
    linker = linker or _Linker()
    last_error: Exception | None = None
    for attempt in range(attempts):
        cancel.check()
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir(parents=True)
        try:
            before = Fingerprint.of(src)
            current = (src / "CURRENT").read_bytes()
            names = sorted(os.listdir(src))
            # mutable files first (manifest says which tables exist), then tables
            for name in names:
                if name in SKIP or name.endswith(TABLE_SUFFIXES):
                    continue
                if name == "CURRENT" or name.startswith("MANIFEST-") or name.endswith(".log"):
                    cancel.check()
                    _copy_file(src / name, dst / name, cancel)
            tables, may_link = _tables_to_take(dst, current, names)
            for name in tables:
                cancel.check()
                if may_link:
                    linker(src / name, dst / name, cancel)
                else:
                    _copy_file(src / name, dst / name, cancel)
            (dst / "CURRENT").write_bytes(current)
            after = Fingerprint.of(src)
            if _manifest_state(before) == _manifest_state(after) and (src / "CURRENT").read_bytes() == current:
                return after
            last_error = SnapshotError(f"{src.name} changed while being copied")
        except MissingTables as exc:
            if _manifest_state(Fingerprint.of(src)) == _manifest_state(before):
                # the manifest still names them: the node's folder itself is damaged
                raise SnapshotError(f"{src.name}: {exc}") from None
            last_error = exc  # a compaction replaced them while we copied
        except FileNotFoundError as exc:  # a compaction removed a file we listed
            last_error = exc
        cancel.sleep(min(0.05 * 2**attempt, 1.0))
    raise SnapshotError(f"could not take a consistent copy of {src.name} after {attempts} attempts: {last_error}")


def _tables_to_take(dst: Path, current: bytes, names: list[str]) -> tuple[list[str], bool]:
    """The table files to take, and whether they may be hard links.

    Only the tables the copied manifest names, never one the node is still writing:
    such a table is not in the manifest yet, may be half written, and its number is
    the next one LevelDB hands out, so our copy's recovery would create that very
    name and, through a hard link, rewrite the node's file. A manifest we cannot read
    makes every table a byte copy instead.
    """
    tables = [n for n in names if n.endswith(TABLE_SUFFIXES)]
    manifest = current.decode("ascii", "replace").strip()
    try:
        if "/" in manifest or not manifest.startswith("MANIFEST-"):
            raise ManifestError(f"CURRENT names {manifest!r}")
        state = read_manifest((dst / manifest).read_bytes())
    except ManifestError as exc:
        log.warning("%s: %s; copying its tables instead of linking them", dst.name, exc)
        return tables, False
    live = [n for n in tables if file_number(n) in state.tables]
    missing = set(state.tables) - {file_number(n) for n in live}
    if missing:
        raise MissingTables(f"table files {', '.join(f'{n:06d}' for n in sorted(missing))} named by {manifest} are missing")
    return live, True


class MissingTables(FileNotFoundError):
    """The manifest names tables the folder lacks: a compaction raced us, or damage."""


def open_copy(src: Path, dst: Path, *, attempts: int = 8, linker: _Linker | None = None, cancel: Cancel = NEVER) -> tuple[LevelDB, Fingerprint]:
    """Copy ``src`` to ``dst`` and open the copy; a copy that does not open is retaken.

    Opening is the real proof of consistency: LevelDB replays the copied log and
    checks that every table the manifest names is there. A copy of an unchanged
    source that fails twice is damaged in the node's folder itself: no more retries.
    """
    linker = linker or _Linker()
    last: Exception | None = None
    failed_on: Fingerprint | None = None
    for attempt in range(attempts):
        fp = copy_leveldb(src, dst, attempts=attempts, linker=linker, cancel=cancel)
        try:
            return LevelDB(dst, name=src.name.removesuffix(".db")), fp
        except DatabaseUnavailable as exc:
            last = exc
            if failed_on == fp:
                break
            failed_on = fp
            log.info("copy of %s did not open (%s); retaking it", src.name, exc)
            cancel.sleep(min(0.05 * 2**attempt, 1.0))
    raise SnapshotError(f"{src.name} would not open: {_strip(str(last), dst)}")


def _strip(text: str, folder: Path) -> str:
    return text.replace(str(folder) + "/", "").replace(str(folder), folder.name)


def _manifest_state(fp: Fingerprint) -> tuple[object, ...]:
    """CURRENT and MANIFEST change on every flush and compaction; logs just grow."""
    return tuple(e for e in fp.entries if e[0] == "CURRENT" or e[0].startswith("MANIFEST-"))


class Snapshot:
    """One private copy of the node's databases, open, shared by concurrent readers.

    Reference-counted: ``retire()`` marks it replaced, and the last ``release()``
    (or ``retire()`` itself when nobody holds it) closes the databases and
    deletes the folder.
    """

    def __init__(
        self,
        folder: Path,
        dbs: dict[str, LevelDB],
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

    def db(self, name: str) -> LevelDB | None:
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
        verify: Callable[[dict[str, LevelDB]], None] | None = None,
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
            dbs: dict[str, LevelDB] = {}
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
                    except SnapshotError as exc:
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
