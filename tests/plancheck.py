"""Every answer a compiled plan gives during the test suite is checked against graphql-core's.

Installed for the whole session by tests/conftest.py: each time the lean path
(web/fast.py) answers a request with a plan, the same operation is run again through the
full path (Strawberry and graphql-core) of a twin app over the same chain with plans off,
and the two bodies and cacheability must be identical byte for byte. So every query any
test sends is a differential test of the compiler (issue 14), not only those of
tests/web/test_plans.py. A mismatch fails the request (and the session).
"""

from __future__ import annotations

import contextlib
import json
import time
import weakref
from collections.abc import Iterator
from typing import Any

from bench.inproc import post
from cometgraph.resolvers import status as status_resolvers
from cometgraph.web.fast import FastGraphQL

#: mismatches seen (the session fails on any, even one a test swallowed)
MISMATCHES: list[str] = []
STATS = {"compared": 0, "moved": 0}
_twins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_FROZEN = {"depth": 0}


class _FrozenClock:
    """``time`` as resolvers/status.py sees it while one operation runs on both paths: the wall
    clock read once, so ``snapshotAge`` is the same number in both answers."""

    def __init__(self, real: Any) -> None:
        self.real, self.now = real, real.time()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def time(self) -> float:
        return self.now


@contextlib.contextmanager
def frozen_clock() -> Iterator[None]:
    """Freeze ``time.time`` for resolvers/status.py while the block runs; nested and concurrent
    uses share the outermost clock."""
    if not _FROZEN["depth"]:
        status_resolvers.time = _FrozenClock(time)  # type: ignore[assignment]
    _FROZEN["depth"] += 1
    try:
        yield
    finally:
        _FROZEN["depth"] -= 1
        if not _FROZEN["depth"]:
            status_resolvers.time = time  # type: ignore[assignment]


def _twin(chain: Any) -> Any:
    """An app over ``chain`` that answers everything through graphql-core."""
    app = _twins.get(chain)
    if app is None:
        from cometgraph.web.app import create_app

        app = create_app(chain, own_chain=False, watch=False)
        app.state.graphql.plans.enabled = False
        _twins[chain] = app
    return app


async def _post(app: Any, payload: dict) -> tuple[int, dict[bytes, bytes], bytes]:
    return await post(app, json.dumps(payload).encode())


def install() -> Any:
    """Wrap the lean path's answer with the check; returns the undo."""
    original = FastGraphQL._answer

    async def checked(self: FastGraphQL, query: Any, variables: Any, operation_name: Any, extensions: Any) -> Any:
        ctx = self.context()
        before = ctx.chain.holder.current
        with frozen_clock():  # operations checked concurrently share one frozen clock
            out = await original(self, query, variables, operation_name, extensions)
            if out is None or b'"TIMEOUT"' in out[0]:
                return out
            text = self.persisted.resolve(query, extensions)
            status, headers, body = await _post(_twin(ctx.chain), {"query": text, "variables": variables, "operationName": operation_name})
        if ctx.chain.holder.current is not before:
            STATS["moved"] += 1  # a refresh landed in between: the two answers may differ rightly
            return out
        STATS["compared"] += 1
        immutable = headers.get(b"cache-control", b"").endswith(b"immutable")
        if (status, body, immutable) != (200, out[0], out[1]):
            MISMATCHES.append(
                f"{text!r} {variables!r} {operation_name!r}:\n  compiled:     {out[0][:2000]!r} immutable={out[1]}\n  graphql-core: {body[:2000]!r} ({status}) immutable={immutable}"
            )
            raise AssertionError("compiled plan and graphql-core answer differently: " + MISMATCHES[-1])
        return out

    FastGraphQL._answer = checked  # type: ignore[method-assign]

    def undo() -> None:
        FastGraphQL._answer = original  # type: ignore[method-assign]

    return undo
