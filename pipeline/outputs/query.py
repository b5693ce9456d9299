"""Querying and exporting the analyst tables: `finsam query`, `finsam export`, `finsam tables`.

Queries run on an in-memory DuckDB connection with one view per OUT/tables/<table>.parquet,
made fresh from the output folder given, so they do not depend on OUT/finsam.duckdb (whose
views name the files absolutely and would point to the old place after a move).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.outputs.store import OutputLayout
from pipeline.outputs.duckdb_views import create_views
from pipeline.outputs.files import table_path, tables_dir
from pipeline.outputs.schema import TABLES
from pipeline.outputs.tables import rebuild_tables

FORMATS = ("table", "csv", "json", "parquet")
EXCEL_MAX_ROWS = 1_048_575  # data rows below the header
EXCEL_MAX_CELL = 32_767  # characters in one cell
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class NoTablesError(RuntimeError):
    pass


def ensure_tables(out: Path) -> None:
    """Build the tables when the output folder has documents but no tables yet."""
    if all(table_path(out, t.name).exists() for t in TABLES):
        return
    if not OutputLayout(out).documents.is_dir() and not tables_dir(out).is_dir():
        raise NoTablesError(f"no tables under {out}: run `finsam process ... --out {out}` first")
    rebuild_tables(out)


def connect(out: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per table of the output folder."""
    out = Path(out)
    ensure_tables(out)
    con = duckdb.connect()
    create_views(con, out)
    return con


def _strip(sql: str) -> str:
    return sql.strip().rstrip(";").strip()


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


_COPY_OPTIONS = {"csv": "FORMAT csv, HEADER true", "json": "FORMAT json, ARRAY true",
                 "parquet": "FORMAT parquet, COMPRESSION zstd"}


