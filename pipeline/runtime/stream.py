"""An ingest cycle that keeps taking files: files that settle in the inbox while a run works
join it, each worker takes the next file as soon as it is free, each file is placed as soon
as its record is written, and the tables are rebuilt once at the end (issue 17).

The same lock, checks and crash safety as the one-batch cycle (pipeline.runtime.inbox),
whose pieces it uses; bounded by pipeline.config.INGEST.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models import ProcessingError
from pipeline.config import INGEST, IngestSettings, Limits
from pipeline.names import display_path
from pipeline.outputs.store import OutputLayout
from pipeline.read import sha256_file
from pipeline.runtime.after_batch import rebuild_tables
from pipeline.runtime.arrivals import StabilityTracker, scan_inbox, settled_files
from pipeline.runtime.file_results import FileResult
from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import _logged, _skipped, _taken_now, staged, sweep_cycle_temps, take_files
from pipeline.runtime.locking import LockBusy, folder_lock
from pipeline.runtime.permissions import umask_for, umask_not_wider_than
from pipeline.runtime.placement import IngestReport, place_results

log = logging.getLogger(__name__)


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
        self._claim = threading.Lock()
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
            # Popped and hashed in queue order, so that of equal bytes the file taken first
            # is the one processed (and the report names the same one on every run).
            with self._claim:
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
        return _skipped(report, folders, files, exc, logger)
    return _logged(report, folders, files, logger)


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
