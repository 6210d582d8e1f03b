"""Per-request context: the chain, and the snapshot view the request is pinned to."""

from __future__ import annotations

from dataclasses import dataclass, field

from cometgraph.storage.chain import Chain, View


@dataclass
class Context:
    chain: Chain
    #: set for the length of one GraphQL operation by the schema's PinSnapshot extension
    view: View | None = None
    loaders: dict = field(default_factory=dict)

    def pin(self) -> View:
        if self.view is None:
            self.view = self.chain.pin()
        return self.view

    def release(self) -> None:
        if self.view is not None:
            self.view.release()
            self.view = None
