"""LegacyDec arithmetic on raw ints (value × 10^18), as cosmossdk.io/math computes it.

Shared by x/staking (balances from shares), x/distribution (F1 rewards) and x/slashing (params):
every amount is a plain Python int holding the raw LegacyDec, and these helpers reproduce
where the SDK truncates (``MulTruncate``, ``QuoTruncate``: toward zero, Go ``big.Int.Quo``)
and where it rounds (``Mul``, ``Quo``: half to even at the 18th decimal). DecCoins are
``{denom: raw}`` mappings, sorted by denom with zeros dropped, as ``sdk.DecCoins``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import CorruptRecord

PRECISION = 10**18
ONE = PRECISION  # LegacyOneDec
_DIGITS = re.compile(rb"-?[0-9]+")


def go_quo(a: int, b: int) -> int:
    """Go ``big.Int.Quo``: truncated toward zero (Python's ``//`` floors). Zero divisor: ZeroDivisionError."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def chop_truncate(x: int) -> int:
    """``chopPrecisionAndTruncate``: drop 18 decimals, toward zero."""
    return go_quo(x, PRECISION)


def chop_round(x: int) -> int:
    """``chopPrecisionAndRound``: drop 18 decimals, half to even (sign applied afterwards)."""
    q, r = divmod(abs(x), PRECISION)
    if r > PRECISION // 2 or (r == PRECISION // 2 and q & 1):
        q += 1
    return -q if x < 0 else q


def dec_mul(a: int, b: int) -> int:
    """``LegacyDec.Mul``: rounded half to even."""
    return chop_round(a * b)


def dec_mul_truncate(a: int, b: int) -> int:
    """``LegacyDec.MulTruncate``: truncated toward zero."""
    return chop_truncate(a * b)


def dec_quo(a: int, b: int) -> int:
    """``LegacyDec.Quo``: a × 10^36 ÷ b (toward zero), then 18 decimals dropped half to even."""
    return chop_round(go_quo(a * PRECISION * PRECISION, b))


def dec_quo_truncate(a: int, b: int) -> int:
    """``LegacyDec.QuoTruncate``: a × 10^36 ÷ b, then 18 decimals dropped, both toward zero."""
    return chop_truncate(go_quo(a * PRECISION * PRECISION, b))


def tokens_from_shares_dec(shares: int, tokens: int, delegator_shares: int) -> int:
    """``Validator.TokensFromShares(shares)`` (a LegacyDec, not truncated to an Int):
    ``shares.MulInt(tokens).Quo(delegator_shares)``. ``shares``/``delegator_shares`` raw, ``tokens`` an Int."""
    return dec_quo(shares * tokens, delegator_shares)


def tokens_from_shares(shares: int, tokens: int, delegator_shares: int) -> int:
    """``Validator.TokensFromShares(shares).TruncateInt()``; shares are raw LegacyDec (×10^18).

    ``shares.MulInt(tokens)`` keeps the scale, ``Quo`` multiplies by 10^36, divides and
    rounds half to even at 18 decimals, ``TruncateInt`` drops the decimals. 0 when the
    validator has no shares (the node's query divides by zero and fails).
    """
    if delegator_shares == 0:
        return 0
    dec = chop_round(go_quo(shares * tokens * PRECISION * PRECISION, delegator_shares))
    return go_quo(dec, PRECISION)


def dec_text(raw: int) -> str:
    """``LegacyDec.String()``: always 18 decimals."""
    digits = str(abs(raw)).rjust(19, "0")
    return ("-" if raw < 0 else "") + digits[:-18] + "." + digits[-18:]


def raw_dec(text: str) -> int:
    """``dec_text``'s inverse (its text always has 18 decimals)."""
    return int(text.replace(".", ""))


_DEC_TEXT = re.compile(r"-?[0-9]+(\.[0-9]{1,18})?")


def legacy_dec_value(text: str) -> int:
    """A LegacyDec as amino JSON prints it ("0.050000000000000000") → raw ×10^18 integer
    (ValueError if it is not one)."""
    if not _DEC_TEXT.fullmatch(text):
        raise ValueError(f"not a decimal: {text[:40]!r}")
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    raw = int(whole) * PRECISION + int(frac.ljust(18, "0"))
    return -raw if neg else raw


def parse_int(text: str | bytes, db: str, key: bytes, what: str) -> int:
    """math.Int / LegacyDec wire text → int (empty = 0, as the SDK unmarshals it)."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    if not data:
        return 0
    if not _DIGITS.fullmatch(data):
        raise CorruptRecord(db, key, f"{what} is not a decimal integer: {data[:40]!r}")
    return int(data)


def sorted_coins(amounts: Mapping[str, int]) -> dict[str, int]:
    """Zeros dropped, sorted by denom bytes (what ``DecCoins.Add`` / ``Sub`` leave)."""
    return {d: a for d, a in sorted(amounts.items(), key=lambda kv: kv[0].encode()) if a != 0}


def coins_add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for d, x in b.items():
        out[d] = out.get(d, 0) + x
    return sorted_coins(out)


def coins_sub(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int] | None:
    """``a − b``; None where the SDK's ``Sub`` would panic (an amount below zero)."""
    out = dict(a)
    for d, x in b.items():
        out[d] = out.get(d, 0) - x
    if any(x < 0 for x in out.values()):
        return None
    return sorted_coins(out)


def coins_mul_dec_truncate(coins: Mapping[str, int], d: int) -> dict[str, int]:
    """``DecCoins.MulDecTruncate``: each amount ``MulTruncate`` d, zero products dropped."""
    return sorted_coins({denom: dec_mul_truncate(a, d) for denom, a in coins.items()})


def coins_quo_dec_truncate(coins: Mapping[str, int], d: int) -> dict[str, int]:
    """``DecCoins.QuoDecTruncate``: each amount ``QuoTruncate`` d, zero quotients dropped."""
    if d == 0:
        raise ZeroDivisionError("DecCoins.QuoDecTruncate by zero")
    return sorted_coins({denom: dec_quo_truncate(a, d) for denom, a in coins.items()})
