"""One-line refusals instead of tracebacks, a missing inbox refused, CSV nested values as JSON
(issue 15, the smaller items)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from tables_fixtures import corpus

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "samples" / "overenskommelse_vagen_vidare.txt"
READ_ONLY = Path("/proc/finsam-cannot-write-here")  # a read-only place even for root


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _one_line_error(result, *words: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    for w in words:
        assert w in lines[0], result.output


def test_out_that_is_a_file_or_read_only_is_one_line(tmp_path):
    a_file = tmp_path / "outputs.txt"
    a_file.write_text("x")
    _one_line_error(_run("process", str(SAMPLE), "--out", str(a_file)), "--out", "is a file")
    _one_line_error(_run("process", str(SAMPLE), "--out", str(READ_ONLY)), "--out", "cannot be written")
    _one_line_error(_run("run", "ingest", "--no-prefect", "--inbox", str(tmp_path), "--out", str(a_file)), "--out")


def test_export_to_a_read_only_place_is_one_line(tmp_path):
    out = tmp_path / "out"
    corpus(out)
    _one_line_error(_run("export", "--xlsx", str(READ_ONLY / "f.xlsx"), "--out", str(out)), "--xlsx", "cannot be written")
    _one_line_error(_run("export", "--xlsx", str(tmp_path), "--out", str(out)), "--xlsx", "is a folder")


def test_a_missing_inbox_is_refused_unless_asked_to_create_it(tmp_path):
    typo = tmp_path / "inbx"
    args = ["run", "ingest", "--no-prefect", "--settle", "0", "--archive", str(tmp_path / "a"),
            "--quarantine", str(tmp_path / "q"), "--out", str(tmp_path / "o")]
    _one_line_error(_run(*args, "--inbox", str(typo)), "--inbox", "does not exist", "--create-inbox")
    assert not typo.exists()
    res = _run(*args, "--inbox", str(typo), "--create-inbox")
    assert res.exit_code == 0, res.output
    assert typo.is_dir()


def test_csv_export_writes_bbox_and_lists_as_json(tmp_path):
    out = tmp_path / "out"
    corpus(out)
    res = _run("query", "select bbox, presenters from agenda_items limit 1", "--format", "csv", "--out", str(out))
    assert res.exit_code == 0, res.output
    [row] = list(csv.DictReader(io.StringIO(res.stdout)))
    assert json.loads(row["bbox"]) == {"x0": 10.0, "top": 20.0, "x1": 200.0, "bottom": 40.0}
    assert json.loads(row["presenters"]) == ["Förbundschef", "Ekonom"]


def test_pandas_gets_integers_as_documented(tmp_path):
    import pandas as pd

    from pipeline.outputs.schema_doc import SCHEMA_DOC
    from pipeline.outputs.files import table_path
    from pipeline.outputs.tables import rebuild_tables

    out = tmp_path / "out"
    corpus(out)
    rebuild_tables(out)
    raw = pd.read_parquet(table_path(out, "budget_lines")).amount_sek
    assert raw.dtype == object  # Decimal objects, as docs/schema.md says
    assert str(raw.astype("Int64").dtype) == "Int64"
    assert 'astype("Int64")' in SCHEMA_DOC.read_text("utf-8")
