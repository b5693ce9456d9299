"""Find Swedish personal identity numbers in text and mask them without moving any offset.

Minutes and agreements name people, which is expected, but a personnummer (or a
samordningsnummer, the same layout with 60 added to the day) must never reach the
outputs. Masking keeps the length: every digit becomes "X" and the separator stays, so
"811218-9876" becomes "XXXXXX-XXXX" and the character spans of provenance, line
`start`/`end` and word boxes stay valid.

What counts as a personnummer here:
- 10 digits YYMMDD[-+]NNNN or 12 digits (18|19|20)YYMMDD[-+]NNNN, the separator optional
  (a hyphen, a plus for people aged 100 or more, or a dash that Word or OCR made of it);
- not glued to further digits on either side;
- a real calendar date (the day minus 60 for a samordningsnummer) and a valid Luhn
  check digit over the last ten digits (python-stdnum does both for personnummer).

Organisationsnummer (NNNNNN-NNNN with "month" digits of 20 or more, e.g. 212000-2627),
dates such as 2024-03-14 and diarienummer such as 2023/00123 or SN 2021-0042 never match:
the first fails the date check, the others do not have the 6+4 or 8+4 digit shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer as _stdnum_pnr

from models.text import DocumentText
from pipeline.sv.chars import DASHES, SOFT_HYPHEN, SPACES, char_class

# Plus (people aged 100 or more), and every dash a word processor, OCR, a PDF's text layer
# or a keyboard makes of the hyphen, the soft hyphen included.
_SEP = char_class("+" + DASHES + SOFT_HYPHEN)
_SP = char_class(SPACES + "\t")  # spaces a person or a text layer puts around a separator
# Every pattern is linear: each part has a fixed or bounded length, so no input makes the
# engine backtrack more than a constant per position.
_PATTERN = re.compile(
    # As typed: 6 or 8 digits, a separator (hyphen/dash/plus, or a space, with up to three
    # spaces around it and a line break after it), 4 digits.
    r"(?<!\d)(?P<head>\d{8}|\d{6})"
    r"(?P<sep>" + _SP + r"{0,3}" + _SEP + r"?" + _SP + r"{0,3}(?:\r?\n" + _SP + r"{0,3})?)"
    r"(?P<tail>\d{4})(?!\d)"
    # Letter-spaced, as a PDF's text layer spells out spaced-out type: every digit followed
    # by one space, the separator optional.
    r"|(?<!\d)(?<!\d[ \u00a0])(?P<shead>\d(?:[ \u00a0]\d){7}|\d(?:[ \u00a0]\d){5})"
    r"(?P<ssep>(?=\D)[ \u00a0]{0,3}(?:" + _SEP + r"[ \u00a0]{0,3})?(?:\r?\n[ \u00a0]{0,2})?)"
    r"(?P<stail>\d(?:[ \u00a0]\d){3})(?![ \u00a0]?\d)"
)
MASK_CHAR = "X"


def _valid_personnummer(head: str, sep: str, tail: str) -> bool:
    """head: YYMMDD or CCYYMMDD; sep: '', '-' or '+'; tail: NNNC (C the check digit)."""
    if len(head) == 8 and head[:2] not in ("18", "19", "20"):
        return False
    yymmdd = head[-6:]
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if not 1 <= month <= 12:  # organisationsnummer have "month" digits of 20 or more
        return False
    if not luhn.is_valid(yymmdd + tail):
        return False
    if day > 60:  # samordningsnummer: the birth day plus 60
        day -= 60
    # python-stdnum checks the calendar date, the century coming from the 12-digit form
    # or, for 10 digits, from today and the separator ('+' = aged 100 or more).
    try:
        _stdnum_pnr.get_birth_date(f"{head[:-6]}{yymmdd[:4]}{day:02d}{'+' if sep == '+' else '-'}{tail}")
    except ValidationError:
        return False
    return True


def _digits(s: str) -> str:
    """The ASCII digits of a matched run (fullwidth or other decimal digits included)."""
    return "".join(str(int(c)) for c in s if c.isdigit())


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str


def find_personnummer(text: str) -> list[Match]:
    """Every personnummer or samordningsnummer in `text`, with its character span."""
    out: list[Match] = []
    for m in _PATTERN.finditer(text):
        if m.group("head") is not None:
            head, sep, tail = m.group("head"), m.group("sep"), m.group("tail")
        else:
            head, sep, tail = m.group("shead"), m.group("ssep"), m.group("stail")
        head, tail = _digits(head), _digits(tail)
        sep = "+" if "+" in sep else "-"
        if _valid_personnummer(head, sep, tail):
            out.append(Match(m.start(), m.end(), m.group(0)))
    return out


def _mask_span(s: str) -> str:
    return "".join(MASK_CHAR if c.isdigit() else c for c in s)


def mask_text(text: str) -> tuple[str, int]:
    """(text with every personnummer's digits replaced by "X", how many were masked).

    The result has exactly the length of the input, so every offset stays valid.
    """
    if not text or len(text) < 10:
        return text, 0
    matches = find_personnummer(text)
    if not matches:
        return text, 0
    parts: list[str] = []
    pos = 0
    for m in matches:
        parts.append(text[pos:m.start])
        parts.append(_mask_span(m.text))
        pos = m.end
    parts.append(text[pos:])
    masked = "".join(parts)
    assert len(masked) == len(text)
    return masked, len(matches)


def mask_string(text: str | None) -> str | None:
    """mask_text without the count, passing None through."""
    if text is None:
        return None
    return mask_text(text)[0]


def mask_document_text(doc: DocumentText) -> int:
    """Mask every personnummer in a read document, in place, before any extraction.

    Covers page raw_text and text, line texts and table cells, word texts, warnings and
    the file name. Returns how many personnummer the document holds: per page the larger
    of the counts in the raw and the cleaned text (cleanup may drop a running header that
    held one, and both texts usually hold the same ones), plus any in the file name.
    """
    total = 0
    for page in doc.pages:
        page.raw_text, n_raw = mask_text(page.raw_text)
        page.text, n_text = mask_text(page.text)
        total += max(n_raw, n_text)
        # Lines and words are masked as one text each (lines joined by line breaks, words
        # by spaces), so a number split over two lines ("811218-" / "9876") or over words
        # (a letter-spaced text layer: "8 1 1 2 1 8 - ...") is masked in every piece.
        _mask_pieces([line.text for line in page.lines], "\n", page.lines, "text")
        words = [w for line in page.lines for w in line.words]
        _mask_pieces([w.text for w in words], " ", words, "text")
        for line in page.lines:
            if line.cells:
                line.cells = [mask_text(c)[0] for c in line.cells]
        page.warnings = [mask_text(w)[0] for w in page.warnings]
    doc.warnings = [mask_text(w)[0] for w in doc.warnings]
    doc.file_name, n_name = mask_text(doc.file_name)
    doc.source_path, _ = mask_text(doc.source_path)
    return total + n_name


def _mask_pieces(texts: list[str], joiner: str, owners: list, attr: str) -> None:
    """Mask the texts as one (joined by `joiner`) and give each owner its masked piece."""
    if not texts:
        return
    masked, n = mask_text(joiner.join(texts))
    if not n:
        return
    pos = 0
    for owner, t in zip(owners, texts):
        setattr(owner, attr, masked[pos:pos + len(t)])
        pos += len(t) + len(joiner)
