"""The `finsam` command line."""

from __future__ import annotations

import logging
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import PIPELINE_VERSION, __version__
from pipeline.limits import Limits
from pipeline.process import BatchResult, collect_inputs, process_batch
from pipeline.stages import Reconciliation, TablesNotRebuilt, after_batch, reconcile
from pipeline.store import OutputLayout

app = typer.Typer(add_completion=False, no_args_is_help=True, help="finsam: structured records from samordningsförbund documents.")
console = Console()
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"finsam {__version__} (records: pipeline version {PIPELINE_VERSION})", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug output."),
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print finsam's version (and the records' pipeline version) and exit."),
) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def print_summary(result: BatchResult, out: Path, skipped: int = 0) -> None:
    docs = [o.document for o in result.processed if o.document]
    counts: Counter[str] = Counter()
    for d in docs:
        counts.update({k: v for k, v in d.records.counts().items() if v})
    table = Table(title=f"finsam {PIPELINE_VERSION}: {_shown(out)}")
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
        err_console.print(f"[red]error[/red] {_shown(o.path)}: {o.error.kind}: {_shown(o.error.message)}",
                          soft_wrap=True, highlight=False)


def _shown(text) -> str:
    """A name or message as the terminal may show it: escaped, masked, no markup."""
    from rich.markup import escape  # noqa: PLC0415

    from pipeline.names import display_name  # noqa: PLC0415

    return escape(display_name(str(text) if not isinstance(text, (bytes, Path)) else text) or "")


def _fail_on_os_error(func):
    """A command that cannot write its outputs (read-only --out, a full disk, no permission)
    ends in one line naming the folder and the reason, exit 1, not a traceback."""
    import errno  # noqa: PLC0415
    import functools  # noqa: PLC0415

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO):
                raise
            where = f" ({_shown(exc.filename)})" if exc.filename else ""
            err_console.print(f"[red]error[/red] cannot write the outputs{where}: {exc.strerror or exc}",
                              soft_wrap=True, highlight=False)
            raise typer.Exit(1) from None
    return wrapper


@app.command()
@_fail_on_os_error
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
    skipped: list[tuple[Path, str]] = []
    files = collect_inputs(paths, skipped)
    for path, why in skipped:  # never passed over in silence: images, other types, links, pipes
        err_console.print(f"[yellow]skipped[/yellow] {_shown(path)}: {why}", soft_wrap=True, highlight=False)
    if not files:
        err_console.print("no input files found (finsam reads .pdf, .docx, .txt)")
        raise typer.Exit(2)
    out = writable_folder(out, "--out")
    from pipeline.locking import folder_lock  # noqa: PLC0415
    from pipeline.permissions import umask_not_wider_than  # noqa: PLC0415

    # Outputs (tables, folders) are never readable by more people than the inputs were;
    # one run at a time per output folder, processing and table rebuild together.
    with umask_not_wider_than(files), folder_lock(out):
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, transient=True,
        ) as progress:
            task = progress.add_task("processing", total=len(files))
            page_tasks: dict[Path, object] = {}

            def on_page(path: Path, done: int, total: int) -> None:
                # A line per file being read, "name pages 12/49", while it is read (long scans).
                if path not in page_tasks:
                    page_tasks[path] = progress.add_task(f"  {path.name} pages", total=total)
                progress.update(page_tasks[path], completed=done, total=total)

            def on_done(o) -> None:
                if (t := page_tasks.pop(o.path, None)) is not None:
                    progress.remove_task(t)
                progress.advance(task)

            result = process_batch(files, out, limits, force=force, jobs=jobs or None,
                                   on_done=on_done, on_page=on_page)
        tables_ok = _after_batch(out)
    print_summary(result, out, skipped=len(skipped))
    if result.failed or not tables_ok:
        raise typer.Exit(1)


def _after_batch(out: Path) -> bool:
    """pipeline.stages.after_batch (reconciliation and its report, then the analyst tables),
    printed. A failing table rebuild is one line on stderr and False (the command exits
    nonzero); the per-document records are already written and stay."""
    try:
        done = after_batch(out)
    except TablesNotRebuilt as exc:
        if exc.result.reconciliation is not None:
            print_reconciliation(exc.result.reconciliation)
        err_console.print(f"[red]error[/red] {exc}", soft_wrap=True, highlight=False)
        return False
    if done.reconciliation is not None:
        print_reconciliation(done.reconciliation)
    return True


