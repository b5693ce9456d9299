"""The `finsam` command line."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.table import Table

from pipeline import PIPELINE_VERSION, __version__
from pipeline.config import Limits, environment
from pipeline.cli_checks import check_runner, checked_folders, fail_on_os_error, refuse, writable_folder
from pipeline.runtime.after_batch import TablesNotRebuilt, after_batch, import_in_background, reconcile
from pipeline.runtime.batch import collect_inputs, process_batch
from pipeline.runtime.locking import folder_lock
from pipeline.runtime.permissions import umask_not_wider_than
from pipeline.outputs.store import OutputLayout
from pipeline.terminal import (
    batch_progress, console, err_console, now, print_ingest, print_reconciliation, print_summary, shown,
)

app = typer.Typer(add_completion=False, no_args_is_help=True, help="finsam: structured records from samordningsförbund documents.")

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
    try:  # the FINSAM_* settings, checked where a run starts: a bad one was a forkserver traceback
        environment()
    except ValueError as exc:
        refuse(str(exc))


@app.command()
@fail_on_os_error
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
        err_console.print(f"[yellow]skipped[/yellow] {shown(path)}: {why}", soft_wrap=True, highlight=False)
    if not files:
        err_console.print("no input files found (finsam reads .pdf, .docx, .txt)")
        raise typer.Exit(2)
    out = writable_folder(out, "--out")
    # Outputs (tables, folders) are never readable by more people than the inputs were;
    # one run at a time per output folder, processing and table rebuild together.
    with umask_not_wider_than(files), folder_lock(out):
        import_in_background()  # the after-batch stages' imports, on the core the batch's start leaves idle
        with batch_progress(len(files)) as shown_progress:
            result = process_batch(files, out, limits, force=force, jobs=jobs or None,
                                   on_done=shown_progress.on_done, on_page=shown_progress.on_page)
        tables_ok = _after_batch(out)
    print_summary(result, out, skipped=len(skipped))
    if result.failed or not tables_ok:
        raise typer.Exit(1)


def _after_batch(out: Path) -> bool:
    """pipeline.runtime.after_batch.after_batch (reconciliation and its report, then the analyst tables),
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


@app.command("reconcile")
@fail_on_os_error
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
    from pipeline.outputs.query import NoTablesError, ensure_tables  # noqa: PLC0415

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

    from pipeline.outputs.query import FORMATS, connect, fetch, result_text, write_result  # noqa: PLC0415

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
                refuse(f"--output {output} cannot be written: {exc.strerror or exc}", 1)
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
    from pipeline.outputs.query import export_xlsx  # noqa: PLC0415

    _analyst_out(out)
    if xlsx.is_dir():
        refuse(f"--xlsx {xlsx} is a folder; give a file name such as {xlsx / 'finsam.xlsx'}")
    try:
        result = export_xlsx(out, xlsx, tables=table or None)
    except ValueError as exc:
        err_console.print(str(exc))
        raise typer.Exit(2) from exc
    except OSError as exc:
        refuse(f"--xlsx {xlsx} cannot be written: {exc.strerror or exc}", 1)
    console.print(f"{xlsx}: {len(result.rows)} sheets, {sum(result.rows.values())} rows")
    for name, missing in result.truncated.items():
        err_console.print(f"[yellow]{name}: {missing} rows left out (Excel holds at most 1,048,575 per sheet)[/yellow]")


