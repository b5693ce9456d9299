"""The document tables cut straight from the JSON bytes of many documents at once.

A full rebuild touches every value of every document. Parsing each file into Python
objects, making row tuples (rows.py) and converting those back into Arrow cost about four
times the parse alone (issue 17). Here Arrow's JSON reader parses a chunk of files
straight into columns, with a read schema derived from the table columns, and each table
is cut from those columns with Arrow compute.

The rows are the same as rows.py makes (tests/test_table_columns.py compares them). Where
the reader cannot tell what rows.py would do -- a file that is not one JSON object, a
value of another JSON type than the model writes, a field missing whose model default is
not null, a null list item -- `document_batches` raises `NotColumnar` and the caller makes
that chunk's rows with rows.py, file by file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from pydantic import BaseModel

from models.records import Document, Provenance
from pipeline.outputs.identity import pages_text, text_fingerprint
from pipeline.outputs.rows import cast_text, field_default, is_text_cast, to_decimal, to_float
from pipeline.outputs.schema import DOCUMENT_TABLES, FLOAT, INT, STR, Column, TableSpec, arrow_type


class NotColumnar(Exception):
    """This chunk of documents needs rows.py's rules (see the module docstring)."""


# --- what the reader reads --------------------------------------------------------------

def _model_field(col: Column) -> Any:
    """The pydantic field a column reads, or None for computed columns."""
    path = col.field_path
    if path is None or col.model is None:
        return None
    model: type[BaseModel] = Document if col.reads_document else col.model
    if path[0] == "provenance" and len(path) > 1:
        model, path = Provenance, path[1:]
    return model.model_fields.get(path[0])


def _json_is_text(col: Column) -> bool:
    """The model writes this field as JSON text: Decimal, date and datetime fields."""
    info = _model_field(col)
    if info is None:
        return False
    t = arrow_type(info.annotation, col.name)
    return pa.types.is_decimal(t) or is_text_cast(t)


def _read_type(col: Column) -> pa.DataType:
    return STR if _json_is_text(col) or is_text_cast(col.type) else col.type


def _insert(tree: dict, path: list[str], typ: pa.DataType) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    if tree.get(path[-1], typ) != typ:
        raise TypeError(f"{'.'.join(path)} is read as two types")
    tree[path[-1]] = typ


def _struct(tree: dict) -> pa.StructType:
    return pa.struct([(k, _struct(v) if isinstance(v, dict) else v) for k, v in tree.items()])


def _items_path(spec: TableSpec) -> list[str]:
    return ["pages"] if spec.rows == "pages" else ["records", spec.rows.split(".", 1)[1]]


def _read_schema() -> pa.Schema:
    doc: dict = {}
    for spec in DOCUMENT_TABLES:
        item: dict = {}
        for col in spec.columns:
            if col.field_path is None:
                continue
            if col.reads_document or spec.rows == "document":
                _insert(doc, col.field_path, _read_type(col))
            else:
                _insert(item, col.field_path, _read_type(col))
        if spec.rows != "document":
            _insert(doc, _items_path(spec), pa.list_(_struct(item)))
    return pa.schema(list(_struct(doc)))


# --- computed columns -----------------------------------------------------------------------
# rows.py calls the column's function per row; here each has its columnar twin, by table and
# column. A computed column without a twin sends every document through rows.py (`COLUMNAR`).

def _segment_count(docs: pa.StructArray, items: pa.StructArray, parents: pa.Array | None) -> pa.Array:
    return pc.list_value_length(pc.struct_field(docs, ["records", "segments"])).fill_null(0).cast(INT)


def _char_count(docs: pa.StructArray, items: pa.StructArray, parents: pa.Array | None) -> pa.Array:
    return pc.utf8_length(pc.struct_field(items, ["text"])).fill_null(0).cast(INT)


def _same_as(docs: pa.StructArray, items: pa.StructArray, parents: pa.Array | None) -> pa.Array:
    return pa.nulls(len(items), STR)  # filled across documents after all rows are written


COMPUTED: dict[tuple[str, str], Callable[[pa.StructArray, pa.StructArray, pa.Array | None], pa.Array]] = {
    ("documents", "segment_count"): _segment_count,
    ("documents", "same_as"): _same_as,
    ("pages", "char_count"): _char_count,
}

# The reader handles every column of the document tables: its types, computed columns.
COLUMNAR = all(
    (spec.name, col.name) in COMPUTED if callable(col.source) else not isinstance(col.type, pa.BaseExtensionType)
    for spec in DOCUMENT_TABLES for col in spec.columns)

