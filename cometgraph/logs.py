"""Logging for every cometgraph process: one level and one format for our loggers and uvicorn's.

``--log-format json`` makes every record one JSON object per line (python-json-logger), so a
log shipper never has to parse free text. ``serve`` also puts the choice into the environment
(``COMETGRAPH_LOG_LEVEL`` / ``COMETGRAPH_LOG_FORMAT``, ``export``): worker processes are
spawned fresh and configure themselves from it.
"""

from __future__ import annotations

import logging
import os
import sys

from cometgraph.storage.errors import InvalidInput

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: watchfiles logs "N changes detected" at INFO on every write of the node (482 of 569 lines
#: in a live run): only shown at --log-level debug
CHATTY = ("watchfiles",)


def resolve(level: str | None, fmt: str | None, environ=None) -> tuple[str, str]:
    """The flag, else ``COMETGRAPH_LOG_*``, else info/text; a bad value is one clear line."""
    env = os.environ if environ is None else environ
    level = (level or env.get("COMETGRAPH_LOG_LEVEL") or "info").lower()
    fmt = (fmt or env.get("COMETGRAPH_LOG_FORMAT") or "text").lower()
    if level not in LEVELS:
        raise InvalidInput(f"log level {level!r} is not one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise InvalidInput(f"log format {fmt!r} is not one of {', '.join(FORMATS)}")
    return level, fmt


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        from pythonjsonlogger.core import RESERVED_ATTRS
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "taskName", "color_message"],  # color_message: uvicorn's ANSI copy
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(level: str | None = None, fmt: str | None = None) -> tuple[str, str]:
    """Log to stderr at ``level`` in ``fmt``; returns both, resolved.

    Like ``logging.basicConfig``, a root logger that already has handlers (a host embedding
    the CLI, pytest) is left as it is; the chatty loggers are quietened either way."""
    level, fmt = resolve(level, fmt)
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_formatter(fmt))
        root.addHandler(handler)
        root.setLevel(level.upper())
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    return level, fmt


def export(level: str, fmt: str) -> None:
    """Hand the choice to worker processes spawned after this (they start without our logging)."""
    os.environ["COMETGRAPH_LOG_LEVEL"], os.environ["COMETGRAPH_LOG_FORMAT"] = level, fmt


def uvicorn_log_config(fmt: str) -> dict | None:
    """uvicorn's own ``log_config``: its usual colourless lines for text, none at all for JSON
    (its loggers then propagate to our JSON handler on the root logger)."""
    if fmt == "json":
        return None
    from uvicorn.config import LOGGING_CONFIG

    return LOGGING_CONFIG
