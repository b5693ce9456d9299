"""Split a file into documents (segments), classify each and work out its metadata.

boundaries: where documents start and end; classify: what each is; metadata: its
organisation, body, dates and validity. `segment_document` puts them together.
"""

from __future__ import annotations

import re

from models import DocType, DocumentText, Segment
from pipeline.segment.boundaries import (
    FlatLine,
    _DATE_ONLY_RE,
    _is_agenda_marker,
    find_cuts,
    flatten,
)
from pipeline.segment.classify import classify_lines, classify_text
from pipeline.segment.metadata import (
    _BODY_RE,
    _FORBUND_DOCS,
    _budget_years,
    _file_organisation,
    _first_date,
    _meeting_date,
    _organ_label,
    _title_of,
    _validity,
    enrich_agreement_segment,
    find_organisation,
)
from pipeline.textview import page_provenance

# Agreements and plans state validity, decision date, diarienummer and activity.
_AGREEMENT_DOCS = {DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN}

__all__ = ["FlatLine", "classify_lines", "classify_text", "find_cuts", "flatten", "segment_document"]


def segment_document(doc: DocumentText) -> list[Segment]:
    lines = flatten(doc)
    if not lines:
        if not doc.pages:
            return []
        page = doc.pages[0]
        return [
            Segment(
                segment_id=f"{doc.doc_id[:12]}-s1", provenance=page_provenance(doc, page.number),
                doc_type=DocType.OTHER, page_start=doc.pages[0].number, page_end=doc.pages[-1].number,
                classification_confidence=0.0, warnings=["no text to segment"],
            )
        ]
    cuts = find_cuts(lines)
    file_org = _file_organisation(lines)
    segments: list[Segment] = []
    for n, cut in enumerate(cuts):
        end = cuts[n + 1].start - 1 if n + 1 < len(cuts) else len(lines) - 1
        part = lines[cut.start : end + 1]
        if not part:
            continue
        warnings = list(cut.warnings)
        meeting_date = document_date = valid_from = valid_to = None
        open_ended = False
        body = None
        title_line = None
        if cut.kind == "agenda":
            doc_type, conf = DocType.FOREDRAGNINGSLISTA, 0.95
            title_line = next((ln for ln in part if _is_agenda_marker(ln)), None)
            meeting_date, w = _meeting_date(part[part.index(title_line) if title_line else 0 :], cut.kind)
            warnings += w
            before = part[: part.index(title_line)] if title_line else []
            document_date = _first_date([ln for ln in before if _DATE_ONLY_RE.match(ln.text)])
        elif cut.kind == "protocol":
            doc_type, conf = DocType.PROTOKOLL, 0.95 if not cut.warnings else 0.7
            title_line = part[0]
            meeting_date, w = _meeting_date(part, cut.kind)
            warnings += w
        elif cut.kind == "budget":
            doc_type, conf = DocType.BUDGET, 0.9
            title_line = part[0]
            valid_from, valid_to = _budget_years(part)
        elif cut.kind in ("plan", "letter"):
            doc_type, conf = DocType.OTHER, 0.8
            title_line = part[0]
        else:
            doc_type, conf, title_line = classify_lines(part)
            if doc_type in (DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN):
                title = _title_of(part, title_line)
                valid_from, valid_to, open_ended, w = _validity(part, title)
                warnings += w
            head_dates = [ln for ln in part[:15] if _DATE_ONLY_RE.match(ln.text) or re.match(r"^datum\b", ln.norm)]
            document_date = _first_date(head_dates)
        if cut.kind in ("agenda", "protocol"):
            for ln in part[:8]:
                m = _BODY_RE.search(ln.text)
                if m:
                    body = m.group(1) + "n" if not m.group(1).endswith("n") else m.group(1)
                    break
            if body is None:
                body = _organ_label(part[:30])
        title = _title_of(part, title_line)
        organisation = find_organisation(part)
        if organisation is None and file_org and doc_type in _FORBUND_DOCS:
            organisation = file_org
            warnings.append("organisation not named in this document; taken from the rest of the file")
        first, last = part[0], part[-1]
        segment = Segment(
            segment_id=f"{doc.doc_id[:12]}-s{len(segments) + 1}",
            provenance=page_provenance(doc, first.page),
            doc_type=doc_type,
            title=title,
            organisation=organisation,
            body=body,
            meeting_date=meeting_date,
            document_date=document_date,
            valid_from=valid_from,
            valid_to=valid_to,
            valid_open_ended=open_ended,
            page_start=first.page,
            page_end=last.page,
            line_start=first.index,
            line_end=last.index,
            classification_confidence=conf,
            warnings=warnings,
        )
        if doc_type in _AGREEMENT_DOCS:
            enrich_agreement_segment(segment, [ln.text for ln in part])
        segments.append(segment)
    return segments

