"""A Prefect API for finsam's flows: the configured one, or a local server we start and stop.

Prefect schedules nothing without a server (an ephemeral API runs flows but no
scheduler), so `finsam serve` starts `prefect server start` (SQLite under PREFECT_HOME)
when no PREFECT_API_URL is configured, and stops it on exit. The server is told to vacuum
old flow runs, logs and events so its database does not grow without bound.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

# Retention for a long-running local server (each can be overridden in the environment).
# flow_runs: delete flow runs (and their logs, artifacts) older than the retention period;
# events: delete events older than the events retention period. Analytics off: no network
# calls home, and no telemetry writes competing for the SQLite lock.
SERVER_DEFAULTS = {
    "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD": str(30 * 24 * 3600),  # 30 days
    "PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "P7D",  # ISO 8601 duration: 7 days
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TIMEOUT": "30",
}
CLIENT_DEFAULTS = {
    "PREFECT_RUNNER_POLL_FREQUENCY": "2",  # a triggered ingest starts within seconds
}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def flush_prefect_logs() -> None:
    """Send buffered run logs to the API before it goes away."""
    handlers = sys.modules.get("prefect.logging.handlers")
    if handlers is not None:
        try:
            handlers.APILogWorker.drain_all(timeout=10)
        except Exception:  # noqa: BLE001 - best effort at shutdown
            pass


def refresh_prefect_settings() -> None:
    """Make an already-imported Prefect see changed environment variables (all threads)."""
    if "prefect.context" in sys.modules:
        sys.modules["prefect.context"].refresh_global_settings_context()


@contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    refresh_prefect_settings()
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        refresh_prefect_settings()


@contextmanager
def local_prefect_server(
    home: Path | None = None, host: str = "127.0.0.1", port: int | None = None,
    startup_timeout: float = 180.0, ui: bool = True, log_file: Path | None = None,
) -> Iterator[str]:
    """Run `prefect server start` in a child process group; yield its API URL; stop it."""
    port = port or free_port(host)
    api_url = f"http://{host}:{port}/api"
    env = {**os.environ}
    for k, v in SERVER_DEFAULTS.items():
        env.setdefault(k, v)
    env.pop("PREFECT_API_URL", None)
    if home is not None:
        Path(home).mkdir(parents=True, exist_ok=True)
        env["PREFECT_HOME"] = str(Path(home).resolve())
    env["PREFECT_UI_ENABLED"] = "true" if ui else "false"
    home_dir = Path(env.get("PREFECT_HOME", Path.home() / ".prefect"))
    home_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_file or home_dir / "finsam-server.log"
    with open(log_path, "ab") as logf:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
            env=env, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not healthy(api_url):
            if proc.poll() is not None:
                raise RuntimeError(f"Prefect server exited with code {proc.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Prefect server did not answer within {startup_timeout:.0f} s; see {log_path}")
            time.sleep(0.5)
        log.info("local Prefect server at %s (database under %s, log %s)", api_url, home_dir, log_path)
        yield api_url
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the server's own process group (it started it), then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise KeyboardInterrupt in the main thread, so the server we started
    is stopped on the way out (also when a shell started us with SIGINT ignored)."""
    import threading  # noqa: PLC0415

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in old:
        signal.signal(s, _raise_interrupt)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextmanager
def prefect_api(home: Path | None = None, startup_timeout: float = 180.0, ui: bool = True) -> Iterator[str]:
    """The configured PREFECT_API_URL, or a local server started (and stopped) for the block.

    Inside the block, os.environ['PREFECT_API_URL'] points at the API for this process,
    its threads and the flow-run processes it starts.
    """
    configured = os.environ.get("PREFECT_API_URL") or _profile_api_url()
    if configured:
        with patched_environ({**{k: os.environ.get(k, v) for k, v in CLIENT_DEFAULTS.items()},
                              "PREFECT_API_URL": configured}):
            yield configured
        return
    with stop_on_signals(), local_prefect_server(home=home, startup_timeout=startup_timeout, ui=ui) as url:
        env = {k: os.environ.get(k, v) for k, v in CLIENT_DEFAULTS.items()}
        env["PREFECT_API_URL"] = url
        if home is not None:
            env["PREFECT_HOME"] = str(Path(home).resolve())
        with patched_environ(env):
            try:
                yield url
            finally:
                flush_prefect_logs()


def _profile_api_url() -> str | None:
    """PREFECT_API_URL set in the active Prefect profile (`prefect config set ...`)."""
    try:
        from prefect.settings import get_current_settings  # noqa: PLC0415

        url = get_current_settings().api.url
    except Exception:  # noqa: BLE001 - no usable profile: start our own server
        return None
    return str(url) if url else None
