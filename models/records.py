"""The records finsam extracts, reconciles and writes.

Every record carries a `Provenance` (file, page, box, span, method, OCR confidence)
and a list of warnings: a record that was guessed or read from damaged text says
so, instead of looking certain. Money is `Decimal` whole SEK; dates are `date`.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from models.text import BBox, ReadMethod


class DocType(StrEnum):
    UPPDRAGSAVTAL = "uppdragsavtal"
    OVERENSKOMMELSE = "overenskommelse"
    FOREDRAGNINGSLISTA = "foredragningslista"
    PROTOKOLL = "protokoll"
    VERKSAMHETSPLAN = "verksamhetsplan"
    BUDGET = "budget"
    OTHER = "other"

    @property
    def swedish(self) -> str:
        """The word the kansli reads (report, any Swedish output): the one mapping, DOC_TYPE_SV."""
        return DOC_TYPE_SV[self]


# What each document type is called in Swedish output. Internal names stay ASCII.
DOC_TYPE_SV: dict[DocType, str] = {
    DocType.UPPDRAGSAVTAL: "Uppdragsavtal",
    DocType.OVERENSKOMMELSE: "Överenskommelse",
    DocType.FOREDRAGNINGSLISTA: "Föredragningslista",
    DocType.PROTOKOLL: "Protokoll",
    DocType.VERKSAMHETSPLAN: "Verksamhetsplan",
    DocType.BUDGET: "Budget",
    DocType.OTHER: "Övrigt",
}


class Provenance(BaseModel):
    doc_id: str
    file_name: str | None = None
    page: int | None = None  # 1-based
    bbox: BBox | None = None  # PDF points, where known
    char_start: int | None = None  # span in the page's cleaned text
    char_end: int | None = None
    method: ReadMethod
    ocr_confidence: float | None = None  # 0-100, for OCR'd text


class Record(BaseModel):
    """Common fields of every extracted record."""

    record_id: str = ""
    segment_id: str | None = None
    provenance: Provenance
    warnings: list[str] = Field(default_factory=list)

    def model_post_init(self, __context: Any) -> None:
        if not self.record_id:
            self.record_id = self.stable_id()

    def stable_id(self) -> str:
        """Deterministic id from kind, place and content: the same input gives the same id."""
        body = self.model_dump_json(exclude={"record_id", "warnings"})
        digest = hashlib.sha256(f"{type(self).__name__}|{body}".encode()).hexdigest()
        return f"{type(self).__name__.lower()}-{digest[:16]}"


class Segment(Record):
    """One document inside a file (a bundle holds several)."""

    doc_type: DocType
    title: str | None = None
    organisation: str | None = None  # förbund / kommun issuing the document
    body: str | None = None  # e.g. "Styrelsen"
    meeting_date: date | None = None
    document_date: date | None = None
    decision_date: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None  # None with valid_open_ended=True: "tillsvidare"
    valid_open_ended: bool = False
    diarienummer: str | None = None
    activity: str | None = None  # the verksamhet / programme an agreement concerns
    page_start: int
    page_end: int
    # A segment may start or end mid-page (bundles run documents on): the index into
    # Page.lines of its first line on page_start and of its last line on page_end.
    # None: from the top of page_start / to the bottom of page_end.
    line_start: int | None = None
    line_end: int | None = None
    classification_confidence: float | None = None
    # Why the segment got its type: "title: ...", "structure: Beslutande, justering, ...".
    classification_evidence: list[str] = Field(default_factory=list)


PartyType = Literal["kommun", "region", "statlig myndighet", "samordningsförbund", "other"]
PartyRole = Literal["part", "verksamhetsansvarig", "samarbetspart"]


class Party(Record):
    name: str  # as written
    canonical_name: str | None = None
    org_number: str | None = None  # NNNNNN-NNNN, only as stated in the document
    org_number_valid: bool | None = None
    party_type: PartyType = "other"
    role: PartyRole = "part"


class Signatory(Record):
    person_name: str
    title: str | None = None
    organisation: str | None = None
    canonical_organisation: str | None = None
    signed_date: date | None = None


AmountPer = Literal["total", "month", "year"]


class Amount(Record):
    amount_sek: Decimal  # whole SEK
    unit: str  # as printed: kr, tkr, mnkr, ...
    per: AmountPer = "total"
    is_maximum: bool = False
    year: int | None = None
    recipient: str | None = None
    context: str  # the sentence it stands in
    raw: str  # the figure as printed


class BudgetLine(Record):
    section: str | None = None
    label: str
    year: int
    amount_sek: Decimal | None = None  # None when the cell is unreadable
    is_total: bool = False
    raw: str | None = None
    share_percent: Decimal | None = None  # "Umeå kommun, 83,7% av arb-bef."
    # Set by the budget extractor from the table's header; None in records written before it was.
    scale: Literal[1, 1000, 1000000] | None = Field(
        None, description="SEK per printed unit of the table: 1 (kr), 1000 (tkr) or 1000000 (mnkr); "
        "amount_sek is the printed figure times scale.")


GoalType = Literal["övergripande mål", "effektmål", "strategiskt mål", "individmål", "indikator", "mål"]


class Goal(Record):
    goal_type: GoalType
    text: str
    target_value: Decimal | None = None
    target_unit: str | None = None
    heading: str | None = None  # the theme it stands under ("Ohälsa")


class AgendaItem(Record):
    meeting_date: date | None = None
    item_number: int
    title: str
    item_kind: str | None = None  # Beslut / Information / Diskussion / Information/diskussion / other
    presenters: list[str] = Field(default_factory=list)
    attachments: list[int] = Field(default_factory=list)
    proposed_decision: str | None = None


class Paragraph(Record):
    meeting_date: date | None = None
    paragraph_number: int
    title: str
    text: str = ""


DecisionKind = Literal["beslut", "forslag_till_beslut"]


class Decision(Record):
    meeting_date: date | None = None
    paragraph_number: int | None = None
    item_number: int | None = None
    decision_kind: DecisionKind
    text: str


AttendanceGroup = Literal["beslutande", "ersattare", "ovriga"]


class Attendance(Record):
    meeting_date: date | None = None
    person_name: str  # as written
    canonical_person_name: str | None = None
    organisation: str | None = None
    canonical_organisation: str | None = None
    role: str | None = None  # ordförande, vice ordförande, ledamot, ersättare, förbundschef, sekreterare, justerare, ...
    group: AttendanceGroup | None = None
    paragraphs: list[int] = Field(default_factory=list)  # the § attended, when limited


class MeetingInfo(Record):
    """Meeting-level facts of an agenda or minutes that are not per item."""

    meeting_date: date | None = None
    time: str | None = None
    place: str | None = None
    body: str | None = None
    justerare: list[str] = Field(default_factory=list)
    justeringsdatum: date | None = None
    anslag_uppsatt: date | None = None
    anslag_nedtaget: date | None = None


StatedFactKind = Literal[
    "board_members", "board_deputies", "deadline", "initiative", "carry_over",
    "valid_from", "valid_to", "decision_date",
]


class StatedFact(Record):
    """A document-level statement the reconciliation rules compare across documents:
    the board's stated size, a stated deadline, a numbered initiative, a claim that a
    figure is carried over, a validity date as written (even when out of order)."""

    kind: StatedFactKind
    value: str | None = None  # "9" (members), "2024" (deadline subject year), the initiative number
    fact_date: date | None = None
    year: int | None = None
    text: str  # the sentence it stands in


Severity = Literal["error", "warning", "info"]


class Flag(BaseModel):
    flag_id: str
    rule_id: str
    severity: Severity
    message: str  # Swedish, for the kansli
    doc_ids: list[str] = Field(default_factory=list)
    year: int | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)


class Records(BaseModel):
    """Everything extracted from one file, by kind."""

    segments: list[Segment] = Field(default_factory=list)
    meetings: list[MeetingInfo] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    signatories: list[Signatory] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    budget_lines: list[BudgetLine] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    agenda_items: list[AgendaItem] = Field(default_factory=list)
    paragraphs: list[Paragraph] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    attendance: list[Attendance] = Field(default_factory=list)
    facts: list[StatedFact] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in type(self).model_fields}

    def add(self, record: Record) -> None:
        kind = RECORD_LIST_BY_TYPE[type(record)]
        getattr(self, kind).append(record)


RECORD_LIST_BY_TYPE: dict[type, str] = {
    Segment: "segments",
    MeetingInfo: "meetings",
    Party: "parties",
    Signatory: "signatories",
    Amount: "amounts",
    BudgetLine: "budget_lines",
    Goal: "goals",
    AgendaItem: "agenda_items",
    Paragraph: "paragraphs",
    Decision: "decisions",
    Attendance: "attendance",
    StatedFact: "facts",
}


class PageSummary(BaseModel):
    """What the document JSON keeps of each page (full text, not word boxes)."""

    number: int
    method: ReadMethod
    width: float | None = None
    height: float | None = None
    ocr_confidence: float | None = None
    text_quality: float | None = None
    text: str
    raw_text: str
    warnings: list[str] = Field(default_factory=list)


DocumentStatus = Literal["ok", "partial", "failed"]
Stage = Literal["segment", "extract"]


class StageError(BaseModel):
    """A stage that failed on one document (or one segment of it): the rest was kept."""

    stage: Stage
    component: str  # "segment_document", or the extractor's name
    segment_id: str | None = None
    error_type: str  # the exception's class name
    message: str  # one line


class Document(BaseModel):
    """The whole record of one processed file: documents/<doc_id>.json.

    status: ok when every stage ran; partial when an extractor failed on a segment (its
    records from that segment are missing, the rest are there); failed when the text was
    read but could not be segmented (pages and text are kept, no records). A file that
    could not be read at all is a ProcessingError, not a Document.
    """

    doc_id: str
    file_name: str
    source_path: str  # where the file was processed from (the inbox, for ingested files)
    media_type: Literal["pdf", "docx", "txt"]
    file_size: int
    doc_type: DocType = DocType.OTHER  # the first (main) segment's type
    title: str | None = None
    organisation: str | None = None
    document_date: date | None = None
    page_count: int
    ocr_page_count: int = 0
    ocr_mean_confidence: float | None = None
    pipeline_version: str
    processed_at: datetime
    pages: list[PageSummary] = Field(default_factory=list)
    records: Records = Field(default_factory=Records)
    personnummer_masked: int = 0
    warnings: list[str] = Field(default_factory=list)
    status: DocumentStatus = "ok"
    stage_errors: list[StageError] = Field(default_factory=list)
    # Where the file is now, once an ingest cycle moved it to archive/<year>/ (None until then).
    archived_path: str | None = None

    @property
    def current_path(self) -> str:
        """Where the file is now: the archive once archived, else where it was processed from."""
        return self.archived_path or self.source_path


class ProcessingError(BaseModel):
    """A file that could not be processed: errors/<name>.json."""

    file_name: str
    source_path: str
    doc_id: str | None = None
    kind: str  # unreadable, encrypted, timeout, memory, too_many_pages, unsupported, ...
    message: str  # one line, English, for the CLI
    pipeline_version: str
    occurred_at: datetime
