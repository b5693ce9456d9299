"""Swedish numbers and amounts of money, as printed in agreements, plans and budgets.

Swedish documents write thousands with spaces ("11 785"), dots ("3.132.000") or not at
all, decimals with a comma ("1,5"), and minus as a hyphen, an en dash or the Unicode
minus sign. Money comes in kr, tkr (thousands) and mnkr/mkr (millions), sometimes per
month or per year, sometimes as a ceiling ("max 45.500 kr/månad").

This module is the one place that parses them: `parse_swedish_number` for a single
figure, `find_amounts` for every amount of money in a running text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from pipeline.sv.chars import MINUS, MINUS_SIGNS, SPACE, SPACES

# One figure: optional sign, then either grouped thousands (space or dot) or plain digits,
# then an optional decimal part. Grouped forms come first so "11 785" is one figure.
NUMBER_PATTERN = (
    rf"(?:{MINUS}{SPACE}?)?"
    rf"(?:\d{{1,3}}(?:{SPACE}\d{{3}})+(?![\d])|\d{{1,3}}(?:\.\d{{3}})+(?![\d.])|\d+)"
    r"(?:,\d+)?"
)
_NUMBER_FULL = re.compile(rf"^{NUMBER_PATTERN}$")
_NUMBER_RE = re.compile(rf"(?<![\d.,]){NUMBER_PATTERN}(?![\d])")
# A whole figure standing alone, as in a table cell ("5 677", "-2 090", "131"): not part of
# a date, a decimal, a percentage, a § number or a word.
_WHOLE_FIGURE = re.compile(
    rf"(?<![\w,.§/-]){MINUS}?\d{{1,3}}(?:{SPACE}\d{{3}})*(?![\w,.%/-])"
)


def count_whole_figures(text: str) -> int:
    """How many stand-alone whole figures `text` holds (how full a table reading is)."""
    return len(_WHOLE_FIGURE.findall(text))


def parse_swedish_number(text: str) -> Decimal | None:
    """The value of one figure as Swedish documents print it, or None if it is not one.

    "11 785" -> 11785, "3.132.000" -> 3132000, "1,5" -> 1.5, "-2 090" / "−2 090" -> -2090,
    "83,7" -> 83.7, "1.5" -> 1.5 (a lone dot not followed by exactly three digits is a
    decimal point). Surrounding whitespace is ignored; anything else makes it None.
    """
    if text is None:
        return None
    s = text.strip()
    if not s:
        return None
    negative = False
    if s[0] in MINUS_SIGNS:
        negative = True
        s = s[1:].lstrip(SPACES)
    elif s[0] == "+":
        s = s[1:].lstrip(SPACES)
    if not s:
        return None
    # "1.5" / "0.25": English decimal point (not a thousands group of exactly three digits).
    if re.fullmatch(r"\d+\.\d+", s) and not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
        body = s
    else:
        if not _NUMBER_FULL.match(s):
            return None
        body = s
        for ch in SPACES:
            body = body.replace(ch, "")
        integer, _, fraction = body.partition(",")
        integer = integer.replace(".", "")
        body = f"{integer}.{fraction}" if fraction else integer
    try:
        value = Decimal(body)
    except InvalidOperation:
        return None
    return -value if negative else value


def to_whole_sek(value: Decimal) -> Decimal:
    """Round to whole kronor (half up), as money is kept."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


AmountPer = Literal["total", "month", "year"]

# Unit words -> (normalised unit, scale to SEK). Longest alternatives first in the regex.
_UNITS: list[tuple[str, str, int]] = [
    (r"miljoner\s+kronor", "mnkr", 1_000_000),
    (r"miljoner\s+kr\.?", "mnkr", 1_000_000),
    (r"milj\.?\s*kr\.?", "mnkr", 1_000_000),
    (r"mnkr", "mnkr", 1_000_000),
    (r"mkr", "mnkr", 1_000_000),
    (r"msek", "mnkr", 1_000_000),
    (r"tusen\s+kronor", "tkr", 1_000),
    (r"tkronor", "tkr", 1_000),
    (r"tkr", "tkr", 1_000),
    (r"ksek", "tkr", 1_000),
    (r"kronor", "kr", 1),
    (r"kr\.?", "kr", 1),
    (r"sek", "kr", 1),
    (r":-", "kr", 1),
]
_UNIT_SCALE = {name: scale for _, name, scale in _UNITS}
_UNIT_ALT = "|".join(f"(?:{pat})" for pat, _, _ in _UNITS)
_UNIT_RE = re.compile(rf"^{SPACE}?(?P<unit>{_UNIT_ALT})(?![a-zåäö])", re.I)

