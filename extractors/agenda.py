"""Agendas (kallelse / föredragningslista): the meeting, every item, every proposal.

An agenda laid out one item a line is read by extractors/_agenda_lines.py (numbers, wrapped
titles, blocks of bare numbers, proposals); one whose text runs together, or the agenda
inside minutes, by extractors/_agenda_stream.py. This module reads the meeting (date, time,
place, body) and makes the records.

Proposals are `Decision` records with decision_kind "forslag_till_beslut": an agenda
proposes, only minutes decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from extractors import extractor
from extractors._agenda_lines import item_title, parse_items, proposal_of
from extractors._agenda_stream import AGENDA_TITLE_RE, StreamItem, has_minutes_structure, stream_items
from extractors._meeting import PersonIndex, clean_title, join_lines, presenters_in
from models import AgendaItem, Decision, DocumentText, MeetingInfo, Record, Segment
from pipeline.segment.metadata import body_named
from pipeline.sv.chars import DASH
from pipeline.sv.dates import find_dates
from pipeline.text.textview import LineRef, TextStream, provenance, segment_lines, segment_stream

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_TIME_RE = re.compile(
    rf"(?:klockan|kl\.?|tid:?|tid\b)\s*(\d{{1,2}}(?:[.:]\d{{2}})?)\s*(?:{DASH}+|till)\s*(\d{{1,2}}(?:[.:]\d{{2}})?)", re.I
)

_TIME_START_RE = re.compile(r"(?:klockan|kl\.?)\s*(\d{1,2}[.:]\d{2})", re.I)
_PLACE_RE = re.compile(r"^\s*(?:lokal|plats|m[oöé]tesplats)\s*:?\s+(?P<place>.+)$", re.I)


def _prov(doc: DocumentText, refs: list[LineRef]):
    first = refs[0]
    same_page = [r.line for r in refs if r.page.number == first.page.number]
    return provenance(doc, first.page, lines=same_page)


def meeting_info(doc: DocumentText, segment: Segment, header: list[LineRef]) -> MeetingInfo:
    warnings: list[str] = []
    texts = [r.text for r in header]
    meeting_date = segment.meeting_date
    if meeting_date is None:
        for t in texts:
            hits = find_dates(t)
            if hits and re.search(r"sammantr|m[oöé]te|datum", t, re.I):
                meeting_date = hits[0][0]
                break
    if meeting_date is None:
        # Flattened text wraps "sammanträder ... tisdagen den" / "22 april 2014" anywhere.
        joined = " ".join(texts)
        for m in re.finditer(r"sammantr\w*|m[oö]te\b|datum", joined, re.I):
            hits = find_dates(joined[m.end() : m.end() + 90])
            if hits:
                meeting_date = hits[0][0]
                break
    if meeting_date is None:
        warnings.append("meeting date not found")
    time_ = place = None
    body = segment.body
    for t in texts:
        if time_ is None:
            tm = _TIME_RE.search(t)
            if tm:
                time_ = f"{tm.group(1)}–{tm.group(2)}"
            else:
                ts = _TIME_START_RE.search(t)
                time_ = ts.group(1) if ts else None
        pm = _PLACE_RE.match(t)
        if pm and place is None:
            place = pm.group("place").strip()
        if body is None:
            body = body_named(t)
    refs = header or []
    prov = _prov(doc, refs) if refs else provenance(doc, doc.pages[segment.page_start - 1])
    return MeetingInfo(
        provenance=prov, meeting_date=meeting_date, time=time_, place=place, body=body, warnings=warnings,
    )


def agenda_records(doc: DocumentText, segment: Segment, index: PersonIndex | None = None) -> list[Record]:
    refs = list(segment_lines(doc, segment))
    if not refs:
        return []
    header, items = parse_items(refs)
    info = meeting_info(doc, segment, header)
    records: list[Record] = [info]
    if not items:
        info.warnings.append("no numbered agenda items found")
        return records
    date_warning = [] if info.meeting_date else ["meeting date not found"]
    for it in items:
        title, kind, attachments = item_title(it.title_refs)
        body_text = join_lines([r.text for r in it.body_refs])
        for n in clean_title(body_text)[2] if "bilag" in body_text.lower() else []:
            if n not in attachments and re.search(rf"\(\s*bilag\w*[^)]*\b{n}\b", body_text, re.I):
                attachments.append(n)
        proposal, proposal_refs = proposal_of(it.body_refs)
        described = [r for r in it.body_refs if r not in proposal_refs]
        presenters = presenters_in(join_lines([r.text for r in described]), index)
        src = it.title_refs or it.body_refs
        prov = _prov(doc, src) if src else info.provenance
        warnings = list(it.warnings) + date_warning
        if not title:
            warnings.append("item title not found")
        records.append(
            AgendaItem(
                provenance=prov, meeting_date=info.meeting_date, item_number=it.number, title=title,
                item_kind=kind, presenters=presenters, attachments=attachments,
                proposed_decision=proposal, warnings=warnings,
            )
        )
        if proposal:
            records.append(
                Decision(
                    provenance=_prov(doc, proposal_refs), meeting_date=info.meeting_date, item_number=it.number,
                    decision_kind="forslag_till_beslut", text=proposal, warnings=list(date_warning),
                )
            )
    return records


_INFO_RE = re.compile(r"\binformation\b|\bf[oö]r\s+k[aä]nnedom\b|\binformerar\b", re.I)

_STREAM_PROPOSAL_RE = re.compile(r"\bf[oö]rslag\s+till\s+beslut\b\s*:?\s*", re.I)


def _stream_kind(item: StreamItem, proposal: str | None) -> str:
    if proposal:
        return "Beslut"
    if _INFO_RE.search(item.title) or re.match(r"\s*(?:muntlig\s+)?information\s+(?:av|fr[aå]n)\b", item.body, re.I):
        return "Information"
    return "other"


def stream_agenda_records(doc: DocumentText, segment: Segment, stream: TextStream, items: list[StreamItem],
                          meeting_date) -> list[Record]:
    records: list[Record] = []
    date_warning = [] if meeting_date else ["meeting date not found"]
    for it in items:
        proposal = None
        pm = _STREAM_PROPOSAL_RE.search(it.body)
        if pm:
            rest = it.body[pm.end():]
            stop = re.search(r"_{3,}|\n\s*(?:[ÄA]rendedokument|L[aä]s\s+dokument)\b", rest)
            proposal = join_lines(rest[: stop.start() if stop else 1500].split("\n")).strip() or None
        attachments = [n for n in clean_title(it.title)[2]]
        title = clean_title(it.title)[0] if attachments else it.title
        records.append(AgendaItem(
            provenance=stream.provenance(doc, *it.title_span), meeting_date=meeting_date, item_number=it.number,
            title=title, item_kind=_stream_kind(it, proposal), attachments=attachments,
            proposed_decision=proposal, warnings=list(it.warnings) + date_warning,
        ))
        if proposal:
            a = it.body_span[0] + pm.start()
            records.append(Decision(
                provenance=stream.provenance(doc, a, a + len(proposal)), meeting_date=meeting_date,
                item_number=it.number, decision_kind="forslag_till_beslut", text=proposal, warnings=list(date_warning),
            ))
    return records


@extractor
def extract_agenda(ctx: ExtractionContext, segment: Segment) -> list[Record]:
    """Items of an agenda wherever one is printed: a kallelse, or the agenda inside minutes."""
    stream = segment_stream(ctx.doc, segment)
    if not stream.text.strip():
        return []
    minutes = has_minutes_structure(stream.text)
    items = stream_items(stream, minutes)
    if not items:
        first = stream.lines[0].text.strip()
        if not minutes and len(first) < 60 and AGENDA_TITLE_RE.match(first):
            # Titled as an agenda, yet no item can be read: say so rather than stay silent.
            info = meeting_info(ctx.doc, segment, list(stream.lines[:8]))
            info.warnings.append("no numbered agenda items found")
            return [info]
        return []
    if not minutes and not any(it.label for it in items):
        # One item a line: the layout-aware parser reads presenters, kinds and number blocks.
        _, line_items = parse_items(list(stream.lines))
        if len(line_items) >= len(items):
            return agenda_records(ctx.doc, segment, ctx.persons)
    first = stream.refs(items[0].title_span[0], items[0].title_span[0] + 1)
    # The line of the first item is kept: flattened text prints the date on it.
    header = [r for r in stream.lines if first and (r.page.number, r.index) <= (first[0].page.number, first[0].index)]
    records: list[Record] = []
    meeting_date = segment.meeting_date
    if not minutes:  # minutes give their own MeetingInfo
        info = meeting_info(ctx.doc, segment, header)
        meeting_date = info.meeting_date
        records.append(info)
    return records + stream_agenda_records(ctx.doc, segment, stream, items, meeting_date)
