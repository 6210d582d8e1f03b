"""Wait for a process's background threads to go quiet before measuring its CPU.

LevelDB compacts a freshly opened snapshot in a thread of its own (the bench chain's
``application.db``: four level-0 tables merged into level 1, ~20 MB written, 1–2 s of CPU
right after open). ``time.process_time`` counts every thread, so the first seconds of
requests measured in-process were charged that work: on the 10x chain of the growth
measurement it doubled the CPU of a W1 page (docs/benchmarks.md, "Growth").
"""

from __future__ import annotations

import time


def background_cpu() -> float:
    """CPU seconds of every thread of this process but the calling one."""
    return time.process_time() - time.thread_time()


def wait_quiet(max_seconds: float = 60.0, interval: float = 0.25, idle: float = 0.002) -> float:
    """Block until other threads used less than ``idle`` CPU seconds in one ``interval``
    (or ``max_seconds`` passed); the seconds waited."""
    start = time.perf_counter()
    last = background_cpu()
    while time.perf_counter() - start < max_seconds:
        time.sleep(interval)
        now = background_cpu()
        if now - last < idle:
            break
        last = now
    return time.perf_counter() - start
