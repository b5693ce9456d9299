"""Paragraph (§) references as printed in minutes, including what OCR makes of them.

Minutes number their items with "§": "§ 47", "§52", "§§ 47–54", "§ 52-58". OCR of a
scan reads the sign as "$", "8" or "S" ("$ 47-54", "8 47 Motets oppnande"). This module
is the one place that knows these spellings; agenda, minutes and attendance parsing
use it instead of their own regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The section sign and what OCR prints for it. "8" and "S" are only trusted where the
# caller says so (a line that starts a paragraph), since they are also ordinary text.
SECTION_SIGNS = "§$"
OCR_SECTION_SIGNS = "8S"
_DASH = r"[-\u2010\u2011\u2012\u2013\u2014]"

_SIGN = rf"(?:§§?|\$\$?)"
_RANGE_RE = re.compile(
    rf"(?<![\w§$]){_SIGN}\s*(\d{{1,3}})(?:\s*(?:{_DASH}|och|,)\s*(?:§\s*|\$\s*)?(\d{{1,3}}))?(?![\d])"
)
# A heading line that starts a paragraph: "§ 47 Mötets öppnande", "§52 Analysarbetet",
# "$ 47 ...", and (OCR) "8 47 Motets oppnande" where the sign became an 8.
_HEADING_RE = re.compile(rf"^\s*(?P<sign>§|\$|8|S)\s*(?P<num>\d{{1,3}})\s*[.:]?\s+(?P<title>\S.*)?$")
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
    if title and title[0] in "-\u2013\u2014" and re.match(rf"{_DASH}\s*\d", title):
        return None  # "§ 52-58": a range, not a heading
    if title and not (title[0].isalpha() or title[0] in "\"'(«”"):
        return None
    return ParagraphHeading(int(m.group("num")), title, sign)
