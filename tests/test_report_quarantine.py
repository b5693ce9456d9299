"""Quarantined files are listed in the report, in Swedish, until the file is processed (issue 15, item 7)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import process_plain, run_ingest_cycle
from pipeline.report import run_reconciliation
from pipeline.outputs.store import errors_dir, iter_errors

GOOD = Path(__file__).resolve().parent.parent / "corpus" / "samples" / "overenskommelse_samverkan_2024.pdf"


def _cycle(f: Folders, path: Path):
    return run_ingest_cycle(f, process_plain(f.out, jobs=1), [path])


def test_quarantined_file_is_in_the_report_until_a_fixed_copy_is_processed(tmp_path):
    f = Folders(tmp_path / "inbox", tmp_path / "archive", tmp_path / "quarantine", tmp_path / "out")
    f.ensure()
    broken = f.inbox / "avtal.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not really a PDF\n" * 20)
    report = _cycle(f, broken)
    assert [q.file_name for q in report.quarantined] == ["avtal.pdf"]

    _, html_path, md_path = run_reconciliation(f.out)
    html, md = html_path.read_text("utf-8"), md_path.read_text("utf-8")
    assert "Filer i karantän (1)" in html and "avtal.pdf" in html
    assert "Filen kunde inte läsas" in html
    assert "## Filer i karantän (1)" in md and "| avtal.pdf | Filen kunde inte läsas" in md

    # The kansli fixes the file and drops it again under the same name: it is no longer listed.
    fixed = f.inbox / "avtal.pdf"
    shutil.copy(GOOD, fixed)
    report = _cycle(f, fixed)
    assert [a.file_name for a in report.archived] == ["avtal.pdf"]
    assert list(iter_errors(f.out)) == [] and list(errors_dir(f.out).glob("*.json")) == []
    _, html_path, md_path = run_reconciliation(f.out)
    html = html_path.read_text("utf-8")
    assert "Filer i karantän (0)" in html and "Filen kunde inte läsas" not in html
