"""One DataLoader per record kind, created per request.

Each batch makes a single hop to the thread pool and, inside it, one batched
read where the reader has one (``get_many``); a page of 100 blocks with their
txs costs a handful of storage calls, not hundreds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader
from starlette.concurrency import run_in_threadpool

from cometgraph.storage.chain import View
from cometgraph.storage.codec.tx import decode_tx
from cometgraph.storage.errors import CometgraphError
from cometgraph.storage.models import Block, BlockMeta, BlockResults, Commit, DecodedTx, TxResult, ValidatorSet


K = TypeVar("K")
V = TypeVar("V")


class _Loader(DataLoader[K, V]):
    """A DataLoader whose batch is one thread-pool call of ``fetch(keys)``.

    Per-key failures that are the caller's business (NotFound, Pruned …) become
    that key's result, so one bad key does not fail its neighbours.
    """

    def __init__(
        self,
        fetch: Callable[[Sequence[Any]], list[Any]],
        max_batch_size: int = 256,
        name: str = "",
        on_batch: Callable[[str, int], None] | None = None,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size)
        self._fetch = fetch
        self.name = name
        self._on_batch = on_batch

    async def batch_load_fn(self, keys: Sequence[Any]) -> list[Any]:
        if self._on_batch is not None:
            self._on_batch(self.name, len(keys))
        return await run_in_threadpool(self._fetch, list(keys))


def _each(load_one: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    """Batch a reader that has no many-key method: still one thread hop for the batch."""

    def fetch(keys: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        for k in keys:
            try:
                out.append(load_one(k))
            except CometgraphError as exc:
                out.append(exc)
        return out

    return fetch


def _many(load_many: Callable[[Sequence[Any]], list[Any]], load_one: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    """Use the reader's batched read; on a per-key error, fall back key by key to isolate it."""

    def fetch(keys: Sequence[Any]) -> list[Any]:
        try:
            return load_many(keys)
        except CometgraphError:
            return _each(load_one)(keys)

    return fetch


class Loaders:
    """The request's loaders over one pinned snapshot view."""

    def __init__(self, view: View, on_batch: Callable[[str, int], None] | None = None) -> None:
        self.view = view
        b, s, t = view.blocks, view.state, view.txs

        def loader(name: str, fetch: Callable[[Sequence[Any]], list[Any]]) -> _Loader[Any, Any]:
            return _Loader(fetch, name=name, on_batch=on_batch)

        self.block_meta: _Loader[int, BlockMeta | None] = loader("block_meta", _many(b.load_block_metas, b.load_block_meta))
        self.block: _Loader[int, Block | None] = loader("block", _many(b.load_blocks, b.load_block))
        self.commit: _Loader[int, Commit | None] = loader("commit", _many(b.load_commits, b.load_commit))
        self.seen_commit: _Loader[int, Commit | None] = loader("seen_commit", _each(b.load_seen_commit))
        self.validator_set: _Loader[int, ValidatorSet | None] = loader("validator_set", _each(s.load_validators))
        self.block_results: _Loader[int, BlockResults | None] = loader("block_results", _many(s.load_block_results_many, s.load_block_results))
        self.tx_result: _Loader[bytes, TxResult | None] = loader("tx_result", _many(t.load_txs, t.load_tx))
        self.height_by_hash: _Loader[bytes, int | None] = loader("height_by_hash", _each(b.height_by_hash))
        #: a tx's body and auth info by its bytes: decoded in the thread pool, a batch per hop
        self.decoded_tx: _Loader[bytes, DecodedTx] = loader("decoded_tx", _each(decode_tx))

    @property
    def tx_index_enabled(self) -> bool:
        return bool(getattr(self.view.txs, "enabled", False))
