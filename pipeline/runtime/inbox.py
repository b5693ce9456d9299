"""One ingest cycle: inbox -> outputs -> archive/<year>/ or quarantine/ (with a JSON reason).

Plain functions, no Prefect: the flows in flows/ only supply the processing step. The
pieces: the folders (folders), which files have arrived (arrivals), what processing a file
leaves (file_results), and moving files out of the inbox (placement).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models import ProcessingError
from pipeline.config import INGEST, IngestSettings, Limits
from pipeline.names import (
    OutsideFolder, check_inside, display_name, display_path, file_kind, fit_name, inside, is_shown_as_is, open_nofollow,
)
from pipeline.runtime.after_batch import rebuild_tables
from pipeline.read import sha256_file
from pipeline.runtime.arrivals import StabilityTracker, scan_inbox, settled_files, untoken
from pipeline.runtime.batch import make_error, process_batch
from pipeline.runtime.file_results import FileResult, ProcessedBatch, file_result
from pipeline.runtime.folders import Folders
from pipeline.runtime.locking import LockBusy, folder_lock, sweep_stale_temps
from pipeline.runtime.permissions import umask_for, umask_not_wider_than
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
        if files:
            report.skipped = str(exc)
            logger.warning("inbox %s: cycle skipped: %s", display_path(folders.inbox), exc)
        return report
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


# --- a cycle that keeps taking files ------------------------------------------------------

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


@dataclass(eq=False)  # identity: one entry per take, even for two names of one file
class Taken:
    """A file a cycle took: its inbox path and the path processing is given (`staged`)."""

    path: Path
    alias: Path


class Feed:
    """The files of one streaming ingest cycle (`run_ingest_stream`), one at a time, for
    its workers (pipeline.runtime.file_chunks.run_lane).

    First the files the cycle was handed and took; then, whenever a worker wants more,
    the files that have settled in the inbox since (the watcher's StabilityTracker, the
    same `take_files` checks, under the cycle's lock), until the cycle has been taking
    for `keep_taking_s` or its workers have had nothing to do for `idle_s`. A file is
    placed (archive/ or quarantine/) as soon as its record is written, never before; the
    tables are the cycle's, rebuilt once at its end. Files with the same bytes in one
    cycle are processed once (the others are 'duplicate'). A later file whose permissions
    are narrower than the cycle's umask allows is left for a cycle of its own.
    Thread-safe: every worker calls `next` and `done`."""

    def __init__(self, folders: Folders, taken: list[Path], strays: dict[Path, ProcessingError] | None = None, *,
                 stage: staged,
                 place: Callable[[dict[Path, FileResult | ProcessingError], Folders], IngestReport] = place_results,
                 settings: IngestSettings = INGEST, quiet_seconds: float = 2.0, umask: int | None = None,
                 pending: Path | None = None, logger: logging.Logger | logging.LoggerAdapter = log,
                 clock: Callable[[], float] = time.monotonic):
        self.folders = folders
        self.settings = settings
        self.stage = stage
        self.umask = umask
        self.pending = pending
        self.logger = logger
        self.clock = clock
        self._place_fn = place
        self._cond = threading.Condition()
        self._place_lock = threading.Lock()
        self._queue: deque[Taken] = deque()
        self._seen: set[Path] = set()  # inbox paths taken (or deferred) by this cycle
        self._tracker = StabilityTracker(quiet_seconds)
        self._by_sha: dict[str, Taken] = {}
        self._results: dict[Taken, FileResult | ProcessingError] = {}
        self._dupes: dict[Taken, list[Taken]] = {}
        self._abandoned: list[Taken] = []
        self._busy = 0
        self._started = self._last = clock()
        self._next_look = self._started
        self._taking = True
        self.taken_count = 0
        self.report = IngestReport(inbox=display_path(folders.inbox))
        with self._cond:
            self._enqueue(taken)
        if strays:  # links, pipes, stray reasons: quarantined as they are, at once
            self._seen.update(strays)
            self._place(dict(strays))

    # -- taking --------------------------------------------------------------------------

    def _enqueue(self, taken: list[Path]) -> None:
        new = [p for p in taken if p not in self._seen]
        if not new:
            return
        if self.pending is not None:
            self.pending.touch()  # records are coming that the tables do not show yet
        for p in new:
            self._seen.add(p)
            self._queue.append(Taken(p, self.stage.add(p)))
        self.taken_count += len(new)
        self._last = self.clock()
        _taken_now(new)

    def _look(self) -> None:
        """Take what has settled in the inbox since the last look (hold self._cond)."""
        ready = [p for p in self._tracker.observe(scan_inbox(self.folders.inbox)) if p not in self._seen]
        if not ready:
            return
        if self.umask is not None:
            narrower = [p for p in ready if umask_for([p], self.umask) != self.umask]
            for p in narrower:  # its outputs need a narrower umask: a cycle of its own
                self._seen.add(p)
            ready = [p for p in ready if p not in set(narrower)]
        taken, strays, refused = take_files(self.folders.inbox, ready)
        for p, why in refused:
            self._seen.add(p)
            self.report.refused.append(f"{display_path(p)}: {why}")
        if strays:
            self._seen.update(strays)
            self._place(dict(strays))
        self._enqueue(taken)

    def next(self) -> Taken | None:
        """The next file to process, or None when this worker is done (waits while other
        workers may still bring the cycle more to do)."""
        while True:
            item = self._pop()
            if item is None:
                return None
            try:
                sha = sha256_file(item.alias)
            except OSError:
                return item  # fails in processing with its reason
            with self._cond:
                first = self._by_sha.setdefault(sha, item)
                if first is item:
                    return item
                result = self._results.get(first)
                if result is None:  # the same bytes are being processed: share that result
                    self._dupes.setdefault(first, []).append(item)
                    self._busy -= 1
                    continue
            try:
                self._place({item.path: _duplicate(item, result)})
            finally:
                self._idle_one()

    def _pop(self) -> Taken | None:
        s = self.settings
        with self._cond:
            while True:
                if self._queue:
                    self._busy += 1
                    return self._queue.popleft()
                now = self.clock()
                if self._taking and now - self._started >= s.keep_taking_s:
                    self._taking = False
                    if s.keep_taking_s > 0:
                        self.logger.info("inbox %s: taken files for %.0f s; finishing them and publishing the tables",
                                         display_path(self.folders.inbox), s.keep_taking_s)
                if self._taking and now >= self._next_look:
                    self._next_look = now + s.poll_s
                    self._look()
                    if self._queue:
                        continue
                if not self._taking:
                    return None
                if self._busy == 0 and now - self._last >= s.idle_s:
                    self._taking = False  # drained: the others finish too
                    self._cond.notify_all()
                    return None
                self._cond.wait(max(0.01, min(s.poll_s, self._next_look - now)))

    def close(self) -> None:
        """Take nothing more (a worker failed): the others finish what was taken."""
        with self._cond:
            self._taking = False
            self._cond.notify_all()

    # -- results -------------------------------------------------------------------------

    def done(self, item: Taken, result: FileResult | ProcessingError) -> None:
        """item's record is written (or its failure known): place it, and its duplicates."""
        try:
            with self._cond:
                self._results[item] = result
                dupes = self._dupes.pop(item, [])
            results = {item.path: result}
            results.update((d.path, _duplicate(d, result)) for d in dupes)
            self._place(results)
        finally:
            self._idle_one()

    def abandon(self, item: Taken) -> None:
        """item was not finished (its worker was interrupted): it stays in the inbox."""
        with self._cond:
            self._abandoned.append(item)
        self._idle_one()

    def _idle_one(self) -> None:
        with self._cond:
            self._busy -= 1
            self._last = self.clock()
            self._cond.notify_all()

    def _place(self, results: dict[Path, FileResult | ProcessingError]) -> None:
        with self._place_lock:
            part = self._place_fn(results, self.folders)
            self.report.archived += part.archived
            self.report.quarantined += part.quarantined
            self.report.left_in_inbox += part.left_in_inbox

    def unplaced(self) -> list[Taken]:
        """Taken files no worker finished (the workers failed): they stay in the inbox."""
        with self._cond:
            waiting = [d for ds in self._dupes.values() for d in ds]
            return [*self._queue, *waiting, *self._abandoned]


def _duplicate(item: Taken, result: FileResult | ProcessingError) -> FileResult | ProcessingError:
    """The result of a file with the same bytes as one processed in this cycle."""
    if isinstance(result, ProcessingError):
        return result.model_copy(update={"file_name": item.alias.name, "source_path": str(item.alias)})
    return result.model_copy(update={"file_name": item.alias.name, "status": "duplicate", "seconds": 0.0})


def run_ingest_stream(
    folders: Folders,
    run_lanes: Callable[[Feed], object],
    files: list[Path] | None = None,
    *,
    settle_seconds: float = 2.0,
    lock_timeout: float | None = None,
    settings: IngestSettings = INGEST,
    place: Callable[[dict[Path, FileResult | ProcessingError], Folders], IngestReport] = place_results,
    rebuild: Callable[[Path], bool] | None = None,
    logger: logging.Logger | logging.LoggerAdapter = log,
) -> IngestReport:
    """An ingest cycle that keeps taking files: inbox -> outputs -> archive/ or quarantine/,
    for files handed to it and for files that settle in the inbox while it works.

    The same lock, umask, take_files checks and crash safety as `run_ingest_cycle`; the
    difference is the processing step: `run_lanes(feed)` runs workers
    (pipeline.runtime.file_chunks.run_lane, one per core) that each take the next file
    from `feed` (a `Feed`) as soon as they are free and place it as soon as its record is
    written; it returns when every worker is done. So a stream of arrivals is one cycle,
    no core waits for a burst's last file, and the tables are rebuilt once, when the inbox
    has been drained (or `settings.keep_taking_s` has passed: results never lag longer).
    OUT/.tables-pending is present from the first take until the tables are rebuilt, so a
    killed cycle's records still reach the tables (next cycle)."""
    folders = folders.resolved()
    folders.ensure()
    if files is None:
        files = settled_files(folders.inbox, settle_seconds)
    report = IngestReport(inbox=display_path(folders.inbox))
    pending = OutputLayout(folders.out).tables_pending
    timeout = lock_timeout if files else 0
    rebuild = rebuild or rebuild_tables
    try:
        with folder_lock(folders.out, timeout=timeout, on_wait=lambda msg: logger.info("%s", msg)):
            taken, strays, refused = take_files(folders.inbox, [Path(p) for p in files])
            refused_lines = [f"{display_path(p)}: {why}" for p, why in refused]
            with umask_not_wider_than(taken or [folders.inbox]) as umask:
                sweep_cycle_temps(folders)
                if taken or strays:
                    interrupted = pending.exists()  # an earlier cycle's records may lack their rows
                    stage = staged([], folders.out)
                    with stage:
                        feed = Feed(folders, taken, strays, stage=stage, place=place, settings=settings,
                                    quiet_seconds=settle_seconds if settle_seconds > 0 else 2.0,
                                    umask=umask, pending=pending, logger=logger)
                        try:
                            run_lanes(feed)
                        finally:
                            feed.close()
                    report = feed.report
                    report.left_in_inbox += [display_path(t.path) for t in feed.unplaced()]
                    if feed.taken_count or interrupted:
                        report.tables_rebuilt = rebuild(Path(folders.out))
                elif pending.exists():
                    logger.info("tables: finishing the rebuild an interrupted cycle left")
                    report.tables_rebuilt = rebuild(Path(folders.out))
                pending.unlink(missing_ok=True)  # the tables show every record
            report.refused = refused_lines + report.refused
            for line in report.refused:
                logger.warning("inbox %s: refused %s", display_path(folders.inbox), line)
    except LockBusy as exc:
        if files:
            report.skipped = str(exc)
            logger.warning("inbox %s: cycle skipped: %s", display_path(folders.inbox), exc)
        return report
    for q in report.quarantined:
        logger.warning("quarantined %s: %s: %s", q.file_name, q.kind, q.message)
    if files or report.tables_rebuilt:
        logger.info("inbox %s: %d archived, %d quarantined, %d left", display_path(folders.inbox),
                    len(report.archived), len(report.quarantined), len(report.left_in_inbox))
    return report


def plain_lanes(out: Path, limits: Limits | None = None, workers: int | None = None) -> Callable[[Feed], None]:
    """A `run_lanes` for run_ingest_stream without Prefect: a thread per worker, each
    running pipeline.runtime.file_chunks.run_lane (each file in its own child process)."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    from pipeline.runtime.batch import start_workers  # noqa: PLC0415
    from pipeline.runtime.file_chunks import run_lane  # noqa: PLC0415
    from pipeline.runtime.file_results import default_parallelism, per_file_limits  # noqa: PLC0415

    def run(feed: Feed) -> None:
        n = workers or default_parallelism()
        per_file = per_file_limits(limits or Limits(), n)
        start_workers()
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="finsam-lane") as pool:
            futures = [pool.submit(run_lane, feed, Path(out), per_file) for _ in range(n)]
        for f in futures:
            f.result()  # a worker's failure fails the cycle (its files stay in the inbox)

    return run