READ_SCHEMA = _read_schema() if COLUMNAR else None
_PARSE = pj.ParseOptions(explicit_schema=READ_SCHEMA, newlines_in_values=True, unexpected_field_behavior="ignore")
_READ = pj.ReadOptions(use_threads=False, block_size=1 << 26)
_DEFAULTS = {(spec.name, col.name): field_default(col) for spec in DOCUMENT_TABLES for col in spec.columns}


# --- cutting the tables -------------------------------------------------------------------

def one_object(data: bytes | memoryview) -> bool:
    """Starts with "{" and ends with "}" (whitespace aside), looking only at the ends: stripping
    the whole file would copy it. `data` may be a view into a larger buffer."""
    head = bytes(data[:64]).lstrip() or bytes(data).lstrip()
    tail = bytes(data[-64:]).rstrip() or bytes(data).rstrip()
    return head[:1] == b"{" and tail[-1:] == b"}"


def _parse(joined, count: int) -> pa.StructArray:
    try:
        table = pj.read_json(pa.BufferReader(pa.py_buffer(joined)), read_options=_READ, parse_options=_PARSE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NotColumnar(str(exc)) from exc
    if table.num_rows != count:
        raise NotColumnar("a file holds more or less than one JSON object")
    # One block gives one chunk per column, taken as it is (combining would copy every column).
    return pa.StructArray.from_arrays([c.chunk(0) if c.num_chunks == 1 else c.combine_chunks() for c in table.columns],
                                      fields=list(table.schema))


def text_to_decimal(values: pa.Array, t: pa.Decimal128Type) -> pa.Array | None:
    """rows.py's `to_decimal` over a whole column of decimal text, in Arrow: exact, rounded
    half away from zero (ROUND_HALF_UP) to the column's scale. None when Arrow cannot read
    every value (not a number, more than 12 decimals, too large): then value by value."""
    try:
        exact = values.cast(pa.decimal128(38, max(12, t.scale)))
        return pc.round(exact, ndigits=t.scale, round_mode="half_towards_infinity").cast(t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def _finish(col: Column, values: pa.Array) -> pa.Array:
    """A column as read -> the column's type, with rows.py's conversions."""
    if _json_is_text(col) and pa.types.is_decimal(col.type) and (whole := text_to_decimal(values, col.type)) is not None:
        return whole
    if _json_is_text(col) and (pa.types.is_decimal(col.type) or col.type == FLOAT):
        convert = to_decimal(col.type.scale) if pa.types.is_decimal(col.type) else to_float
        return pa.array([convert(v) for v in values.to_pylist()], type=col.type)
    if is_text_cast(col.type):
        return cast_text(col.type, values)
    return values


class _Fields:
    """A struct array's fields by path, each struct level flattened once (its nulls carried
    down to its children, as pc.struct_field does): one Arrow call per struct instead of one
    per column, which was most of the cost of cutting a chunk into tables."""

    def __init__(self, array: pa.StructArray) -> None:
        self.array = array
        self._cache: dict[tuple[str, ...], pa.Array] = {(): array}

    def get(self, path: list[str] | tuple[str, ...]) -> pa.Array:
        key = tuple(path)
        hit = self._cache.get(key)
        if hit is None:
            parent = self.get(key[:-1])
            for f, child in zip(parent.type, parent.flatten()):
                self._cache[(*key[:-1], f.name)] = child
            hit = self._cache[key]
        return hit


def _table_batch(spec: TableSpec, doc_fields: _Fields) -> pa.RecordBatch:
    docs = doc_fields.array
    parents = None
    fields = doc_fields
    if spec.rows != "document":
        lists = doc_fields.get(_items_path(spec))
        items, parents = pc.list_flatten(lists), pc.list_parent_indices(lists)
        if items.null_count:  # rows.py fails on a null item: that file is skipped
            raise NotColumnar(f"a null item in {'.'.join(_items_path(spec))}")
        fields = _Fields(items)
    items = fields.array
    arrays = []
    for col in spec.columns:
        if callable(col.source):
            arrays.append(COMPUTED[(spec.name, col.name)](docs, items, parents))
            continue
        if col.reads_document:
            values = doc_fields.get(col.field_path)
            values = values if parents is None else values.take(parents)
        else:
            values = fields.get(col.field_path)
        if values.null_count and _DEFAULTS[(spec.name, col.name)] is not None:
            raise NotColumnar(f"{spec.name}.{col.name}: missing, rows.py fills in the model's default")
        arrays.append(_finish(col, values))
    return pa.RecordBatch.from_arrays(arrays, schema=spec.schema)


def _fingerprints(docs: pa.StructArray) -> list[str | None]:
    """Each document's text fingerprint (identity.text_fingerprint of its pages' text), for the
    documents that can be another's copy (a type other than `other`, and a date); else None.

    Arrow joins each document's page texts with newlines (pc.binary_join) and each joined
    text is hashed straight from its buffer, one call per document; a document whose pages
    are out of order or unnumbered, or whose text has no ASCII letter, digit or underscore,
    goes the plain way."""
    import numpy as np  # noqa: PLC0415

    n = len(docs)
    types = pc.struct_field(docs, ["doc_type"])
    typed = pc.and_(pc.not_equal(types, ""), pc.not_equal(types, "other")).fill_null(False)
    eligible = pc.and_(typed, pc.struct_field(docs, ["document_date"]).is_valid()).to_numpy(zero_copy_only=False)
    pages = pc.struct_field(docs, ["pages"])
    lengths = pages.value_lengths().fill_null(0).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(pages)
    parents = np.repeat(np.arange(n), lengths)
    numbers = pc.struct_field(flat, ["number"])
    texts = pc.struct_field(flat, ["text"])
    if texts.null_count:
        texts = texts.fill_null("")
    worded = np.zeros(n, dtype=bool)
    worded[parents[pc.match_substring_regex(texts, r"\w").to_numpy(zero_copy_only=False)]] = True
    ordered = np.ones(n, dtype=bool)
    if numbers.null_count:
        ordered[parents[numbers.is_null().to_numpy(zero_copy_only=False)]] = False
    page_numbers = numbers.fill_null(0).to_numpy(zero_copy_only=False)
    ordered[parents[1:][(page_numbers[1:] < page_numbers[:-1]) & (parents[1:] == parents[:-1])]] = False
    offsets = pa.array(np.concatenate(([0], np.cumsum(lengths))), type=pa.int32())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, texts), "\n")
    bounds = memoryview(joined.buffers()[1]).cast("i")[joined.offset:joined.offset + n + 1]
    data = memoryview(joined.buffers()[2]) if joined.buffers()[2] is not None else memoryview(b"")
    starts = np.concatenate(([0], np.cumsum(lengths)))
    result: list[str | None] = []
    sha1 = hashlib.sha1
    for i, (ok, fast) in enumerate(zip(eligible.tolist(), (eligible & worded & ordered).tolist())):
        if not ok:
            result.append(None)
        elif fast:
            result.append(sha1(data[bounds[i]:bounds[i + 1]]).hexdigest())
        else:
            a, b = int(starts[i]), int(starts[i + 1])
            page_texts = texts.slice(a, b - a).to_pylist()
            result.append(text_fingerprint(pages_text(zip(numbers.slice(a, b - a).to_pylist(), page_texts))))
    return result


