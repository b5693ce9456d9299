"""process_files: one Prefect task per file (never per page), then the tables once (pipeline.runtime.after_batch.after_batch)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.states import State

from models import ProcessingError
from pipeline.runtime.file_results import (
    FileResult, ProcessedBatch, content_key, failure_of, group_by_content, is_transient, outputs_current,
    per_file_limits, result_or_raise,
)
from pipeline.config import Limits
from pipeline.runtime.batch import process_one
from pipeline.runtime.after_batch import after_batch
from pipeline.store import OutputLayout

from flows.runners import PROCESS_TIMEOUT, make_task_runner, run_step_as_task


def _cache_key(context, parameters) -> str | None:
    try:
        return content_key(Path(parameters["path"]))
    except OSError:
        return None  # gone or unreadable: no cache; the task itself reports why


def _retry_transient(task, task_run, state: State) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the state's own exception
        return is_transient(exc)
    return False


@task(
    name="process-file",
    task_run_name="process {name}",
    cache_key_fn=_cache_key,
    persist_result=True,
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=_retry_transient,
)
def process_file_task(path: str, out: str, limits: Limits, name: str = "") -> FileResult:
    """pipeline.runtime.batch.process_one on one file; a failure raises FileFailed (never cached)."""
    return result_or_raise(process_one(Path(path), Path(out), limits))


@flow(
    name="process-files",
    timeout_seconds=PROCESS_TIMEOUT,
    task_runner=make_task_runner("threads"),
    validate_parameters=False,
)
def process_files(
    paths: list[str], out: str = "outputs", limits: Limits | None = None, parallel: int | None = None,
) -> ProcessedBatch:
    """Process files (one task each, cached by content), then rebuild the tables once.

    The result has one entry per path, in order: a FileResult, or the ProcessingError of a failure.
    Files with the same bytes in one batch are processed once (the others are 'duplicate').
    """
    logger = get_run_logger()
    out_dir = Path(out).resolve()
    files = [Path(p) for p in paths]
    per_file = per_file_limits(limits or Limits(), parallel or len(files) or 1)
    task_ = process_file_task.with_options(result_storage=OutputLayout(out_dir).task_results)
    groups = group_by_content(files)
    futures = {
        # a cache entry is only trusted while the outputs it stands for are there
        key: task_.with_options(refresh_cache=not outputs_current(key, out_dir)).submit(
            str(group[0]), str(out_dir), per_file, name=group[0].name)
        for key, group in groups.items()
    }
    by_path: dict[Path, FileResult | ProcessingError] = {}
    for key, fut in futures.items():
        fut.wait()
        state = fut.state
        first, *dupes = groups[key]
        if state.is_completed():
            res: FileResult = fut.result()
            res = res.model_copy(update={"file_name": first.name, "status": "cached" if state.name == "Cached" else res.status})
            by_path[first] = res
            for d in dupes:
                by_path[d] = res.model_copy(update={"file_name": d.name, "status": "duplicate", "seconds": 0.0})
        else:
            err = failure_of(first, state.result(raise_on_failure=False))
            by_path[first] = err
            for d in dupes:
                by_path[d] = err.model_copy(update={"file_name": d.name, "source_path": str(d)})
    # The ingest flow leaves reconciliation to the nightly run: tables only.
    tables = after_batch(out_dir, reconcile_first=False, run_step=run_step_as_task).tables_rebuilt if files else False
    failed = sum(1 for r in by_path.values() if isinstance(r, ProcessingError))
    logger.info("%d files: %d ok, %d failed; tables %s", len(files), len(files) - failed, failed,
                "rebuilt" if tables else "not rebuilt (no files)")
    return ProcessedBatch(results=[by_path[f] for f in files], tables_rebuilt=tables)
