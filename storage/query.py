"""CometBFT's event query language, parsed exactly as ``/tx_search`` accepts it.

    message.sender = 'inj1…' AND tx.height >= 5 AND transfer.amount CONTAINS 'inj'

A query is one or more conditions joined by ``AND``; a condition is a tag
(``type.attribute``), an operator and, except for ``EXISTS``, an operand:

    =                         'string' | number | TIME t | DATE d
    < <= > >=                 number | TIME t | DATE d
    CONTAINS                  'string'
    EXISTS                    (none)

The lexical rules follow CometBFT's ``libs/pubsub/query/syntax`` scanner, because
the index semantics depend on them (an ``=`` operand is matched as the text the
user wrote, ``tx.height = 05`` is not ``tx.height = 5``): numbers are ``\\d+`` with an
optional ``.\\d*`` (no sign, no exponent); strings are single-quoted with no escapes;
``TIME`` is RFC 3339 to the second and ``DATE`` is ``YYYY-MM-DD``, both with a year in
1900–2999; keywords are upper case. Two deliberate differences: input CometBFT
silently truncates (an unterminated string where ``AND`` was expected) is an error
here, and queries longer than the node's RPC limit (512 bytes) are refused.

Pure: no I/O. Errors are ``QuerySyntaxError`` (an ``InvalidInput``) carrying the
character offset of the offending token.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, UTC
from fractions import Fraction

from .errors import InvalidInput
from .gonumber import go_number

#: CometBFT's RPC refuses longer queries (rpc/core ``maxQueryLength``).
MAX_QUERY_LENGTH = 512

OPERATORS = ("=", "<", "<=", ">", ">=", "CONTAINS", "EXISTS")
ORDER_OPERATORS = ("<", "<=", ">", ">=")

#: Go's ``unicode.IsSpace``; Python's ``str.isspace`` also takes \\x1c-\\x1f, which Go does not.
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


class QuerySyntaxError(InvalidInput):
    """A malformed query; ``position`` is the character offset the message points at."""

    def __init__(self, query: str, position: int, problem: str) -> None:
        near = query[position : position + 24]
        where = f"at offset {position}" + (f" near {near!r}" if near else " (end of query)")
        super().__init__(f"invalid query {where}: {problem}")
        self.query = query
        self.position = position
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Operand:
    """An operand as written: ``kind`` is string, number, time or date; ``text`` excludes quotes and keywords."""

    kind: str
    text: str

    def number(self) -> Fraction | float | None:
        """The operand read as CometBFT's ``Arg.Number`` reads any operand text (see ``go_number``)."""
        return go_number(self.text)

    def time(self) -> datetime | None:
        """TIME/DATE operands as an aware datetime; None for other kinds."""
        if self.kind == "time":
            return _parse_rfc3339(self.text)
        if self.kind == "date":
            return _parse_date(self.text)
        return None

    def __str__(self) -> str:
        if self.kind == "string":
            return f"'{self.text}'"
        if self.kind == "time":
            return f"TIME {self.text}"
        if self.kind == "date":
            return f"DATE {self.text}"
        return self.text


@dataclass(frozen=True, slots=True)
class Condition:
    tag: str
    op: str
    operand: Operand | None
    #: character offset of the tag in the query
    position: int = 0

    def __str__(self) -> str:
        return f"{self.tag} {self.op}" + (f" {self.operand}" if self.operand is not None else "")


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    conditions: tuple[Condition, ...]

    def __str__(self) -> str:
        """Canonical form: one space around operators, ``AND`` between conditions."""
        return " AND ".join(str(c) for c in self.conditions)


