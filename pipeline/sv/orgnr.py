"""Swedish organisationsnummer: find, normalise, validate.

Printed as "212000–2627" (en dash), "212000-2627", "org. nr. 212000–0043",
"org.nr 2120002627". An organisationsnummer has a third digit of 2 or more (a
personnummer's month never does), and a Luhn check digit (python-stdnum). Numbers are
only ever read from a document; nothing here makes one up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.se import orgnr as _stdnum_orgnr

from pipeline.sv.chars import DASH

_WITH_DASH = re.compile(rf"(?<![\d])(\d{{6}})\s?{DASH}\s?(\d{{4}})(?![\d])")
# OCR splits a number with a stray space: "(2 12000-2536)". Taken only when the six digits
# rejoined carry a valid check digit, so a figure before a number is not glued onto it.
_OCR_SPLIT = re.compile(rf"(?<![\d,.])(?<!\d\s)(\d{{1,5}}) (\d{{1,5}})\s?{DASH}\s?(\d{{4}})(?![\d])")
_KEYWORD = r"(?:org(?:anisations)?\.?\s*-?\s*n(?:umme)?r\.?|organisationsnummer|org\.?\s*nr\.?)"
_PLAIN_AFTER_KEYWORD = re.compile(rf"{_KEYWORD}\s*:?\s*(?:16)?(\d{{10}})(?![\d])", re.I)


@dataclass(frozen=True)
class OrgNumberMatch:
    raw: str  # as printed
    number: str  # normalised NNNNNN-NNNN
    valid: bool  # Luhn check digit right
    start: int
    end: int
    ocr_split: bool = False  # printed with a stray space inside ("2 12000-2536") and rejoined


def normalize_org_number(text: str) -> str | None:
    """"212000–2627" / "2120002627" / "16 212000-2627" -> "212000-2627"; None if not 10 digits."""
    digits = re.sub(r"\D", "", text or "")
    if len(digits) == 12 and digits.startswith("16"):
        digits = digits[2:]
    if len(digits) != 10:
        return None
    return f"{digits[:6]}-{digits[6:]}"


def is_valid_org_number(text: str) -> bool:
    """True when the number is a well-formed organisationsnummer with the right check digit."""
    number = normalize_org_number(text)
    if number is None or int(number[2]) < 2:
        return False
    return bool(_stdnum_orgnr.is_valid(number))


def looks_like_org_number(number: str) -> bool:
    """Third digit 2+: an organisation, not a person (whatever the check digit says)."""
    n = normalize_org_number(number)
    return n is not None and int(n[2]) >= 2


def find_org_numbers(text: str) -> list[OrgNumberMatch]:
    """Every organisationsnummer printed in `text`, in text order.

    Dashed forms count anywhere; ten plain digits only right after "org.nr" and the like.
    Numbers whose third digit says they are personnummer are skipped.
    """
    out: list[OrgNumberMatch] = []
    seen: set[int] = set()
    for m in _WITH_DASH.finditer(text):
        number = f"{m.group(1)}-{m.group(2)}"
        if not looks_like_org_number(number):
            continue
        out.append(OrgNumberMatch(m.group(0), number, is_valid_org_number(number), m.start(), m.end()))
        seen.add(m.start())
    for m in _OCR_SPLIT.finditer(text):
        head = m.group(1) + m.group(2)
        number = f"{head}-{m.group(3)}"
        if len(head) != 6 or m.start() in seen or not is_valid_org_number(number):
            continue
        out.append(OrgNumberMatch(m.group(0), number, True, m.start(), m.end(), ocr_split=True))
        seen.add(m.start())
    for m in _PLAIN_AFTER_KEYWORD.finditer(text):
        number = normalize_org_number(m.group(1))
        if number is None or not looks_like_org_number(number) or m.start(1) in seen:
            continue
        out.append(OrgNumberMatch(m.group(1), number, is_valid_org_number(number), m.start(1), m.end(1)))
    out.sort(key=lambda o: o.start)
    return out
