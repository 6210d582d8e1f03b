"""Every setting is described once (cometgraph/settings.py): these tests iterate over all of
them, so a new field gets its flag, its variable, its README row and its hand-over to the
workers checked without being named here."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

import pytest

from cometgraph import settings as S
from cometgraph.cli import build_parser, limits_from, settings_from
from cometgraph.settings import Settings
from cometgraph.storage.errors import InvalidInput

FIELDS = fields(Settings)
README = Path(__file__).resolve().parents[1] / "README.md"


def sample(f):
    """A valid value of the field that is not its default."""
    item, many, _ = S.shape(f)
    spec = S.spec(f)
    if f.name == "cors_origins":
        return ("http://a.test", "https://b.test:8443")
    if spec.choices:
        return next(c for c in spec.choices if c != f.default)
    if many:
        assert item in (Path, str), f"{f.name}: teach sample() about lists of {item}"
        return (item("/srv/a b/one.binpb"), item("/srv/two.binpb")) if item is Path else ("a", "b")
    if item is Path:
        return Path(f"/srv/{f.name} dir")
    if item is bool:
        return not f.default
    if item is int:
        return f.default + 1
    if item is float:
        return f.default + 0.5
    if item is str:
        return f"{f.default}-x"
    raise AssertionError(f"{f.name}: teach sample() about {item}")


def other(f):
    """A valid value that is neither the sample nor None: the default where it is one."""
    item, many, _ = S.shape(f)
    if f.default not in (None, ()):
        return f.default
    if f.name == "cors_origins":
        return ("http://c.test",)
    return (item("/srv/other"),) if many else item("/srv/other")


def as_env(f, value) -> str:
    item, many, _ = S.shape(f)
    if many:
        sep = os.pathsep if S.spec(f).split == S.PATHSEP else S.spec(f).split
        return sep.join(str(v) for v in value)
    if item is bool:
        return "true" if value else ""
    return str(value)


def as_flags(f, value) -> list[str]:
    item, many, _ = S.shape(f)
    if item is bool:
        return [S.flag(f)] if value else []
    if many:
        return [a for v in value for a in (S.flag(f), str(v))]
    return [S.flag(f), str(value)]


def every_sample() -> Settings:
    return Settings(**{f.name: sample(f) for f in FIELDS})


def test_the_samples_differ_from_every_default_so_each_round_trip_below_means_something():
    for f in FIELDS:
        assert sample(f) != f.default, f.name
        S.check(f, sample(f))


def test_every_setting_survives_the_hand_over_to_workers(monkeypatch):
    from cometgraph import factory

    monkeypatch.delenv(factory.ENV, raising=False)
    given = every_sample()
    factory.export(given)
    assert factory.handed_over() == given
    assert factory.handed_over().limits() == given.limits()
    assert Settings.from_json(Settings().to_json()) == Settings()
    monkeypatch.delenv(factory.ENV)


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.name)
def test_every_setting_has_an_environment_variable(f):
    value = sample(f)
    assert S.env_name(f) == "COMETGRAPH_" + f.name.upper()
    assert getattr(Settings.from_env({S.env_name(f): as_env(f, value)}), f.name) == value
    assert getattr(Settings.from_env({S.env_name(f): ""}), f.name) == f.default  # empty = unset


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.name)
def test_every_setting_has_a_flag_on_its_commands_that_beats_the_environment(f, monkeypatch):
    value = sample(f)
    assert S.spec(f).commands and "serve" in S.spec(f).commands
    for command in S.spec(f).commands:
        ns = build_parser().parse_args([command, *as_flags(f, value)])
        assert getattr(S.from_args(ns, {}), f.name) == value, command
    item, _, _ = S.shape(f)
    if item is not bool:  # a yes/no flag can only say yes
        monkeypatch.setenv(S.env_name(f), as_env(f, value))
        ns = build_parser().parse_args(["serve", *as_flags(f, other(f))])
        assert getattr(settings_from(ns), f.name) == other(f)


def test_flags_a_command_does_not_take_are_refused():
    for f in FIELDS:
        for command in set(S.EVERY) - set(S.spec(f).commands):
            with pytest.raises(SystemExit):
                build_parser().parse_args([command, *as_flags(f, sample(f))])


def test_the_limits_defaults_are_the_schemas_and_every_limit_is_set_by_a_setting():
    from dataclasses import fields as dc_fields

    from cometgraph.schema.limits import Limits

    assert Settings().limits() == Limits()
    set_by = {S.spec(f).limit for f in FIELDS if S.spec(f).limit}
    assert set_by == {f.name for f in dc_fields(Limits)} - {"list_multiplier", "rate_burst"}  # the two without a flag
    ns = build_parser().parse_args(["serve", "--max-body", "10", "--no-introspection"])
    assert (limits_from(ns).max_body_bytes, limits_from(ns).introspection) == (10, False)


def test_the_readme_flag_table_is_the_generated_one():
    text = README.read_text()
    table = S.readme_table()
    assert table in text, "README's flag table is out of date: paste `python -m cometgraph.settings` over it"
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == len(FIELDS)
    for f, row in zip(FIELDS, rows, strict=True):
        assert row.startswith(f"| `{S.flag(f)}` | `{S.env_name(f)}`"), row
        assert f"| {S.shown_default(f)} |" in row


def test_a_bad_value_names_its_variable_or_flag():
    with pytest.raises(InvalidInput, match="^COMETGRAPH_MAX_DEPTH='deep' is not a valid int$"):
        Settings.from_env({"COMETGRAPH_MAX_DEPTH": "deep"})
    with pytest.raises(InvalidInput, match=r"^--port 0 is not a TCP port \(1-65535\)$"):
        Settings.from_env({"COMETGRAPH_PORT": "0"})
    with pytest.raises(InvalidInput, match="^--refresh must be >= 0$"):
        Settings.from_env({}, refresh=-1)
    with pytest.raises(InvalidInput, match="^log format 'xml' is not one of text, json$"):
        Settings.from_env({"COMETGRAPH_LOG_FORMAT": "XML"})  # lower-cased before the check, as the flag
    with pytest.raises(TypeError, match="not settings: colour"):
        Settings.from_env({}, colour="red")


def test_the_readme_limits_table_names_only_flags_that_exist():
    import re

    text = README.read_text()
    section = text[text.index("### Limits (defaults)") : text.index("### Errors")]
    named = set(re.findall(r"`(--[a-z-]+)", section))
    assert named and named <= {S.flag(f) for f in FIELDS if S.spec(f).group == "limits"}


def test_a_bad_limit_in_the_environment_is_one_line_and_exit_code_2(capsys, monkeypatch):
    """(Before the settings were described once, it was a ValueError traceback.)"""
    from cometgraph.cli import main

    monkeypatch.setenv("COMETGRAPH_MAX_DEPTH", "deep")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.strip() == "cometgraph: COMETGRAPH_MAX_DEPTH='deep' is not a valid int"