def print_reconciliation(rec: Reconciliation) -> None:
    counts = rec.by_severity
    console.print(f"reconciliation: {counts.get('error', 0)} error, {counts.get('warning', 0)} warning, "
                  f"{counts.get('info', 0)} info; report {rec.reports[0]} (and .md)", soft_wrap=True, highlight=False)


@app.command("reconcile")
@_fail_on_os_error
def reconcile_cmd(out: Path = typer.Option(Path("outputs"), "--out", help="Output folder holding documents/.")) -> None:
    """Reconcile OUT/documents across documents and years: OUT/reconcile/flags.json and the
    Swedish report OUT/reports/avvikelser-<date>.html/.md."""
    documents = OutputLayout(out).documents
    if not any(documents.glob("*.json")):
        err_console.print(f"no processed documents in {documents} (run finsam process first)")
        raise typer.Exit(2)
    writable_folder(OutputLayout(out).reports, "--out")
    print_reconciliation(reconcile(out))


# --- analyst outputs: finsam query / export / tables / schema-doc ------------------------

def _analyst_out(out: Path) -> None:
    from pipeline.query import NoTablesError, ensure_tables  # noqa: PLC0415

    try:
        ensure_tables(out)
    except NoTablesError as exc:
        err_console.print(str(exc))
        raise typer.Exit(2) from exc


