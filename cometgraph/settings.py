"""Every setting of ``cometgraph``, described once.

Each field of :class:`Settings` carries its type and default (the dataclass), and in its
metadata (:func:`setting`) the help text, the commands that take it, its checks and, for a
list, how the environment variable splits it. From that one description come

- the command-line flags (:func:`add_flags`, used by ``cli.build_parser``): ``--<name>``;
- the environment variables (:meth:`Settings.from_env`): ``COMETGRAPH_<NAME>``; a flag beats
  its variable, which beats the default;
- the hand-over to worker processes (:meth:`Settings.to_json` / :meth:`Settings.from_json`),
  generic over the fields;
- the flag table of the README (:func:`readme_table`; ``python -m cometgraph.settings``);
- the schema's :class:`~cometgraph.schema.limits.Limits` (:meth:`Settings.limits`).

A new setting is one new field here: tests/test_settings.py checks it has a flag, a variable,
a README row and survives the hand-over.
"""

from __future__ import annotations

import json
import operator
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cometgraph.storage.errors import InvalidInput

if TYPE_CHECKING:
    from dataclasses import Field

    from cometgraph.schema.limits import Limits

ENV_PREFIX = "COMETGRAPH_"
DEFAULT_REFRESH = 2.0
LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("text", "json")
#: values of a yes/no variable (any case) that mean yes; anything else means no
TRUE = ("1", "true", "yes")
#: ``split`` of a list of paths: the platform's path separator (``:``), as PATH
PATHSEP = "pathsep"

#: the commands that take a setting's flag
SERVE = ("serve",)
CHAIN = ("serve", "check", "verify")
EVERY = ("serve", "check", "verify", "schema")


@dataclass(frozen=True)
class Spec:
    """What a field's type and default do not say."""

    help: str  # markdown, as the README shows it; --help shows it without backticks
    commands: tuple[str, ...] = SERVE
    flag: str | None = None  # default: --<name with dashes>
    metavar: str | None = None
    group: str | None = None  # the flag's group in --help ("limits")
    split: str | None = None  # a list: what separates its items in the environment variable (PATHSEP: os.pathsep)
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    error: str | None = None  # the message for a value out of range or choices: {flag} {value} {minimum} {choices}
    normalize: Callable[[Any], Any] | None = None  # applied to a value given by flag or environment
    shown: str | None = None  # the default as the README shows it (default: the value)
    limit: str | None = None  # the Limits field it sets
    to_limit: Callable[[Any], Any] | None = None  # ... with this value


def setting(default: Any, help: str, **spec: Any) -> Any:
    return field(default=default, metadata={"setting": Spec(help, **spec)})


def _cors_origins(origins) -> tuple[str, ...]:
    from cometgraph.web.cors import InvalidOrigin, normalize

    try:
        return normalize(origins)
    except InvalidOrigin as e:
        raise InvalidInput(str(e)) from None


def _lower(value: str) -> str:
    return value.lower()


