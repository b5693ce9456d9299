"""process_files: one Prefect task per chunk of files (never per page, never per file), then
the tables once (pipeline.runtime.after_batch)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from models import ProcessingError
from pipeline.config import Limits
from pipeline.runtime.after_batch import after_batch
from pipeline.runtime.file_chunks import chunk_files, process_chunk
from pipeline.runtime.file_results import FileResult, ProcessedBatch, failure_of, group_by_content, per_file_limits

from flows.runners import PROCESS_TIMEOUT, make_task_runner, run_step_as_task


@task(name="process-chunk", task_run_name="process {label}", cache_policy=NO_CACHE)
def process_chunk_task(paths: list[str], out: str, limits: Limits, label: str = "") -> list[FileResult | ProcessingError]:
    """pipeline.runtime.file_chunks.process_chunk: each file in turn, its own result or error
    (a file whose reader died is tried again there); the task itself does not fail for a file."""
    return process_chunk([Path(p) for p in paths], Path(out), limits)


@flow(
    name="process-files",
    timeout_seconds=PROCESS_TIMEOUT,
    task_runner=make_task_runner("threads"),
    validate_parameters=False,
)
def process_files(
    paths: list[str], out: str = "outputs", limits: Limits | None = None, parallel: int | None = None,
) -> ProcessedBatch:
    """Process files (a task per chunk), then rebuild the tables once.

    The result has one entry per path, in order: a FileResult, or the ProcessingError of a failure.
    Files with the same bytes in one batch are processed once (the others are 'duplicate');
    bytes processed by an earlier run are 'skipped' (pipeline.runtime.batch.process_one).
    """
    logger = get_run_logger()
    out_dir = Path(out).resolve()
    files = [Path(p) for p in paths]
    parallel = parallel or len(files) or 1
    per_file = per_file_limits(limits or Limits(), parallel)
    groups = group_by_content(files)
    firsts = [group[0] for group in groups.values()]
    chunks = chunk_files(firsts, parallel)
    futures = [
        (chunk, process_chunk_task.submit([str(p) for p in chunk], str(out_dir), per_file,
                                          label=f"{len(chunk)} files ({chunk[0].name}, ...)" if len(chunk) > 1
                                          else chunk[0].name))
        for chunk in chunks
    ]
    by_first: dict[Path, FileResult | ProcessingError] = {}
    for chunk, fut in futures:
        fut.wait()
        state = fut.state
        if state.is_completed():
            by_first.update(zip(chunk, fut.result()))
        else:  # the task itself failed (orchestration): every file of it with that reason
            exc = state.result(raise_on_failure=False)
            by_first.update((p, failure_of(p, exc)) for p in chunk)
    by_path: dict[Path, FileResult | ProcessingError] = {}
    for group in groups.values():
        first, *dupes = group
        res = by_first[first]
        by_path[first] = res
        for d in dupes:
            if isinstance(res, ProcessingError):
                by_path[d] = res.model_copy(update={"file_name": d.name, "source_path": str(d)})
            else:
                by_path[d] = res.model_copy(update={"file_name": d.name, "status": "duplicate", "seconds": 0.0})
    # The ingest flow leaves reconciliation to the nightly run: tables only.
    tables = after_batch(out_dir, reconcile_first=False, run_step=run_step_as_task).tables_rebuilt if files else False
    failed = sum(1 for r in by_path.values() if isinstance(r, ProcessingError))
    logger.info("%d files in %d tasks: %d ok, %d failed; tables %s", len(files), len(chunks), len(files) - failed,
                failed, "rebuilt" if tables else "not rebuilt (no files)")
    return ProcessedBatch(results=[by_path[f] for f in files], tables_rebuilt=tables)
