"""Prometheus metrics: requests and latency by operation, loader batches, snapshot refreshes,
storage reads, subscribers, and the serving process.

With ``serve --workers N`` every worker is a process of its own and a scrape reaches one of
them: the workers then write their counters to files in a directory the supervisor shares
(prometheus_client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``), and any worker's
``/metrics`` sums all of them. Snapshot age and height and the ``process_*`` metrics stay
those of the worker that answers (each worker has its own snapshot).
"""

from __future__ import annotations

import json
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from strawberry.extensions import SchemaExtension

from cometgraph.schema.errors import error_code
from cometgraph.storage import kv as kv_module

from .opnames import OperationNames


#: one JSON line per GraphQL operation: name, type, duration, status and error codes
request_log = logging.getLogger("cometgraph.requests")


class _StorageReads:
    """Exposes the storage layer's process-wide read counters (it imports no prometheus)."""

    def collect(self):
        fam = CounterMetricFamily("cometgraph_storage_reads", "Calls into the databases", labels=["db", "op"])
        for (db, op), n in sorted(kv_module.READS.items()):
            fam.add_metric([db, op], n)
        yield fam


class _Snapshot:
    """Age and latest height of the snapshot this process serves, read at scrape time."""

    def __init__(self, chain) -> None:
        self.chain = chain

    def collect(self):
        snap = self.chain.holder.current
        age = GaugeMetricFamily("cometgraph_snapshot_age_seconds", "Age of the snapshot being served")
        age.add_metric([], time.time() - snap.taken_at if snap is not None else float("nan"))
        height = GaugeMetricFamily("cometgraph_snapshot_height", "Latest height in the served snapshot")
        has = snap is not None and snap.readers is not None
        height.add_metric([], snap.readers.latest_height if has else float("nan"))
        yield age
        yield height


class Metrics:
    """The service's metrics; ``multiprocess_dir`` (a worker of ``serve --workers N``, with
    PROMETHEUS_MULTIPROC_DIR set before prometheus_client was imported) sums every worker's."""

    def __init__(self, chain, multiprocess_dir: str | None = None, operations: OperationNames | None = None) -> None:
        self.chain = chain
        self.operations = operations or OperationNames()
        self.multiprocess_dir = multiprocess_dir
        #: what /metrics renders
        self.registry = CollectorRegistry()
        # where this process's metric objects live: with several workers their values go to
        # files and are read back, summed, by the MultiProcessCollector
        r = CollectorRegistry() if multiprocess_dir else self.registry
        self.requests = Counter("cometgraph_requests", "GraphQL operations", ["operation", "outcome"], registry=r)
        self.latency = Histogram(
            "cometgraph_request_seconds",
            "GraphQL operation latency",
            ["operation"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.batch = Histogram(
            "cometgraph_loader_batch_size",
            "Keys per DataLoader batch",
            ["loader"],
            registry=r,
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
        )
        self.refresh = Histogram("cometgraph_snapshot_refresh_seconds", "Snapshot refresh time", ["swapped"], registry=r)
        self.subscribers = Gauge("cometgraph_subscribers", "Subscriptions receiving new heights", registry=r, multiprocess_mode="livesum")
        self.dropped = Counter("cometgraph_subscribers_dropped", "Subscriptions dropped as too slow", registry=r)
        if multiprocess_dir:
            MultiProcessCollector(self.registry, path=multiprocess_dir)
            # the storage layer counts in a plain dict; copied into a file-backed counter
            self.reads = Counter("cometgraph_storage_reads", "Calls into the databases", ["db", "op"], registry=r)
            self._reads_synced: dict = {}
        else:
            self.registry.register(_StorageReads())
        self.registry.register(_Snapshot(chain))
        ProcessCollector(registry=self.registry)
        #: (operation label, outcome) -> (requests counter, latency histogram) children
        self._children: dict[tuple[str, str], tuple] = {}

    def sync_reads(self) -> None:
        """With several workers: move the storage read counts made since the last call to the shared files."""
        if not self.multiprocess_dir:
            return
        for key, n in list(kv_module.READS.items()):
            delta = n - self._reads_synced.get(key, 0)
            if delta:
                self.reads.labels(*key).inc(delta)
                self._reads_synced[key] = n

    def subscribers_changed(self, count: int) -> None:
        """Called by the Broadcaster (resolvers.live) whenever a subscriber comes or goes."""
        self.subscribers.set(count)

    def subscriber_dropped(self) -> None:
        self.dropped.inc()

    def observe_refresh(self, seconds: float, swapped: bool) -> None:
        self.refresh.labels(swapped=str(bool(swapped)).lower()).observe(seconds)
        self.sync_reads()

    def observe_batch(self, loader: str, size: int) -> None:
        self.batch.labels(loader=loader).observe(size)

    def observe_operation(self, ctx, elapsed: float) -> None:
        """Count, time and log one operation (one JSON line per operation)."""
        name = ctx.operation_name or "anonymous"
        result = ctx.result
        errors = getattr(result, "errors", None) or []
        outcome = "error" if errors else "ok"
        label = self.operations.label(ctx.operation_name, not errors)  # bounded: known names or "other"
        children = self._children.get((label, outcome))
        if children is None:  # labels() looks its child up under a lock every time: once per pair here
            children = self._children[(label, outcome)] = (self.requests.labels(operation=label, outcome=outcome), self.latency.labels(operation=label))
        children[0].inc()
        children[1].observe(elapsed)
        self.sync_reads()
        if not request_log.isEnabledFor(logging.INFO):
            return
        try:
            kind = str(ctx.operation_type.value)
        except Exception:  # noqa: BLE001 - a document that did not parse has no type
            kind = "unknown"
        line = {"operation": name, "type": kind, "ms": round(elapsed * 1000, 2), "status": outcome}
        # this hook may run before ErrorCodes rewrites the errors: code them the same way
        line["codes"] = sorted({error_code(e) for e in errors})
        request_log.info(json.dumps(line, separators=(",", ":")), extra={"request": line})  # --log-format json: an object

    def render(self) -> bytes:
        self.sync_reads()
        return generate_latest(self.registry)

    def extension(self) -> type[SchemaExtension]:
        metrics = self

        class OperationMetrics(SchemaExtension):
            def on_operation(self):
                started = time.perf_counter()
                yield
                try:
                    metrics.observe_operation(self.execution_context, time.perf_counter() - started)
                except Exception:  # noqa: BLE001 - accounting must never break an answer
                    logging.getLogger(__name__).exception("could not record an operation")

        return OperationMetrics