@dataclass(frozen=True)
class Settings:
    home: Path | None = setting(None, "node home (its `data/` is read)", commands=CHAIN, shown="sample chain")
    data_dir: Path | None = setting(None, "the node's data folder", commands=CHAIN, shown="`HOME/data`")
    host: str = setting("127.0.0.1", "listen address")
    port: int = setting(8080, "listen port", minimum=1, maximum=65535, error="{flag} {value} is not a TCP port (1-65535)")
    refresh: float = setting(DEFAULT_REFRESH, "seconds between snapshot refreshes; `0` = never (a stopped node, an archive)", minimum=0)
    snapshot_dir: Path | None = setting(
        None,
        "where private snapshots go: put it on the node's filesystem so table files are hard-linked, not copied; never inside the node's folder",
        commands=CHAIN,
        shown="`~/.cache/cometgraph/snapshots`",
    )
    descriptors: tuple[Path, ...] = setting(
        (), "FileDescriptorSet files (`buf build -o FILE`) for chain-specific message types (repeatable)", commands=CHAIN, split=PATHSEP
    )
    workers: int = setting(1, "serving processes on one port, each with its own snapshot and its own `SO_REUSEPORT` socket (docs/operations.md)", minimum=1)
    cache_mb: int = setting(
        128,
        "MB of decoded records the server keeps for every later request, shared evenly by its workers: IAVL nodes and the module records decoded from them (3/8), "
        "block metas, validator sets and ABCI results below the head (3/8), ranked lists such as the rich list (1/4); `0` keeps none",
        minimum=0,
    )
    cors_origins: tuple[str, ...] = setting(
        (),
        'a browser origin (`scheme://host[:port]`, or `*`) whose pages may query and subscribe (repeatable; see "Browser apps on another origin")',
        flag="--cors-origin",
        metavar="ORIGIN",
        split=",",
        normalize=_cors_origins,
    )
    log_level: str = setting(
        "info",
        "`debug`, `info`, `warning`, `error`; file-change notices (`watchfiles`) only at `debug`",
        commands=EVERY,
        choices=LEVELS,
        error="log level {value!r} is not one of {choices}",
        normalize=_lower,
    )
    log_format: str = setting(
        "text",
        "`json`: every log record (uvicorn's too) one JSON object per line (`time`, `level`, `logger`, `message`; a request line also `request`)",
        commands=EVERY,
        choices=FORMATS,
        error="log format {value!r} is not one of {choices}",
        normalize=_lower,
    )
    # limits (README: Limits): the defaults are Limits' own (tests/test_settings.py)
    max_depth: int = setting(12, "query depth", group="limits", limit="max_depth")
    max_aliases: int = setting(30, "aliases per query", group="limits", limit="max_aliases")
    max_tokens: int = setting(5000, "tokens per query document", group="limits", limit="max_tokens")
    max_nodes: int = setting(50_000, "objects a query may return, estimated before it runs", group="limits", limit="max_nodes")
    max_body: int = setting(256 * 1024, "request body bytes", group="limits", limit="max_body_bytes")
    timeout: float = setting(15.0, "seconds one operation may run", group="limits", limit="timeout_seconds")
    rate_limit: float = setting(0.0, "requests/s per client address (bursts of 20); `0` = off", group="limits", limit="rate_limit")
    max_batch: int = setting(10, "operations per batched request; `0` = no batches", group="limits", limit="max_batch")
    no_introspection: bool = setting(
        False, "refuse schema introspection (and so GraphiQL)", group="limits", shown="off", limit="introspection", to_limit=operator.not_
    )

    @property
    def uses_sample(self) -> bool:
        return self.home is None and self.data_dir is None

    def limits(self) -> Limits:
        """The schema's limits, as these settings set them."""
        from cometgraph.schema.limits import Limits

        given = {}
        for f in fields(self):
            s = spec(f)
            if s.limit:
                value = getattr(self, f.name)
                given[s.limit] = s.to_limit(value) if s.to_limit else value
        return Limits(**given)

    @classmethod
    def value(cls, name: str, given: Any = None, environ: Mapping[str, str] | None = None) -> Any:
        """One setting: ``given`` (a flag; None = not given), else its environment variable
        (unset or empty = not given), else its default; converted and checked."""
        f = field_named(name)
        env = os.environ if environ is None else environ
        s = spec(f)
        if given is not None:
            value = s.normalize(coerce(f, given)) if s.normalize else coerce(f, given)
        elif raw := env.get(env_name(f)):
            value = s.normalize(parse_env(f, raw)) if s.normalize else parse_env(f, raw)
        else:
            value = f.default
        check(f, value)
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Every setting: from ``overrides`` (the flags; None = not given), else ``COMETGRAPH_<NAME>``, else the default."""
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"not settings: {', '.join(sorted(unknown))}")
        return cls(**{f.name: cls.value(f.name, overrides.get(f.name), environ) for f in fields(cls)})

    def to_json(self) -> str:
        """Every field, for :meth:`from_json` in another process."""
        return json.dumps({f.name: _jsonable(getattr(self, f.name)) for f in fields(self)})

    @classmethod
    def from_json(cls, text: str) -> Settings:
        raw = json.loads(text)
        return cls(**{f.name: None if raw[f.name] is None else coerce(f, raw[f.name]) for f in fields(cls)})


# -- what each field's description gives ----------------------------------------------------


def spec(f: Field) -> Spec:
    return f.metadata["setting"]


@cache
def field_named(name: str) -> Field:
    return {f.name: f for f in fields(Settings)}[name]


def env_name(f: Field) -> str:
    return ENV_PREFIX + f.name.upper()


def flag(f: Field) -> str:
    return spec(f).flag or "--" + f.name.replace("_", "-")


def dest(f: Field) -> str:
    """The flag's attribute on argparse's namespace."""
    return flag(f).lstrip("-").replace("-", "_")


@cache
def shape(f: Field) -> tuple[type, bool, bool]:
    """(the type of a value or of each item, a list?, may be None?) from the field's annotation."""
    tp = typing.get_type_hints(Settings)[f.name]
    optional = False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        optional = type(None) in args
        (tp,) = [a for a in args if a is not type(None)]
    if typing.get_origin(tp) is tuple:
        return typing.get_args(tp)[0], True, optional
    return tp, False, optional


