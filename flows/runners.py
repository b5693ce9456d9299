"""Task runners and flow-wide settings (timeouts) in one place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.config import environment
from pipeline.runtime.file_results import default_parallelism

# Every flow has a timeout (seconds); configurable for very large inboxes.
PROCESS_TIMEOUT = environment().flow_timeout_s  # FINSAM_FLOW_TIMEOUT
NIGHTLY_TIMEOUT = environment().nightly_timeout_s  # FINSAM_NIGHTLY_TIMEOUT

TASK_RUNNERS = ("threads", "dask")


def make_task_runner(kind: str = "threads", dask_address: str | None = None, workers: int | None = None):
    """threads: a local pool, one file per core (each file runs in its own child process).
    dask: prefect-dask's DaskTaskRunner on the cluster at dask_address, or on a local
    distributed.LocalCluster of `workers` single-threaded worker processes."""
    workers = workers or default_parallelism()
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r} (one of {', '.join(TASK_RUNNERS)})")
    import dask  # noqa: PLC0415 - optional scale-out
    from prefect_dask import DaskTaskRunner  # noqa: PLC0415

    # Each file is read in a child process; Dask's worker processes are daemonic by
    # default and daemonic processes may not have children.
    dask.config.set({"distributed.worker.daemon": False})
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
    })


_STEP_TASKS: dict[tuple[str, Callable], Any] = {}


def run_step_as_task(name: str, fn: Callable[[Path], Any], out: Path) -> Any:
    """A step runner for pipeline.runtime.after_batch.after_batch: each step (reconcile-and-report,
    rebuild-tables) runs as a Prefect task of that name; the order and the error handling
    stay in after_batch."""
    key = (name, fn)
    if key not in _STEP_TASKS:
        _STEP_TASKS[key] = task(name=name, cache_policy=NO_CACHE)(fn)  # a step always runs
    return _STEP_TASKS[key](out)
