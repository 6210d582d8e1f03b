"""One DataLoader per record kind, created per request.

Each batch makes a single hop to the thread pool and, inside it, one batched
read where the reader has one (``get_many``); a page of 100 blocks with their
txs costs a handful of storage calls, not hundreds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aiodataloader import DataLoader
from starlette.concurrency import run_in_threadpool

from cometgraph.storage.chain import View
from cometgraph.storage.errors import CometgraphError


class _Loader(DataLoader):
    """A DataLoader whose batch is one thread-pool call of ``fetch(keys)``.

    Per-key failures that are the caller's business (NotFound, Pruned …) become
    that key's result, so one bad key does not fail its neighbours.
    """

    def __init__(self, fetch: Callable[[Sequence[Any]], list[Any]], max_batch_size: int = 256) -> None:
        super().__init__(max_batch_size=max_batch_size)
        self._fetch = fetch

    async def batch_load_fn(self, keys):
        return await run_in_threadpool(self._fetch, list(keys))


def _each(load_one: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    """Batch a reader that has no many-key method: still one thread hop for the batch."""

    def fetch(keys):
        out = []
        for k in keys:
            try:
                out.append(load_one(k))
            except CometgraphError as exc:
                out.append(exc)
        return out

    return fetch


def _many(load_many: Callable[[Sequence[Any]], list[Any]], load_one: Callable[[Any], Any]):
    """Use the reader's batched read; on a per-key error, fall back key by key to isolate it."""

    def fetch(keys):
        try:
            return load_many(keys)
        except CometgraphError:
            return _each(load_one)(keys)

    return fetch


class Loaders:
    """The request's loaders over one pinned snapshot view."""

    def __init__(self, view: View) -> None:
        self.view = view
        b, s, t = view.blocks, view.state, view.txs
        self.block_meta = _Loader(_many(b.load_block_metas, b.load_block_meta))
        self.block = _Loader(_many(b.load_blocks, b.load_block))
        self.commit = _Loader(_many(b.load_commits, b.load_commit))
        self.seen_commit = _Loader(_each(b.load_seen_commit))
        self.validator_set = _Loader(_each(s.load_validators))
        self.block_results = _Loader(_many(s.load_block_results_many, s.load_block_results))
        self.tx_result = _Loader(_many(t.load_txs, t.load_tx))
        self.height_by_hash = _Loader(_each(b.height_by_hash))

    @property
    def tx_index_enabled(self) -> bool:
        return bool(getattr(self.view.txs, "enabled", False))
