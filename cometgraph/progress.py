"""How far a long run (``cometgraph verify``) is: a bar on a terminal, periodic lines otherwise.

A mainnet archive takes hours to verify (about 290 blocks/s): silence looks like a hang. On a
terminal tqdm draws a bar with rate and ETA; into a file or a pipe (systemd, CI, a script) a
line every ``interval`` seconds, plain or, with ``--json``, one JSON object. Always on stderr:
stdout carries the report only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TextIO


class LineProgress:
    """``done of total`` with rate and ETA every ``interval`` seconds, and once at the end."""

    def __init__(
        self, stream: TextIO, interval: float = 10.0, as_json: bool = False, clock: Callable[[], float] = time.monotonic, unit: str = "blocks"
    ) -> None:
        self.stream, self.interval, self.as_json, self.clock, self.unit = stream, interval, as_json, clock, unit
        self.started: float | None = None
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if self.started is None:
            self.started = self.last = now
        if done < total and (done == 0 or now - self.last < self.interval):
            return
        self.last = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else None
        if self.as_json:
            line = json.dumps({"done": done, "total": total, "rate": round(rate, 1), "eta_seconds": None if eta is None else round(eta, 1)})
        else:
            pct = 100 * done / total if total else 100.0
            line = f"{done}/{total} {self.unit} ({pct:.0f}%), {rate:.0f} {self.unit}/s, ETA {_clock(eta)}"
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class BarProgress:
    """tqdm's bar (rate, elapsed, ETA), drawn once the total is known."""

    def __init__(self, stream: TextIO, unit: str = "blocks") -> None:
        self.stream, self.unit = stream, unit
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=self.unit, file=self.stream, dynamic_ncols=True, smoothing=0.1)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def reporter(stream: TextIO, as_json: bool = False, interval: float = 10.0) -> LineProgress | BarProgress:
    """A bar for a person at a terminal, lines for everything else."""
    if not as_json and stream.isatty():
        return BarProgress(stream)
    return LineProgress(stream, interval=interval, as_json=as_json)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
