"""Agreement metadata on the Segment itself: validity, decision date, document date,
diarienummer and the activity the agreement concerns.

`enrich_agreement_segment` fills the fields it finds and leaves the rest as they are
(the segmenter may already have set some); it returns no records. Validity comes from a
sentence that says what is valid ("Överenskommelsen gäller fr.o.m. 2023-01-01 och
tillsvidare", "gäller från och med 2024-01-01 till 2024-12-31"), else from the title
("Verksamheten Enter år 2023").
"""

from __future__ import annotations

import re

from extractors import register
from models import DocType, DocumentText, Record, Segment
from pipeline.dates import find_dates, parse_validity
from pipeline.textview import segment_lines

_VALIDITY_CUE = re.compile(r"gäller|galler|giltig|avtalstid|avtalsperiod|varaktighet|period", re.I)
_DECISION = re.compile(r"beslut(?:sdatum|datum|at|ad)?\b\s*:?\s*(?:den\s+)?", re.I)
_DIARIENUMMER = re.compile(
    r"(?:diarienummer|diarienr|dnr|dnr\.|vår\s+beteckning|ärendenummer)\s*:?\s*"
    r"(?P<dnr>[A-Za-zÅÄÖ]{0,6}[-\s]?\d{1,4}[/:\-.]\d+(?:[ /:\-]\d+)*)",
    re.I,
)
_DATE_LABEL = re.compile(r"^\s*(?:datum|daterad|upprättad)\s*:?\s*$", re.I)
_ACTIVITY = re.compile(
    r"^\s*(?:verksamheten|verksamhet|projektet|insatsen|avser\s+verksamheten)\s+(?P<name>.+?)"
    r"(?:\s+(?:år|ar|för|for)\s+\d{4}|\s+\d{4}(?:\s*[-–]\s*\d{4})?)?\s*$",
    re.I,
)


def enrich_agreement_segment(doc: DocumentText, segment: Segment) -> list[Record]:
    lines = list(segment_lines(doc, segment))
    texts = [r.text for r in lines]
    warnings: list[str] = []

    if segment.valid_from is None and not segment.valid_open_ended:
        validity = None
        for i, t in enumerate(texts):
            if _VALIDITY_CUE.search(t):
                window = " ".join(texts[i:i + 2])
                validity = parse_validity(window)
                if validity and validity.valid_to is None and not validity.open_ended and "år" in validity.raw:
                    validity = None
                if validity:
                    break
        if validity is None:
            for t in texts[:6]:
                validity = parse_validity(t)
                if validity and validity.raw.lower().startswith(("år", "ar")):
                    break
                validity = None
        if validity:
            segment.valid_from, segment.valid_to = validity.valid_from, validity.valid_to
            segment.valid_open_ended = validity.open_ended

    if segment.decision_date is None:
        for t in texts:
            m = _DECISION.search(t)
            if m and re.match(r"beslut(?:sdatum|datum)", m.group(0), re.I):
                hits = find_dates(t[m.end():])
                if hits:
                    segment.decision_date = hits[0][0]
                    break

    if segment.diarienummer is None:
        for t in texts[:40]:
            m = _DIARIENUMMER.search(t)
            if m and re.match(r"\s*(?:diarienummer|diarienr|vår|ärende)", t[m.start():], re.I) or (m and m.start() == 0):
                segment.diarienummer = " ".join(m.group("dnr").split())
                break

    if segment.document_date is None:
        for i, t in enumerate(texts[:15]):
            if _DATE_LABEL.match(t) and i + 1 < len(texts):
                hits = find_dates(" ".join(texts[i:i + 3]))
                if hits:
                    segment.document_date = hits[0][0]
                    break
            stripped = t.strip()
            hits = find_dates(stripped, compact=False)
            if hits and hits[0][1] == 0 and hits[0][2] == len(stripped):
                segment.document_date = hits[0][0]
                break

    if segment.activity is None:
        for t in texts[:8]:
            m = _ACTIVITY.match(t)
            if m and len(m.group("name").split()) <= 6:
                segment.activity = m.group("name").strip(" ,.")
                break

    if segment.valid_from and segment.valid_to and segment.valid_to < segment.valid_from:
        warnings.append("validity ends before it starts")
    segment.warnings.extend(w for w in warnings if w not in segment.warnings)
    return []


@register(DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN)
def extract_agreement_meta(doc: DocumentText, segment: Segment) -> list[Record]:
    return enrich_agreement_segment(doc, segment)
