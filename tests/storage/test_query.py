"""The /tx_search query parser: CometBFT's grammar, its lexical quirks, and errors that point."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, UTC
from fractions import Fraction

import pytest

from cometgraph.storage.errors import InvalidInput
from cometgraph.storage.query import (
    MAX_QUERY_LENGTH,
    Operand,
    QuerySyntaxError,
    parse,
)
from cometgraph.storage.gonumber import go_number, round_to_bits


def conds(text: str) -> list[tuple]:
    return [(c.tag, c.op, (c.operand.kind, c.operand.text) if c.operand else None) for c in parse(text).conditions]


# ---------------------------------------------------------------- good queries
@pytest.mark.parametrize(
    "text, expected",
    [
        ("tx.height=5", [("tx.height", "=", ("number", "5"))]),
        ("tx.height = 5", [("tx.height", "=", ("number", "5"))]),
        ("  tx.height\t>=\n5  ", [("tx.height", ">=", ("number", "5"))]),
        ("message.sender='inj1abc'", [("message.sender", "=", ("string", "inj1abc"))]),
        (
            "a.b='x' AND c.d>=1.5 AND e.f EXISTS AND g.h CONTAINS 'y'",
            [("a.b", "=", ("string", "x")), ("c.d", ">=", ("number", "1.5")), ("e.f", "EXISTS", None), ("g.h", "CONTAINS", ("string", "y"))],
        ),
        ("x.y<3 AND x.y<=3 AND x.y>3 AND x.y>=3", [("x.y", op, ("number", "3")) for op in ("<", "<=", ">", ">=")]),
        ("t.t < TIME 2013-05-03T14:45:00Z", [("t.t", "<", ("time", "2013-05-03T14:45:00Z"))]),
        ("t.t <= TIME 2013-05-03T14:45:00+07:00", [("t.t", "<=", ("time", "2013-05-03T14:45:00+07:00"))]),
        ("d.d >= DATE 2013-05-03", [("d.d", ">=", ("date", "2013-05-03"))]),
        ("d.d = DATE 2020-02-29", [("d.d", "=", ("date", "2020-02-29"))]),
        # quotes protect spaces, AND and '=' inside values; no escapes exist
        ("memo.text='a AND b = c'", [("memo.text", "=", ("string", "a AND b = c"))]),
        ("a.b=''", [("a.b", "=", ("string", ""))]),
        ("a.b='say \"hi\"'", [("a.b", "=", ("string", 'say "hi"'))]),
        ("a.b='/cosmos.bank.v1beta1.MsgSend'", [("a.b", "=", ("string", "/cosmos.bank.v1beta1.MsgSend"))]),
        # tag characters: letters (any script), digits, '.', '_', '-'; first one a letter, digit or '_'
        ("my-event_type.attr-key = 'v'", [("my-event_type.attr-key", "=", ("string", "v"))]),
        ("_a.b EXISTS", [("_a.b", "EXISTS", None)]),
        ("événement.clé = 1", [("événement.clé", "=", ("number", "1"))]),
        ("a = 1", [("a", "=", ("number", "1"))]),
        # numbers keep the text as written: "5." and "007" are numbers
        ("a.b=5.", [("a.b", "=", ("number", "5."))]),
        ("a.b=007", [("a.b", "=", ("number", "007"))]),
        ("a.b=0.000", [("a.b", "=", ("number", "0.000"))]),
        # TIME / DATE are keywords only when a space follows
        ("TIME=5", [("TIME", "=", ("number", "5"))]),
        ("DATE.x EXISTS", [("DATE.x", "EXISTS", None)]),
        # CometBFT needs no space before AND after a number or a string
        ("a.b>=5AND c.d=1", [("a.b", ">=", ("number", "5")), ("c.d", "=", ("number", "1"))]),
        ("a.b='x'AND c.d=1", [("a.b", "=", ("string", "x")), ("c.d", "=", ("number", "1"))]),
        ("a.b=1 AND a.b=2", [("a.b", "=", ("number", "1")), ("a.b", "=", ("number", "2"))]),
        ("tx.hash='6A7F8A37'", [("tx.hash", "=", ("string", "6A7F8A37"))]),
    ],
)
def test_good_queries_parse_to_their_conditions(text, expected):
    assert conds(text) == expected


def test_positions_point_at_each_tag():
    q = parse("a.b = 1 AND  c.d EXISTS")
    assert [c.position for c in q.conditions] == [0, 13]


def test_canonical_text_round_trips():
    text = "a.b='x y'  AND c.d>=1.5 AND t.t<TIME 2020-01-01T00:00:00Z AND d.d=DATE 2020-01-02 AND e.f EXISTS"
    canonical = "a.b = 'x y' AND c.d >= 1.5 AND t.t < TIME 2020-01-01T00:00:00Z AND d.d = DATE 2020-01-02 AND e.f EXISTS"
    assert str(parse(text)) == canonical
    assert conds(canonical) == conds(text)


def test_time_and_date_operands_read_as_aware_datetimes():
    t, d = (c.operand for c in parse("a.t > TIME 2013-05-03T14:45:00-07:30 AND a.d < DATE 2024-02-29").conditions)
    assert t.time() == datetime(2013, 5, 3, 14, 45, tzinfo=timezone(-timedelta(hours=7, minutes=30)))
    assert d.time() == datetime(2024, 2, 29, tzinfo=UTC)
    assert Operand("string", "x").time() is None


# ---------------------------------------------------------------- bad queries
@pytest.mark.parametrize(
    "text, offset, words",
    [
        ("", 0, "expected a tag"),
        ("   ", 3, "expected a tag"),
        ("a.b", 3, "expected an operator"),
        ("a.b =", 5, "needs"),
        ("a.b = 'x", 6, "unterminated"),
        ("a.b == 5", 5, "needs"),
        ("a.b != 5", 4, "unexpected character '!'"),
        ("a.b => 5", 5, "needs"),
        ("a.b = 5 OR c.d = 6", 8, "expected AND"),
        ("a.b = 5 and c.d = 6", 8, "expected AND"),
        ("a.b = 5 AND", 11, "expected a tag"),
        ("a.b = 5 AND AND c.d = 1", 12, "expected a tag"),
        ("AND a.b = 5", 0, "expected a tag"),
        ("a.b > 'x'", 6, "needs a number"),
        ("a.b <= 'x'", 7, "needs a number"),
        ("a.b CONTAINS 5", 13, "needs a quoted string"),
        ("a.b CONTAINS DATE 2020-01-01", 13, "needs a quoted string"),
        ("a.b EXISTS 5", 11, "expected AND"),
        ("a.b EXISTS 'x'", 11, "expected AND"),
        ("a.b = -5", 6, "unexpected character '-'"),
        ("a.b = +5", 6, "unexpected character '+'"),
        ('a.b = "x"', 6, "unexpected character '\"'"),
        ("a.b = 1.2.3", 9, "unexpected character '.'"),
        ("a.b = 5 'y'", 8, "expected AND"),
        ("a.b = 'x' 'y", 10, "unterminated"),  # CometBFT silently drops this tail; we refuse it
        ("'x' = a.b", 0, "expected a tag"),
        ("5 = a.b", 0, "expected a tag"),
        (".b = 1", 0, "unexpected character '.'"),
        ("-b = 1", 0, "unexpected character '-'"),
        ("a.b @ 1", 4, "unexpected character '@'"),
        ("a.b = TIME 2020-13-01T00:00:00Z", 11, "invalid TIME"),
        ("a.b = TIME 2020-01-01", 11, "invalid TIME"),
        ("a.b = TIME 2020-01-01T00:00:00", 11, "invalid TIME"),
        ("a.b = TIME 2020-01-01T24:00:00Z", 11, "invalid TIME"),
        ("a.b = TIME 2020-01-01T00:00:00.5Z", 11, "invalid TIME"),
        ("a.b = TIME  2020-01-01T00:00:00Z", 11, "invalid TIME"),
        ("a.b = TIME 1899-12-31T23:59:59Z", 11, "out of range"),
        ("a.b = TIME 3000-01-01T00:00:00Z", 11, "out of range"),
        ("a.b = DATE 2021-02-29", 11, "invalid DATE"),
        ("a.b = DATE 20210101", 11, "invalid DATE"),
        ("a.b = DATE 2021-1-01", 11, "invalid DATE"),
        ("a.b = DATE 1850-01-01", 11, "out of range"),
        ("a.b = TIME", 6, "needs"),  # no space after TIME: the tag "TIME" is not an operand
    ],
)
def test_bad_queries_raise_invalid_input_pointing_at_the_offset(text, offset, words):
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, InvalidInput)
    assert err.position == offset, str(err)
    assert f"offset {offset}" in str(err)
    assert words in str(err)


def test_queries_over_the_rpc_length_limit_are_refused():
    text = "a.b='" + "x" * (MAX_QUERY_LENGTH - 6) + "'"
    assert len(text.encode()) == MAX_QUERY_LENGTH
    assert parse(text).conditions[0].operand.text == "x" * (MAX_QUERY_LENGTH - 6)
    with pytest.raises(InvalidInput, match="longer than 512 bytes"):
        parse("a.b='" + "x" * MAX_QUERY_LENGTH + "'")
    with pytest.raises(InvalidInput, match="longer than 512 bytes"):  # bytes, not characters
        parse("a.b='" + "é" * 300 + "'")


def test_a_query_must_be_a_string():
    with pytest.raises(InvalidInput):
        parse(b"a.b=1")  # type: ignore[arg-type]


# ---------------------------------------------------------------- numbers as Go's math/big reads them
@pytest.mark.parametrize(
    "text, value",
    [
        ("5", Fraction(5)),
        ("-5", Fraction(-5)),
        ("+5", Fraction(5)),
        ("007", Fraction(7)),
        ("123456789012345678901234567890", Fraction(123456789012345678901234567890)),
        ("1e3", Fraction(1000)),
        ("1E3", Fraction(1000)),
        ("1p3", Fraction(8)),
        (".5", Fraction(1, 2)),
        ("5.", Fraction(5)),
        ("2.5", Fraction(5, 2)),
        ("-0.25", Fraction(-1, 4)),
        ("inf", float("inf")),
        ("-Inf", float("-inf")),
    ],
)
def test_go_number_reads_ints_exactly_and_floats_like_big_parsefloat(text, value):
    assert go_number(text) == value
    assert go_number(text.encode()) == value


@pytest.mark.parametrize("text", ["", ".", "e5", "abc", "1_000", " 5", "5 ", "0x10", "1e", "1.2.3", "infinity", "NaN", "5inj", "--5"])
def test_go_number_refuses_what_go_refuses(text):
    assert go_number(text) is None


def test_decimals_round_to_125_bits_like_cometbft():
    tenth = go_number("0.1")
    assert tenth != Fraction(1, 10)
    assert tenth == round_to_bits(Fraction(1, 10), 125)
    assert abs(tenth - Fraction(1, 10)) < Fraction(1, 2**128)
    # ints stay exact however long (CometBFT compares them as big.Int)
    assert go_number("1" * 60) == Fraction(int("1" * 60))


def test_round_to_bits_ties_to_even():
    assert round_to_bits(Fraction(5), 2) == 4  # 101 -> 10|1 tie, even down
    assert round_to_bits(Fraction(7), 2) == 8  # 111 -> 11|1 tie, odd up
    assert round_to_bits(Fraction(5, 8), 2) == Fraction(1, 2)
    assert round_to_bits(Fraction(11, 16), 2) == Fraction(3, 4)  # .1011 -> .10|11 above half: up
    assert round_to_bits(Fraction(0), 8) == 0


def test_enormous_numbers_are_clamped_without_building_them():
    assert go_number("1" + "0" * 100_000) == float("inf")
    assert go_number("-1" + "0" * 100_000) == float("-inf")
    assert go_number("1e999999999") == float("inf")
    tiny = go_number("1e-999999999")
    assert 0 < tiny < Fraction(1, 10**600)
    assert go_number("-1e-999999999") < 0
    # a long decimal still rounds as Go would: only the first digits and "more follows" matter
    assert go_number("0." + "3" * 5000) == round_to_bits(Fraction(1, 3), 125)
