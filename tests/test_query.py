"""`finsam query`, `finsam export`, `finsam tables`, `finsam schema-doc` through typer's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from tables_fixtures import corpus
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.outputs.query import EXCEL_MAX_CELL, _cell
from pipeline.outputs.files import table_path
from pipeline.outputs.schema import TABLES
from pipeline.outputs.tables import rebuild_tables

runner = CliRunner()


@pytest.fixture()
def out(tmp_path):
    folder = tmp_path / "out"
    corpus(folder, 3)
    rebuild_tables(folder)
    return folder


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


SQL = "select doc_id, meeting_date, presenters, item_number from agenda_items order by doc_id"


def test_query_prints_a_table(out):
    res = invoke("query", "select organisation, count(*) as n from segments group by 1 order by 1", "--out", out)
    assert res.exit_code == 0, res.output
    assert "Finsam Göteborg" in res.stdout and "Samordningsförbundet Umeå" in res.stdout
    assert "organisation" in res.stdout and "BIGINT" in res.stdout


def test_query_table_output_is_limited(out):
    res = invoke("query", "select * from pages", "--out", out, "--limit", "2")
    assert res.exit_code == 0
    assert "6 rows (first 2 shown" in res.stderr


def test_query_csv_to_stdout_and_file(out, tmp_path):
    res = invoke("query", SQL, "--out", out, "--format", "csv")
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 3 and rows[0]["meeting_date"] == "2023-03-10" and rows[0]["item_number"] == "3"
    target = tmp_path / "r.csv"
    res = invoke("query", SQL, "--out", out, "--format", "csv", "--output", target)
    assert res.exit_code == 0 and "3 rows written" in res.stderr
    assert target.read_text(encoding="utf-8") == invoke("query", SQL, "--out", out, "-f", "csv").stdout


def test_query_json(out, tmp_path):
    target = tmp_path / "r.json"
    res = invoke("query", SQL + ";", "--out", out, "--format", "json", "--output", target)
    assert res.exit_code == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data[0]["presenters"] == ["Förbundschef", "Ekonom"] and data[0]["meeting_date"] == "2023-03-10"
    assert json.loads(invoke("query", SQL, "--out", out, "-f", "json").stdout) == data


def test_query_parquet_keeps_types(out, tmp_path):
    target = tmp_path / "r.parquet"
    res = invoke("query", SQL, "--out", out, "--format", "parquet", "--output", target)
    assert res.exit_code == 0
    table = pq.read_table(target)
    assert table.num_rows == 3
    assert table.column("meeting_date").to_pylist()[0] == date(2023, 3, 10)
    assert str(table.schema.field("presenters").type) == "list<element: string>"


def test_query_errors(out, tmp_path):
    assert invoke("query", "select 1", "--out", out, "--format", "parquet").exit_code == 2
    assert invoke("query", "select 1", "--out", out, "--format", "xml").exit_code == 2
    bad = invoke("query", "select * from no_such_table", "--out", out)
    assert bad.exit_code == 1 and "query failed" in bad.stderr
    assert invoke("query", "select 1", "--out", tmp_path / "nothing").exit_code == 2


def test_query_builds_missing_tables_from_documents(tmp_path):
    folder = tmp_path / "fresh"
    corpus(folder, 2)  # documents only, never rebuilt
    res = invoke("query", "select count(*) as n from documents", "--out", folder, "-f", "csv")
    assert res.exit_code == 0 and res.stdout.splitlines() == ["n", "2"]


def test_tables_lists_counts_and_columns(out):
    res = invoke("tables", "--out", out)
    assert res.exit_code == 0
    for spec in TABLES:
        assert spec.name in res.stdout
    assert "amount_sek" in res.stdout and "DECIMAL(18,0)" in res.stdout


def test_tables_rebuild(out):
    table_path(out, "segments").unlink()
    res = invoke("tables", "--out", out, "--rebuild", "--full")
    assert res.exit_code == 0 and "3 parsed" in res.stderr
    assert pq.read_table(table_path(out, "segments")).num_rows == 3


def test_export_xlsx_one_sheet_per_table(out, tmp_path):
    target = tmp_path / "finsam.xlsx"
    res = invoke("export", "--xlsx", target, "--out", out)
    assert res.exit_code == 0, res.output
    wb = load_workbook(target, read_only=True)
    assert wb.sheetnames == [t.name for t in TABLES]
    for spec in TABLES:
        rows = list(wb[spec.name].iter_rows(values_only=True))
        assert list(rows[0]) == spec.column_names, spec.name
        assert len(rows) - 1 == pq.read_metadata(table_path(out, spec.name)).num_rows, spec.name
    amounts = list(wb["amounts"].iter_rows(values_only=True))
    header = amounts[0]
    first = dict(zip(header, amounts[1]))
    assert first["amount_sek"] in (1_500_000, 1_500_001, 1_500_002) and first["unit"] == "mnkr"
    agenda = dict(zip(*list(wb["agenda_items"].iter_rows(values_only=True))[:2]))
    assert json.loads(agenda["presenters"]) == ["Förbundschef", "Ekonom"]
    assert agenda["meeting_date"] == datetime(2023, 3, 10)
    flags = dict(zip(*list(wb["flags"].iter_rows(values_only=True))[:2]))
    assert json.loads(flags["evidence"])[0]["found"] == 9


def test_export_selected_tables_and_unknown_table(out, tmp_path):
    target = tmp_path / "few.xlsx"
    assert invoke("export", "--xlsx", target, "--out", out, "--table", "flags", "--table", "decisions").exit_code == 0
    assert load_workbook(target, read_only=True).sheetnames == ["flags", "decisions"]
    assert invoke("export", "--xlsx", tmp_path / "x.xlsx", "--out", out, "--table", "nope").exit_code == 2


def test_excel_cells_are_cleaned():
    long = "x" * (EXCEL_MAX_CELL + 10)
    assert len(_cell(long)) <= EXCEL_MAX_CELL and "truncated" in _cell(long)
    assert _cell("a\x01b") == "ab"
    assert _cell([1, 2]) == "[1, 2]"


def test_schema_doc_check_command():
    res = invoke("schema-doc", "--check")
    assert res.exit_code == 0, res.output
