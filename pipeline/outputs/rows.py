"""The rows of the analyst tables: one document JSON -> row tuples per table -> Arrow batches.

These are the rules of what a row holds. They make the flags and errors tables, and the
document tables' rows of any file Arrow's reader cannot vouch for; columns.py cuts the
same rows from many documents at once (tests/test_table_columns.py holds it to these).
Row functions are generated from the derived table schema (pipeline/outputs/schema.py).
Dates and timestamps stay ISO text in the tuples and are cast a whole column at a time
(`cast_text`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from models.records import Provenance
from pipeline.outputs.schema import DATE, DOCUMENT_TABLES, FLOAT, JSON, STR, TABLES, TIMESTAMP, Column, TableSpec


def field_default(col: Column) -> Any:
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


def to_decimal(scale: int) -> Callable[[Any], Decimal | None]:
    """Exact decimals at the column's scale: whole kronor for SEK (the models promise whole SEK;
    a stray fraction is rounded, not refused)."""
    quantum = Decimal(1).scaleb(-scale)

    def convert(v: Any) -> Decimal | None:
        if v is None:
            return None
        try:
            return Decimal(str(v)).quantize(quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return None
    return convert


def to_float(v: Any) -> float | None:
    return None if v is None else float(v)


def _to_json(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def _row_converter(t: pa.DataType) -> Callable[[Any], Any] | None:
    """The per-value conversion a column of type `t` needs while rows are made, if any."""
    if pa.types.is_decimal(t):
        return to_decimal(t.scale)
    if t == FLOAT:
        return to_float
    if t == JSON:
        return _to_json
    return None


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
            env[f"d{i}"] = field_default(col)
            expr = base
            for key in path[:-1]:
                expr = f"({expr}.get({key!r}) or EMPTY)"
            expr = f"{expr}.get({path[-1]!r}, d{i})"
        conv = _row_converter(col.type)
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


def plain_rows(spec: TableSpec, items: list[dict]) -> list[tuple]:
    return _ROWS[spec.name]({}, items)


def is_text_cast(t: pa.DataType) -> bool:
    """Dates and timestamps: ISO text in the JSON, cast a whole column at a time (`cast_text`)."""
    return t in _COLUMN_FALLBACK


def cast_text(t: pa.DataType, text: pa.Array) -> pa.Array:
    """A column of ISO text as dates or timestamps; a value that is not plain ISO text is
    converted on its own (unreadable ones become null)."""
    try:
        return text.cast(t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.array([_COLUMN_FALLBACK[t](v) for v in text.to_pylist()], type=t)


def _column_array(col: Column, values: list | tuple) -> pa.Array:
    if col.type in _COLUMN_FALLBACK:
        if not any(isinstance(v, str) for v in values):
            return pa.array([_COLUMN_FALLBACK[col.type](v) for v in values], type=col.type)
        try:
            text = pa.array(values, type=STR)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a mix of text and date objects
            return pa.array([_COLUMN_FALLBACK[col.type](v) for v in values], type=col.type)
        return cast_text(col.type, text)
    if isinstance(col.type, pa.BaseExtensionType):
        return pa.ExtensionArray.from_storage(col.type, pa.array(values, type=col.type.storage_type))
    return pa.array(values, type=col.type)


def rows_to_batch(spec: TableSpec, rows: list[tuple]) -> pa.RecordBatch:
    columns = list(zip(*rows)) if rows else [[] for _ in spec.columns]
    arrays = [_column_array(col, values) for col, values in zip(spec.columns, columns)]
    return pa.RecordBatch.from_arrays(arrays, schema=spec.schema)

