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
    _Cut,
    find_cuts,
    flatten,
)
from pipeline.segment.classify import classify_lines, title_type
from pipeline.segment.metadata import (
    _FORBUND_DOCS,
    _budget_years,
    _file_organisation,
    _first_date,
    find_meeting_date,
    _organ_label,
    _title_of,
    body_named,
    enrich_agreement_segment,
    find_organisation,
    find_validity,
    head_body,
)
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.text.textview import page_provenance
from pipeline.config import EXTRACTION

# Agreements and plans state validity, decision date, diarienummer and activity.
_AGREEMENT_DOCS = {DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN}

__all__ = ["FlatLine", "classify_lines", "find_cuts", "flatten", "segment_document"]


def _is_masthead_only(part: list[FlatLine]) -> bool:
    """A few short lines without a sentence: a page title or masthead above a document.

    A line printed twice (a web page's title above the same title in the page) counts once,
    and a copy cut short with "..." where the whole line is there too does not count."""
    kept: list[str] = []
    for ln in part:
        text = ln.text.strip()
        stem = text.rstrip(".…").rstrip() if text.endswith(("...", "…")) else ""
        if stem and any(len(o.text.strip()) > len(stem) and o.text.strip().startswith(stem) for o in part if o is not ln):
            continue
        if text not in kept:
            kept.append(text)
    return len(kept) <= EXTRACTION.masthead_lines and not any(t.endswith(".") for t in kept)


def merge_cuts(lines: list[FlatLine], cuts: list[_Cut]) -> list[_Cut]:
    """Cuts that do not start a document of their own are folded into their neighbours,
    and minutes of another body run on without a title line of their own are cut out.

    * a masthead or repeated page title above the first document (a web page's title,
      "Nämnden för X april 2015 / Nf 220/2015") belongs to the document below it;
    * a minutes title repeated as the running head of a later page ("2
      SAMMANTRÄDESPROTOKOLL Sammanträdesdatum ...") or a bare "Sammanträdesdatum" box
      continues the minutes above, unless it names another body in capitals before the
      title ("2 VÄSTRA X-FÖRBUNDET SAMMANTRÄDESPROTOKOLL": a second protokollsutdrag,
      which gets a cut of its own even inside a flattened page).
    """
    out: list[_Cut] = []
    for cut in _split_other_bodies(lines, cuts):
        if out and out[-1].kind == "free" and len(out) == 1 and out[-1].start == 0 and _is_masthead_only(
            lines[out[-1].start : cut.start]
        ):
            out[-1] = _Cut(0, cut.kind, out[-1].warnings + cut.warnings)
            continue
        if out and cut.kind == "protocol" and out[-1].kind in ("protocol", "free") and _continues(lines, out[-1], cut):
            continue
        out.append(cut)
    return out


def _split_other_bodies(lines: list[FlatLine], cuts: list[_Cut]) -> list[_Cut]:
    out: list[_Cut] = []
    for n, cut in enumerate(cuts):
        out.append(cut)
        end = cuts[n + 1].start if n + 1 < len(cuts) else len(lines)
        if cut.kind not in ("free", "protocol"):
            continue
        first = _masthead(lines[cut.start].text)
        for i in range(cut.start + 1, end):
            line = lines[i]
            starts_page = line.index == 0 or re.match(r"^\s*\d{1,3}\s", line.text)
            if starts_page and title_type(line) == DocType.PROTOKOLL:
                here = _masthead(line.text)
                if here and here != first:
                    out.append(_Cut(i, "protocol"))
                    first = here
    return out


def _masthead(text: str) -> str:
    """The capitals words before a title word: "2 ARBOGA KOMMUN SAMMANTRÄDESPROTOKOLL" ->
    "ARBOGA KOMMUN" (page numbers skipped)."""
    caps = []
    for w in text.split():
        if w.isdigit():
            continue
        if not (w.isupper() and any(c.isalpha() for c in w)) or title_type(FlatLine(0, 0, w, normalize_for_match(w), None)):
            break
        caps.append(w)
    return " ".join(caps)


def _continues(lines: list[FlatLine], prev: _Cut, cut: _Cut) -> bool:
    """Whether a minutes title at `cut` is the running head of the minutes at `prev`."""
    first = lines[prev.start : cut.start]
    if prev.kind == "free" and classify_lines(first).doc_type != DocType.PROTOKOLL:
        return False
    here = lines[cut.start].text
    if cut.warnings and _MEETING_DATE_BOX_RE.match(lines[cut.start].norm):
        return True  # the "Sammanträdesdatum" box of a later page
    if not re.match(r"^\s*\d{1,3}\b", here):
        return False  # a title line of its own, not a page's running head
    return _masthead(here) in ("", _masthead(lines[prev.start].text))


_MEETING_DATE_BOX_RE = re.compile(r"^sammantrades ?datum\b")
_MEETING_DOCS = {DocType.FOREDRAGNINGSLISTA, DocType.PROTOKOLL}


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
    cuts = merge_cuts(lines, find_cuts(lines))
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
        evidence: list[str] = []
        if cut.kind == "agenda":
            doc_type, conf = DocType.FOREDRAGNINGSLISTA, 0.95
            title_line = next((ln for ln in part if _is_agenda_marker(ln)), None)
            evidence = [f"title: {title_line.text[:60]}" if title_line else "agenda title"]
            before = part[: part.index(title_line)] if title_line else []
            document_date = _first_date([ln for ln in before if _DATE_ONLY_RE.match(ln.text)])
        elif cut.kind == "protocol":
            doc_type, conf = DocType.PROTOKOLL, 0.95 if not cut.warnings else 0.7
            title_line = part[0]
            evidence = [f"title: {title_line.text[:60]}"]
        elif cut.kind == "budget":
            doc_type, conf = DocType.BUDGET, 0.9
            title_line = part[0]
            evidence = [f"budget heading over a row of years: {title_line.text[:60]}"]
            valid_from, valid_to = _budget_years(part)
        elif cut.kind in ("plan", "letter"):
            doc_type, conf = DocType.OTHER, 0.8
            title_line = part[0]
            evidence = [f"{cut.kind}: {title_line.text[:60]}"]
        else:
            cls = classify_lines(part)
            doc_type, conf, title_line, evidence = cls.doc_type, cls.confidence, cls.title_line, cls.evidence
            if doc_type in _AGREEMENT_DOCS:
                title = _title_of(part, title_line)
                valid_from, valid_to, open_ended, w = find_validity([ln.text for ln in part], title)
                warnings += w
            head_dates = [ln for ln in part[:15] if _DATE_ONLY_RE.match(ln.text) or re.match(r"^datum\b", ln.norm)]
            document_date = _first_date(head_dates)
        if doc_type in _MEETING_DOCS:
            start = part.index(title_line) if cut.kind == "agenda" and title_line else 0
            meeting_date, w = find_meeting_date(part[start:])
            warnings += w
            for ln in part[:8]:
                body = body_named(ln.text)
                if body:
                    break
            if body is None:
                body = _organ_label(part[:30]) or head_body(part)
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
            classification_evidence=evidence,
            warnings=warnings,
        )
        if doc_type in _AGREEMENT_DOCS:
            enrich_agreement_segment(segment, [ln.text for ln in part])
        segments.append(segment)
    return segments
