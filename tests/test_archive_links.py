"""Archived files: the record says where the file is now and the report links there (issue 15, item 6)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import process_plain, run_ingest_cycle
from pipeline.report import run_reconciliation
from pipeline.outputs.store import iter_documents
from pipeline.outputs.files import table_path

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "samples" / "overenskommelse_vagen_vidare.txt"


def test_ingested_file_records_its_archive_path_and_the_report_links_to_it(tmp_path):
    f = Folders(tmp_path / "inbox", tmp_path / "archive", tmp_path / "quarantine", tmp_path / "out")
    f.ensure()
    dropped = f.inbox / SAMPLE.name
    shutil.copy(SAMPLE, dropped)
    report = run_ingest_cycle(f, process_plain(f.out, jobs=1), [dropped])
    [placed] = report.archived
    archived = Path(placed.moved_to)
    assert archived.is_file() and not dropped.exists()

    [doc] = list(iter_documents(f.out))
    assert doc.source_path == str(dropped.resolve())
    assert doc.archived_path == str(archived) and doc.current_path == str(archived)

    _, html_path, md_path = run_reconciliation(f.out)
    html = html_path.read_text("utf-8")
    assert "archive/" in html and "inbox/" not in html

    # The same bytes dropped again under another name: archived, the record keeps the first place.
    again = f.inbox / "kopia.txt"
    shutil.copy(SAMPLE, again)
    run_ingest_cycle(f, process_plain(f.out, jobs=1), [again])
    [doc] = list(iter_documents(f.out))
    assert doc.archived_path == str(archived)


def test_documents_table_has_the_archive_path(tmp_path):
    from pipeline.outputs.tables import rebuild_tables

    f = Folders(tmp_path / "inbox", tmp_path / "archive", tmp_path / "quarantine", tmp_path / "out")
    f.ensure()
    shutil.copy(SAMPLE, f.inbox / SAMPLE.name)
    [placed] = run_ingest_cycle(f, process_plain(f.out, jobs=1), [f.inbox / SAMPLE.name]).archived
    rebuild_tables(f.out)
    rows = pq.read_table(table_path(f.out, "documents"), columns=["archived_path"]).to_pylist()
    assert rows == [{"archived_path": placed.moved_to}]
