"""One ingest cycle: inbox -> outputs -> archive/<year>/ or quarantine/ (with a JSON reason).

Plain functions, no Prefect: the flows in flows/ only supply the processing step. The
pieces: the folders (folders), which files have arrived (arrivals), what processing a file
leaves (file_results), and moving files out of the inbox (placement). A cycle that keeps
taking files as they settle is pipeline.runtime.stream.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from models import ProcessingError
from pipeline.config import Limits
from pipeline.names import (
    OutsideFolder, check_inside, display_name, display_path, file_kind, fit_name, inside, is_shown_as_is, open_nofollow,
)
from pipeline.runtime.after_batch import rebuild_tables
from pipeline.runtime.arrivals import settled_files, untoken
from pipeline.runtime.batch import make_error, process_batch
from pipeline.runtime.file_results import FileResult, ProcessedBatch, file_result
from pipeline.runtime.folders import Folders
from pipeline.runtime.locking import LockBusy, folder_lock, sweep_stale_temps
from pipeline.runtime.permissions import umask_not_wider_than
from pipeline.runtime.placement import REASON_SUFFIX, IngestReport, place_results
from pipeline.outputs.store import OutputLayout

log = logging.getLogger(__name__)



def sweep_cycle_temps(folders: Folders) -> int:
    """Temp files a killed cycle left (records, reasons, cross-device copies). Hold the lock."""
    archive = Path(folders.archive)
    years = sorted(d for d in archive.iterdir() if d.is_dir()) if archive.is_dir() else []
    layout = OutputLayout(folders.out)
    shutil.rmtree(layout.staging, ignore_errors=True)
    return sweep_stale_temps(layout.documents, layout.errors, folders.quarantine, *years)


def run_ingest_cycle(
    folders: Folders,
    process: Callable[[list[Path]], ProcessedBatch],
    files: list[Path] | None = None,
    *,
    settle_seconds: float = 2.0,
    lock_timeout: float | None = None,
    place: Callable[[dict[Path, FileResult | ProcessingError], Folders], IngestReport] = place_results,
    rebuild: Callable[[Path], bool] | None = None,
    logger: logging.Logger | logging.LoggerAdapter = log,
) -> IngestReport:
    """One ingest cycle: inbox files -> outputs (via `process`) -> archive/ or quarantine/.

    Used by the ingest flow on Dask (flows/ingest.py; on the local runner the flow uses
    `run_ingest_stream`, which keeps taking files) and by `finsam run ingest --no-prefect`;
    `process` is what turns files into outputs and rebuilds the tables (the Prefect flow
    process_files, or `process_plain`).

    - One cycle at a time per output folder: the cycle holds `folder_lock(out)` from before
      it looks at its files until they are placed. A second runner waits (one log line
      naming the holder) and then takes only the files still in the inbox; with
      `lock_timeout` it gives up after that many seconds and skips the cycle (the report's
      `skipped` says why), leaving the files for the next cycle.
    - The cycle runs under `umask_not_wider_than(files)`: no output is readable by more
      people than the inbox files were.
    - Crash safety: a file leaves the inbox only after its record is written, by a move that
      a rerun completes (`move_unique`); a rerun recognises content already processed by its
      sha256 and only moves it. Temp files a killed cycle left are swept; tables a killed
      cycle did not finish are rebuilt by the next cycle, even with an empty inbox.
    """
    folders = folders.resolved()
    folders.ensure()  # refuses overlapping folders (FolderOverlap), one line
    if files is None:
        files = settled_files(folders.inbox, settle_seconds)
    report = IngestReport(inbox=display_path(folders.inbox))
    # OUT/.tables-pending: present while documents may have been written that the tables do
    # not show yet; the next cycle rebuilds the tables even when the inbox is empty, so a
    # run killed after moving its files still gets its rows.
    pending = OutputLayout(folders.out).tables_pending
    # Nothing to take: never wait (a run holding the lock finishes the tables itself).
    timeout = lock_timeout if files else 0
    try:
        with folder_lock(folders.out, timeout=timeout, on_wait=lambda msg: logger.info("%s", msg)):
            # Another runner may have placed some of these while this one waited; and what
            # is in the inbox now is judged now, never by a link (take_files).
            taken, strays, refused = take_files(folders.inbox, [Path(p) for p in files])
            if taken:
                _taken_now(taken)
            report.refused = [f"{display_path(p)}: {why}" for p, why in refused]
            for line in report.refused:
                logger.warning("inbox %s: refused %s", display_path(folders.inbox), line)
            with umask_not_wider_than(taken or [folders.inbox]):
                sweep_cycle_temps(folders)
                if taken:
                    pending.touch()  # empty marker: nothing to write half
                    with staged(taken, folders.out) as aliases:
                        batch = process(aliases)
                    results = dict(zip(taken, batch.results))
                    results.update(strays)
                    report = place(results, folders).model_copy(update={"refused": report.refused})
                    report.tables_rebuilt = batch.tables_rebuilt
                else:
                    if strays:
                        report = place(dict(strays), folders).model_copy(update={"refused": report.refused})
                    if pending.exists():
                        logger.info("tables: finishing the rebuild an interrupted cycle left")
                        report.tables_rebuilt = (rebuild or rebuild_tables)(Path(folders.out))
                # process/rebuild returned: the tables show every record
                pending.unlink(missing_ok=True)
    except LockBusy as exc:
        return _skipped(report, folders, files, exc, logger)
    return _logged(report, folders, files, logger)


def _skipped(report: IngestReport, folders: Folders, files: list[Path], exc: LockBusy,
             logger: logging.Logger | logging.LoggerAdapter) -> IngestReport:
    """Another run held the outputs past lock_timeout: the files stay for the next cycle."""
    if files:
        report.skipped = str(exc)
        logger.warning("inbox %s: cycle skipped: %s", display_path(folders.inbox), exc)
    return report


def _logged(report: IngestReport, folders: Folders, files: list[Path],
            logger: logging.Logger | logging.LoggerAdapter) -> IngestReport:
    """A cycle's outcome in the log: each quarantined file, then the counts."""
    for q in report.quarantined:
        logger.warning("quarantined %s: %s: %s", q.file_name, q.kind, q.message)
    if files or report.tables_rebuilt:
        logger.info("inbox %s: %d archived, %d quarantined, %d left", display_path(folders.inbox),
                    len(report.archived), len(report.quarantined), len(report.left_in_inbox))
    return report


