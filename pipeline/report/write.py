"""Writing the reconciliation's outputs: OUT/reconcile/flags.json and the kansli's report
(HTML and Markdown) under OUT/reports, at the paths `OutputLayout` names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from models import Document, Flag, ProcessingError
from pipeline.reconcile import reconcile
from pipeline.report.html_report import render_html
from pipeline.report.markdown_report import render_markdown
from pipeline.outputs.store import OutputLayout, iter_documents, iter_errors, write_atomic


def write_flags(out: Path, flags: list[Flag]) -> Path:
    path = OutputLayout(out).flags
    data = json.dumps([f.model_dump(mode="json") for f in flags], ensure_ascii=False, indent=1)
    write_atomic(path, data.encode("utf-8"))
    return path


def write_report(out: Path, documents: list[Document], flags: list[Flag], today: date | None = None,
                 errors: list[ProcessingError] | None = None) -> tuple[Path, Path]:
    today = today or date.today()
    layout = OutputLayout(out)
    html_path, md_path = layout.report_html(today), layout.report_markdown(today)
    write_atomic(html_path, render_html(documents, flags, today, errors).encode("utf-8"))
    write_atomic(md_path, render_markdown(documents, flags, today, errors).encode("utf-8"))
    return html_path, md_path


def run_reconciliation(out: Path, today: date | None = None) -> tuple[list[Flag], Path, Path]:
    """Read OUT/documents, write OUT/reconcile/flags.json and the report; return them."""
    documents = list(iter_documents(out))
    flags = reconcile(documents)
    write_flags(out, flags)
    html_path, md_path = write_report(out, documents, flags, today, list(iter_errors(out)))
    return flags, html_path, md_path
