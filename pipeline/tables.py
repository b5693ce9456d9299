"""Analyst outputs: one Parquet file per table and a DuckDB database of views over them.

After every batch, `rebuild_tables(out)` turns OUT/documents/*.json (plus OUT/errors/*.json
and the reconciliation flags in OUT/reconcile/flags.json) into OUT/tables/<table>.parquet
and writes OUT/finsam.duckdb with one VIEW per table.

The table definitions below are the schema promise made to analysts: every column has an
explicit Arrow type, so an empty table still has its columns and types, and the column
names do not drift when the record models grow. docs/schema.md is generated from them
(`python -m pipeline.schema_doc`).

Writing is crash-safe: every table goes to a temp file beside its target first, and only
when all of them were written completely are they renamed into place; a failure anywhere
leaves the previous versions untouched. Rebuilding streams the documents one at a time
and flushes rows in batches, so time and memory grow linearly with the corpus; unchanged
documents keep their rows from the previous tables (see `Manifest`), so a batch that adds
a few files parses only those.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from models.records import (
    AgendaItem,
    Amount,
    Attendance,
    BudgetLine,
    Decision,
    Document,
    Flag,
    Goal,
    MeetingInfo,
    PageSummary,
    Paragraph,
    Party,
    ProcessingError,
    Provenance,
    Segment,
    Signatory,
    StatedFact,
)

log = logging.getLogger(__name__)

TABLES_DIR = "tables"
DB_NAME = "finsam.duckdb"
FLAGS_PATH = Path("reconcile") / "flags.json"  # relative to OUT; written by the reconciliation stage
FLUSH_ROWS = 5_000  # rows buffered per table before they become a Parquet row group: bounds memory

# Arrow types used across tables.
STR = pa.string()
INT = pa.int32()
BIGINT = pa.int64()
FLOAT = pa.float64()
BOOL = pa.bool_()
DATE = pa.date32()
TIMESTAMP = pa.timestamp("us", tz="UTC")
SEK = pa.decimal128(18, 0)  # whole kronor
JSON = pa.json_(pa.string())  # JSON text; DuckDB reads it as the JSON type
STR_LIST = pa.list_(pa.string())
INT_LIST = pa.list_(pa.int32())
BBOX = pa.struct([("x0", FLOAT), ("top", FLOAT), ("x1", FLOAT), ("bottom", FLOAT)])

@dataclass(frozen=True)
class Column:
    """One column: its name, Arrow type, meaning, and where its value comes from.

    `source` is a dotted path into the JSON of the row's source object (a record, a page,
    a flag, ...) or, prefixed with `doc.`, into the document; or a function
    `(doc, item) -> value` for computed columns. `model` names the pydantic class whose
    field the path reads, so a renamed or removed field is caught by the tests.
    """

    name: str
    type: pa.DataType
    description: str
    source: str | Callable[[dict, dict], Any]
    model: type[BaseModel] | None = None

    @property
    def field_path(self) -> list[str] | None:
        if callable(self.source):
            return None
        parts = self.source.split(".")
        return parts[1:] if parts[0] == "doc" else parts

    @property
    def reads_document(self) -> bool:
        return isinstance(self.source, str) and self.source.startswith("doc.")

    @property
    def model_field(self) -> str | None:
        """`Class.field` this column reads, for the schema documentation."""
        path = self.field_path
        if path is None or self.model is None:
            return None
        if path[0] == "provenance" and len(path) > 1:
            return f"Provenance.{path[1]}"
        return f"{self.model.__name__}.{'.'.join(path)}"


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]
    rows: str  # where rows come from: "document", "pages", "records.<kind>", "flags", "errors"
    model: type[BaseModel] | None = None

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# --- column helpers ---------------------------------------------------------------------

def _doc_id() -> Column:
    return Column("doc_id", STR, "Document id: sha256 of the source file (documents/<doc_id>.json).",
                  "doc.doc_id", Document)


def _segment_id(model: type[BaseModel]) -> Column:
    return Column("segment_id", STR, "The segment (document inside the file) the record belongs to; "
                  "joins to segments.segment_id.", "segment_id", model)


def _provenance(model: type[BaseModel], *, with_page: bool = True) -> list[Column]:
    cols = [
        Column("record_id", STR, "Stable id of the record (same input, same id).", "record_id", model),
        Column("file_name", STR, "Source file name the record was read from.", "provenance.file_name", model),
    ]
    if with_page:
        cols.append(Column("page", INT, "1-based page the record was read from.", "provenance.page", model))
    cols += [
        Column("method", STR, "How the text was read: text (PDF text layer), ocr, docx or txt.",
               "provenance.method", model),
        Column("ocr_confidence", FLOAT, "Tesseract confidence 0-100 of the OCR'd text; null unless method is ocr.",
               "provenance.ocr_confidence", model),
        Column("char_start", INT, "Start of the record's span in the page's cleaned text.",
               "provenance.char_start", model),
        Column("char_end", INT, "End (exclusive) of the record's span in the page's cleaned text.",
               "provenance.char_end", model),
        Column("bbox", BBOX, "Box on the page in PDF points (x0, top, x1, bottom), where known.",
               "provenance.bbox", model),
        Column("warnings", STR_LIST, "Why the record may be wrong (guessed, damaged text, ...); empty when certain.",
               "warnings", model),
    ]
    return cols


def _page(model: type[BaseModel]) -> Column:
    return Column("page", INT, "1-based page the record was read from.", "provenance.page", model)


def _record_table(name: str, description: str, model: type[BaseModel], *columns: Column,
                  page_in_promise: bool = True) -> TableSpec:
    """doc_id, segment_id, the table's own columns, page, then the other provenance columns."""
    cols = [_doc_id(), _segment_id(model), *columns]
    if page_in_promise:
        cols.append(_page(model))
    cols += _provenance(model, with_page=not page_in_promise)
    return TableSpec(name, description, tuple(cols), rows=f"records.{name}", model=model)


