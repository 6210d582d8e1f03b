"""Numbers as CometBFT reads event values and query operands: Go's ``math/big`` rules.

Kept apart from the query parser because the matcher (``storage.txmatch``) reads event
values with the same rules: an exact ``big.Int`` first, else a 125-bit ``big.Float``.
Pure: no I/O.
"""

from __future__ import annotations

import re
from fractions import Fraction

_INT = re.compile(rb"[+-]?[0-9]+\Z")
_FLOAT = re.compile(rb"([+-]?)(?:(inf|Inf)|([0-9]*)(?:\.([0-9]*))?(?:([eEpP])([+-]?[0-9]+))?)\Z")
#: Queries are ≤512 bytes, so no operand exceeds 10**512 in magnitude or is a non-zero
#: value below 10**-512: values beyond these clamps compare with every operand as the
#: unclamped value would, without building enormous integers.
_CLAMP_DIGITS = 2048
_INF = float("inf")
FLOAT_PRECISION = 125  # bits: CometBFT parses non-integer values with big.ParseFloat(…, 125, ToNearestEven)


def go_number(text: str | bytes) -> Fraction | float | None:
    """A number as CometBFT reads event values and operands, or None if it is not one.

    ``big.Int.SetString(s, 10)`` first (exact), else ``big.ParseFloat(s, 10, 125,
    ToNearestEven)``: optional sign, ``inf``/``Inf``, decimal mantissa, ``e`` (×10ⁿ)
    or ``p`` (×2ⁿ) exponent, rounded to 125 significant bits. Returns a ``Fraction``
    (exact value of the Go number) or ±inf as a float.
    """
    raw = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else bytes(text)
    if _INT.match(raw):
        neg = raw[:1] == b"-"
        digits = raw.lstrip(b"+-").lstrip(b"0") or b"0"
        if len(digits) > _CLAMP_DIGITS:
            return -_INF if neg else _INF
        n = int(digits)
        return Fraction(-n if neg else n)
    m = _FLOAT.match(raw)
    if not m:
        return None
    sign, inf, whole, frac, emark, exp = m.groups()
    neg = sign == b"-"
    if inf:
        return -_INF if neg else _INF
    whole = whole or b""
    frac = frac if frac is not None else b""
    if not whole and not frac:
        return None  # "", ".", "e5": no mantissa digits
    digits = (whole + frac).lstrip(b"0")
    scale10 = -len(frac)
    scale2 = 0
    if emark:
        e = int(exp)
        if emark in b"eE":
            scale10 += e
        else:
            scale2 += e
    if not digits:
        return Fraction(0)
    # magnitude ~ 10**(len(digits) + scale10) * 2**scale2
    mag10 = len(digits) + scale10 + scale2 * 0.30103
    if mag10 > _CLAMP_DIGITS:
        return -_INF if neg else _INF
    if mag10 < -_CLAMP_DIGITS:
        tiny = Fraction(1, 10**_CLAMP_DIGITS)
        return -tiny if neg else tiny
    if len(digits) > _CLAMP_DIGITS:  # keep a sticky digit: rounding only needs to know "more follows"
        sticky = b"1" if digits[_CLAMP_DIGITS:].strip(b"0") else b"0"
        scale10 += len(digits) - _CLAMP_DIGITS - 1
        digits = digits[:_CLAMP_DIGITS] + sticky
    v = Fraction(int(digits)) * (Fraction(10) ** scale10) * (Fraction(2) ** scale2)
    v = round_to_bits(v, FLOAT_PRECISION)
    return -v if neg else v


def round_to_bits(x: Fraction, bits: int) -> Fraction:
    """Round a non-negative ``x`` to ``bits`` significant bits, ties to even (big.Float's ToNearestEven)."""
    if x == 0:
        return x
    n, d = x.numerator, x.denominator
    # choose e so that 2**(bits-1) <= x / 2**e < 2**bits
    e = n.bit_length() - d.bit_length() - bits
    while True:
        scaled = Fraction(n, d) / (Fraction(2) ** e)
        if scaled >= 2**bits:
            e += 1
        elif scaled < 2 ** (bits - 1):
            e -= 1
        else:
            break
    q, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q & 1):
        q += 1
    return Fraction(q) * (Fraction(2) ** e)
