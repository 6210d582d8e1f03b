"""Settings from command-line flags, with ``COMETGRAPH_*`` environment variables of the same names."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cometgraph.storage.errors import InvalidInput

DEFAULT_REFRESH = 2.0


@dataclass(frozen=True)
class Settings:
    home: Path | None = None  # node home; None = the embedded sample chain
    data_dir: Path | None = None  # the node's data/ folder, when it is not under home
    host: str = "127.0.0.1"
    port: int = 8080
    refresh: float = DEFAULT_REFRESH  # seconds between snapshot refreshes; 0 = never (stopped node, archive)
    snapshot_dir: Path | None = None  # where private snapshots live; same filesystem as the node = hard links
    descriptors: tuple[Path, ...] = ()  # FileDescriptorSet files for chain-specific message types
    workers: int = 1  # serving processes on one port, each with its own snapshot
    cors_origins: tuple[str, ...] = ()  # browser origins that may query and subscribe; "*" = any
    cache_mb: int = 128  # decoded records kept per serving process (IAVL nodes, block metas, validator sets, results)

    @property
    def uses_sample(self) -> bool:
        return self.home is None and self.data_dir is None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        values: dict = {}
        for name, cast in (
            ("home", Path),
            ("data_dir", Path),
            ("host", str),
            ("port", int),
            ("refresh", float),
            ("snapshot_dir", Path),
            ("workers", int),
            ("cache_mb", int),
        ):
            raw = env.get(f"COMETGRAPH_{name.upper()}")
            if raw:
                try:
                    values[name] = cast(raw)
                except ValueError:
                    raise InvalidInput(f"COMETGRAPH_{name.upper()}={raw!r} is not a valid {cast.__name__}") from None
        raw = env.get("COMETGRAPH_DESCRIPTORS")
        if raw:
            values["descriptors"] = tuple(Path(p) for p in raw.split(os.pathsep) if p)
        raw = env.get("COMETGRAPH_CORS_ORIGINS")
        if raw:
            values["cors_origins"] = tuple(o.strip() for o in raw.split(",") if o.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "descriptors" in values:
            values["descriptors"] = tuple(Path(p) for p in values["descriptors"])
        if "cors_origins" in values:
            from cometgraph.web.cors import InvalidOrigin, normalize

            try:
                values["cors_origins"] = normalize(values["cors_origins"])
            except InvalidOrigin as e:
                raise InvalidInput(str(e)) from None
        settings = cls(**values)
        if settings.refresh < 0:
            raise InvalidInput("--refresh must be >= 0")
        if settings.workers < 1:
            raise InvalidInput("--workers must be >= 1")
        if settings.cache_mb < 0:
            raise InvalidInput("--cache-mb must be >= 0")
        if not 1 <= settings.port <= 65535:
            raise InvalidInput(f"--port {settings.port} is not a TCP port (1-65535)")
        return settings
