"""Typed records shared by every stage of the pipeline."""

from models.records import (
    RECORD_LIST_BY_TYPE,
    AgendaItem,
    Amount,
    Attendance,
    BudgetLine,
    Decision,
    DocType,
    Document,
    Flag,
    Goal,
    MeetingInfo,
    PageSummary,
    Paragraph,
    Party,
    ProcessingError,
    Provenance,
    Record,
    Records,
    Segment,
    Signatory,
    StageError,
    StatedFact,
)
from models.text import BBox, DocumentText, Line, Page, Word

__all__ = [
    "RECORD_LIST_BY_TYPE", "AgendaItem", "Amount", "Attendance", "BBox", "BudgetLine",
    "Decision", "DocType", "Document", "DocumentText", "Flag", "Goal", "Line", "MeetingInfo",
    "Page", "PageSummary", "Paragraph", "Party", "ProcessingError", "Provenance", "Record",
    "Records", "Segment", "Signatory", "StageError", "StatedFact", "Word",
]