@app.command()
def query(
    sql: str = typer.Argument(..., help="SQL over the views documents, segments, parties, ... (see docs/schema.md)."),
    out: Path = typer.Option(Path("outputs"), "--out", help="Output folder holding tables/."),
    fmt: str = typer.Option("table", "--format", "-f", help="table (printed), csv, json or parquet."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the result to this file."),
    limit: int = typer.Option(200, "--limit", help="Rows printed by --format table (files get all rows)."),
) -> None:
    """Run SQL on the analyst tables (DuckDB)."""
    import duckdb  # noqa: PLC0415

    from pipeline.query import FORMATS, connect, fetch, result_text, write_result  # noqa: PLC0415

    if fmt not in FORMATS:
        err_console.print(f"--format must be one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    if fmt == "parquet" and output is None:
        err_console.print("--format parquet needs --output FILE")
        raise typer.Exit(2)
    _analyst_out(out)
    con = connect(out)
    try:
        if output is not None:
            try:
                rows = write_result(con, sql, "csv" if fmt == "table" else fmt, output)
            except OSError as exc:
                _refuse(f"--output {output} cannot be written: {exc.strerror or exc}", 1)
            err_console.print(f"{rows} rows written to {output}")
        elif fmt in ("csv", "json"):
            typer.echo(result_text(con, sql, fmt), nl=False)
        else:
            res = fetch(con, sql, limit=limit)
            table = Table(show_lines=False)
            for name, typ in zip(res.columns, res.types):
                table.add_column(f"{name}\n[dim]{typ}[/dim]")
            for row in res.rows:
                table.add_row(*("" if v is None else str(v) for v in row))
            console.print(table)
            more = f" (first {len(res.rows)} shown; --limit or --output for more)" if res.total > len(res.rows) else ""
            err_console.print(f"{res.total} rows{more}")
    except duckdb.Error as exc:
        err_console.print(f"[red]query failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        con.close()


@app.command()
def export(
    xlsx: Path = typer.Option(..., "--xlsx", help="Excel workbook to write (one sheet per table)."),
    out: Path = typer.Option(Path("outputs"), "--out", help="Output folder holding tables/."),
    table: list[str] = typer.Option(None, "--table", help="Only these tables (repeatable)."),
) -> None:
    """Export the analyst tables to an Excel workbook."""
    from pipeline.query import export_xlsx  # noqa: PLC0415

    _analyst_out(out)
    if xlsx.is_dir():
        _refuse(f"--xlsx {xlsx} is a folder; give a file name such as {xlsx / 'finsam.xlsx'}")
    try:
        result = export_xlsx(out, xlsx, tables=table or None)
    except ValueError as exc:
        err_console.print(str(exc))
        raise typer.Exit(2) from exc
    except OSError as exc:
        _refuse(f"--xlsx {xlsx} cannot be written: {exc.strerror or exc}", 1)
    console.print(f"{xlsx}: {len(result.rows)} sheets, {sum(result.rows.values())} rows")
    for name, missing in result.truncated.items():
        err_console.print(f"[yellow]{name}: {missing} rows left out (Excel holds at most 1,048,575 per sheet)[/yellow]")


@app.command()
@_fail_on_os_error
def tables(
    out: Path = typer.Option(Path("outputs"), "--out", help="Output folder holding tables/."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild tables/ and finsam.duckdb from the JSON records first."),
    full: bool = typer.Option(False, "--full", help="With --rebuild: parse every document again."),
) -> None:
    """List the analyst tables with their row counts and columns."""
    from pipeline.query import summaries  # noqa: PLC0415
    from pipeline.outputs.tables import rebuild_tables  # noqa: PLC0415

    if rebuild:
        writable_folder(out, "--out")
        res = rebuild_tables(out, incremental=not full)
        err_console.print(f"rebuilt {len(res.rows)} tables from {res.documents} documents "
                          f"({res.parsed} parsed, {res.reused} reused) in {res.seconds:.1f} s")
        for name, reason in res.skipped:
            err_console.print(f"[yellow]skipped[/yellow] {_shown(name)}: {_shown(reason)}", soft_wrap=True, highlight=False)
    _analyst_out(out)
    table = Table(title=f"tables in {out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("columns")
    for s in summaries(out):
        table.add_row(s.name, str(s.rows), ", ".join(f"{n} [dim]{t}[/dim]" for n, t in s.columns))
    console.print(table)


@app.command("schema-doc")
def schema_doc(check: bool = typer.Option(False, "--check", help="Only check docs/schema.md is up to date.")) -> None:
    """Regenerate docs/schema.md from the table definitions."""
    from pipeline import schema_doc as doc  # noqa: PLC0415

    raise typer.Exit(doc.main(["--check"] if check else []))


# --- orchestration: finsam watch / serve / run ingest / run nightly (Prefect, flows/) ----

run_app = typer.Typer(no_args_is_help=True, help="Run one Prefect flow once (cron-less set-ups, tests).")
app.add_typer(run_app, name="run")

_INBOX = typer.Option(Path("corpus/inbox"), "--inbox", help="Folder the kansli drops files into.")
_ARCHIVE = typer.Option(Path("corpus/archive"), "--archive", help="Processed originals go to ARCHIVE/<year>/.")
_QUARANTINE = typer.Option(Path("corpus/quarantine"), "--quarantine", help="Failed files, each with <name>.reason.json.")
_OUT = typer.Option(Path("outputs"), "--out", help="Output folder.")
_RUNNER = typer.Option("threads", "--task-runner", help="threads (this machine) or dask.")
_DASK = typer.Option(None, "--dask-address", help="Dask scheduler, e.g. tcp://HOST:8786 (default: a local cluster).")
_WORKERS = typer.Option(0, "--workers", help="Files at once / local Dask workers (0: one per core).")
_HOME = typer.Option(None, "--prefect-home", help="PREFECT_HOME for a server finsam starts (default: Prefect's).")


_CREATE_INBOX = typer.Option(False, "--create-inbox", help="Create --inbox when it does not exist "
                             "(otherwise a missing inbox, e.g. a mistyped path, is refused).")
DEFAULT_INBOX = Path("corpus/inbox")


def _folders(inbox: Path, archive: Path, quarantine: Path, out: Path, create_inbox: bool = False):
    """The four folders, checked: the inbox must exist (unless --create-inbox or the default),
    the others must be folders this user can write to (created when missing), and none may
    lie inside another (archived files would be taken again as new ones)."""
    from pipeline.inbox import FolderOverlap, Folders  # noqa: PLC0415

    if not Path(inbox).is_dir():
        if Path(inbox).exists():
            _refuse(f"--inbox {_shown(inbox)} is not a folder")
        if not create_inbox and Path(inbox) != DEFAULT_INBOX:
            _refuse(f"--inbox {_shown(inbox)} does not exist (mistyped?); pass --create-inbox to create it")
    folders = Folders(inbox, archive, quarantine, out).resolved()
    try:
        folders.check()
    except FolderOverlap as exc:
        _refuse(_shown(exc))
    for flag, folder in (("--archive", archive), ("--quarantine", quarantine), ("--out", out)):
        writable_folder(folder, flag)
    return folders


def _refuse(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[red]error[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def writable_folder(folder: Path, flag: str = "--out") -> Path:
    """A folder outputs can be written to: created when missing; one line and exit 2 when
    it is a file, cannot be created, or cannot be written (read-only, permissions)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        _refuse(f"{flag} {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".finsam-write-test.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        _refuse(f"{flag} {folder} cannot be written: {exc.strerror or exc}")
    return folder


def _check_runner(task_runner: str) -> None:
    if task_runner not in ("threads", "dask"):
        err_console.print(f"--task-runner must be threads or dask, not {task_runner!r}")
        raise typer.Exit(2)


def _now() -> str:
    """A local timestamp for the lines of long-running commands (watch)."""
    from datetime import datetime  # noqa: PLC0415

    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _print_ingest(report, stamp: bool = False) -> None:
    t = f"{_now()} " if stamp else ""
    if report.skipped:
        err_console.print(f"{t}ingest {_shown(report.inbox)}: skipped: {_shown(report.skipped)}",
                          highlight=False, soft_wrap=True)
        return
    console.print(f"{t}ingest {_shown(report.inbox)}: {len(report.archived)} archived, {len(report.quarantined)} quarantined"
                  + (f", {len(report.left_in_inbox)} left in the inbox" if report.left_in_inbox else ""),
                  highlight=False, soft_wrap=True)
    for p in report.archived:
        console.print(f"{t}  {p.status:<10} {_shown(p.file_name)} -> {_shown(p.moved_to)}", highlight=False, soft_wrap=True)
    for p in report.quarantined:
        err_console.print(f"{t}  [red]quarantined[/red] {_shown(p.file_name)}: {p.kind}: {_shown(p.message)}",
                          highlight=False, soft_wrap=True)
    for line in report.refused:
        err_console.print(f"{t}  [red]refused[/red] {_shown(line)}", highlight=False, soft_wrap=True)


@run_app.command("ingest")
@_fail_on_os_error
def run_ingest(
    inbox: Path = _INBOX, archive: Path = _ARCHIVE, quarantine: Path = _QUARANTINE, out: Path = _OUT,
    create_inbox: bool = _CREATE_INBOX,
    settle: float = typer.Option(2.0, "--settle", help="Take only files unchanged for this many seconds."),
    task_runner: str = _RUNNER, dask_address: str = _DASK, workers: int = _WORKERS, prefect_home: Path = _HOME,
    lock_wait: float | None = typer.Option(
        None, "--lock-wait", help="Seconds to wait while another run works on the same --out, then skip "
        "this run (exit 3). Default: wait until it is done."),
    use_prefect: bool = typer.Option(
        True, "--prefect/--no-prefect", help="--no-prefect: run the same ingest cycle in this process, without "
        "a Prefect API (no task cache, retries or UI; for a crontab on a machine without a server)."),
) -> None:
    """Run the ingest_inbox flow once: process settled inbox files, archive or quarantine them.

    Exits 0 even when files were quarantined (they are listed); uses PREFECT_API_URL or a local server.
    One ingest at a time per output folder: a second one waits (or, with --lock-wait, skips)."""
    _check_runner(task_runner)
    f = _folders(inbox, archive, quarantine, out, create_inbox)
    if not use_prefect:
        logging.getLogger("pipeline.inbox").setLevel(logging.INFO)
        from pipeline.inbox import process_plain, run_ingest_cycle  # noqa: PLC0415

        report = run_ingest_cycle(f, process_plain(f.out, jobs=workers or None), settle_seconds=settle,
                                  lock_timeout=lock_wait)
    else:
        from pipeline.serve import prefect_api  # noqa: PLC0415

        with prefect_api(home=prefect_home, ui=False):
            from flows.ingest import ingest_inbox  # noqa: PLC0415

            report = ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine),
                                  out=str(f.out), settle_seconds=settle, task_runner=task_runner,
                                  dask_address=dask_address, workers=workers or None, lock_timeout=lock_wait)
    _print_ingest(report)
    if report.skipped:
        raise typer.Exit(3)


@run_app.command("nightly")
def run_nightly(out: Path = _OUT, prefect_home: Path = _HOME) -> None:
    """Run the nightly flow once: reconcile and write the report, rebuild the tables."""
    from pipeline.serve import prefect_api  # noqa: PLC0415

    writable_folder(out, "--out")
    with prefect_api(home=prefect_home, ui=False):
        from flows.nightly import nightly  # noqa: PLC0415

        report = nightly(out=str(out.resolve()))
    rec = report.reconciliation
    console.print(f"nightly {report.out}: {report.documents} documents, {report.errors} errors; "
                  + (f"{rec.flags} flags, report {rec.reports[0]}" if rec else "not reconciled")
                  + f"; summary {report.summary_path}", highlight=False, soft_wrap=True)


@app.command()
def watch(
    inbox: Path = _INBOX, archive: Path = _ARCHIVE, quarantine: Path = _QUARANTINE, out: Path = _OUT,
    create_inbox: bool = _CREATE_INBOX,
    quiet: float = typer.Option(3.0, "--quiet-seconds", help="A file is read once unchanged this long."),
    debounce: float = typer.Option(2.0, "--debounce-seconds", help="A burst of files becomes one run."),
    task_runner: str = _RUNNER, dask_address: str = _DASK, workers: int = _WORKERS, prefect_home: Path = _HOME,
) -> None:
    """Watch the inbox and ingest settled files as they arrive (Ctrl-C stops)."""
    _check_runner(task_runner)
    from pipeline.serve import prefect_api  # noqa: PLC0415
    from pipeline.watch import InboxWatcher  # noqa: PLC0415

    from pipeline.stages import refresh_after_ingest  # noqa: PLC0415

    f = _folders(inbox, archive, quarantine, out, create_inbox)
    f.ensure()
    with prefect_api(home=prefect_home) as url:
        from flows.ingest import ingest_inbox  # noqa: PLC0415

        def on_batch(files: list[Path]) -> None:
            report = ingest_inbox(
                inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine), out=str(f.out),
                files=[str(p) for p in files], task_runner=task_runner, dask_address=dask_address,
                workers=workers or None)
            _print_ingest(report, stamp=True)
            # The report and the tables' flags follow every cycle that placed files, not only the night.
            rec = refresh_after_ingest(report, f.out)
            if rec is not None:
                console.print(f"{_now()} report {rec.reports[0]} ({rec.flags} flags); tables rebuilt",
                              highlight=False, soft_wrap=True)

        for handler in logging.getLogger().handlers:  # the watcher's own log lines get the time too
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
        console.print(f"{_now()} watching {f.inbox} (Prefect API {url}); Ctrl-C stops", highlight=False, soft_wrap=True)
        InboxWatcher(f.inbox, on_batch, quiet_seconds=quiet, debounce_seconds=debounce).run()
    console.print(f"{_now()} stopped")


@app.command()
def serve(
    inbox: Path = _INBOX, archive: Path = _ARCHIVE, quarantine: Path = _QUARANTINE, out: Path = _OUT,
    create_inbox: bool = _CREATE_INBOX,
    cron: str = typer.Option("0 2 * * *", "--cron", help="When the nightly flow runs (cron)."),
    timezone: str = typer.Option("Europe/Stockholm", "--timezone", help="Time zone of --cron."),
    quiet: float = typer.Option(3.0, "--quiet-seconds", help="A file is read once unchanged this long."),
    task_runner: str = _RUNNER, dask_address: str = _DASK, prefect_home: Path = _HOME,
) -> None:
    """Serve the inbox watcher and the nightly flow in one process (Ctrl-C stops).

    Uses PREFECT_API_URL when set; otherwise starts a local Prefect server (SQLite, UI) and
    stops it on exit."""
    _check_runner(task_runner)
    from pipeline.serve import prefect_api  # noqa: PLC0415

    f = _folders(inbox, archive, quarantine, out, create_inbox)
    with prefect_api(home=prefect_home) as url:
        from flows.deploy import serve_forever  # noqa: PLC0415

        console.print(f"Prefect UI: {url.removesuffix('/api')}  (API {url})", highlight=False, soft_wrap=True)
        serve_forever(f, cron=cron, timezone=timezone, task_runner=task_runner, dask_address=dask_address,
                      quiet_seconds=quiet)
    console.print("stopped")


if __name__ == "__main__":
    app()