_PER_MONTH = re.compile(r"^\s*(?:/\s*|per\s+|i\s+)(?:månad(?:en)?|mån\.?|manad(?:en)?|man\.?)(?![a-zåäö])", re.I)
_PER_YEAR = re.compile(r"^\s*(?:/\s*|per\s+|om\s+)(?:år(?:et)?|ar(?:et)?)(?![a-zåäö])|^\s*årligen", re.I)
_MAXIMUM = re.compile(
    r"(?:\bmax(?:imalt|imum|\.)?|\bhögst|\bhogst|\bupp\s+till|\btaket?\s+(?:är|på)|\bsom\s+mest)\s*(?:[^\d.!?\s]+\s+){0,3}$",
    re.I,
)


@dataclass(frozen=True)
class ParsedAmount:
    """One amount of money found in a text."""

    value_sek: Decimal  # whole SEK, sign as printed
    number: Decimal  # the figure as printed, before scaling
    unit: str  # normalised: kr | tkr | mnkr
    per: AmountPer
    is_maximum: bool
    raw: str  # the figure and unit as printed ("45.500 kr/månad")
    span: tuple[int, int]  # character span of `raw` in the text


def scale_of(unit: str) -> int:
    """SEK per unit for a normalised unit (kr, tkr, mnkr)."""
    return _UNIT_SCALE[unit]


def _normalise_unit(printed: str) -> str:
    p = printed.strip()
    for pat, name, _ in _UNITS:
        if re.fullmatch(pat, p, re.I):
            return name
    return "kr"


def parse_amount(text: str) -> ParsedAmount | None:
    """The first amount of money in `text` ("1,5 mnkr", "45.500 kr/månad"), or None."""
    found = find_amounts(text)
    return found[0] if found else None


def find_amounts(text: str) -> list[ParsedAmount]:
    """Every amount of money in a text: a figure followed by a money unit.

    Figures without a unit ("5,0 tjänster", "20%", years) are not money. `per` comes from
    "/månad", "per år", ...; `is_maximum` from "max", "maximalt", "högst", "upp till"
    shortly before the figure.
    """
    out: list[ParsedAmount] = []
    for m in _NUMBER_RE.finditer(text):
        after = text[m.end():]
        um = _UNIT_RE.match(after)
        if not um:
            continue
        number = parse_swedish_number(m.group(0))
        if number is None:
            continue
        unit = _normalise_unit(um.group("unit"))
        end = m.end() + um.end()
        per: AmountPer = "total"
        rest = text[end:]
        pm = _PER_MONTH.match(rest)
        py = _PER_YEAR.match(rest) if not pm else None
        if pm:
            per = "month"
            end += pm.end()
        elif py:
            per = "year"
            end += py.end()
        before = text[max(0, m.start() - 40): m.start()]
        is_maximum = bool(_MAXIMUM.search(before))
        out.append(
            ParsedAmount(
                value_sek=to_whole_sek(number * scale_of(unit)),
                number=number,
                unit=unit,
                per=per,
                is_maximum=is_maximum,
                raw=text[m.start():end].strip(),
                span=(m.start(), end),
            )
        )
    return out


def format_swedish_number(value: Decimal | int, thousands: str = " ", decimals: int | None = None) -> str:
    """Print a number the Swedish way ("-2 090", "1,5"); the inverse of parse_swedish_number."""
    v = Decimal(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    if decimals is not None:
        v = v.quantize(Decimal(1).scaleb(-decimals))
    integer, _, fraction = format(v, "f").partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    body = thousands.join(groups)
    return f"{sign}{body},{fraction}" if fraction else f"{sign}{body}"
