"""The app factory that each worker process runs (``cometgraph serve --workers N``).

Workers cannot share Python objects, so the parent hands its settings over in the
environment; every worker opens its own snapshot (hard links keep that cheap) and,
when refreshing, follows the node and feeds its own subscribers.
"""

from __future__ import annotations

import logging
import os

from .settings import Settings

ENV = "COMETGRAPH_WORKER_CONFIG"


def open_chain(settings: Settings):
    from cometgraph.storage.chain import Chain
    from cometgraph.storage.codec.registry import DescriptorRegistry

    registry = DescriptorRegistry(settings.descriptors)
    cache = (settings.cache_mb << 20) // settings.workers  # the budget is the server's: each worker keeps its share

    if settings.uses_sample:
        from .sample import sample_home

        home = sample_home()
        logging.getLogger("cometgraph").info("serving the embedded sample chain from %s", home)
        return Chain.from_home(home, snapshot_dir=settings.snapshot_dir, registry=registry, cache_bytes=cache).open(), 0.0
    chain = Chain.from_home(settings.home, settings.data_dir, settings.snapshot_dir, registry=registry, cache_bytes=cache).open()
    return chain, settings.refresh


#: the collector's first generation runs every 50,000 allocations instead of 700: a page of
#: 100 blocks allocates tens of thousands of short-lived objects, nearly all freed by reference
#: counting, and at concurrency 16 the default threshold spent 15-20% of the CPU scanning them.
#: 10,000 (fix 07) still ran a young collection every few events of a W2 page: objects of
#: requests in flight survived two of them into the old generation, whose full collections
#: then walked every decoded record the caches hold (~500,000 objects at 64 MB): 2.8 ms of
#: GC a W2 page at 10,000, 0.7 ms at 50,000 (docs/benchmarks.md, session 11). Garbage in
#: cycles waits at most 50,000 allocations (a few MB) for its collection.
GC_THRESHOLDS = (50_000, 10, 10)


def tune_gc() -> None:
    """Call once the app is built: what exists now (schema, descriptors, caches) lives as long as
    the process, so it is moved out of the collector's way (``gc.freeze``), and the young
    generation is collected less often (docs/benchmarks.md, fix 07)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def export(settings: Settings) -> str:
    """Put the settings where workers find them (every field, ``Settings.to_json``); returns the
    value, for workers started by hand."""
    os.environ[ENV] = settings.to_json()
    return os.environ[ENV]


def handed_over() -> Settings:
    """The settings the parent exported."""
    return Settings.from_json(os.environ[ENV])


def app():
    """Build this worker's app from the parent's settings."""
    from cometgraph.web.app import create_app

    settings = handed_over()
    chain, refresh = open_chain(settings)
    app = create_app(
        chain,
        refresh=refresh,
        limits=settings.limits(),
        cors_origins=settings.cors_origins,
        metrics_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR"),  # set by the supervisor (workers.py)
    )
    tune_gc()
    return app
