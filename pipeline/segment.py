"""Split a file into documents (segments) and classify each.

First version: the whole file is one segment, classified by the title words on its
first page. The meetings issue replaces this with real bundle splitting.
"""

from __future__ import annotations

import re

from models import DocType, DocumentText, Segment
from pipeline.textview import page_provenance

# OCR'd scans lose diacritics ("FOREDRAGNINGSLISTA", "Overenskommelse"): match both.
_TITLE_PATTERNS: list[tuple[DocType, re.Pattern[str]]] = [
    (DocType.FOREDRAGNINGSLISTA, re.compile(r"f[oöé]redragningslista|kallelse", re.I)),
    (DocType.PROTOKOLL, re.compile(r"\bprotokoll\b", re.I)),
    (DocType.UPPDRAGSAVTAL, re.compile(r"uppdragsavtal", re.I)),
    (DocType.OVERENSKOMMELSE, re.compile(r"[oöé6]verenskommelse", re.I)),
    (DocType.VERKSAMHETSPLAN, re.compile(r"verksamhetsplan", re.I)),
    (DocType.BUDGET, re.compile(r"\bbudget\b", re.I)),
]


def classify_text(text: str) -> DocType:
    head = "\n".join(text.splitlines()[:15])
    for doc_type, pattern in _TITLE_PATTERNS:
        if pattern.search(head):
            return doc_type
    return DocType.OTHER


def segment_document(doc: DocumentText) -> list[Segment]:
    if not doc.pages:
        return []
    first = next((p for p in doc.pages if p.text.strip()), doc.pages[0])
    doc_type = classify_text(first.text)
    title = next((ln.strip() for ln in first.text.splitlines() if ln.strip()), None)
    return [
        Segment(
            segment_id=f"{doc.doc_id[:12]}-s1",
            provenance=page_provenance(doc, first.number),
            doc_type=doc_type,
            title=title,
            page_start=doc.pages[0].number,
            page_end=doc.pages[-1].number,
        )
    ]