@dataclass
class ChunkColumns:
    """What a chunk of documents contributes: rows per document table, and per document (in
    input order) its doc_id and text fingerprint."""

    batches: dict[str, pa.RecordBatch]
    doc_ids: list[str | None]
    fingerprints: list[str | None]


def document_batches(files: list[bytes]) -> ChunkColumns:
    """The rows the documents (each the bytes of one JSON file) contribute to each document
    table, with each document's doc_id and fingerprint; raises NotColumnar when rows.py must
    make them. Pure: safe to call from several threads at once."""
    # Only whole objects reach the reader: a file that is `null` crashes it (pyarrow 26).
    if not all(one_object(data) for data in files):
        raise NotColumnar("a file is not one JSON object")
    return joined_document_batches(b"\n".join(files), len(files))


def joined_document_batches(joined, count: int) -> ChunkColumns:
    """document_batches over `count` files already laid end to end, joined by newlines, each
    of them one JSON object (`one_object`): a buffer the caller may reuse once this returns,
    since Arrow's reader copies what it keeps."""
    if not COLUMNAR:
        raise NotColumnar("a column without a columnar twin")
    docs = _parse(joined, count)
    try:
        doc_fields = _Fields(docs)
        batches = {spec.name: _table_batch(spec, doc_fields) for spec in DOCUMENT_TABLES}
    except (ValueError, TypeError, pa.ArrowException) as exc:  # e.g. float("abc"): rows.py's rules decide
        raise NotColumnar(f"{type(exc).__name__}: {exc}") from exc
    return ChunkColumns(batches, pc.struct_field(docs, ["doc_id"]).to_pylist(), _fingerprints(docs))