def _len_of(key: str) -> Callable[[dict, dict], Any]:
    def count(doc: dict, item: dict) -> int:
        return len(item.get(key) or "")
    count.__doc__ = f"len({key})"
    return count


def _segment_count(doc: dict, item: dict) -> int:
    return len((doc.get("records") or {}).get("segments") or [])


def _same_as(doc: dict, item: dict) -> None:
    """across documents, after all rows are written (pipeline/identity.py)"""
    return None


# --- the tables ---------------------------------------------------------------------------

TABLES: tuple[TableSpec, ...] = (
    TableSpec("documents", "One row per processed file (documents/<doc_id>.json).", (
        Column("doc_id", STR, "Document id: sha256 of the source file.", "doc_id", Document),
        Column("file_name", STR, "File name as received.", "file_name", Document),
        Column("source_path", STR, "Path the file was processed from (the inbox path for ingested files).",
               "source_path", Document),
        Column("archived_path", STR, "Where the file is now when an ingest cycle archived it "
               "(archive/<year>/<name>); null otherwise.", "archived_path", Document),
        Column("doc_type", STR, "Type of the file's first (main) segment: uppdragsavtal, overenskommelse, "
               "foredragningslista, protokoll, verksamhetsplan, budget or other.", "doc_type", Document),
        Column("title", STR, "Title of the main segment.", "title", Document),
        Column("organisation", STR, "Förbund or kommun issuing the main segment.", "organisation", Document),
        Column("document_date", DATE, "Date of the main segment (document or meeting date).",
               "document_date", Document),
        Column("page_count", INT, "Pages in the file.", "page_count", Document),
        Column("ocr_page_count", INT, "Pages read by OCR.", "ocr_page_count", Document),
        Column("ocr_mean_confidence", FLOAT, "Mean Tesseract confidence (0-100) over the OCR'd pages; null without OCR.",
               "ocr_mean_confidence", Document),
        Column("pipeline_version", STR, "finsam version that wrote the record.", "pipeline_version", Document),
        Column("processed_at", TIMESTAMP, "When the file was processed (UTC).", "processed_at", Document),
        Column("media_type", STR, "pdf, docx or txt.", "media_type", Document),
        Column("file_size", BIGINT, "Size of the source file in bytes.", "file_size", Document),
        Column("segment_count", INT, "Segments (documents) found in the file.", _segment_count),
        Column("personnummer_masked", INT, "Personal identity numbers masked in the text.",
               "personnummer_masked", Document),
        Column("warnings", STR_LIST, "Document-level warnings.", "warnings", Document),
        Column("status", STR, "ok; partial (an extractor failed on a segment: its records there are missing); "
               "failed (read, but not segmented: text kept, no records).", "status", Document),
        Column("same_as", STR, "doc_id of the canonical file when this file is the same document (same type, "
               "organisation and date, near-identical text: e.g. a PDF and its later scan); null for canonical "
               "files. The default views leave such copies out; `<table>_all` views keep them.", _same_as),
    ), rows="document", model=Document),

    TableSpec("pages", "One row per page of every processed file, with how it was read.", (
        _doc_id(),
        Column("file_name", STR, "File name as received.", "doc.file_name", Document),
        Column("page", INT, "1-based page number.", "number", PageSummary),
        Column("method", STR, "How the page was read: text, ocr, docx or txt.", "method", PageSummary),
        Column("ocr_confidence", FLOAT, "Tesseract confidence 0-100; null unless method is ocr.",
               "ocr_confidence", PageSummary),
        Column("text_quality", FLOAT, "Share of the text that looks like real words (0-1).",
               "text_quality", PageSummary),
        Column("width", FLOAT, "Page width in PDF points.", "width", PageSummary),
        Column("height", FLOAT, "Page height in PDF points.", "height", PageSummary),
        Column("char_count", INT, "Characters of cleaned text on the page.", _len_of("text")),
        Column("text", STR, "Cleaned text of the page.", "text", PageSummary),
        Column("warnings", STR_LIST, "Page-level warnings.", "warnings", PageSummary),
    ), rows="pages", model=PageSummary),

    _record_table(
        "segments", "One row per document inside a file (a bundle holds several).", Segment,
        Column("doc_type", STR, "uppdragsavtal, overenskommelse, foredragningslista, protokoll, "
               "verksamhetsplan, budget or other.", "doc_type", Segment),
        Column("title", STR, "Title of the segment.", "title", Segment),
        Column("organisation", STR, "Förbund or kommun issuing the segment.", "organisation", Segment),
        Column("meeting_date", DATE, "Meeting date of an agenda or minutes.", "meeting_date", Segment),
        Column("document_date", DATE, "Date the document carries.", "document_date", Segment),
        Column("valid_from", DATE, "Start of an agreement's or plan's period.", "valid_from", Segment),
        Column("valid_to", DATE, "End of the period; null when open-ended (see valid_open_ended).",
               "valid_to", Segment),
        Column("page_start", INT, "First page of the segment in the file.", "page_start", Segment),
        Column("page_end", INT, "Last page of the segment in the file.", "page_end", Segment),
        Column("body", STR, "Issuing body, e.g. Styrelsen.", "body", Segment),
        Column("decision_date", DATE, "Date of the decision adopting the document.", "decision_date", Segment),
        Column("valid_open_ended", BOOL, "True for 'tillsvidare' (no end date).", "valid_open_ended", Segment),
        Column("diarienummer", STR, "Registration number as printed.", "diarienummer", Segment),
        Column("activity", STR, "The verksamhet / programme an agreement concerns.", "activity", Segment),
        Column("classification_confidence", FLOAT, "Confidence of the doc_type classification (0-1).",
               "classification_confidence", Segment),
        Column("classification_evidence", STR_LIST, "Why the segment got its type (title, structure).",
               "classification_evidence", Segment),
        page_in_promise=False,
    ),

    _record_table(
        "meetings", "Meeting-level facts of an agenda or minutes (time, place, justering, anslag).", MeetingInfo,
        Column("meeting_date", DATE, "Date of the meeting.", "meeting_date", MeetingInfo),
        Column("time", STR, "Time as printed.", "time", MeetingInfo),
        Column("place", STR, "Place as printed.", "place", MeetingInfo),
        Column("body", STR, "Meeting body, e.g. Styrelsen.", "body", MeetingInfo),
        Column("justerare", STR_LIST, "People appointed to check the minutes.", "justerare", MeetingInfo),
        Column("justeringsdatum", DATE, "Date the minutes were checked.", "justeringsdatum", MeetingInfo),
        Column("anslag_uppsatt", DATE, "Date the notice was posted.", "anslag_uppsatt", MeetingInfo),
        Column("anslag_nedtaget", DATE, "Date the notice was taken down.", "anslag_nedtaget", MeetingInfo),
    ),

    _record_table(
        "parties", "Parties to agreements (kommuner, regioner, myndigheter, förbund).", Party,
        Column("name", STR, "Name as written.", "name", Party),
        Column("canonical_name", STR, "Name matched to the gazetteer; null when not matched.", "canonical_name", Party),
        Column("org_number", STR, "Organisation number NNNNNN-NNNN as stated in the document.", "org_number", Party),
        Column("org_number_valid", BOOL, "Whether org_number passes the Luhn check; null without a number.",
               "org_number_valid", Party),
        Column("role", STR, "part, verksamhetsansvarig or samarbetspart.", "role", Party),
        Column("party_type", STR, "kommun, region, statlig myndighet, samordningsförbund or other.",
               "party_type", Party),
    ),

    _record_table(
        "signatories", "People signing a document.", Signatory,
        Column("person_name", STR, "Name as written.", "person_name", Signatory),
        Column("title", STR, "Title as written (ordförande, förbundschef, ...).", "title", Signatory),
        Column("organisation", STR, "Organisation signed for, as written.", "organisation", Signatory),
        Column("canonical_organisation", STR, "Organisation matched to the gazetteer.",
               "canonical_organisation", Signatory),
        Column("signed_date", DATE, "Date next to the signature.", "signed_date", Signatory),
    ),

    _record_table(
        "amounts", "Money amounts stated in running text.", Amount,
        Column("amount_sek", SEK, "Amount in whole kronor (tkr and mnkr multiplied out).", "amount_sek", Amount),
        Column("unit", STR, "Unit as printed: kr, tkr, mnkr, ...", "unit", Amount),
        Column("per", STR, "total, month or year.", "per", Amount),
        Column("year", INT, "Year the amount concerns, where stated.", "year", Amount),
        Column("context", STR, "The sentence the amount stands in.", "context", Amount),
        Column("is_maximum", BOOL, "True for a ceiling ('högst', 'maximalt').", "is_maximum", Amount),
        Column("recipient", STR, "Who receives the money, where stated.", "recipient", Amount),
        Column("raw", STR, "The figure as printed.", "raw", Amount),
    ),

    _record_table(
        "budget_lines", "Rows of budget tables.", BudgetLine,
        Column("section", STR, "Section of the budget table (Intäkter, Kostnader, ...).", "section", BudgetLine),
        Column("label", STR, "Row label as printed.", "label", BudgetLine),
        Column("year", INT, "Budget year of the column.", "year", BudgetLine),
        Column("amount_sek", SEK, "Amount in whole kronor; null when the cell is unreadable.", "amount_sek", BudgetLine),
        Column("is_total", BOOL, "True for sum rows (Summa, Totalt).", "is_total", BudgetLine),
        Column("raw", STR, "The cell as printed.", "raw", BudgetLine),
        Column("share_percent", FLOAT, "Share in percent where the row states one ('83,7% av arb-bef.').",
               "share_percent", BudgetLine),
    ),

    _record_table(
        "goals", "Goals and indicators of plans and agreements.", Goal,
        Column("goal_type", STR, "övergripande mål, effektmål, strategiskt mål, individmål, indikator or mål.",
               "goal_type", Goal),
        Column("text", STR, "The goal as written.", "text", Goal),
        Column("target_value", FLOAT, "Numeric target, where stated.", "target_value", Goal),
        Column("target_unit", STR, "Unit of the target (%, personer, ...).", "target_unit", Goal),
        Column("heading", STR, "Theme the goal stands under.", "heading", Goal),
    ),

    _record_table(
        "agenda_items", "Items of agendas (föredragningslistor).", AgendaItem,
        Column("meeting_date", DATE, "Date of the meeting.", "meeting_date", AgendaItem),
        Column("item_number", INT, "Item number on the agenda.", "item_number", AgendaItem),
        Column("title", STR, "Item title.", "title", AgendaItem),
        Column("item_kind", STR, "Beslut, Information, Diskussion, Information/diskussion or other.",
               "item_kind", AgendaItem),
        Column("presenters", STR_LIST, "Who presents the item.", "presenters", AgendaItem),
        Column("attachments", INT_LIST, "Numbers of the attachments (bilagor) referred to.", "attachments", AgendaItem),
        Column("proposed_decision", STR, "Proposed decision text.", "proposed_decision", AgendaItem),
    ),

    _record_table(
        "paragraphs", "Paragraphs (§) of minutes.", Paragraph,
        Column("meeting_date", DATE, "Date of the meeting.", "meeting_date", Paragraph),
        Column("paragraph_number", INT, "Paragraph number (§).", "paragraph_number", Paragraph),
        Column("title", STR, "Paragraph title.", "title", Paragraph),
        Column("text", STR, "Paragraph text.", "text", Paragraph),
    ),

    _record_table(
        "decisions", "Decisions in minutes and proposed decisions in agendas.", Decision,
        Column("meeting_date", DATE, "Date of the meeting.", "meeting_date", Decision),
        Column("paragraph_number", INT, "Paragraph (§) of the decision in minutes.", "paragraph_number", Decision),
        Column("item_number", INT, "Agenda item of a proposed decision.", "item_number", Decision),
        Column("decision_kind", STR, "beslut or forslag_till_beslut.", "decision_kind", Decision),
        Column("text", STR, "Decision text.", "text", Decision),
    ),

    _record_table(
        "attendance", "People present at meetings.", Attendance,
        Column("meeting_date", DATE, "Date of the meeting.", "meeting_date", Attendance),
        Column("person_name", STR, "Name as written.", "person_name", Attendance),
        Column("organisation", STR, "Organisation represented, as written.", "organisation", Attendance),
        Column("role", STR, "ordförande, vice ordförande, ledamot, ersättare, förbundschef, sekreterare, "
               "justerare, ...", "role", Attendance),
        Column("paragraphs", INT_LIST, "The paragraphs (§) attended, when attendance was limited; "
               "empty means the whole meeting.", "paragraphs", Attendance),
        Column("canonical_person_name", STR, "Name matched across documents.", "canonical_person_name", Attendance),
        Column("canonical_organisation", STR, "Organisation matched to the gazetteer.",
               "canonical_organisation", Attendance),
        Column("attendance_group", STR, "beslutande, ersattare or ovriga (model field Attendance.group; "
               "renamed because GROUP is an SQL keyword).", "group", Attendance),
    ),

    _record_table(
        "facts", "Document-level statements the reconciliation rules compare across documents "
        "(board size, deadlines, numbered initiatives, carry-over claims, validity dates as written).", StatedFact,
        Column("kind", STR, "board_members, board_deputies, deadline, initiative, carry_over, valid_from, "
               "valid_to or decision_date.", "kind", StatedFact),
        Column("value", STR, "The stated value as text: '9' (members), '2024' (deadline year), the initiative "
               "number, ...", "value", StatedFact),
        Column("fact_date", DATE, "The date stated, for date kinds.", "fact_date", StatedFact),
        Column("year", INT, "Year the statement concerns.", "year", StatedFact),
        Column("text", STR, "The sentence it stands in.", "text", StatedFact),
    ),

    TableSpec("flags", f"Reconciliation findings across documents (read from OUT/{FLAGS_PATH.as_posix()}).", (
        Column("flag_id", STR, "Stable id of the finding.", "flag_id", Flag),
        Column("rule_id", STR, "The reconciliation rule that fired.", "rule_id", Flag),
        Column("severity", STR, "error, warning or info.", "severity", Flag),
        Column("message", STR, "What is wrong, in Swedish, for the kansli.", "message", Flag),
        Column("doc_ids", STR_LIST, "Documents involved; join to documents.doc_id.", "doc_ids", Flag),
        Column("year", INT, "Year the finding concerns.", "year", Flag),
        Column("evidence", JSON, "The records and values behind the finding, as JSON text.", "evidence", Flag),
    ), rows="flags", model=Flag),

    TableSpec("errors", "Files that could not be processed (OUT/errors/*.json).", (
        Column("file_name", STR, "File name as received.", "file_name", ProcessingError),
        Column("source_path", STR, "Path the file was processed from.", "source_path", ProcessingError),
        Column("doc_id", STR, "Document id, when the file could be hashed.", "doc_id", ProcessingError),
        Column("kind", STR, "unreadable, encrypted, timeout, memory, too_many_pages, unsupported, ...",
               "kind", ProcessingError),
        Column("message", STR, "One-line explanation.", "message", ProcessingError),
        Column("pipeline_version", STR, "finsam version that tried.", "pipeline_version", ProcessingError),
        Column("occurred_at", TIMESTAMP, "When it failed (UTC).", "occurred_at", ProcessingError),
    ), rows="errors", model=ProcessingError),
)

TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}
# The tables whose rows come from documents/*.json (cached per document).
DOCUMENT_TABLES: tuple[TableSpec, ...] = tuple(t for t in TABLES if t.rows not in ("flags", "errors"))


# --- value conversion -----------------------------------------------------------------

def _field_default(col: Column) -> Any:
    """The model's default for a field missing from an older JSON file (None if required)."""
    path = col.field_path
    model = col.model
    if path is None or model is None:
        return None
    if path[0] == "provenance" and len(path) > 1:
        model, name = Provenance, path[1]
    else:
        name = path[0]
    info = model.model_fields.get(name)
    if info is None or info.is_required():
        return None
    return info.get_default(call_default_factory=True)


def _to_date(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _to_timestamp(v: Any) -> datetime | None:
    if v is None or isinstance(v, datetime):
        return v
    try:
        return datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        return None


def _to_sek(v: Any) -> Decimal | None:
    """Whole kronor: the models promise whole SEK; a stray fraction is rounded, not refused."""
    if v is None:
        return None
    try:
        return Decimal(str(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


def _to_float(v: Any) -> float | None:
    return None if v is None else float(v)


def _to_json(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


# Per-value conversions done while rows are made (dates and timestamps stay ISO text and
# are cast a whole column at a time in `rows_to_batch`, which is much faster).
_ROW_CONVERTERS: dict[pa.DataType, Callable[[Any], Any]] = {SEK: _to_sek, FLOAT: _to_float, JSON: _to_json}
_COLUMN_FALLBACK: dict[pa.DataType, Callable[[Any], Any]] = {DATE: _to_date, TIMESTAMP: _to_timestamp}


def _compile_rows(spec: TableSpec) -> Callable[[dict, list[dict]], list[tuple]]:
    """A function (doc, items) -> row tuples for one table, generated from its columns.

    Generated code instead of a loop over column getters: a rebuild touches every value
    of every document, and this keeps it close to the cost of parsing the JSON.
    """
    env: dict[str, Any] = {"EMPTY": {}}
    exprs = []
    for i, col in enumerate(spec.columns):
        if callable(col.source):
            env[f"f{i}"] = col.source
            expr = f"f{i}(doc, item)"
        else:
            base = "doc" if col.reads_document else "item"
            path = col.field_path or []
            env[f"d{i}"] = _field_default(col)
            expr = base
            for key in path[:-1]:
                expr = f"({expr}.get({key!r}) or EMPTY)"
            expr = f"{expr}.get({path[-1]!r}, d{i})"
        conv = _ROW_CONVERTERS.get(col.type)
        if conv is not None:
            env[f"c{i}"] = conv
            expr = f"c{i}({expr})"
        exprs.append(expr)
    body = ", ".join(exprs)
    code = f"def rows(doc, items):\n    return [({body},) for item in items]\n"
    exec(compile(code, f"<rows of {spec.name}>", "exec"), env)  # noqa: S102 - code built from our own specs
    return env["rows"]


_ROWS: dict[str, Callable[[dict, list[dict]], list[tuple]]] = {t.name: _compile_rows(t) for t in TABLES}


def _items(spec: TableSpec, doc: dict) -> list[dict]:
    if spec.rows == "document":
        return [doc]
    if spec.rows == "pages":
        return doc.get("pages") or []
    kind = spec.rows.split(".", 1)[1]
    return (doc.get("records") or {}).get(kind) or []


def document_rows(doc: dict) -> dict[str, list[tuple]]:
    """The rows one document JSON contributes to each document table, as tuples in column order."""
    return {spec.name: _ROWS[spec.name](doc, _items(spec, doc)) for spec in DOCUMENT_TABLES}


def _plain_rows(spec: TableSpec, items: list[dict]) -> list[tuple]:
    return _ROWS[spec.name]({}, items)


def _column_array(col: Column, values: list | tuple) -> pa.Array:
    if col.type in _COLUMN_FALLBACK:
        if not any(isinstance(v, str) for v in values):
            return pa.array([_COLUMN_FALLBACK[col.type](v) for v in values], type=col.type)
        try:
            return pa.array(values, type=STR).cast(col.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            # Some value is not plain ISO text: convert one by one (unreadable ones become null).
            return pa.array([_COLUMN_FALLBACK[col.type](v) for v in values], type=col.type)
    if isinstance(col.type, pa.BaseExtensionType):
        return pa.ExtensionArray.from_storage(col.type, pa.array(values, type=col.type.storage_type))
    return pa.array(values, type=col.type)


def rows_to_batch(spec: TableSpec, rows: list[tuple]) -> pa.RecordBatch:
    columns = list(zip(*rows)) if rows else [[] for _ in spec.columns]
    arrays = [_column_array(col, values) for col, values in zip(spec.columns, columns)]
    return pa.RecordBatch.from_arrays(arrays, schema=spec.schema)


# --- atomic writing -------------------------------------------------------------------

def tables_dir(out: Path) -> Path:
    return out / TABLES_DIR


def table_path(out: Path, name: str) -> Path:
    return tables_dir(out) / f"{name}.parquet"


DUCKDB_STORAGE_VERSION = "v1.0.0"


def db_path(out: Path) -> Path:
    return out / DB_NAME


def flags_path(out: Path) -> Path:
    return out / FLAGS_PATH


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync_file(path)
    except OSError:  # some file systems refuse to fsync a directory
        pass


class _TableWriter:
    """Streams record batches of one table into a temp Parquet file beside its target."""

    def __init__(self, spec: TableSpec, target: Path) -> None:
        self.spec = spec
        self.target = target
        self.tmp = _tmp_name(target)
        self.rows = 0
        self._buffer: list[tuple] = []
        self._writer = pq.ParquetWriter(self.tmp, spec.schema, compression="zstd")

    def add(self, rows: list[tuple]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= FLUSH_ROWS:
            self.flush()

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Append ready-made rows (already in this table's schema) after the buffered ones."""
        self.flush()
        self._writer.write_batch(batch.cast(self.spec.schema) if not batch.schema.equals(self.spec.schema) else batch)
        self.rows += batch.num_rows

    def flush(self) -> None:
        if self._buffer:
            self._writer.write_batch(rows_to_batch(self.spec, self._buffer))
            self.rows += len(self._buffer)
            self._buffer = []

    def close(self) -> None:
        self.flush()
        if self.rows == 0:  # an empty table still has its schema (and one empty row group)
            self._writer.write_table(self.spec.schema.empty_table())
        self._writer.close()
        _fsync_file(self.tmp)

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # noqa: BLE001 - already failing; the temp file goes anyway
            pass
        self.tmp.unlink(missing_ok=True)


@contextmanager
def _rebuild_lock(out: Path) -> Iterator[None]:
    """One rebuild at a time per output folder (a batch and a manual `finsam tables --rebuild`)."""
    from pipeline.locking import open_lock_file  # noqa: PLC0415

    tables_dir(out).mkdir(parents=True, exist_ok=True)
    fd = open_lock_file(tables_dir(out) / ".lock")  # never through a link planted there
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _remove_stale_temps(directory: Path, pattern: str) -> None:
    for tmp in directory.glob(pattern):
        tmp.unlink(missing_ok=True)


# --- incremental rebuilds ----------------------------------------------------------------

class Manifest:
    """Which document files the current tables were built from, to reuse their rows.

    OUT/tables/.manifest.json maps each documents/<doc_id>.json to the (mtime_ns, size) it
    had when its rows went into the tables. On the next rebuild the rows of every file
    with the same key are copied from the previous Parquet files (filtered by doc_id, a
    columnar read) instead of parsing its JSON again; only new and changed files are
    parsed. The manifest is tied to a fingerprint of the table schemas and the pipeline
    version, so any change of either means a full rebuild. Deleting it is always safe.
    """

    def __init__(self, out: Path) -> None:
        self.path = tables_dir(out) / ".manifest.json"
        self.out = out

    @staticmethod
    def fingerprint() -> str:
        import hashlib

        from pipeline import PIPELINE_VERSION
        text = PIPELINE_VERSION + "|" + "|".join(
            f"{t.name}:{t.schema.to_string(show_schema_metadata=False)}" for t in DOCUMENT_TABLES)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def load(self) -> dict[str, tuple[int, int]]:
        """doc_id -> (mtime_ns, size) whose rows the current tables hold; {} when unusable."""
        try:
            data = orjson.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("fingerprint") != self.fingerprint():
            return {}
        for spec in DOCUMENT_TABLES:
            try:
                if not pq.read_schema(table_path(self.out, spec.name)).equals(spec.schema):
                    return {}
            except (OSError, pa.ArrowException):
                return {}
        return {k: (v[0], v[1]) for k, v in data.get("documents", {}).items()}

    def save(self, keys: dict[str, tuple[int, int]]) -> None:
        from pipeline.store import write_atomic
        data = {"fingerprint": self.fingerprint(), "documents": {k: list(v) for k, v in sorted(keys.items())}}
        write_atomic(self.path, orjson.dumps(data))

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


# --- rebuilding -----------------------------------------------------------------------

@dataclass
class TablesResult:
    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    documents: int = 0  # document JSON files behind the tables
    parsed: int = 0  # of which read and parsed this time (the others' rows were reused)
    reused: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason) of unreadable JSON
    flags_source: Path | None = None
    seconds: float = 0.0
    db: Path | None = None


def _load_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def _read_flags(out: Path, result: TablesResult) -> list[dict]:
    path = flags_path(out)
    if not path.exists():
        return []
    try:
        data = _load_json(path)
    except (OSError, ValueError) as exc:
        result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
        return []
    if isinstance(data, dict):  # tolerate {"flags": [...]}
        data = data.get("flags", [])
    result.flags_source = path
    return [f for f in data if isinstance(f, dict)]


def _read_errors(out: Path, result: TablesResult) -> list[dict]:
    items = []
    for path in sorted((out / "errors").glob("*.json")):
        try:
            items.append(_load_json(path))
        except (OSError, ValueError) as exc:
            result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
    return items


def _document_files(out: Path) -> list[tuple[Path, tuple[int, int]]]:
    files = []
    with os.scandir(out / "documents") if (out / "documents").is_dir() else _empty_scandir() as entries:
        for entry in entries:
            if not entry.name.endswith(".json") or entry.name.startswith("."):
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:  # removed while listing
                continue
            files.append((Path(entry.path), (st.st_mtime_ns, st.st_size)))
    files.sort()
    return files


@contextmanager
def _empty_scandir() -> Iterator[list]:
    yield []


class _PreviousTablesUnreadable(Exception):
    """The previous Parquet files (whose rows an incremental rebuild reuses) cannot be read."""


def rebuild_tables(out: Path, *, incremental: bool = True) -> TablesResult:
    """Rebuild OUT/tables/*.parquet and OUT/finsam.duckdb from the JSON records under OUT.

    incremental=False parses every document JSON again (the result is the same; the row
    order may differ). When the previous tables cannot be read (a scrambled Parquet file),
    an incremental rebuild becomes a full one, with one log line.

    The tables hold page text, so they are never readable by more people than the records
    they come from: the rebuild runs under `umask_not_wider_than` the documents folder
    (created under the narrowed umask of the run that processed the inputs) and the
    existing tables folder, whoever calls it (`finsam process`, `finsam tables --rebuild`,
    the flows).
    """
    from pipeline.permissions import umask_not_wider_than  # noqa: PLC0415

    out = Path(out)
    sources = [p for p in (out / "documents", tables_dir(out)) if p.is_dir()] or [out]
    with umask_not_wider_than(sources):
        if incremental:
            try:
                return _rebuild_tables(out, incremental=True)
            except _PreviousTablesUnreadable as exc:
                log.warning("tables: the previous tables cannot be read (%s); rebuilding them all", exc)
        return _rebuild_tables(out, incremental=False)


def _rebuild_tables(out: Path, *, incremental: bool) -> TablesResult:
    start = time.perf_counter()
    result = TablesResult(out=out)
    with _rebuild_lock(out):
        tdir = tables_dir(out)
        _remove_stale_temps(tdir, ".*.tmp")
        manifest = Manifest(out)
        previous = manifest.load() if incremental else {}
        files = _document_files(out)
        result.documents = len(files)

        # Nothing changed among the documents: their tables stay as they are (only flags
        # and errors, which come from elsewhere, are rewritten).
        unchanged = bool(previous) and previous == {path.stem: key for path, key in files}
        specs = [t for t in TABLES if t not in DOCUMENT_TABLES] if unchanged else list(TABLES)
        writers: dict[str, _TableWriter] = {}
        try:
            for spec in specs:
                writers[spec.name] = _TableWriter(spec, table_path(out, spec.name))
            if unchanged:
                keys = previous
                result.reused = len(files)
                for spec in DOCUMENT_TABLES:
                    try:
                        result.rows[spec.name] = pq.read_metadata(table_path(out, spec.name)).num_rows
                    except (OSError, pa.ArrowException) as exc:
                        raise _PreviousTablesUnreadable(f"{spec.name}: {exc}") from exc
            else:
                keys = _stream_documents(out, files, previous, writers, result)
            writers["flags"].add(_plain_rows(TABLES_BY_NAME["flags"], _read_flags(out, result)))
            writers["errors"].add(_plain_rows(TABLES_BY_NAME["errors"], _read_errors(out, result)))
            for w in writers.values():
                w.close()
            if not unchanged:
                _mark_same_documents(writers["documents"], writers["pages"].tmp)
        except BaseException:
            for w in writers.values():
                w.abort()
            raise
        # Every file is complete: only now replace the previous versions. The manifest goes
        # first, so a crash between the renames can only cost reuse, never correctness.
        if not unchanged:
            manifest.discard()
        for name, w in writers.items():
            os.replace(w.tmp, w.target)
            result.rows[name] = w.rows
        _fsync_dir(tdir)
        if not unchanged:
            manifest.save(keys)
        result.rows = {t.name: result.rows[t.name] for t in TABLES}
        result.db = write_duckdb(out)
    result.seconds = time.perf_counter() - start
    for name, reason in result.skipped:
        log.warning("tables: skipped %s: %s", name, reason)
    return result


def _stream_documents(out: Path, files: list[tuple[Path, tuple[int, int]]], previous: dict[str, tuple[int, int]],
                      writers: dict[str, _TableWriter], result: TablesResult) -> dict[str, tuple[int, int]]:
    """Feed every document's rows to the writers: reused when the file is unchanged, else parsed.

    Returns the manifest of the new tables: doc_id -> key of the file its rows came from.
    Only files named after their own doc_id enter it (reuse filters rows by doc_id).
    """
    reuse = {path.stem for path, key in files if previous.get(path.stem) == key}
    keys: dict[str, tuple[int, int]] = {stem: previous[stem] for stem in reuse}
    if reuse:
        for spec in DOCUMENT_TABLES:
            try:
                _copy_previous_rows(table_path(out, spec.name), reuse, writers[spec.name])
            except (OSError, pa.ArrowException) as exc:
                raise _PreviousTablesUnreadable(f"{spec.name}: {' '.join(str(exc).split())[:200]}") from exc
        result.reused = len(reuse)
    for path, key in files:
        if path.stem in reuse:
            continue
        try:
            doc = _load_json(path)
            rows = document_rows(doc)
        except FileNotFoundError:  # removed since listing
            continue
        except ValueError as exc:  # not JSON (cut short, scrambled): set aside, processed again next run
            from pipeline.store import set_aside  # noqa: PLC0415

            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            set_aside(out, path, reason)
            result.skipped.append((str(path), reason))
            continue
        except (OSError, TypeError, AttributeError, KeyError) as exc:
            result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
            continue
        result.parsed += 1
        if isinstance(doc, dict) and doc.get("doc_id") == path.stem:
            keys[path.stem] = key
        for name, table_rows in rows.items():
            writers[name].add(table_rows)
    return keys


def _copy_previous_rows(path: Path, reuse: set[str], writer: _TableWriter) -> None:
    """Stream the rows of the reused documents from the previous table into the new one."""
    import pyarrow.compute as pc

    keep = pa.array(sorted(reuse), type=STR)
    for batch in pq.ParquetFile(path).iter_batches(batch_size=FLUSH_ROWS):
        kept = batch.filter(pc.is_in(batch.column("doc_id"), value_set=keep))
        if kept.num_rows:
            writer.write_batch(kept)


def _mark_same_documents(documents: _TableWriter, pages: Path) -> None:
    """Fill documents.same_as in the finished temp file: copies of the same document."""
    import pyarrow.compute as pc

    from pipeline.identity import Candidate, candidate_keys, same_as

    docs = pq.read_table(documents.tmp)
    if docs.num_rows < 2:
        return
    meta = docs.select(["doc_id", "doc_type", "organisation", "document_date", "ocr_page_count",
                        "processed_at"]).to_pylist()
    wanted = candidate_keys(meta)
    texts: dict[str, list[str]] = defaultdict(list)
    if wanted:
        keep = pa.array(sorted(wanted), type=STR)
        for batch in pq.ParquetFile(pages).iter_batches(batch_size=FLUSH_ROWS, columns=["doc_id", "page", "text"]):
            batch = batch.filter(pc.is_in(batch.column("doc_id"), value_set=keep))
            for row in sorted(batch.to_pylist(), key=lambda r: (r["doc_id"], r["page"] or 0)):
                texts[row["doc_id"]].append(row["text"] or "")
    copies = same_as([Candidate(text="\n".join(texts.get(m["doc_id"], [])), **m) for m in meta
                      if m["doc_id"] in wanted])
    column = pa.array([copies.get(d) for d in docs.column("doc_id").to_pylist()], type=STR)
    docs = docs.set_column(docs.schema.get_field_index("same_as"), "same_as", column)
    pq.write_table(docs, documents.tmp, compression="zstd")
    _fsync_file(documents.tmp)


# --- DuckDB ---------------------------------------------------------------------------

def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def view_sql(name: str, parquet: Path, documents: Path | None = None) -> str:
    """A view over one Parquet file; with `documents`, leaving out the rows of files that are
    copies of another (documents.same_as set), so each document counts once."""
    src = f"read_parquet({_sql_str(str(parquet))})"
    where = ""
    if documents is not None:
        where = (f" WHERE doc_id NOT IN (SELECT doc_id FROM read_parquet({_sql_str(str(documents))})"
                 " WHERE same_as IS NOT NULL)")
    return f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM {src}{where}'


ALL_SUFFIX = "_all"  # <table>_all: every row, copies of the same document included


def create_views(con, out: Path) -> list[str]:
    """Create the views over the existing table files on a DuckDB connection; returns their names.

    Each document table gets two: `<table>` counts each document once (rows of files marked
    `same_as` another are left out) and `<table>_all` keeps every file's rows.
    """
    names = []
    docs = table_path(out, "documents").resolve()
    dedup = docs.exists() and "same_as" in pq.read_schema(docs).names
    for spec in TABLES:
        path = table_path(out, spec.name).resolve()
        if not path.exists():
            continue
        if spec in DOCUMENT_TABLES:
            con.execute(view_sql(spec.name, path, docs if dedup else None))
            con.execute(view_sql(spec.name + ALL_SUFFIX, path))
            names += [spec.name, spec.name + ALL_SUFFIX]
        else:
            con.execute(view_sql(spec.name, path))
            names.append(spec.name)
    return names


def write_duckdb(out: Path) -> Path:
    """Write OUT/finsam.duckdb atomically: views over the Parquet tables by absolute path.

    DuckDB resolves a relative path in a view against the working directory of whoever
    queries, not against the database file, so the views name the tables absolutely: the
    database works from any directory. Moving the output folder needs a rebuild
    (`finsam tables --rebuild`); `finsam query` does not depend on it.
    """
    import duckdb

    out = Path(out)
    target = db_path(out)
    _remove_stale_temps(out, f".{DB_NAME}.*.tmp*")
    tmp = _tmp_name(target)
    try:
        # An older storage format, so the `duckdb` CLI analysts install (duckdb-cli, which
        # trails the Python package) can open the file; it holds only views.
        con = duckdb.connect(str(tmp), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION})
        try:
            create_views(con, out)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(out)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target
