"""Per-request context: the chain, the snapshot view the request is pinned to, its loaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cometgraph.storage.chain import Chain, View

if TYPE_CHECKING:
    from .app import AppReaders
    from .live import Broadcaster
    from .loaders import Loaders


@dataclass
class Context:
    chain: Chain
    #: new-height fan-out for subscriptions (resolvers.live.Broadcaster); None without live refresh
    live: Broadcaster | None = None
    #: observes loader batch sizes (web.metrics.Metrics.observe_batch: loader name, keys); optional
    on_batch: Callable[[str, int], None] | None = None
    #: pinned on first use for the length of one GraphQL operation (see schema.root.PinSnapshot)
    view: View | None = None
    _loaders: Loaders | None = field(default=None, repr=False)
    #: application-state readers and loaders (resolvers.app), built on first use
    _app_readers: AppReaders | None = field(default=None, repr=False)
    #: True while every answer so far is about finished, explicitly named heights (HTTP-cacheable)
    immutable: bool = True
    #: the request's (or WebSocket connection's) context this operation's was forked from
    parent: Context | None = field(default=None, repr=False)
    #: objects this HTTP request's operations may still return (schema.limits); None = no shared budget
    nodes_left: int | None = None

    def volatile(self) -> None:
        """This answer may change as the chain grows: it must not be cached for long."""
        self.immutable = False
        if self.parent is not None:
            self.parent.volatile()

    def fork(self) -> Context:
        """A context of its own for one operation: the operations of a batch, or of one
        WebSocket connection, run concurrently and each pins and releases its own snapshot."""
        return Context(chain=self.chain, live=self.live, on_batch=self.on_batch, parent=self)

    def pin(self) -> View:
        if self.view is None:
            self.view = self.chain.pin()
        return self.view

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            from .loaders import Loaders

            self._loaders = Loaders(self.pin(), self.on_batch)
        return self._loaders

    def release(self) -> None:
        if self.view is not None:
            self.view.release()
            self.view = None
            self._loaders = None
            self._app_readers = None
