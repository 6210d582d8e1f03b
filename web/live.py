"""Follow the node: refresh the snapshot when its files change, publish new heights.

File-change notification (watchfiles, debounced) makes a new block visible within a
moment of the node committing it; the refresh interval is the fallback (and the
only trigger where notifications don't work, e.g. some network filesystems).
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.concurrency import run_in_threadpool

from cometgraph.resolvers.live import Broadcaster
from cometgraph.storage.chain import Chain

log = logging.getLogger(__name__)


class Refresher:
    def __init__(self, chain: Chain, broadcaster: Broadcaster, interval: float, watch: bool = True, metrics=None) -> None:
        self.chain = chain
        self.broadcaster = broadcaster
        self.interval = interval
        self.watch = watch
        self.metrics = metrics
        self.last_height = self._height()
        self.refreshes = 0
        self.failures = 0

    def _height(self) -> int:
        with self.chain.view() as v:
            return v.latest_height

    async def refresh_once(self) -> bool:
        """One refresh; publishes the heights it made visible. Never raises."""
        started = time.perf_counter()
        try:
            swapped = await run_in_threadpool(self.chain.refresh)
        except Exception:  # the old snapshot keeps serving
            self.failures += 1
            log.exception("snapshot refresh failed; still serving the previous snapshot")
            return False
        if self.metrics is not None:
            self.metrics.observe_refresh(time.perf_counter() - started, swapped)
        self.refreshes += 1
        if not swapped:
            return False
        top = self._height()
        if top > self.last_height:
            self.broadcaster.publish(range(self.last_height + 1, top + 1))
            self.last_height = top
        elif top < self.last_height:  # the node was rolled back
            self.last_height = top
        return True

    async def run(self) -> None:
        if self.watch:
            try:
                await self._watch()
                return
            except Exception:  # noqa: BLE001 - fall back to polling, loudly
                log.exception("file notifications failed; refreshing every %.1f s instead", self.interval)
        while True:
            await asyncio.sleep(self.interval)
            await self.refresh_once()

    async def _watch(self) -> None:
        from watchfiles import awatch

        paths = [p for p in (self.chain.data_dir / f"{n}.db" for n in ("blockstore", "state")) if p.exists()]
        async for _ in awatch(
            *paths,
            debounce=150,
            step=30,
            rust_timeout=int(self.interval * 1000),
            yield_on_timeout=True,
            recursive=False,
            force_polling=False,
        ):
            await self.refresh_once()
