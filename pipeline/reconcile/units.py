"""Units: one segment of one document with its records, what every reconciliation rule
compares. A bundle (agenda + plan in one file) is compared part by part."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from models import (
    AgendaItem, Amount, Attendance, BudgetLine, Decision, DocType, Document, MeetingInfo,
    Paragraph, Party, Provenance, Segment, Signatory, StatedFact,
)

AGREEMENT_TYPES = {DocType.OVERENSKOMMELSE, DocType.UPPDRAGSAVTAL, DocType.VERKSAMHETSPLAN}
PLAN_TYPES = {DocType.VERKSAMHETSPLAN, DocType.OVERENSKOMMELSE, DocType.BUDGET}


@dataclass
class Unit:
    doc: Document
    segment: Segment
    parties: list[Party] = field(default_factory=list)
    signatories: list[Signatory] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    budget_lines: list[BudgetLine] = field(default_factory=list)
    agenda_items: list[AgendaItem] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    meetings: list[MeetingInfo] = field(default_factory=list)
    facts: list[StatedFact] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.doc.doc_id

    @property
    def doc_type(self) -> DocType:
        return DocType(self.segment.doc_type)

    @property
    def label(self) -> str:
        """How the report names this part: file name, and the part's title in a bundle."""
        title = (self.segment.title or "").strip()
        return f"{self.doc.file_name} ({title[:60]})" if title else self.doc.file_name

    def fact(self, kind: str) -> StatedFact | None:
        return next((f for f in self.facts if f.kind == kind), None)

    @property
    def meeting_date(self) -> date | None:
        if self.segment.meeting_date:
            return self.segment.meeting_date
        for m in self.meetings:
            if m.meeting_date:
                return m.meeting_date
        dates = [r.meeting_date for r in [*self.agenda_items, *self.paragraphs] if r.meeting_date]
        return min(dates) if dates else None

    @property
    def valid_from(self) -> date | None:
        f = self.fact("valid_from")
        return self.segment.valid_from or (f.fact_date if f else None)

    @property
    def valid_to(self) -> date | None:
        f = self.fact("valid_to")
        return self.segment.valid_to or (f.fact_date if f else None)

    @property
    def budget_years(self) -> list[int]:
        return sorted({b.year for b in self.budget_lines})

    @property
    def plan_year(self) -> int | None:
        """The year a plan or agreement is for: its first budget year, else the middle of its
        validity, else a year in its title, else the year of its date."""
        if self.budget_years:
            return self.budget_years[0]  # a budget 2024-2026 is the plan for 2024
        if self.valid_from and self.valid_to and self.valid_to > self.valid_from:
            return (self.valid_from + (self.valid_to - self.valid_from) / 2).year  # "2023-12-01 - 2024-12-31" is 2024's
        if self.valid_from:
            return self.valid_from.year
        m = re.search(r"\b(20\d\d)\b", self.segment.title or "")
        if m:
            return int(m.group(1))
        d = self.segment.decision_date or self.segment.document_date or self.doc.document_date
        return d.year if d else None

    @property
    def organisation(self) -> str | None:
        """The förbund (or organisation) the part is from: its segment's, else its file's."""
        return self.segment.organisation or self.doc.organisation

    @property
    def body(self) -> str:
        for m in self.meetings:
            if m.body:
                return m.body
        return self.segment.body or "styrelsen"


_KINDS = ["parties", "signatories", "amounts", "budget_lines", "agenda_items", "paragraphs",
          "decisions", "attendance", "meetings", "facts"]


def units_of(doc: Document) -> list[Unit]:
    """The document's segments with their records (records without a known segment go to
    the first segment)."""
    segments = list(doc.records.segments)
    if not segments:
        segments = [Segment(segment_id=f"{doc.doc_id[:12]}-s0", provenance=_doc_provenance(doc),
                            doc_type=doc.doc_type, title=doc.title, page_start=1, page_end=max(doc.page_count, 1))]
    by_id = {s.segment_id: Unit(doc, s) for s in segments}
    first = by_id[segments[0].segment_id]
    for kind in _KINDS:
        for rec in getattr(doc.records, kind, []):
            unit = by_id.get(rec.segment_id or "", first)
            getattr(unit, kind).append(rec)
    return list(by_id.values())


def _doc_provenance(doc: Document) -> Provenance:
    return Provenance(doc_id=doc.doc_id, file_name=doc.file_name, page=1, method="text")


def all_units(documents: list[Document]) -> list[Unit]:
    return [u for d in documents for u in units_of(d)]