def write_result(con: duckdb.DuckDBPyConnection, sql: str, fmt: str, output: Path) -> int:
    """Write the result of `sql` to `output` as csv, json (an array of objects) or parquet.

    Written to a temp file beside the target and renamed, like every other output.
    Returns the number of rows.
    """
    if fmt not in _COPY_OPTIONS:
        raise ValueError(f"format must be one of {', '.join(_COPY_OPTIONS)}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(fd)
    os.unlink(tmp)  # DuckDB creates the file itself
    try:
        if fmt == "csv":
            sql = _nested_as_json(con, sql)
        con.execute(f"COPY ({_strip(sql)}) TO {_sql_str(tmp)} ({_COPY_OPTIONS[fmt]})")
        rows = con.execute(f"SELECT count(*) FROM ({_strip(sql)})").fetchone()[0]
        os.replace(tmp, output)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return rows


def _nested_as_json(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """For CSV: structs (bbox), maps and lists as JSON text, not DuckDB's own {'x0': 1.0} notation."""
    cur = con.execute(f"SELECT * FROM ({_strip(sql)}) LIMIT 0")
    nested = [d[0] for d in cur.description if str(d[1]).upper().startswith(("STRUCT", "MAP", "UNION"))
              or str(d[1]).endswith("]")]
    if not nested:
        return sql
    replace = ", ".join(f'to_json("{c}")::VARCHAR AS "{c}"' for c in nested)
    return f"SELECT * REPLACE ({replace}) FROM ({_strip(sql)})"


def result_text(con: duckdb.DuckDBPyConnection, sql: str, fmt: str) -> str:
    """csv or json of the result as text, for printing."""
    with tempfile.TemporaryDirectory(prefix="finsam-query-") as tmp:
        path = Path(tmp) / f"result.{fmt}"
        write_result(con, sql, fmt, path)
        return path.read_text(encoding="utf-8")


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple]
    total: int  # rows in the full result (rows may hold only the first `limit`)


def fetch(con: duckdb.DuckDBPyConnection, sql: str, limit: int | None = None) -> QueryResult:
    cur = con.execute(_strip(sql))
    if cur.description is None:  # a statement without a result (SET, CREATE VIEW, ...)
        return QueryResult([], [], [], 0)
    columns = [d[0] for d in cur.description]
    types = [str(d[1]) for d in cur.description]
    rows = cur.fetchall() if limit is None else cur.fetchmany(limit)
    total = len(rows)
    if limit is not None:
        while chunk := cur.fetchmany(10_000):
            total += len(chunk)
    return QueryResult(columns, types, rows, total)


# --- finsam tables --------------------------------------------------------------------

@dataclass
class TableSummary:
    name: str
    rows: int
    columns: list[tuple[str, str]]  # (name, DuckDB type)
    path: Path


def summaries(out: Path) -> list[TableSummary]:
    out = Path(out)
    ensure_tables(out)
    con = duckdb.connect()
    try:
        create_views(con, out)
        result = []
        for spec in TABLES:
            path = table_path(out, spec.name)
            if not path.exists():
                continue
            cols = [(r[0], r[1]) for r in con.execute(f'DESCRIBE "{spec.name}"').fetchall()]
            result.append(TableSummary(spec.name, pq.ParquetFile(path).metadata.num_rows, cols, path))
        return result
    finally:
        con.close()


# --- finsam export --xlsx ---------------------------------------------------------------

def _cell(value: Any) -> Any:
    """A value Excel can hold: lists and structs as JSON text, times without zone, text cleaned."""
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
        if len(value) > EXCEL_MAX_CELL:
            value = value[: EXCEL_MAX_CELL - 40] + f"… [truncated, {len(value)} characters]"
    return value


# What Excel (or LibreOffice, or a CSV import) takes as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(ws, value: Any) -> Any:
    """Every string goes in as a text cell, never as a formula: document text is data, and
    a line beginning with "=", "+", "-" or "@" (=HYPERLINK(...), +cmd|...) must not run.
    openpyxl makes any str starting with "=" a formula; a text cell with its type forced to
    string is written as a shared string. Such cells also get Excel's quote prefix, so
    editing them in Excel keeps them text."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value  # openpyxl writes any other str as text already
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    cell = WriteOnlyCell(ws, value=None)
    cell._value = value  # bypass the setter's formula detection
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


@dataclass
class ExportResult:
    path: Path
    rows: dict[str, int]
    truncated: dict[str, int]  # table -> rows left out (beyond Excel's sheet limit)


def export_xlsx(out: Path, target: Path, tables: list[str] | None = None) -> ExportResult:
    """One sheet per table (header row in bold, frozen), written atomically."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    out, target = Path(out), Path(target)
    ensure_tables(out)
    names = tables or [t.name for t in TABLES]
    unknown = [n for n in names if n not in {t.name for t in TABLES}]
    if unknown:
        raise ValueError(f"unknown table(s): {', '.join(unknown)}")
    # The target's folder first: a place that cannot be written fails before any work.
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        result = _build_workbook(out, names, Workbook, WriteOnlyCell, Font)
        result[0].save(tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return ExportResult(target, result[1], result[2])


def _build_workbook(out: Path, names: list[str], Workbook, WriteOnlyCell, Font):
    wb = Workbook(write_only=True)
    rows: dict[str, int] = {}
    truncated: dict[str, int] = {}
    bold = Font(bold=True)
    for name in names:
        ws = wb.create_sheet(title=name[:31])
        ws.freeze_panes = "A2"
        pf = pq.ParquetFile(table_path(out, name))
        header = []
        for field_name in pf.schema_arrow.names:
            c = WriteOnlyCell(ws, value=field_name)
            c.font = bold
            header.append(c)
        ws.append(header)
        written = 0
        for batch in pf.iter_batches(batch_size=5_000):
            # Storage types: the JSON extension becomes its text, like everything else here.
            batch = pa.RecordBatch.from_arrays(
                [c.storage if isinstance(c, pa.ExtensionArray) else c for c in batch.columns],
                names=batch.schema.names)
            for row in batch.to_pylist():
                if written >= EXCEL_MAX_ROWS:
                    break
                ws.append([_text_cell(ws, _cell(v)) for v in row.values()])
                written += 1
        rows[name] = written
        if pf.metadata.num_rows > written:
            truncated[name] = pf.metadata.num_rows - written
    return wb, rows, truncated
