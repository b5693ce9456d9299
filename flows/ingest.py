"""ingest_inbox: take what is in the inbox, process it, archive successes, quarantine failures.

The cycle itself (run lock, umask, crash-safe moves, unfinished tables) is
pipeline.runtime.inbox.run_ingest_cycle; this flow only supplies Prefect's tasks
(process_files, a task per chunk of files) as its processing step."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline.runtime.arrivals import settled_files
from pipeline.runtime.file_results import default_parallelism
from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import run_ingest_cycle
from pipeline.runtime.placement import IngestReport, place_results
from pipeline.config import Limits

from flows.process import process_files
from flows.runners import PROCESS_TIMEOUT, make_task_runner


# No task here is cached: the inbox and the results change every run, and hashing them costs.
@task(name="take-inbox", cache_policy=NO_CACHE)
def take_inbox_task(inbox: str, settle_seconds: float) -> list[str]:
    return [str(p) for p in settled_files(Path(inbox), settle_seconds)]


@task(name="archive-and-quarantine", cache_policy=NO_CACHE)
def place_task(results: dict, folders: Folders) -> IngestReport:
    return place_results({Path(p): r for p, r in results.items()}, folders)


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
) -> IngestReport:
    """The run succeeds even when files fail: they are in the report's `quarantined` list.

    `files`: take only these inbox files (the watcher has already waited for them to settle);
    by default every settled file in the inbox. `lock_timeout`: seconds to wait for another
    run on the same outputs (None: as long as it takes); then the cycle is skipped."""
    logger = get_run_logger()
    folders = Folders(Path(inbox), Path(archive), Path(quarantine), Path(out)).resolved()
    folders.ensure()
    if files is None:
        files = take_inbox_task(str(folders.inbox), settle_seconds)
    workers = workers or default_parallelism()

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
