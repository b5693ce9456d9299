"""What the command line shows: names and messages made safe to print, the progress of a
batch, and the summaries of a batch, a reconciliation and an ingest cycle."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import PIPELINE_VERSION
from pipeline.names import display_name
from pipeline.runtime.after_batch import Reconciliation
from pipeline.runtime.batch import BatchResult, FileOutcome

console = Console()
err_console = Console(stderr=True)


def shown(text) -> str:
    """A name or message as the terminal may show it: escaped, masked, no markup."""
    return escape(display_name(str(text) if not isinstance(text, (bytes, Path)) else text) or "")


def now() -> str:
    """A local timestamp for the lines of long-running commands (watch)."""
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class BatchProgress:
    """The callbacks process_batch reports to: a bar for the files and, while a file is
    read, a line "name pages 12/49" (long scans)."""

    progress: Progress
    files_task: object
    page_tasks: dict

    def on_page(self, path: Path, done: int, total: int) -> None:
        if path not in self.page_tasks:
            self.page_tasks[path] = self.progress.add_task(f"  {path.name} pages", total=total)
        self.progress.update(self.page_tasks[path], completed=done, total=total)

    def on_done(self, outcome: FileOutcome) -> None:
        if (t := self.page_tasks.pop(outcome.path, None)) is not None:
            self.progress.remove_task(t)
        self.progress.advance(self.files_task)


@contextmanager
def batch_progress(files: int) -> Iterator[BatchProgress]:
    with Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err_console, transient=True,
    ) as progress:
        yield BatchProgress(progress, progress.add_task("processing", total=files), {})


def print_summary(result: BatchResult, out: Path, skipped: int = 0) -> None:
    docs = [o.document for o in result.processed if o.document]
    counts: Counter[str] = Counter()
    for d in docs:
        counts.update({k: v for k, v in d.records.counts().items() if v})
    table = Table(title=f"finsam {PIPELINE_VERSION}: {shown(out)}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files", str(len(result.outcomes)))
    table.add_row("  processed", str(len(result.processed)))
    table.add_row("  unchanged (skipped)", str(sum(1 for o in result.outcomes if o.status == "skipped")))
    table.add_row("  errors", str(len(result.failed)))
    if skipped:
        table.add_row("not read (images, other types, links)", str(skipped))
    table.add_row("pages", str(sum(d.page_count for d in docs)))
    table.add_row("OCR pages", str(sum(d.ocr_page_count for d in docs)))
    for kind in sorted(counts):
        table.add_row(f"records: {kind}", str(counts[kind]))
    console.print(table)
    for o in result.failed:
        err_console.print(f"[red]error[/red] {shown(o.path)}: {o.error.kind}: {shown(o.error.message)}",
                          soft_wrap=True, highlight=False)


def print_reconciliation(rec: Reconciliation) -> None:
    counts = rec.by_severity
    console.print(f"reconciliation: {counts.get('error', 0)} error, {counts.get('warning', 0)} warning, "
                  f"{counts.get('info', 0)} info; report {rec.reports[0]} (and .md)", soft_wrap=True, highlight=False)


def print_ingest(report, stamp: bool = False) -> None:
    t = f"{now()} " if stamp else ""
    if report.skipped:
        err_console.print(f"{t}ingest {shown(report.inbox)}: skipped: {shown(report.skipped)}",
                          highlight=False, soft_wrap=True)
        return
    console.print(f"{t}ingest {shown(report.inbox)}: {len(report.archived)} archived, {len(report.quarantined)} quarantined"
                  + (f", {len(report.left_in_inbox)} left in the inbox" if report.left_in_inbox else ""),
                  highlight=False, soft_wrap=True)
    for p in report.archived:
        console.print(f"{t}  {p.status:<10} {shown(p.file_name)} -> {shown(p.moved_to)}", highlight=False, soft_wrap=True)
    for p in report.quarantined:
        err_console.print(f"{t}  [red]quarantined[/red] {shown(p.file_name)}: {p.kind}: {shown(p.message)}",
                          highlight=False, soft_wrap=True)
    for line in report.refused:
        err_console.print(f"{t}  [red]refused[/red] {shown(line)}", highlight=False, soft_wrap=True)
