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

from .settings import FORMATS, LEVELS, Settings

__all__ = ["FORMATS", "LEVELS", "configure", "export", "resolve", "uvicorn_log_config"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: watchfiles logs "N changes detected" at INFO on every write of the node (482 of 569 lines
#: in a live run): only shown at --log-level debug
CHATTY = ("watchfiles",)


def resolve(level: str | None, fmt: str | None, environ=None) -> tuple[str, str]:
    """The flag, else ``COMETGRAPH_LOG_*``, else info/text (settings.py: ``log_level``,
    ``log_format``); a bad value is one clear line."""
    return Settings.value("log_level", level or None, environ), Settings.value("log_format", fmt or None, environ)


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
    from .settings import env_name, field_named

    os.environ[env_name(field_named("log_level"))], os.environ[env_name(field_named("log_format"))] = level, fmt


def uvicorn_log_config(fmt: str) -> dict | None:
    """uvicorn's own ``log_config``: its usual colourless lines for text, none at all for JSON
    (its loggers then propagate to our JSON handler on the root logger)."""
    if fmt == "json":
        return None
    from uvicorn.config import LOGGING_CONFIG

    return LOGGING_CONFIG
