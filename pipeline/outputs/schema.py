"""The analyst tables' schema, derived from the record models.

Each table is one pydantic model (a record kind, the document, its pages, the flags, the
errors): its columns are the model's fields, typed from their annotations (`arrow_type`),
described by pipeline/outputs/descriptions.py (or the field's `Field(description=...)`), in the
order issue 5 promised analysts (`TableDef.order`) and then in the model's order. A field
that is not a column is listed, with the reason, in the table's `excluded`; a field that is
neither is a column. So a field added to a model is exported, typed and documented without
editing this file, and `tests/test_tables.py` fails when a field is neither a column nor
excluded, or a column has no description.

Record tables share a frame: doc_id, segment_id, the record's own columns, page, then the
provenance (record_id, file_name, method, ocr_confidence, char_start, char_end, bbox,
warnings), read from the record's `Provenance`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

import pyarrow as pa
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
    Record,
    Segment,
    Signatory,
    StatedFact,
)
from models.text import BBox
from pipeline.outputs.descriptions import DESCRIPTIONS, RECORD_FRAME
from pipeline.outputs.store import FLAGS_PATH


# Arrow types used across tables.
STR = pa.string()
INT = pa.int32()
BIGINT = pa.int64()
FLOAT = pa.float64()
BOOL = pa.bool_()
DATE = pa.date32()
TIMESTAMP = pa.timestamp("us", tz="UTC")
SEK = pa.decimal128(18, 0)  # whole kronor
DECIMAL = pa.decimal128(18, 4)  # other exact decimals
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
    field the path reads.
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
    # model field -> why it is not a column (the record frame's Provenance fields under "provenance.<name>")
    excluded: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# --- type mapping -----------------------------------------------------------------------

def arrow_type(annotation: Any, field_name: str = "") -> pa.DataType:
    """The Arrow type of a model field, from its annotation.

    str, enums and Literals of text -> string; bool; int (and Literals of ints) -> int32;
    float -> float64; Decimal -> whole kronor DECIMAL(18,0) for `*_sek` fields, else
    DECIMAL(18,4); date; datetime -> timestamp (UTC); BBox -> struct; list[str] / list[int]
    -> lists; list[dict] -> JSON. `X | None` is X (every column is nullable). Anything else
    raises: a new kind of field needs a decision here, not a silent guess.
    """
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return arrow_type(args[0], field_name)
        raise TypeError(f"{field_name}: no column type for the union {annotation}")
    if origin is Literal:
        kinds = {type(a) for a in typing.get_args(annotation)}
        if kinds <= {str}:
            return STR
        if kinds <= {int}:
            return INT
        raise TypeError(f"{field_name}: no column type for {annotation}")
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        if item is str:
            return STR_LIST
        if item is int:
            return INT_LIST
        if item is dict or typing.get_origin(item) is dict:
            return JSON
        raise TypeError(f"{field_name}: no column type for {annotation}")
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return BOOL
        if issubclass(annotation, (str, Enum)):
            return STR
        if issubclass(annotation, int):
            return INT
        if issubclass(annotation, float):
            return FLOAT
        if issubclass(annotation, Decimal):
            return SEK if field_name.endswith("_sek") else DECIMAL
        if issubclass(annotation, datetime):
            return TIMESTAMP
        if issubclass(annotation, date):
            return DATE
        if issubclass(annotation, BBox):
            return BBOX
    raise TypeError(f"{field_name}: no column type for {annotation}")


# --- the tables -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TableDef:
    """How one table is derived from its model (see the module's docstring)."""

    name: str
    description: str
    model: type[BaseModel]
    rows: str
    order: tuple[str, ...] = ()  # own columns in the order promised; the other fields follow in model order
    renames: dict[str, str] = field(default_factory=dict)  # model field -> column name
    computed: dict[str, tuple[pa.DataType, Callable[[dict, dict], Any]]] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # model field -> why it is not a column
    types: dict[str, pa.DataType] = field(default_factory=dict)  # column -> type other than the annotation's
    page_in_promise: bool = True  # record tables: `page` right after the own columns (else among the provenance)


def _segment_count(doc: dict, item: dict) -> int:
    return len((doc.get("records") or {}).get("segments") or [])


def _same_as(doc: dict, item: dict) -> None:
    """across documents, after all rows are written (pipeline/outputs/identity.py)"""
    return None


def _char_count(doc: dict, item: dict) -> int:
    return len(item.get("text") or "")


_char_count.__doc__ = "len(text)"

# Fields every record table leaves out, with the reason.
RECORD_EXCLUDED = {"provenance.doc_id": "the same as the row's doc_id"}


def _record(name: str, description: str, model: type[Record], order: str = "", **options: Any) -> TableDef:
    """A record table; `order`: its promised own columns, space-separated."""
    return TableDef(name, description, model, f"records.{name}", order=tuple(order.split()), **options)


TABLE_DEFS: tuple[TableDef, ...] = (
    TableDef(
        "documents", "One row per processed file (documents/<doc_id>.json).", Document, "document",
        order=("doc_id", "file_name", "source_path", "archived_path", "doc_type", "title", "organisation",
               "document_date", "page_count", "ocr_page_count", "ocr_mean_confidence", "pipeline_version",
               "processed_at", "media_type", "file_size", "segment_count", "personnummer_masked", "warnings",
               "status", "same_as"),
        computed={"segment_count": (INT, _segment_count), "same_as": (STR, _same_as)},
        types={"file_size": BIGINT},  # files over 2 GiB exist
        excluded={
            "pages": "one row per page in the pages table",
            "records": "one table per record kind: segments, parties, ...",
            "stage_errors": "which stage failed on which segment: status says partial or failed; the details "
                            "are in documents/<doc_id>.json",
        },
    ),
    TableDef(
        "pages", "One row per page of every processed file, with how it was read.", PageSummary, "pages",
        order=("page", "method", "ocr_confidence", "text_quality", "width", "height", "char_count"),
        renames={"number": "page"},
        computed={"char_count": (INT, _char_count)},
        excluded={"raw_text": "the text before cleanup, kept in documents/<doc_id>.json; text is the cleaned text"},
    ),
    _record("segments", "One row per document inside a file (a bundle holds several).", Segment,
            "doc_type title organisation meeting_date document_date valid_from valid_to page_start page_end body "
            "decision_date valid_open_ended diarienummer activity classification_confidence classification_evidence",
            page_in_promise=False),
    _record("meetings", "Meeting-level facts of an agenda or minutes (time, place, justering, anslag).", MeetingInfo),
    _record("parties", "Parties to agreements (kommuner, regioner, myndigheter, förbund).", Party,
            "name canonical_name org_number org_number_valid role party_type"),
    _record("signatories", "People signing a document.", Signatory),
    _record("amounts", "Money amounts stated in running text.", Amount,
            "amount_sek unit per year context is_maximum recipient raw"),
    _record("budget_lines", "Rows of budget tables.", BudgetLine,
            types={"share_percent": FLOAT}),  # DOUBLE since issue 5: analysts' queries compare it as a number
    _record("goals", "Goals and indicators of plans and agreements.", Goal,
            types={"target_value": FLOAT}),  # DOUBLE since issue 5, as share_percent
    _record("agenda_items", "Items of agendas (föredragningslistor).", AgendaItem),
    _record("paragraphs", "Paragraphs (§) of minutes.", Paragraph),
    _record("decisions", "Decisions in minutes and proposed decisions in agendas.", Decision),
    _record("attendance", "People present at meetings.", Attendance,
            "meeting_date person_name organisation role paragraphs canonical_person_name canonical_organisation "
            "attendance_group",
            renames={"group": "attendance_group"}),  # GROUP is an SQL keyword
    _record("facts", "Document-level statements the reconciliation rules compare across documents "
            "(board size, deadlines, numbered initiatives, carry-over claims, validity dates as written).", StatedFact),
    TableDef("flags", f"Reconciliation findings across documents (read from OUT/{FLAGS_PATH.as_posix()}).",
             Flag, "flags"),
    TableDef("errors", "Files that could not be processed (OUT/errors/*.json).", ProcessingError, "errors"),
)


def _description(table: str, column: str, info: Any = None) -> str:
    return DESCRIPTIONS.get(table, {}).get(column) or (info.description if info is not None else None) or ""


def _own_columns(d: TableDef) -> list[Column]:
    """The model's fields as columns (the record frame's fields aside), promised ones first."""
    frame = Record.model_fields if issubclass(d.model, Record) else {}
    cols: dict[str, Column] = {}
    for fname, info in d.model.model_fields.items():
        if fname in d.excluded or fname in frame:
            continue
        name = d.renames.get(fname, fname)
        typ = d.types.get(name) or arrow_type(info.annotation, f"{d.model.__name__}.{fname}")
        cols[name] = Column(name, typ, _description(d.name, name, info), fname, d.model)
    for name, (typ, fn) in d.computed.items():
        cols[name] = Column(name, typ, _description(d.name, name), fn)
    ordered = [cols.pop(name) for name in d.order]  # a promised column that is gone fails here
    return ordered + list(cols.values())


def _frame_column(table: str, name: str, source: str, model: type[BaseModel]) -> Column:
    """A column of the record frame (or the pages' document columns), typed from its model field."""
    path = source.removeprefix("doc.").split(".")
    owner, fname = (Provenance, path[1]) if path[0] == "provenance" else (
        Document if source.startswith("doc.") else model, path[0])
    typ = arrow_type(owner.model_fields[fname].annotation, f"{owner.__name__}.{fname}")
    desc = DESCRIPTIONS.get(table, {}).get(name) or RECORD_FRAME[name]
    return Column(name, typ, desc, source, Document if source.startswith("doc.") else model)


def derive(d: TableDef) -> TableSpec:
    """The table `d` describes, its columns derived from the model."""
    own = _own_columns(d)
    excluded = dict(d.excluded)
    if d.rows == "pages":
        cols = [_frame_column(d.name, "doc_id", "doc.doc_id", d.model),
                _frame_column(d.name, "file_name", "doc.file_name", d.model), *own]
    elif d.rows.startswith("records."):
        m = d.model
        prov = [_frame_column(d.name, "record_id", "record_id", m),
                _frame_column(d.name, "file_name", "provenance.file_name", m)]
        if not d.page_in_promise:
            prov.append(_frame_column(d.name, "page", "provenance.page", m))
        prov += [_frame_column(d.name, n, f"provenance.{n}", m)
                 for n in ("method", "ocr_confidence", "char_start", "char_end", "bbox")]
        prov.append(_frame_column(d.name, "warnings", "warnings", m))
        page = [_frame_column(d.name, "page", "provenance.page", m)] if d.page_in_promise else []
        cols = [_frame_column(d.name, "doc_id", "doc.doc_id", m), _frame_column(d.name, "segment_id", "segment_id", m),
                *own, *page, *prov]
        excluded.update(RECORD_EXCLUDED)
    else:
        cols = own
    return TableSpec(d.name, d.description, tuple(cols), rows=d.rows, model=d.model, excluded=excluded)


def unexported_fields(spec: TableSpec) -> list[str]:
    """Fields of the table's model (and, for record tables, of its Provenance) that are neither
    a column nor excluded: empty for every table, or a field was silently dropped."""
    if spec.model is None:
        return []
    read = {tuple(c.field_path) for c in spec.columns if c.field_path and not c.reads_document}
    fields = list(spec.model.model_fields)
    if issubclass(spec.model, Record):
        fields = [f for f in fields if f != "provenance"] + [f"provenance.{f}" for f in Provenance.model_fields]
    return [f for f in fields if tuple(f.split(".")) not in read and f not in spec.excluded]


TABLES: tuple[TableSpec, ...] = tuple(derive(d) for d in TABLE_DEFS)
TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}
# The tables whose rows come from documents/*.json (cached per document).
DOCUMENT_TABLES: tuple[TableSpec, ...] = tuple(t for t in TABLES if t.rows not in ("flags", "errors"))