@app.command()
@fail_on_os_error
def tables(
    out: Path = typer.Option(Path("outputs"), "--out", help="Output folder holding tables/."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild tables/ and finsam.duckdb from the JSON records first."),
    full: bool = typer.Option(False, "--full", help="With --rebuild: parse every document again."),
) -> None:
    """List the analyst tables with their row counts and columns."""
    from pipeline.outputs.query import summaries  # noqa: PLC0415
    from pipeline.outputs.tables import rebuild_tables  # noqa: PLC0415

    if rebuild:
        writable_folder(out, "--out")
        res = rebuild_tables(out, incremental=not full)
        err_console.print(f"rebuilt {len(res.rows)} tables from {res.documents} documents "
                          f"({res.parsed} parsed, {res.reused} reused) in {res.seconds:.1f} s")
        for name, reason in res.skipped:
            err_console.print(f"[yellow]skipped[/yellow] {shown(name)}: {shown(reason)}", soft_wrap=True, highlight=False)
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
    from pipeline.outputs import schema_doc as doc  # noqa: PLC0415

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


@run_app.command("ingest")
@fail_on_os_error
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
    check_runner(task_runner)
    f = checked_folders(inbox, archive, quarantine, out, create_inbox)
    if not use_prefect:
        logging.getLogger("pipeline.runtime").setLevel(logging.INFO)
        from pipeline.runtime.inbox import process_plain, run_ingest_cycle  # noqa: PLC0415

        report = run_ingest_cycle(f, process_plain(f.out, jobs=workers or None), settle_seconds=settle,
                                  lock_timeout=lock_wait)
    else:
        from pipeline.runtime.serve import prefect_api  # noqa: PLC0415

        with prefect_api(home=prefect_home, ui=False):
            from flows.ingest import ingest_inbox  # noqa: PLC0415

            report = ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine),
                                  out=str(f.out), settle_seconds=settle, task_runner=task_runner,
                                  dask_address=dask_address, workers=workers or None, lock_timeout=lock_wait)
    print_ingest(report)
    if report.skipped:
        raise typer.Exit(3)


@run_app.command("nightly")
def run_nightly(out: Path = _OUT, prefect_home: Path = _HOME) -> None:
    """Run the nightly flow once: reconcile and write the report, rebuild the tables."""
    from pipeline.runtime.serve import prefect_api  # noqa: PLC0415

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
    check_runner(task_runner)
    from pipeline.runtime.serve import prefect_api  # noqa: PLC0415
    from pipeline.runtime.watch import InboxWatcher  # noqa: PLC0415
    from pipeline.runtime.after_batch import refresh_after_ingest  # noqa: PLC0415

    f = checked_folders(inbox, archive, quarantine, out, create_inbox)
    f.ensure()
    with prefect_api(home=prefect_home) as url:
        from flows.ingest import ingest_inbox  # noqa: PLC0415

        def on_batch(files: list[Path]) -> None:
            report = ingest_inbox(
                inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine), out=str(f.out),
                files=[str(p) for p in files], task_runner=task_runner, dask_address=dask_address,
                workers=workers or None)
            print_ingest(report, stamp=True)
            # The report and the tables' flags follow every cycle that placed files, not only the night.
            rec = refresh_after_ingest(report, f.out)
            if rec is not None:
                console.print(f"{now()} report {rec.reports[0]} ({rec.flags} flags); tables rebuilt",
                              highlight=False, soft_wrap=True)

        for handler in logging.getLogger().handlers:  # the watcher's own log lines get the time too
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
        console.print(f"{now()} watching {f.inbox} (Prefect API {url}); Ctrl-C stops", highlight=False, soft_wrap=True)
        InboxWatcher(f.inbox, on_batch, quiet_seconds=quiet, debounce_seconds=debounce).run()
    console.print(f"{now()} stopped")


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
    check_runner(task_runner)
    from pipeline.runtime.serve import prefect_api  # noqa: PLC0415

    f = checked_folders(inbox, archive, quarantine, out, create_inbox)
    with prefect_api(home=prefect_home) as url:
        from flows.deploy import serve_forever  # noqa: PLC0415

        console.print(f"Prefect UI: {url.removesuffix('/api')}  (API {url})", highlight=False, soft_wrap=True)
        serve_forever(f, cron=cron, timezone=timezone, task_runner=task_runner, dask_address=dask_address,
                      quiet_seconds=quiet)
    console.print("stopped")


if __name__ == "__main__":
    app()
