"""Swedish dates and validity periods, as printed (and as OCR damages them).

Forms met: ISO "2023-11-30", "30 november 2023", "den 30 november 2023", "30 nov. 2023",
compact yymmdd "230301" / "221121" (only where the words around it say it is a date:
"från 230301", "uppdaterat 221121"), and month names damaged by OCR ("novernber",
"februan"). Validity: "gäller fr.o.m. 2023-01-01 och tillsvidare" (open end), "från och
med 2024-01-01 till 2024-12-31", "år 2023".

This module is the one place that parses dates: `parse_date`, `find_dates`,
`parse_validity` (and `find_validities` for every period stated in a text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from pipeline.sv.chars import DASH, DASH_MEMBERS

MONTHS: dict[str, int] = {
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}
_MONTH_ABBREVIATIONS: dict[str, int] = {
    "jan": 1, "feb": 2, "febr": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}

_ISO_RE = re.compile(rf"(?<![\d])((?:19|20)\d\d){DASH}(\d{{1,2}}){DASH}(\d{{1,2}})(?![\d])")
# "30 november 2023", "1:a december 2023", "30 nov. 2023", "30novernber 2023" (OCR)
_TEXT_RE = re.compile(
    r"(?<![\d])(\d{1,2})(?::[ae])?\s*([A-Za-zÅÄÖåäöéè]{3,10})\.?\s+((?:19|20)\d\d)(?![\d])"
)
_COMPACT_RE = re.compile(rf"(?<![\d{DASH_MEMBERS}])(\d{{2}})(\d{{2}})(\d{{2}})(?![\d])(?!\s*{DASH}\s*\d{{4}})")
# Words right before a yymmdd that make it a date.
_COMPACT_CONTEXT = re.compile(
    r"(?:från|fran|fr\.?\s*o\.?\s*m\.?|t\.?\s*o\.?\s*m\.?|till|datum|daterad|daterat|uppdaterad|"
    r"uppdaterat|reviderad|reviderat|beslutad|beslutat|den|per|senast)\s*$",
    re.I,
)


def month_number(word: str) -> int | None:
    """Month of a Swedish month name, abbreviation or OCR-damaged name; None otherwise."""
    w = word.lower().strip(".")
    w = w.replace("é", "e").replace("è", "e")
    if w in MONTHS:
        return MONTHS[w]
    if w in _MONTH_ABBREVIATIONS:
        return _MONTH_ABBREVIATIONS[w]
    if len(w) >= 5:
        hit = process.extractOne(w, list(MONTHS), scorer=fuzz.ratio, score_cutoff=75)
        if hit:
            return MONTHS[hit[0]]
    return None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, compact: bool | None = None) -> list[tuple[date, int, int]]:
    """Every date in `text` as (date, start, end), in text order.

    Compact yymmdd figures count only after a word that makes them a date ("från 230301")
    unless `compact=True` (the caller knows the figure is a date); `compact=False` never
    reads them.
    """
    found: list[tuple[date, int, int]] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for m in _ISO_RE.finditer(text):
        d = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            found.append((d, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _TEXT_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        month = month_number(m.group(2))
        if month is None:
            continue
        d = _make_date(int(m.group(3)), month, int(m.group(1)))
        if d:
            found.append((d, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    if compact is not False:
        for m in _COMPACT_RE.finditer(text):
            if not free(m.start(), m.end()):
                continue
            if compact is None and not _COMPACT_CONTEXT.search(text[max(0, m.start() - 20): m.start()]):
                continue
            d = _make_date(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if d:
                found.append((d, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    found.sort(key=lambda t: t[1])
    return found


def parse_date(text: str) -> date | None:
    """The first date in `text`, or None.

    A text that is nothing but a six-digit figure ("230301") is read as yymmdd; inside a
    longer text a yymmdd counts only after a word that makes it a date.
    """
    if text is None:
        return None
    s = text.strip()
    if re.fullmatch(r"\d{6}", s):
        hits = find_dates(s, compact=True)
    else:
        hits = find_dates(s)
    return hits[0][0] if hits else None


@dataclass(frozen=True)
class Validity:
    """The period an agreement or plan is in force."""

    valid_from: date | None
    valid_to: date | None
    open_ended: bool  # "tillsvidare": no end date
    raw: str
    span: tuple[int, int]
    kind: str = ""  # which form: range | open | dash | from | year (see _PERIOD_RES)


_DATE_ANY = (
    rf"(?:(?:19|20)\d\d{DASH}\d{{1,2}}{DASH}\d{{1,2}}"
    r"|\d{1,2}\s*[A-Za-zÅÄÖåäöé]{3,10}\.?\s+(?:19|20)\d\d"
    r"|\d{6})"
)
_FROM = r"(?:fr(?:ån|an)\s+och\s+med|fr\.?\s*o\.?\s*m\.?|from|fr(?:ån|an)|efter|med\s+start|med\s+början)"
_TO = r"(?:till\s+och\s+med|t\.?\s*o\.?\s*m\.?|tom|till|och\s+till)"
_OPEN = r"(?:tills?\s*vidare|tillsvidare|tv\b|utan\s+slutdatum)"
_YEAR = r"((?:19|20)\d\d)"

_PERIOD_RES: list[tuple[str, re.Pattern[str]]] = [
    ("range", re.compile(rf"{_FROM}\s*(?P<a>{_DATE_ANY})\s*(?:,\s*)?{_TO}\s*(?P<b>{_DATE_ANY})", re.I)),
    ("open", re.compile(rf"{_FROM}\s*(?P<a>{_DATE_ANY})\s*(?:,\s*)?(?:och\s+|samt\s+)?(?:gäller\s+|galler\s+)?{_OPEN}", re.I)),
    ("dash", re.compile(rf"(?:perioden|period|gäller|galler|avtalstid(?:en)?|under)\s*:?\s*(?P<a>{_DATE_ANY})\s*{DASH}+\s*(?P<b>{_DATE_ANY})", re.I)),
    ("from", re.compile(rf"(?:gäller|galler|börjar\s+gälla|träder\s+i\s+kraft)\s+(?:\S+\s+){{0,3}}?{_FROM}\s*(?P<a>{_DATE_ANY})", re.I)),
    ("year", re.compile(rf"(?:\bår|\bar|verksamhetsåret|verksamhetsaret|avser|gäller|galler|för|for|under)\s+{_YEAR}(?![\d{DASH_MEMBERS}])", re.I)),
]


def _date_in(fragment: str) -> date | None:
    hits = find_dates(fragment, compact=True)
    return hits[0][0] if hits else None


def _validity(kind: str, m: re.Match[str], allow_reversed: bool) -> Validity | None:
    raw, span = m.group(0), m.span()
    if kind in ("range", "dash"):
        a, b = _date_in(m.group("a")), _date_in(m.group("b"))
        if a and b and (a <= b or allow_reversed):
            return Validity(a, b, False, raw, span, kind)
    elif kind == "open":
        a = _date_in(m.group("a"))
        if a:
            return Validity(a, None, True, raw, span, kind)
    elif kind == "from":
        a = _date_in(m.group("a"))
        if a:
            return Validity(a, None, False, raw, span, kind)
    elif kind == "year":
        y = int(m.group(1))
        return Validity(date(y, 1, 1), date(y, 12, 31), False, raw, span, kind)
    return None


def parse_validity(text: str, *, allow_reversed: bool = False) -> Validity | None:
    """The validity period stated in `text`, or None.

    Tried in order: "från och med A till B" / "fr.o.m. A t.o.m. B", "fr.o.m. A och
    tillsvidare" (open end), "perioden A – B", "gäller från A" (start only), "år 2023"
    (that calendar year).

    A range whose end is before its start is not a period and is passed over, unless
    `allow_reversed`: then it is returned as written (valid_to < valid_from), for callers
    that flag such periods.
    """
    if not text:
        return None
    for kind, pattern in _PERIOD_RES:
        m = pattern.search(text)
        if m:
            found = _validity(kind, m, allow_reversed)
            if found:
                return found
    return None


def find_validities(text: str, *, allow_reversed: bool = False, kinds: tuple[str, ...] | None = None) -> list[Validity]:
    """Every validity statement in `text`, in text order (forms as in `parse_validity`,
    earlier forms taking precedence where two overlap); `kinds` keeps only those forms."""
    found: list[Validity] = []
    for kind, pattern in _PERIOD_RES:
        if kinds is not None and kind not in kinds:
            continue
        for m in pattern.finditer(text or ""):
            v = _validity(kind, m, allow_reversed)
            if v and all(v.span[1] <= o.span[0] or v.span[0] >= o.span[1] for o in found):
                found.append(v)
    return sorted(found, key=lambda v: v.span[0])