# ---------------------------------------------------------------- scanner
_NUMBER, _TAG, _STRING, _TIME, _DATE, _AND, _OP, _EOF = (
    "number",
    "tag",
    "string",
    "time",
    "date",
    "AND",
    "operator",
    "end of query",
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    pos: int


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _is_digit(ch: str) -> bool:  # Go unicode.IsDigit: category Nd
    return unicodedata.category(ch) == "Nd"


def _is_first_tag_rune(ch: str) -> bool:
    return ch == "_" or _is_letter(ch) or _is_digit(ch)


def _is_tag_rune(ch: str) -> bool:
    return ch in "._-" or _is_letter(ch) or _is_digit(ch)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, pos: int, problem: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.s, pos, problem)

    def next(self) -> _Token:
        s, n = self.s, len(self.s)
        while self.i < n and s[self.i] in GO_SPACE:
            self.i += 1
        if self.i >= n:
            return _Token(_EOF, "", n)
        start, ch = self.i, s[self.i]
        if "0" <= ch <= "9":
            return self._number(start)
        if _is_first_tag_rune(ch):
            return self._tag_like(start)
        if ch == "'":
            end = s.find("'", start + 1)
            if end < 0:
                raise self.fail(start, "unterminated string: a closing ' is missing")
            self.i = end + 1
            return _Token(_STRING, s[start + 1 : end], start)
        if ch in "<>=":
            self.i += 1
            if ch != "=" and self.i < n and s[self.i] == "=":
                self.i += 1
            return _Token(_OP, s[start : self.i], start)
        raise self.fail(start, f"unexpected character {ch!r}")

    def _number(self, start: int) -> _Token:
        s, n = self.s, len(self.s)
        i = start
        while i < n and "0" <= s[i] <= "9":
            i += 1
        if i < n and s[i] == ".":
            i += 1
            while i < n and "0" <= s[i] <= "9":
                i += 1
        self.i = i
        return _Token(_NUMBER, s[start:i], start)

    def _tag_like(self, start: int) -> _Token:
        s, n = self.s, len(self.s)
        i = start + 1
        while i < n and _is_tag_rune(s[i]):
            i += 1
        word = s[start:i]
        spaced = i < n and s[i] == " "
        if word in ("TIME", "DATE") and spaced:
            return self._stamp(word, start, i + 1)
        self.i = i
        if word == "AND":
            return _Token(_AND, word, start)
        if word in ("EXISTS", "CONTAINS"):
            return _Token(_OP, word, start)
        return _Token(_TAG, word, start)

    def _stamp(self, word: str, start: int, at: int) -> _Token:
        s, n = self.s, len(self.s)
        allowed = "0123456789-T:+Z" if word == "TIME" else "0123456789-"
        i = at
        while i < n and s[i] in allowed:
            i += 1
        text = s[at:i]
        self.i = i
        if word == "TIME":
            ts = _parse_rfc3339(text)
            if ts is None:
                raise self.fail(at, f"invalid TIME value {text!r}: want RFC 3339 like 2024-01-31T12:00:00Z")
        else:
            ts = _parse_date(text)
            if ts is None:
                raise self.fail(at, f"invalid DATE value {text!r}: want YYYY-MM-DD")
        if not 1900 <= ts.year <= 2999:
            raise self.fail(at, f"{word} year {ts.year} out of range 1900-2999")
        return _Token(_TIME if word == "TIME" else _DATE, text, start)


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})\Z")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")


def _ymd(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1] if y >= 1 else False


def _parse_date(text: str) -> datetime | None:
    m = _DATE_RE.match(text)
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    if not _ymd(y, mo, d):
        return None
    return datetime(y, mo, d, tzinfo=UTC)


def _parse_rfc3339(text: str) -> datetime | None:
    """Go's ``time.Parse(time.RFC3339, …)`` on the characters CometBFT's scanner lets through."""
    m = _RFC3339.match(text)
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
    if not _ymd(y, mo, d) or hh >= 24 or mi >= 60 or ss >= 60:
        return None
    zone = m.group(7)
    if zone == "Z":
        tz = UTC
    else:
        zh, zm = int(zone[1:3]), int(zone[4:6])
        if zh > 24 or zm > 60:
            return None
        off = timedelta(hours=zh, minutes=zm)
        try:
            tz = timezone(off if zone[0] == "+" else -off)
        except ValueError:  # Python refuses offsets of a full day or more
            return None
    return datetime(y, mo, d, hh, mi, ss, tzinfo=tz)


# ---------------------------------------------------------------- parser
def parse(text: str, *, max_length: int = MAX_QUERY_LENGTH) -> Query:
    """Parse a ``/tx_search`` query or raise ``QuerySyntaxError`` pointing at the offending token."""
    if not isinstance(text, str):
        raise InvalidInput("query must be a string")
    if len(text.encode("utf-8")) > max_length:
        raise QuerySyntaxError(text, 0, f"query is longer than {max_length} bytes")
    sc = _Scanner(text)
    conds = [_condition(sc)]
    while True:
        tok = sc.next()
        if tok.kind == _EOF:
            return Query(text, tuple(conds))
        if tok.kind != _AND:
            raise sc.fail(tok.pos, f"expected AND or the end of the query, got {_describe(tok)}")
        conds.append(_condition(sc))


def _describe(tok: _Token) -> str:
    if tok.kind == _EOF:
        return "the end of the query"
    if tok.kind == _STRING:
        return f"string '{tok.text}'"
    return f"{tok.kind} {tok.text!r}" if tok.kind not in (_AND,) else "AND"


def _condition(sc: _Scanner) -> Condition:
    tag = sc.next()
    if tag.kind != _TAG:
        raise sc.fail(tag.pos, f"expected a tag such as message.sender, got {_describe(tag)}")
    op = sc.next()
    if op.kind != _OP:
        raise sc.fail(op.pos, f"expected an operator (=, <, <=, >, >=, CONTAINS or EXISTS), got {_describe(op)}")
    if op.text == "EXISTS":
        return Condition(tag.text, "EXISTS", None, tag.pos)
    arg = sc.next()
    wanted: tuple[str, ...]
    if op.text == "CONTAINS":
        wanted = (_STRING,)
        label = "a quoted string"
    elif op.text == "=":
        wanted = (_STRING, _NUMBER, _TIME, _DATE)
        label = "a quoted string, a number, TIME or DATE"
    else:
        wanted = (_NUMBER, _TIME, _DATE)
        label = "a number, TIME or DATE"
    if arg.kind not in wanted:
        raise sc.fail(arg.pos, f"{op.text} needs {label}, got {_describe(arg)}")
    return Condition(tag.text, op.text, Operand(arg.kind, arg.text), tag.pos)
