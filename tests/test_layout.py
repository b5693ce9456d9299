"""One output layout (pipeline.outputs.store.OutputLayout): every path under OUT is defined there."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pipeline import report
from pipeline.runtime.inbox import staged
from pipeline.runtime.locking import lock_path
from pipeline.outputs.store import OutputLayout, document_path
from pipeline.outputs.files import db_path, flags_path, table_path, tables_dir

ROOT = Path(__file__).resolve().parent.parent
# Modules other branches own right now; they still spell some paths themselves (checked below).
NOT_YET = {"pipeline/sv/nlp.py", "pipeline/sv/gazetteer.py"}
SPELLED = re.compile(r'/\s*"(documents|errors|tables|reports|reconcile|flags\.json|finsam\.duckdb|\.prefect-results|\.staging|\.tables-pending|\.finsam\.lock)"')


def test_no_module_spells_an_output_path_itself():
    offenders = []
    for package in ("pipeline", "flows", "extractors"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in NOT_YET or rel == "pipeline/outputs/store.py" or rel.startswith("pipeline/segment/"):
                continue
            for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if SPELLED.search(line):
                    offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []


def test_the_layout_and_its_users_agree(tmp_path: Path):
    layout = OutputLayout(tmp_path)
    assert layout.documents == tmp_path / "documents" and layout.errors == tmp_path / "errors"
    assert document_path(tmp_path, "abc") == layout.document("abc") == tmp_path / "documents" / "abc.json"
    assert tables_dir(tmp_path) == layout.tables and table_path(tmp_path, "pages") == layout.tables / "pages.parquet"
    assert db_path(tmp_path) == layout.database == tmp_path / "finsam.duckdb"
    assert flags_path(tmp_path) == layout.flags == tmp_path / "reconcile" / "flags.json"
    assert layout.nightly_summary(date(2026, 12, 1)) == tmp_path / "reports" / "nightly-2026-12-01.json"
    assert OutputLayout(str(tmp_path)).out == tmp_path
    assert lock_path(tmp_path) == layout.run_lock == tmp_path / ".finsam.lock"
    assert staged([], tmp_path).root == layout.staging == tmp_path / ".staging"
    assert layout.tables_pending == tmp_path / ".tables-pending"


def test_the_report_is_written_under_the_layouts_reports(tmp_path: Path):
    day = date(2026, 12, 1)
    flags, html_path, md_path = report.run_reconciliation(tmp_path, day)
    layout = OutputLayout(tmp_path)
    assert html_path.parent == md_path.parent == layout.reports
    assert (html_path, md_path) == (layout.report_html(day), layout.report_markdown(day))
    assert html_path.name == "avvikelser-2026-12-01.html" and md_path.name == "avvikelser-2026-12-01.md"
    assert layout.flags.exists()
