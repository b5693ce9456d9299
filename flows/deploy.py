"""The served deployments: ingest (triggered by the inbox watcher) and nightly (cron)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron

from pipeline.runtime.folders import Folders
from pipeline.runtime.watch import InboxWatcher

from flows.ingest import ingest_inbox
from flows.nightly import nightly
from flows.runners import PROCESS_TIMEOUT

log = logging.getLogger(__name__)

INGEST_DEPLOYMENT = "inbox"
NIGHTLY_DEPLOYMENT = "nightly"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/Stockholm"


def build_deployments(
    folders: Folders, cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE,
    task_runner: str = "threads", dask_address: str | None = None,
) -> tuple[RunnerDeployment, RunnerDeployment]:
    """Deployments with absolute folder paths and module entrypoints (importable from any cwd)."""
    f = folders.resolved()
    ingest = ingest_inbox.to_deployment(
        name=INGEST_DEPLOYMENT,
        parameters={
            "inbox": str(f.inbox), "archive": str(f.archive), "quarantine": str(f.quarantine), "out": str(f.out),
            "task_runner": task_runner, "dask_address": dask_address,
        },
        description="Process settled inbox files; archive successes, quarantine failures. Triggered by the watcher.",
        entrypoint_type=EntrypointType.MODULE_PATH,
        concurrency_limit=1,
    )
    night = nightly.to_deployment(
        name=NIGHTLY_DEPLOYMENT,
        schedules=[Cron(cron, timezone=timezone, slug="nightly")],
        parameters={"out": str(f.out)},
        description="Reconcile, rebuild the tables and write the report.",
        entrypoint_type=EntrypointType.MODULE_PATH,
        concurrency_limit=1,
    )
    return ingest, night


def trigger_ingest(files: list[Path]) -> str:
    """Start the served ingest deployment for these files and wait for it to end."""
    from prefect.deployments import run_deployment  # noqa: PLC0415

    run = run_deployment(
        f"{ingest_inbox.name}/{INGEST_DEPLOYMENT}",
        parameters={"files": [str(p) for p in files]},
        timeout=PROCESS_TIMEOUT + 60,
        poll_interval=2,
        as_subflow=False,
    )
    state = run.state.name if run.state else "unknown"
    log.info("ingest run %s ended %s", run.name, state)
    if run.state is None or not run.state.is_completed():
        raise RuntimeError(f"ingest run {run.name} ended {state}")
    return state


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (systemd, `docker stop`, `kill`) stops `serve` the way Ctrl-C does.

    Prefect 3.8.8's Runner.handle_sigterm calls the async-dispatched `stop()` from inside
    the runner's event loop, where it only returns an `astop` coroutine nobody awaits
    ("RuntimeWarning: coroutine 'Runner.astop' was never awaited"), then exits. Ctrl-C
    takes Prefect's tested shutdown path, so SIGTERM is made to raise the same.
    """
    from prefect.runner.runner import Runner  # noqa: PLC0415

    original = Runner.handle_sigterm

    def as_interrupt(self, *args, **kwargs) -> None:
        raise KeyboardInterrupt("SIGTERM")

    Runner.handle_sigterm = as_interrupt
    try:
        yield
    finally:
        Runner.handle_sigterm = original


def serve_forever(
    folders: Folders, cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE,
    task_runner: str = "threads", dask_address: str | None = None,
    quiet_seconds: float = 3.0, debounce_seconds: float = 2.0,
) -> None:
    """Serve both deployments in this process and run the inbox watcher beside them.

    Returns on Ctrl-C/SIGTERM after stopping the watcher; needs a Prefect API (see pipeline.runtime.serve).
    """
    from prefect import serve  # noqa: PLC0415

    folders = folders.resolved()
    folders.ensure()
    ingest, night = build_deployments(folders, cron, timezone, task_runner, dask_address)
    watcher = InboxWatcher(folders.inbox, trigger_ingest, quiet_seconds=quiet_seconds, debounce_seconds=debounce_seconds)
    started = threading.Event()

    def _watch() -> None:
        started.wait()
        watcher.run()

    thread = threading.Thread(target=_watch, name="finsam-inbox-watcher", daemon=True)
    thread.start()
    # the deployments must exist before the watcher triggers one: serve() registers them first
    timer = threading.Timer(5.0, started.set)
    timer.start()
    try:
        with _sigterm_as_ctrl_c():
            serve(ingest, night, pause_on_shutdown=False, print_starting_message=True)
    finally:
        timer.cancel()
        started.set()
        watcher.stop()
        thread.join(timeout=30)
