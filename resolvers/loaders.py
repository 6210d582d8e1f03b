"""One DataLoader per record kind, created per request.

Each batch is one batched read where the reader has one (``get_many``); a page of 100
blocks with their txs costs a handful of storage calls, not hundreds. Kinds whose batch is
small and mostly served by the record cache (storage/records.py: metas, validator sets,
txs by hash) are read on the event loop while the batch is small (``inline``: at most that
many keys): a hop to the thread pool and back costs more than they do, and with the GIL a
thread gains nothing for decoding. Larger batches, and whole blocks and their ABCI results
(megabytes on a busy chain), make one hop to the pool per batch, so a large read never
holds up other requests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
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
        inline: int = 0,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size)
        self._fetch = fetch
        self.name = name
        self._on_batch = on_batch
        self._inline = inline

    async def load_all(self, keys: Sequence[Any]) -> list[Any]:
        """The values of keys known together (a page) as one batch, without a future per key:
        as ``load_many``, the first key that failed raises its error."""
        if not keys:
            return []
        values = await self.batch_load_fn(keys)
        for v in values:
            if isinstance(v, Exception):
                raise v
        return values

    async def batch_load_fn(self, keys: Sequence[Any]) -> list[Any]:
        if self._on_batch is not None:
            self._on_batch(self.name, len(keys))
        if len(keys) <= self._inline:
            return self._fetch(list(keys))
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
    """The request's loaders over one pinned snapshot view, each made when first used."""

    def __init__(self, view: View, on_batch: Callable[[str, int], None] | None = None) -> None:
        self.view = view
        self._on_batch = on_batch

    def _loader(self, name: str, fetch: Callable[[Sequence[Any]], list[Any]], inline: int) -> _Loader[Any, Any]:
        return _Loader(fetch, name=name, on_batch=self._on_batch, inline=inline)

    @cached_property
    def block_meta(self) -> _Loader[int, BlockMeta | None]:
        b = self.view.blocks
        return self._loader("block_meta", _many(b.load_block_metas, b.load_block_meta), inline=128)

    @cached_property
    def block(self) -> _Loader[int, Block | None]:
        b = self.view.blocks
        return self._loader("block", _many(b.load_blocks, b.load_block), inline=0)

    @cached_property
    def commit(self) -> _Loader[int, Commit | None]:
        b = self.view.blocks
        return self._loader("commit", _many(b.load_commits, b.load_commit), inline=8)

    @cached_property
    def seen_commit(self) -> _Loader[int, Commit | None]:
        b = self.view.blocks
        return self._loader("seen_commit", _each(b.load_seen_commit), inline=8)

    @cached_property
    def validator_set(self) -> _Loader[int, ValidatorSet | None]:
        s = self.view.state
        return self._loader("validator_set", _each(s.load_validators), inline=4)

    @cached_property
    def block_results(self) -> _Loader[int, BlockResults | None]:
        s = self.view.state
        return self._loader("block_results", _many(s.load_block_results_many, s.load_block_results), inline=0)

    @cached_property
    def tx_result(self) -> _Loader[bytes, TxResult | None]:
        t = self.view.txs
        return self._loader("tx_result", _many(t.load_txs, t.load_tx), inline=20)

    @cached_property
    def height_by_hash(self) -> _Loader[bytes, int | None]:
        b = self.view.blocks
        return self._loader("height_by_hash", _each(b.height_by_hash), inline=20)

    @cached_property
    def decoded_tx(self) -> _Loader[bytes, DecodedTx]:
        return self._loader("decoded_tx", _each(decode_tx), inline=8)

    @property
    def tx_index_enabled(self) -> bool:
        return bool(getattr(self.view.txs, "enabled", False))
