"""ingest_inbox: take what is in the inbox, process it, archive successes, quarantine failures.

The cycle itself (run lock, umask, crash-safe moves, unfinished tables) is plain code in
pipeline.runtime.inbox; this flow only supplies Prefect's tasks as its steps.
- Local task runner (threads): run_ingest_stream, a task per worker ("ingest-lane", one
  per core) that takes the next file as soon as it is free, files that settle in the
  inbox while the run works included, then one "rebuild-tables" task. A stream of
  arrivals is one flow run, not one run (and one table update) per burst.
- Dask: run_ingest_cycle with the process_files subflow (a task per chunk): the workers
  are other processes, which cannot share the cycle's feed of files."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline.runtime.after_batch import after_batch
from pipeline.runtime.arrivals import settled_files
from pipeline.runtime.batch import start_workers
from pipeline.runtime.file_chunks import run_lane
from pipeline.runtime.file_results import default_parallelism, per_file_limits
from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import run_ingest_cycle
from pipeline.runtime.stream import Feed, run_ingest_stream
from pipeline.runtime.placement import IngestReport, place_results
from pipeline.config import INGEST, Limits

from flows.process import process_files
from flows.runners import PROCESS_TIMEOUT, make_task_runner, run_step_as_task


# No task here is cached: the inbox and the results change every run, and hashing them costs.
@task(name="take-inbox", cache_policy=NO_CACHE)
def take_inbox_task(inbox: str, settle_seconds: float) -> list[str]:
    return [str(p) for p in settled_files(Path(inbox), settle_seconds)]


@task(name="archive-and-quarantine", cache_policy=NO_CACHE)
def place_task(results: dict, folders: Folders) -> IngestReport:
    return place_results({Path(p): r for p, r in results.items()}, folders)


@task(name="ingest-lane", task_run_name="lane {lane}", cache_policy=NO_CACHE)
def lane_task(feed: Feed, out: str, limits: Limits, lane: int = 1) -> int:
    """pipeline.runtime.file_chunks.run_lane: files from the cycle's feed until it has no more."""
    return run_lane(feed, Path(out), limits)


@flow(name="ingest-inbox", timeout_seconds=PROCESS_TIMEOUT, validate_parameters=False)
def ingest_inbox(
    inbox: str = "corpus/inbox",
    archive: str = "corpus/archive",
    quarantine: str = "corpus/quarantine",
    out: str = "outputs",
    settle_seconds: float = 2.0,
    task_runner: str = "threads",
    dask_address: str | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    files: list[str] | None = None,
    lock_timeout: float | None = None,
    keep_taking_seconds: float | None = None,
) -> IngestReport:
    """The run succeeds even when files fail: they are in the report's `quarantined` list.

    `files`: these inbox files (the watcher has already waited for them to settle); by
    default every settled file in the inbox. With the local task runner the run also takes
    files that settle in the inbox while it works, for up to `keep_taking_seconds`
    (default pipeline.config.INGEST.keep_taking_s; 0: only the files it started with).
    `lock_timeout`: seconds to wait for another run on the same outputs (None: as long as
    it takes); then the cycle is skipped."""
    logger = get_run_logger()
    folders = Folders(Path(inbox), Path(archive), Path(quarantine), Path(out)).resolved()
    folders.ensure()
    if files is None:
        files = take_inbox_task(str(folders.inbox), settle_seconds)
    workers = workers or default_parallelism()

    if task_runner == "threads":
        settings = INGEST if keep_taking_seconds is None else INGEST.model_copy(
            update={"keep_taking_s": max(0.0, keep_taking_seconds)})
        per_file = per_file_limits(limits or Limits(), workers)
        out = str(folders.out)

        def lanes(feed: Feed) -> None:
            start_workers()  # the forkserver's imports load while the first files are hashed
            futures = [lane_task.submit(feed, out, per_file, lane=i + 1) for i in range(workers)]
            failed = []
            for fut in futures:
                fut.wait()
                if not fut.state.is_completed():
                    failed.append(fut.state.result(raise_on_failure=False))
            if failed:  # not a file's failure (those are results): its files stay in the inbox
                raise RuntimeError(f"{len(failed)} of {workers} ingest lanes failed: {failed[0]!r}")

        report = run_ingest_stream(
            folders, lanes, [Path(p) for p in files], settle_seconds=settle_seconds, lock_timeout=lock_timeout,
            settings=settings, logger=logger,
            # after_batch: the same "tables not rebuilt" error (records kept, the remedy) as process_files
            rebuild=lambda o: after_batch(o, reconcile_first=False, run_step=run_step_as_task).tables_rebuilt)
        if not files:
            logger.info("inbox %s: nothing to take", folders.inbox)
        return report

    def process(paths: list[Path]):
        runner = make_task_runner(task_runner, dask_address, workers)
        return process_files.with_options(task_runner=runner)(
            paths=[str(p) for p in paths], out=str(folders.out), limits=limits, parallel=workers,
        )

    def place(results: dict, f: Folders) -> IngestReport:
        return place_task({str(p): r for p, r in results.items()}, f)

    report = run_ingest_cycle(folders, process, [Path(p) for p in files], lock_timeout=lock_timeout,
                              place=place, logger=logger)
    if not files:
        logger.info("inbox %s: nothing to take", folders.inbox)
    return report
