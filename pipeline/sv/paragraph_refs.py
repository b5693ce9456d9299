"""Paragraph (§) references as printed in minutes, including what OCR makes of them.

Minutes number their items with "§": "§ 47", "§52", "§§ 47–54", "§ 52-58". OCR of a
scan reads the sign as "$", "8" or "S" ("$ 47-54", "8 47 Motets oppnande"). This module
is the one place that knows these spellings; agenda, minutes and attendance parsing
use it instead of their own regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.sv.chars import DASH, DASH_MEMBERS

# The section sign and what OCR prints for it. "8" and "S" are only trusted where the
# caller says so (a line that starts a paragraph), since they are also ordinary text.
SECTION_SIGNS = "§$"
OCR_SECTION_SIGNS = "8S"

_SIGN = r"(?:§§?|\$\$?)"
_RANGE_RE = re.compile(
    rf"(?<![\w§$]){_SIGN}\s*(\d{{1,3}})(?:\s*(?:{DASH}|och|,)\s*(?:§\s*|\$\s*)?(\d{{1,3}}))?(?![\d])"
)
# A heading line that starts a paragraph: "§ 47 Mötets öppnande", "§52 Analysarbetet",
# "$ 47 ...", and (OCR) "8 47 Motets oppnande" where the sign became an 8.
_HEADING_RE = re.compile(r"^\s*(?P<sign>§|\$|8|S)\s*(?P<num>\d{1,3})\s*[.:]?\s+(?P<title>\S.*)?$")
_HEADING_BARE_RE = re.compile(r"^\s*(?P<sign>§|\$)\s*(?P<num>\d{1,3})\s*[.:]?\s*$")


@dataclass(frozen=True)
class ParagraphRange:
    first: int
    last: int
    start: int  # character span in the text searched
    end: int
    raw: str

    @property
    def numbers(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def find_paragraph_ranges(text: str, max_span: int = 200) -> list[ParagraphRange]:
    """Every "§ N" / "§ N-M" / "§§ N–M" (and "$ N-M") in `text`, in order.

    A range whose end is below its start, or that spans more than `max_span`
    paragraphs, is kept as the single paragraph N (the end is taken to be misread).
    """
    out: list[ParagraphRange] = []
    for m in _RANGE_RE.finditer(text):
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        if last < first or last - first > max_span:
            last = first
        out.append(ParagraphRange(first, last, m.start(), m.end(), m.group(0)))
    return out


def parse_paragraph_range(text: str) -> list[int]:
    """The § numbers a fragment names: "§ 52-58" -> [52..58], "$ 47-54" -> [47..54]."""
    numbers: list[int] = []
    for r in find_paragraph_ranges(text):
        for n in r.numbers:
            if n not in numbers:
                numbers.append(n)
    return numbers


@dataclass(frozen=True)
class ParagraphHeading:
    number: int
    title: str  # may be "" when the heading line holds only the number
    sign: str  # as printed: "§", "$", "8", "S"

    @property
    def sign_is_ocr_guess(self) -> bool:
        return self.sign not in SECTION_SIGNS


def parse_paragraph_heading(line: str, allow_ocr_signs: bool = True) -> ParagraphHeading | None:
    """A line that opens a paragraph: "§ 47 Mötets öppnande" -> (47, "Mötets öppnande").

    With `allow_ocr_signs`, "8 47 Motets oppnande" and "S 47 ..." count too, but only
    when a capitalised title follows (so "8 47 procent" in running text does not).
    """
    bare = _HEADING_BARE_RE.match(line)
    if bare:
        return ParagraphHeading(int(bare.group("num")), "", bare.group("sign"))
    m = _HEADING_RE.match(line)
    if not m:
        return None
    sign = m.group("sign")
    title = (m.group("title") or "").strip()
    if sign in OCR_SECTION_SIGNS:
        if not allow_ocr_signs or not title or not title[0].isupper():
            return None
    if title and re.match(rf"{DASH}\s*\d", title):
        return None  # "§ 52-58": a range, not a heading
    if title and not (title[0].isalpha() or title[0] in "\"'(«”"):
        return None
    return ParagraphHeading(int(m.group("num")), title, sign)


# --- headings in text without layout ----------------------------------------------------
#
# Flattened transcripts lose line breaks and often the § sign itself, so a heading is
# found in running text by its shape:
#   "§ 65 Dnr 2023KS133 Title"            the sign, anywhere
#   "Ks 184 Au 192 Dnr 261/ Title"        an organ's abbreviation instead of the sign
#                                          (the second pair is an earlier organ's §)
#   "AU 1 Dnr Title", "KS 86 Title... 4"  the same, with a Dnr or a dot leader to confirm it
#   "26 Dnr KS 2018/14 Title... 3"        an Ärendelista: a bare number directly before "Dnr"
# A law reference ("11 kap 8 §", "Lag (2003:1210)") never matches: the number must follow
# the sign, and the sign must not follow "kap".

# An organ abbreviation: all capitals (KS, AU, MBN) or a capital and one lower-case
# letter (Ks, Au, Nf). Words like "Blad" or "Sida" are longer, so they do not qualify.
_ORGAN = r"(?:[A-ZÅÄÖ]{2,4}|[A-ZÅÄÖ][a-zåäö])"
_DNR = r"(?:Dnr|Diarienr|Dnr\.)\s*[.:]?"
# A diarienummer after "Dnr": "KS 2018/14", "261/", "2023KS133", "Nf 220/2015"; may be empty.
_DNR_VALUE = r"(?:(?:[A-ZÅÄÖ][A-Za-zåäö]{0,3}\s+)?[\w.]*\d[\w./:-]*\s+)?"
_TITLE_START = r"(?=[A-ZÅÄÖ\"'«”(])"

_SIGN_HEADING_RE = re.compile(
    rf"(?<![\w§$])(?<!kap\s)(?<!kap\.\s)(?:§|\$)\s*(?P<num>\d{{1,3}})(?![\d{DASH_MEMBERS}:/,])\s*[.:]?\s+"
    rf"(?:{_DNR}\s+{_DNR_VALUE})?{_TITLE_START}"
)
_ORGAN_HEADING_RE = re.compile(
    rf"(?<![\w/])(?P<organ>{_ORGAN})\s+(?P<num>\d{{1,3}})(?:\s+{_ORGAN}\s+\d{{1,3}})?"
    rf"\s+(?:(?P<dnr>{_DNR}\s+{_DNR_VALUE})|(?=[A-ZÅÄÖ][^\n.]{{2,160}}?(?:\.{{3,}}|…)\s*\d))"
    rf"{_TITLE_START}"
)
_DNR_HEADING_RE = re.compile(rf"(?<![\w/.,:§$-])(?P<num>\d{{1,3}})\s+{_DNR}\s+{_DNR_VALUE}{_TITLE_START}")
_LIMIT_BEFORE_RE = re.compile(r"(?:t\.?\s?o\.?\s?m|fr\.?\s?o\.?\s?m|till\s+och\s+med|fr[aå]n\s+och\s+med)\.?\s*$", re.I)
_NOT_ORGANS = {"NR", "SID", "KL", "TEL", "ORG", "NOT", "CA", "PM", "OCH", "AB", "HB", "KB", "SFS", "SOU", "EU"}


@dataclass(frozen=True)
class HeadingHit:
    """A § heading found in a text stream: its number, where it starts, where its title starts."""

    number: int
    start: int
    title_start: int
    form: str  # "sign", "organ", "dnr"
    toc: bool = False  # an entry of a table of contents ("Title... 4"), not the § itself


_DOT_LEADER_RE = re.compile(r"\.{3,}|…")


def find_paragraph_headings(text: str) -> list[HeadingHit]:
    """The § headings printed in `text` (sign, organ-prefix and Dnr forms), in order."""
    hits: dict[int, HeadingHit] = {}
    for m in _SIGN_HEADING_RE.finditer(text):
        if _LIMIT_BEFORE_RE.search(text, max(0, m.start() - 16), m.start()):
            continue  # "t.o.m. § 54": the limit of someone's attendance
        hits[m.start()] = HeadingHit(int(m.group("num")), m.start(), m.end(), "sign")
    for m in _ORGAN_HEADING_RE.finditer(text):
        if m.group("organ").upper() in _NOT_ORGANS or any(m.start() <= s < m.end() for s in hits):
            continue
        hits[m.start()] = HeadingHit(int(m.group("num")), m.start(), m.end(), "organ")
    for m in _DNR_HEADING_RE.finditer(text):
        if any(h.start <= m.start() < h.title_start for h in hits.values()):
            continue  # the "192 Dnr" inside "Ks 184 Au 192 Dnr"
        hits[m.start()] = HeadingHit(int(m.group("num")), m.start(), m.end(), "dnr")
    out = sorted(hits.values(), key=lambda h: h.start)
    marked = []
    for k, h in enumerate(out):
        nxt = out[k + 1].start if k + 1 < len(out) else len(text)
        leader = _DOT_LEADER_RE.search(text, h.title_start, min(nxt, h.title_start + 220))
        toc = leader is not None and re.match(r"\s*\d{1,3}\b", text[leader.end() : leader.end() + 5]) is not None
        marked.append(HeadingHit(h.number, h.start, h.title_start, h.form, toc))
    return marked
