"""finsam process: a failing table rebuild is one line and a nonzero exit; the records stay."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner


def test_a_failing_table_rebuild_is_one_line_and_keeps_the_records(tmp_path: Path, monkeypatch):
    import pipeline.outputs.tables

    from pipeline.cli import app

    src = tmp_path / "kallelse.txt"
    src.write_text("KALLELSE\nStyrelsens sammanträde 2024-03-12\n1. Mötets öppnande\n", encoding="utf-8")
    out = tmp_path / "out"

    def broken(*a, **k):
        raise OSError(28, "No space left on device\n(while writing documents.parquet)")

    monkeypatch.setattr(pipeline.outputs.tables, "rebuild_tables", broken)
    result = CliRunner().invoke(app, ["process", str(src), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if "not rebuilt" in ln]
    assert len(lines) == 1 and "OSError" in lines[0] and "No space left on device" in lines[0], result.output
    assert "finsam tables --rebuild" in lines[0]
    assert len(list((out / "documents").glob("*.json"))) == 1  # the document record is kept