def coerce(f: Field, value: Any) -> Any:
    """A value given in Python or JSON (a flag's, a handed-over one) as the field's type."""
    item, many, _ = shape(f)

    def one(v):
        return v if isinstance(v, item) else item(v)

    return tuple(one(v) for v in value) if many else one(value)


def parse_env(f: Field, raw: str) -> Any:
    """An environment variable's text as the field's type; lists split by the field's ``split``
    (items of paths kept as they are, others stripped of spaces; empty items dropped)."""
    item, many, _ = shape(f)
    if item is bool:
        return raw.lower() in TRUE
    if many:
        sep = os.pathsep if spec(f).split == PATHSEP else spec(f).split
        parts = raw.split(sep) if item is Path else [p.strip() for p in raw.split(sep)]
        return tuple(item(p) for p in parts if p)
    try:
        return item(raw)
    except ValueError:
        raise InvalidInput(f"{env_name(f)}={raw!r} is not a valid {item.__name__}") from None


def check(f: Field, value: Any) -> None:
    s = spec(f)
    if (s.minimum is not None and value < s.minimum) or (s.maximum is not None and value > s.maximum) or (s.choices is not None and value not in s.choices):
        msg = s.error or "{flag} must be >= {minimum}"
        raise InvalidInput(msg.format(flag=flag(f), value=value, minimum=s.minimum, choices=", ".join(s.choices or ())))


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, Path) else value


# -- flags -----------------------------------------------------------------------------------


def shown_default(f: Field) -> str:
    """The default as the README shows it."""
    s = spec(f)
    if s.shown is not None:
        return s.shown
    if f.default is None or f.default == ():
        return "none"
    return f"`{f.default:g}`" if isinstance(f.default, float) else f"`{f.default}`"


def env_shown(f: Field) -> str:
    item, many, _ = shape(f)
    text = f"`{env_name(f)}`"
    if many:
        text += f" (`{':' if spec(f).split == PATHSEP else spec(f).split}`-separated)"
    elif item is bool:
        text += " (`1`, `true` or `yes`)"
    return text


def _plain(markdown: str) -> str:
    return markdown.replace("`", "").replace("%", "%%")


def add_flags(parser, command: str, groups: Mapping[str, Any] | None = None) -> None:
    """The flags of ``command``'s settings, on its argparse parser (or on ``groups[spec.group]``).
    Every flag defaults to None (not given), so that the environment can fill it in."""
    for f in fields(Settings):
        s = spec(f)
        if command not in s.commands:
            continue
        item, many, _ = shape(f)
        kw: dict[str, Any] = {"default": None, "help": f"{_plain(s.help)} (default {_plain(shown_default(f))}; env {env_name(f)})"}
        if item is bool:
            kw["action"] = "store_true"
        else:
            kw["type"] = item
            if many:
                kw["action"] = "append"
        if s.metavar:
            kw["metavar"] = s.metavar
        (groups or {}).get(s.group, parser).add_argument(flag(f), **kw)


def from_args(ns, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from parsed flags (those the command has), then the environment, then defaults."""
    return Settings.from_env(environ, **{f.name: getattr(ns, dest(f)) for f in fields(Settings) if hasattr(ns, dest(f))})


# -- README ----------------------------------------------------------------------------------


def readme_table() -> str:
    """The README's flag table ("Serving a node"), one row per setting."""
    rows = ["| flag | env | default | meaning |", "|---|---|---|---|"]
    for f in fields(Settings):
        rows.append(f"| `{flag(f)}` | {env_shown(f)} | {shown_default(f)} | {spec(f).help} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(readme_table(), end="")