def take_files(inbox: Path, files: list[Path]) -> tuple[list[Path], dict[Path, ProcessingError], list[tuple[Path, str]]]:
    """Judge the handed files as they are now, under the lock, without following any link.

    Returns (files to process, entries to quarantine at once with their error, refused).
    - Outside the inbox (a path handed through the API, "../x", a symlinked subfolder
      leading out): refused, never read, moved or deleted.
    - A symbolic link, named pipe, socket or device in the inbox, or a stray reason file:
      quarantined as it is (a link is moved, never followed), with the reason.
    - Gone (placed by another run): dropped.
    Tokens from `handover` are mapped back to their files first."""
    inbox = Path(inbox)
    taken: list[Path] = []
    strays: dict[Path, ProcessingError] = {}
    refused: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for p in untoken(inbox, [Path(os.path.abspath(f)) for f in files]):
        if p in seen:
            continue
        seen.add(p)
        if not inside(inbox, p):
            refused.append((p, "not inside the inbox"))
            continue
        try:
            check_inside(inbox, p)
        except OutsideFolder as exc:
            why = str(exc)
            if why == "gone":
                continue
            if why == "reached through a symbolic link":  # a folder on the way is a link: it may lead anywhere
                refused.append((p, why))
                continue
            try:
                st = os.lstat(p)
            except OSError:
                continue
            strays[p] = make_error(p, "not_a_file", f"{file_kind(st.st_mode)} in the inbox; not read (links are never followed)")
            continue
        if p.name.endswith(REASON_SUFFIX):
            strays[p] = make_error(p, "unsupported", "a quarantine reason file in the inbox; not read")
            continue
        taken.append(p)
    return taken, strays, refused


class staged:
    """Context manager: the paths `process` is given for the taken files (`add`: one more,
    for a cycle that keeps taking files).

    A file whose name shows as is is given as itself. Any other (not UTF-8, a control
    character, a personnummer) is given as a hard link (or, across file systems, a copy) of
    exactly the inode that was checked, under OUT/.staging/<n>/<its shown name>: its real
    name then never reaches the orchestrator (flow-run parameters, task-run names, the
    pickled result cache), and the record says the name as shown. Removed afterwards (and
    by the next cycle's sweep after a kill)."""

    def __init__(self, files: list[Path], out: Path):
        self.files = files
        self.root = OutputLayout(out).staging
        self._count = 0

    def __enter__(self) -> list[Path]:
        return [self.add(p) for p in self.files]

    def add(self, p: Path) -> Path:
        """The path processing is given for inbox file p."""
        if is_shown_as_is(p):
            return p
        folder = self.root / str(self._count)
        self._count += 1
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        alias = folder / fit_name(display_name(p.name).replace("/", "_"))
        try:
            fd = open_nofollow(p)
        except OSError:
            return p  # fails in processing with its reason
        try:
            try:
                os.link(f"/proc/self/fd/{fd}", alias, follow_symlinks=True)
            except OSError:  # another file system, or protected_hardlinks: copy the checked bytes
                with os.fdopen(os.dup(fd), "rb") as inp, open(alias, "xb") as outp:
                    shutil.copyfileobj(inp, outp, 1 << 20)
        finally:
            os.close(fd)
        return alias

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def process_plain(out: Path, limits: Limits | None = None, jobs: int | None = None) -> Callable[[list[Path]], ProcessedBatch]:
    """A `process` for run_ingest_cycle without Prefect: process_batch, then the tables.

    Same per-file work and skip-by-sha256 as the flow (pipeline.runtime.batch.process_one); no
    retries. Used by `finsam run ingest --no-prefect`, tests and benchmarks/bench_load.py."""

    def process(paths: list[Path]) -> ProcessedBatch:
        result = process_batch(paths, Path(out), limits, jobs=jobs)
        by_path = {o.path: o for o in result.outcomes}
        results: list[FileResult | ProcessingError] = [file_result(by_path[p]) for p in paths]
        return ProcessedBatch(results=results, tables_rebuilt=rebuild_tables(Path(out)))

    return process


# In-process observers of what cycles take: called with the inbox paths each time a cycle
# takes files (under its lock), e.g. a benchmark that drops the next files once the last
# ones are taken. An observer must be quick and must not raise.
TAKE_OBSERVERS: list[Callable[[list[Path]], object]] = []


def _taken_now(paths: list[Path]) -> None:
    for observer in list(TAKE_OBSERVERS):
        try:
            observer(list(paths))
        except Exception:  # noqa: BLE001 - an observer never stops a cycle
            log.debug("take observer failed", exc_info=True)
