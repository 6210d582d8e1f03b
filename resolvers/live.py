"""Fan-out of new heights to subscribers, each with a bounded queue.

The snapshot refresher publishes the heights each refresh made visible; every
subscriber has its own queue of at most ``maxsize`` pending batches. Publishing
never waits: a subscriber whose queue is full is dropped (its stream ends with
``SubscriberTooSlow``), so one slow client never slows queries or other clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from cometgraph.storage.errors import CometgraphError


class SubscriberTooSlow(CometgraphError):
    code = "SUBSCRIBER_TOO_SLOW"


class Observer(Protocol):
    """Told of subscribers coming and going and of drops (web.metrics.Metrics)."""

    def subscribers_changed(self, count: int) -> None: ...

    def subscriber_dropped(self) -> None: ...


@dataclass(eq=False)
class _Subscriber:
    #: batches of new heights; None wakes a dropped subscriber
    queue: asyncio.Queue[range | None]
    dropped: bool = False


@dataclass
class Broadcaster:
    maxsize: int = 64
    _subs: set[_Subscriber] = field(default_factory=set)
    published: int = 0
    dropped: int = 0
    #: told of subscribers coming and going and of drops (web.metrics.Metrics); optional
    observer: Observer | None = None

    def _changed(self) -> None:
        if self.observer is not None:
            self.observer.subscribers_changed(len(self._subs))

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, heights: range) -> None:
        """Hand new heights to every subscriber without waiting on any of them."""
        if not heights:
            return
        self.published += 1
        for sub in list(self._subs):
            try:
                sub.queue.put_nowait(heights)
            except asyncio.QueueFull:
                sub.dropped = True
                self.dropped += 1
                self._subs.discard(sub)
                if self.observer is not None:
                    self.observer.subscriber_dropped()
                self._changed()
                # wake the subscriber so it sees it was dropped
                try:
                    sub.queue.get_nowait()
                    sub.queue.put_nowait(None)
                except (asyncio.QueueEmpty, asyncio.QueueFull):
                    pass

    async def subscribe(self) -> AsyncIterator[range]:
        sub = _Subscriber(asyncio.Queue(self.maxsize))
        self._subs.add(sub)
        self._changed()
        try:
            while True:
                item = await sub.queue.get()
                if sub.dropped or item is None:  # None is put only to wake a dropped subscriber
                    raise SubscriberTooSlow(f"subscriber fell {self.maxsize} batches of blocks behind and was dropped; resubscribe and read faster")
                yield item
        finally:
            self._subs.discard(sub)
            self._changed()
