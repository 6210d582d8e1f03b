"""A consistent private copy of one LevelDB folder: hard-linked tables, copied logs, retried on races.

Apart from ``storage.snapshot`` (which assembles a node's databases into one snapshot and
manages its lifetime): this module knows one folder and the rules that make its copy safe
(the manifest decides which tables may be linked; see ``storage/manifest.py``).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from .errors import DatabaseUnavailable, SnapshotError
from .kv import LevelDB
from .manifest import ManifestError, file_number, read_manifest

log = logging.getLogger(__name__)

#: tables are immutable once written: link them
TABLE_SUFFIXES = (".ldb", ".sst")
#: files LevelDB rewrites in place or that are not part of the data
SKIP = {"LOCK", "LOG", "LOG.old"}


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
        #: (device, inode) of the node's table files whose format was checked (Pebble's footers)
        self.checked: set[tuple[int, int]] = set()

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
    link = linker or _Linker()

    def take(current: bytes) -> None:
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
                link(src / name, dst / name, cancel)
            else:
                _copy_file(src / name, dst / name, cancel)
        (dst / "CURRENT").write_bytes(current)

    return copy_consistently(src, dst, take, attempts=attempts, cancel=cancel)


def copy_consistently(
    src: Path,
    dst: Path,
    take: Callable[[bytes], None],
    *,
    attempts: int,
    cancel: Cancel,
    unreadable: Callable[[ManifestError], Exception] | None = None,
) -> Fingerprint:
    """The retry loop of every copier: ``take(current)`` copies the folder as of the ``CURRENT``
    read; the copy stands if the node's manifest and ``CURRENT`` did not move meanwhile.

    Tables the manifest names but the folder lacks are damage when the manifest did not
    move, a race when it did; so is a manifest that cannot be read (``unreadable`` makes the
    error of an unmoved one; without it the error goes up as it is).
    """
    last_error: Exception | None = None
    for attempt in range(attempts):
        cancel.check()
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir(parents=True)
        try:
            before = Fingerprint.of(src)
            current = (src / "CURRENT").read_bytes()
            take(current)
            after = Fingerprint.of(src)
            if _manifest_state(before) == _manifest_state(after) and (src / "CURRENT").read_bytes() == current:
                return after
            last_error = SnapshotError(f"{src.name} changed while being copied")
        except MissingTables as exc:
            if _manifest_state(Fingerprint.of(src)) == _manifest_state(before):
                # the manifest still names them: the node's folder itself is damaged
                raise SnapshotError(f"{src.name}: {exc}") from None
            last_error = exc  # a compaction replaced them while we copied
        except ManifestError as exc:
            if unreadable is None:
                raise
            if _manifest_state(Fingerprint.of(src)) == _manifest_state(before):
                raise unreadable(exc) from None
            last_error = exc  # a torn manifest of a folder that moved: retaken
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
    """Copy ``src`` to ``dst`` and open the copy; a copy that does not open is retaken."""
    return open_with_retries(src, dst, copy_leveldb, LevelDB, attempts=attempts, linker=linker, cancel=cancel)


class _Copier(Protocol):
    def __call__(self, src: Path, dst: Path, *, attempts: int, linker: _Linker | None, cancel: Cancel) -> Fingerprint: ...


DB = TypeVar("DB")


def open_with_retries(
    src: Path,
    dst: Path,
    copy: _Copier,
    engine: Callable[[Path, str], DB],
    *,
    attempts: int = 8,
    linker: _Linker | None = None,
    cancel: Cancel = NEVER,
) -> tuple[DB, Fingerprint]:
    """Copy with ``copy``, open with ``engine``; a copy that does not open is retaken.

    Opening is the real proof of consistency: the engine replays the copied log and
    checks that every table the manifest names is there. A copy of an unchanged
    source that fails twice is damaged in the node's folder itself: no more retries.
    """
    linker = linker or _Linker()
    last: Exception | None = None
    failed_on: Fingerprint | None = None
    for attempt in range(attempts):
        fp = copy(src, dst, attempts=attempts, linker=linker, cancel=cancel)
        try:
            return engine(dst, src.name.removesuffix(".db")), fp
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
