"""Pending field values settled without an asyncio task each (``schema.completion``).

A field whose resolver awaits is started where its object is completed and runs until it
first waits; the loads of every sibling are so queued before anything waits, and a value
already at hand (the second field of a tx whose block results are loaded) completes there and
then. What still waits is settled by ``settle``, which resumes each started coroutine itself
when the future it waits for is done: no asyncio task per field, where graphql-core's gather
made one for each (W2: ~600 a page, a quarter of its CPU in the event loop).
"""

from __future__ import annotations

import asyncio
from typing import Any


def start(coro: Any, slot: Any, pending: list[list[Any]]) -> Any:
    """Run ``coro`` until it first waits: its value if it needs no wait, else ``coro`` itself,
    with [slot, coro, what it waits for] added to ``pending``."""
    try:
        waits = coro.send(None)
    except StopIteration as done:
        return done.value
    if waits is not None:
        waits._asyncio_future_blocking = False  # held as a task holds what it is given
    pending.append([slot, coro, waits])
    return coro


def close(pending: list[list[Any]]) -> None:
    """Close started coroutines that will not be resumed (an error or a cancellation)."""
    for p in pending:
        p[1].close()


class _Turn:
    """One turn of the event loop, as ``asyncio.sleep(0)`` gives a coroutine."""

    def __await__(self) -> Any:
        yield


async def settle(out: Any, pending: list[list[Any]]) -> Any:
    """``out`` with every pending value put in its place (``pending``: [slot, started
    coroutine, what it waits for]).

    asyncio lets a coroutine wait for a future or, by a bare ``yield``, for one turn of the
    loop. Each round waits until one of the futures is done (or, when any waits by a bare
    yield, for one turn), then resumes every coroutine whose wait is over: as a gather of
    tasks would, so values that depend on each other still settle, in the tasks' place."""
    try:
        while pending:
            turned = False
            if not any(w is not None and w.done() for _, _, w in pending):
                waits = {id(w): w for _, _, w in pending if w is not None}
                if any(w is None for _, _, w in pending):  # a bare yield: one turn (it may be what the others wait for)
                    await _Turn()
                elif len(waits) == 1:
                    (only,) = waits.values()
                    await _wait_one(only)
                else:
                    await _wait_any(list(waits.values()))
                turned = True
            still = []
            for p in pending:
                w = p[2]
                if w is None:
                    if not turned:
                        still.append(p)
                        continue
                elif not w.done():
                    still.append(p)
                    continue
                try:
                    w = p[2] = p[1].send(None)
                except StopIteration as done:
                    out[p[0]] = done.value
                else:
                    if w is not None:
                        w._asyncio_future_blocking = False
                    still.append(p)
            pending = still
    except BaseException:
        close(pending)
        raise
    return out


async def _wait_one(future: Any) -> None:
    """Wait until ``future`` is done, not for its result: the coroutine that awaits it reads
    its value or its error when resumed. A cancellation of this task is not the future's
    (the task counts it): it goes on up."""
    try:
        await future
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if not future.cancelled() or (task is not None and task.cancelling()):
            raise
    except Exception:  # noqa: BLE001 - the future's own error, met by the coroutine that awaits it
        pass


async def _wait_any(futures: list[Any]) -> None:
    """Wait until one of ``futures`` is done."""
    waiter = futures[0].get_loop().create_future()

    def wake(_: Any) -> None:
        if not waiter.done():
            waiter.set_result(None)

    for f in futures:
        f.add_done_callback(wake)
    try:
        await waiter
    finally:
        for f in futures:
            f.remove_done_callback(wake)
