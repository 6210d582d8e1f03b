"""The app factory that each worker process runs (``cometgraph serve --workers N``).

Workers cannot share Python objects, so the parent hands its settings over in the
environment; every worker opens its own snapshot (hard links keep that cheap) and,
when refreshing, follows the node and feeds its own subscribers.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict

from cometgraph.schema.limits import Limits

from .settings import Settings

ENV = "COMETGRAPH_WORKER_CONFIG"


def export(settings: Settings, limits: Limits) -> str:
    """Put the settings where workers find them; returns the value, for workers started by hand."""
    os.environ[ENV] = json.dumps(
        {
            "settings": {k: (str(v) if v is not None and not isinstance(v, (int, float, str, tuple)) else v) for k, v in asdict(settings).items()},
            "limits": asdict(limits),
        },
        default=str,
    )
    return os.environ[ENV]


def app():
    """Build this worker's app from the parent's settings."""
    from pathlib import Path

    from cometgraph.cli import open_chain, tune_gc
    from cometgraph.web.app import create_app

    cfg = json.loads(os.environ[ENV])
    raw = cfg["settings"]
    settings = Settings(
        home=Path(raw["home"]) if raw.get("home") else None,
        data_dir=Path(raw["data_dir"]) if raw.get("data_dir") else None,
        host=raw["host"],
        port=int(raw["port"]),
        refresh=float(raw["refresh"]),
        snapshot_dir=Path(raw["snapshot_dir"]) if raw.get("snapshot_dir") else None,
        descriptors=tuple(Path(p) for p in raw.get("descriptors") or ()),
        cors_origins=tuple(raw.get("cors_origins") or ()),
    )
    chain, refresh = open_chain(settings)
    app = create_app(
        chain,
        refresh=refresh,
        limits=Limits(**cfg["limits"]),
        cors_origins=settings.cors_origins,
        metrics_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR"),  # set by the supervisor (workers.py)
    )
    tune_gc()
    return app
