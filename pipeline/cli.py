"""The `finsam` command line."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import PIPELINE_VERSION
from pipeline.limits import Limits
from pipeline.process import BatchResult, collect_inputs, process_batch
from pipeline.report import run_reconciliation

app = typer.Typer(add_completion=False, no_args_is_help=True, help="finsam: structured records from samordningsförbund documents.")
console = Console()
err_console = Console(stderr=True)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug output.")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def print_summary(result: BatchResult, out: Path) -> None:
    docs = [o.document for o in result.processed if o.document]
    counts: Counter[str] = Counter()
    for d in docs:
        counts.update({k: v for k, v in d.records.counts().items() if v})
    table = Table(title=f"finsam {PIPELINE_VERSION}: {out}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files", str(len(result.outcomes)))
    table.add_row("  processed", str(len(result.processed)))
    table.add_row("  unchanged (skipped)", str(sum(1 for o in result.outcomes if o.status == "skipped")))
    table.add_row("  errors", str(len(result.failed)))
    table.add_row("pages", str(sum(d.page_count for d in docs)))
    table.add_row("OCR pages", str(sum(d.ocr_page_count for d in docs)))
    for kind in sorted(counts):
        table.add_row(f"records: {kind}", str(counts[kind]))
    console.print(table)
    for o in result.failed:
        err_console.print(f"[red]error[/red] {o.path}: {o.error.kind}: {o.error.message}", soft_wrap=True, highlight=False)


@app.command()
def process(
    paths: list[Path] = typer.Argument(..., help="Files or folders (.pdf, .docx, .txt)."),
    out: Path = typer.Option(Path("outputs"), "--out", help="Output folder."),
    force: bool = typer.Option(False, "--force", help="Reprocess files even when unchanged."),
    jobs: int = typer.Option(0, "--jobs", help="Files processed at once (0: one per core)."),
    max_pages: int = typer.Option(Limits().max_pages, "--max-pages"),
    max_ocr_pages: int = typer.Option(Limits().max_ocr_pages, "--max-ocr-pages"),
    max_pixels: int = typer.Option(Limits().max_pixels_per_page, "--max-pixels", help="Pixels per rendered page."),
    timeout: float = typer.Option(Limits().timeout_seconds, "--timeout", help="Seconds per document."),
    memory_mb: int = typer.Option(Limits().memory_mb, "--memory-mb", help="Memory cap per document worker."),
) -> None:
    """Process files into OUT/documents/<doc_id>.json (errors into OUT/errors/)."""
    limits = Limits(
        max_pages=max_pages, max_ocr_pages=max_ocr_pages, max_pixels_per_page=max_pixels,
        timeout_seconds=timeout, memory_mb=memory_mb,
    )
    files = collect_inputs(paths)
    if not files:
        err_console.print("no input files found (finsam reads .pdf, .docx, .txt)")
        raise typer.Exit(2)
    from pipeline.permissions import umask_not_wider_than  # noqa: PLC0415

    # Outputs (tables, folders) are never readable by more people than the inputs were.
    with umask_not_wider_than(files):
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, transient=True,
        ) as progress:
            task = progress.add_task("processing", total=len(files))
            result = process_batch(files, out, limits, force=force, jobs=jobs or None,
                                   on_done=lambda o: progress.advance(task))
        _after_batch(out)
    print_summary(result, out)
    if result.failed:
        raise typer.Exit(1)


def _after_batch(out: Path) -> None:
    """Stages that follow a batch: reconciliation and its report first (the tables read
    OUT/reconcile/flags.json), then the analyst tables."""
    print_reconciliation(*run_reconciliation(out))
    try:
        from pipeline.tables import rebuild_tables  # noqa: PLC0415 - optional until the outputs stage exists
    except ImportError:
        return
    rebuild_tables(out)


def print_reconciliation(flags, html_path: Path, md_path: Path) -> None:
    counts = Counter(f.severity for f in flags)
    console.print(f"reconciliation: {counts.get('error', 0)} error, {counts.get('warning', 0)} warning, "
                  f"{counts.get('info', 0)} info; report {html_path} (and .md)", soft_wrap=True, highlight=False)


@app.command("reconcile")
def reconcile_cmd(out: Path = typer.Option(Path("outputs"), "--out", help="Output folder holding documents/.")) -> None:
    """Reconcile OUT/documents across documents and years: OUT/reconcile/flags.json and the
    Swedish report OUT/reports/avvikelser-<date>.html/.md."""
    if not any((out / "documents").glob("*.json")):
        err_console.print(f"no processed documents in {out / 'documents'} (run finsam process first)")
        raise typer.Exit(2)
    print_reconciliation(*run_reconciliation(out))


if __name__ == "__main__":
    app()
