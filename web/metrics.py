"""Prometheus metrics: requests and latency by operation, loader batches, snapshot refreshes, storage reads."""

from __future__ import annotations

import json
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from strawberry.extensions import SchemaExtension

from cometgraph.schema.errors import error_code
from cometgraph.storage import kv as kv_module


#: one JSON line per GraphQL operation: name, type, duration, status and error codes
request_log = logging.getLogger("cometgraph.requests")


class _StorageReads:
    """Exposes the storage layer's process-wide read counters (it imports no prometheus)."""

    def collect(self):
        fam = CounterMetricFamily("cometgraph_storage_reads", "Calls into the databases", labels=["db", "op"])
        for (db, op), n in sorted(kv_module.READS.items()):
            fam.add_metric([db, op], n)
        yield fam


class Metrics:
    def __init__(self, chain) -> None:
        self.chain = chain
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("cometgraph_requests", "GraphQL operations", ["operation", "outcome"], registry=r)
        self.latency = Histogram(
            "cometgraph_request_seconds", "GraphQL operation latency", ["operation"], registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.batch = Histogram(
            "cometgraph_loader_batch_size", "Keys per DataLoader batch", ["loader"], registry=r,
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
        )
        self.refresh = Histogram("cometgraph_snapshot_refresh_seconds", "Snapshot refresh time", ["swapped"], registry=r)
        self.age = Gauge("cometgraph_snapshot_age_seconds", "Age of the snapshot being served", registry=r)
        self.age.set_function(self._age)
        self.height = Gauge("cometgraph_snapshot_height", "Latest height in the served snapshot", registry=r)
        self.height.set_function(self._height)
        r.register(_StorageReads())

    def _age(self) -> float:
        snap = self.chain.holder.current
        return time.time() - snap.taken_at if snap is not None else float("nan")

    def _height(self) -> float:
        snap = self.chain.holder.current
        return snap.readers.latest_height if snap is not None and snap.readers is not None else float("nan")

    def observe_refresh(self, seconds: float, swapped: bool) -> None:
        self.refresh.labels(swapped=str(bool(swapped)).lower()).observe(seconds)

    def observe_batch(self, loader: str, size: int) -> None:
        self.batch.labels(loader=loader).observe(size)

    def observe_operation(self, ctx, elapsed: float) -> None:
        """Count, time and log one operation (one JSON line per operation)."""
        name = ctx.operation_name or "anonymous"
        result = ctx.result
        errors = getattr(result, "errors", None) or []
        outcome = "error" if errors else "ok"
        self.requests.labels(operation=name, outcome=outcome).inc()
        self.latency.labels(operation=name).observe(elapsed)
        try:
            kind = str(ctx.operation_type.value)
        except Exception:  # noqa: BLE001 - a document that did not parse has no type
            kind = "unknown"
        line = {"operation": name, "type": kind, "ms": round(elapsed * 1000, 2), "status": outcome}
        # this hook may run before ErrorCodes rewrites the errors: code them the same way
        line["codes"] = sorted({error_code(e) for e in errors})
        request_log.info(json.dumps(line, separators=(",", ":")), extra={"request": line})  # --log-format json: an object

    def render(self) -> bytes:
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
