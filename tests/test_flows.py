"""The Prefect flows for real: a local Prefect server (SQLite, temporary PREFECT_HOME), seed
PDFs dropped into a temporary inbox, and the archive, quarantine and outputs checked.

Born-digital seeds only (no OCR). One server for the module; it takes ~10-40 s to start.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.runtime.folders import Folders
from pipeline.runtime.placement import reason_path
from pipeline.read import sha256_file
from pipeline.outputs.store import document_path

from conftest import SEEDS, wait_until

pytestmark = pytest.mark.seeds

FAST_SEEDS = ["000_ea3342501728e725", "003_bb9e2bcce0860af9", "001_f81afe8033d4e5e6"]


def seed_pdf(stem: str) -> Path:
    return SEEDS / "pdf" / f"{stem}.pdf"


def drop(src: Path, inbox: Path, name: str | None = None) -> Path:
    """Copy bytes only (seeds are read-only; the inbox copy must be movable)."""
    inbox.mkdir(parents=True, exist_ok=True)
    dest = inbox / (name or src.name)
    shutil.copyfile(src, dest)
    return dest


def folders_in(base: Path) -> Folders:
    f = Folders(base / "inbox", base / "archive", base / "quarantine", base / "outputs")
    f.ensure()
    return f


def year_dir(f: Folders) -> Path:
    return f.archive / f"{datetime.now().astimezone().year:04d}"


@pytest.fixture(scope="module")
def prefect_api_url(tmp_path_factory):
    if not (SEEDS / "pdf").is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    from pipeline.runtime.serve import patched_environ, prefect_api

    home = tmp_path_factory.mktemp("prefect-home")
    env = {"PREFECT_HOME": str(home), "PREFECT_PROFILES_PATH": str(home / "profiles.toml"),
           "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
           # run logs stay local in tests: nothing left to send when the server stops
           "PREFECT_LOGGING_TO_API_ENABLED": "false"}
    saved = os.environ.pop("PREFECT_API_URL", None)
    try:
        with patched_environ(env), prefect_api(home=home, ui=False, startup_timeout=240) as url:
            yield url
    finally:
        if saved is not None:
            os.environ["PREFECT_API_URL"] = saved


@pytest.fixture(scope="module")
def ingested(prefect_api_url, tmp_path_factory):
    """One ingest run over two seeds and a corrupt PDF; shared by the tests that read it."""
    from flows.ingest import ingest_inbox

    f = folders_in(tmp_path_factory.mktemp("kansli"))
    for stem in FAST_SEEDS[:2]:
        drop(seed_pdf(stem), f.inbox)
    corrupt = f.inbox / "trasig.pdf"
    corrupt.write_bytes(seed_pdf(FAST_SEEDS[0]).read_bytes()[:1500])  # a PDF cut off mid-file
    state = ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine),
                         out=str(f.out), settle_seconds=0.5, return_state=True)
    return f, state


def test_ingest_processes_archives_and_quarantines_with_reason(ingested):
    f, state = ingested
    assert state.is_completed(), state  # the run succeeds although a file failed
    report = state.result()
    assert sorted(p.file_name for p in report.archived) == sorted(f"{s}.pdf" for s in FAST_SEEDS[:2])
    assert all(p.status == "processed" for p in report.archived)
    for stem in FAST_SEEDS[:2]:
        archived = year_dir(f) / f"{stem}.pdf"
        assert archived.read_bytes() == seed_pdf(stem).read_bytes()
        doc = json.loads(document_path(f.out, sha256_file(archived)).read_text("utf-8"))
        assert doc["file_name"] == f"{stem}.pdf" and doc["page_count"] > 0 and doc["ocr_page_count"] == 0
    # the corrupt file: quarantined with its reason, listed in the result
    assert [(p.file_name, p.status) for p in report.quarantined] == [("trasig.pdf", "failed")]
    reason = json.loads(reason_path(f.quarantine / "trasig.pdf").read_text("utf-8"))
    assert reason["kind"] in ("unreadable", "unsupported") and reason["message"]
    assert reason["kind"] == report.quarantined[0].kind
    assert list(f.inbox.iterdir()) == []
    assert report.tables_rebuilt and (f.out / "tables" / "documents.parquet").exists()


def test_duplicate_is_archived_without_processing_again(ingested):
    from flows.ingest import ingest_inbox

    f, _ = ingested
    first = f"{FAST_SEEDS[0]}.pdf"
    doc_json = document_path(f.out, sha256_file(year_dir(f) / first))
    before = doc_json.stat().st_mtime_ns
    drop(seed_pdf(FAST_SEEDS[0]), f.inbox, "kopia av protokollet.pdf")  # same bytes, new name
    state = ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine),
                         out=str(f.out), settle_seconds=0.5, return_state=True)
    report = state.result()
    assert [(p.file_name, p.status) for p in report.archived] == [("kopia av protokollet.pdf", "skipped")]
    assert (year_dir(f) / "kopia av protokollet.pdf").exists()
    assert doc_json.stat().st_mtime_ns == before  # not processed again
    assert report.quarantined == []

    # outputs cleaned (make clean): the file is processed again
    shutil.rmtree(f.out / "documents")
    drop(seed_pdf(FAST_SEEDS[0]), f.inbox, "kopia 2.pdf")
    report = ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine),
                          out=str(f.out), settle_seconds=0.5)
    assert [(p.file_name, p.status) for p in report.archived] == [("kopia 2.pdf", "processed")]
    assert doc_json.exists()


def test_nightly_deployment_flow_runs(ingested):
    """The served nightly deployment: cron at 02:00 Europe/Stockholm; its flow, loaded from the
    deployment's entrypoint and run with the deployment's parameters."""
    from prefect.flows import load_flow_from_entrypoint

    from flows.deploy import build_deployments

    f, _ = ingested
    ingest_dep, nightly_dep = build_deployments(f)
    (schedule,) = nightly_dep.schedules
    assert schedule.schedule.cron == "0 2 * * *"
    assert schedule.schedule.timezone == "Europe/Stockholm"
    assert ingest_dep.parameters["inbox"] == str(f.inbox)
    flow = load_flow_from_entrypoint(nightly_dep.entrypoint)
    assert flow.timeout_seconds and flow.name == "nightly"
    report = flow(**nightly_dep.parameters)
    assert report.documents == len(list((f.out / "documents").glob("*.json"))) >= 1 and report.errors >= 1
    assert Path(report.summary_path).exists()
    assert report.tables_rebuilt
    assert (f.out / "reconcile" / "flags.json").exists()
    assert report.reconciliation is not None and all(Path(p).exists() for p in report.reconciliation.reports)


def _wait(cond, timeout: float) -> bool:
    return wait_until(cond, timeout, poll=0.25)


def test_watcher_reads_a_partial_file_once_complete_and_a_restart_picks_up_what_arrived(prefect_api_url, tmp_path):
    from flows.ingest import ingest_inbox
    from pipeline.runtime.watch import InboxWatcher

    f = folders_in(tmp_path)
    handed: list[list[tuple[str, int]]] = []

    def on_batch(files):
        handed.append([(p.name, p.stat().st_size) for p in files])
        ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine), out=str(f.out),
                     files=[str(p) for p in files])

    def start():
        w = InboxWatcher(f.inbox, on_batch, quiet_seconds=2.0, debounce_seconds=1.0, poll_seconds=0.25)
        t = threading.Thread(target=w.run)
        t.start()
        return w, t

    w, t = start()
    try:
        data = seed_pdf(FAST_SEEDS[2]).read_bytes()
        partial = f.inbox / "halvkopierad.pdf"
        with partial.open("wb") as fh:  # written in two steps
            fh.write(data[: len(data) // 2])
        time.sleep(1.0)
        with partial.open("ab") as fh:
            fh.write(data[len(data) // 2:])
        assert _wait(lambda: (year_dir(f) / "halvkopierad.pdf").exists(), 180)
    finally:
        w.stop()
        t.join(60)
    assert not t.is_alive()
    assert handed == [[("halvkopierad.pdf", len(data))]]
    assert list(f.quarantine.iterdir()) == []

    # dropped while the watcher is down, picked up when it starts again
    drop(seed_pdf(FAST_SEEDS[1]), f.inbox, "medan nere.pdf")
    w, t = start()
    try:
        assert _wait(lambda: (year_dir(f) / "medan nere.pdf").exists(), 180)
    finally:
        w.stop()
        t.join(60)
    assert document_path(f.out, sha256_file(year_dir(f) / "medan nere.pdf")).exists()
    assert list(f.inbox.iterdir()) == []


def test_dask_local_cluster_with_two_workers(prefect_api_url, tmp_path):
    from flows.ingest import ingest_inbox

    f = folders_in(tmp_path)
    for stem in FAST_SEEDS[:2]:
        drop(seed_pdf(stem), f.inbox)
    (f.inbox / "inte.pdf").write_bytes(b"just text, not a PDF\n")  # fails on a worker: the failure must come back intact
    report = ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine), out=str(f.out),
                          settle_seconds=0.5, task_runner="dask", workers=2)
    assert sorted(p.file_name for p in report.archived) == sorted(f"{s}.pdf" for s in FAST_SEEDS[:2])
    assert [(p.file_name, p.kind) for p in report.quarantined] == [("inte.pdf", "unsupported")]
    for stem in FAST_SEEDS[:2]:
        assert document_path(f.out, sha256_file(year_dir(f) / f"{stem}.pdf")).exists()


def _prefect_cli(api_url: str, *args: str) -> subprocess.CompletedProcess:
    """The `prefect` command against this server (a wide terminal, so names are not cut)."""
    return subprocess.run([sys.executable, "-m", "prefect", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PREFECT_API_URL": api_url, "COLUMNS": "250"})


@pytest.mark.slow  # about two minutes: the first per-minute nightly run waits for its minute
def test_serve_schedules_and_completes_nightly_runs_and_processes_a_dropped_file(prefect_api_url, tmp_path):
    """`finsam serve` against the test server with a per-minute cron: both deployments
    registered; the server's scheduler creates nightly runs from the cron and the served
    runner completes one (issue 15: with SQLAlchemy 2.1 the scheduler failed on every loop
    and no run was ever created); a file dropped into the inbox is processed with no other
    command; `prefect deployment ls` and `prefect flow-run ls` work against the server (they
    got 422 with FastAPI 0.151+); SIGTERM (what systemd or `kill` sends) stops it as cleanly
    as Ctrl-C."""
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    f = folders_in(tmp_path)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "serve", "--inbox", str(f.inbox), "--archive", str(f.archive),
             "--quarantine", str(f.quarantine), "--out", str(f.out), "--cron", "* * * * *", "--quiet-seconds", "1"],
            env={**os.environ, "PREFECT_API_URL": prefect_api_url}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def serve_log() -> str:
        return log_path.read_text(errors="replace")[-3000:]

    try:
        drop(seed_pdf(FAST_SEEDS[0]), f.inbox, "inlämnad.pdf")
        assert _wait(lambda: (year_dir(f) / "inlämnad.pdf").exists(), 240), serve_log()
        assert document_path(f.out, sha256_file(year_dir(f) / "inlämnad.pdf")).exists()
        with get_client(sync_client=True) as client:
            night = client.read_deployment_by_name("nightly/nightly")
            ingest = client.read_deployment_by_name("ingest-inbox/inbox")
        assert night.schedules[0].schedule.cron == "* * * * *"
        assert night.schedules[0].schedule.timezone == "Europe/Stockholm"
        assert ingest.parameters["inbox"] == str(f.inbox)

        def nightly_runs():
            with get_client(sync_client=True) as client:
                return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[night.id])))

        # The scheduler, not a trigger, made them: nothing else creates nightly runs here.
        assert _wait(lambda: any(r.auto_scheduled for r in nightly_runs()), 120), serve_log()
        assert _wait(lambda: any(r.auto_scheduled and r.state and r.state.is_completed() for r in nightly_runs()),
                     200), ([(r.name, r.state_name, r.expected_start_time) for r in nightly_runs()], serve_log())
        done = next(r for r in nightly_runs() if r.state and r.state.is_completed())
        assert done.parameters == {"out": str(f.out)}

        # A per-minute run may have started before the dropped file was written; the
        # summary (one file per day, rewritten by each run) counts it from the next run on.
        def counted() -> bool:
            summaries = list((f.out / "reports").glob("nightly-*.json"))
            try:
                return bool(summaries) and json.loads(summaries[0].read_text("utf-8"))["documents"] >= 1
            except (OSError, ValueError):
                return False  # being rewritten

        assert _wait(counted, 150), ([(r.name, r.state_name) for r in nightly_runs()], serve_log())

        deployments = _prefect_cli(prefect_api_url, "deployment", "ls")
        assert deployments.returncode == 0, deployments.stderr[-3000:]
        assert "nightly/nightly" in deployments.stdout and "ingest-inbox/inbox" in deployments.stdout
        runs = _prefect_cli(prefect_api_url, "flow-run", "ls", "--flow-name", "nightly", "--state-type", "COMPLETED")
        assert runs.returncode == 0, runs.stderr[-3000:]
        assert done.name in runs.stdout, runs.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    text = log_path.read_text(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    assert "stopped" in text
    assert "never awaited" not in text, text[-3000:]  # Prefect 3.8.8's own SIGTERM handler


def test_cli_run_ingest_uses_paths_relative_to_the_current_directory(prefect_api_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.chdir(tmp_path)
    drop(seed_pdf(FAST_SEEDS[1]), tmp_path / "corpus" / "inbox")
    (tmp_path / "corpus" / "inbox" / "anteckning.xlsx").write_bytes(b"PK\x03\x04 not really")
    result = CliRunner().invoke(app, ["run", "ingest", "--settle", "0.5"])
    assert result.exit_code == 0, result.output
    assert "1 archived, 1 quarantined" in result.output
    year = f"{datetime.now().astimezone().year:04d}"
    assert (tmp_path / "corpus" / "archive" / year / f"{FAST_SEEDS[1]}.pdf").exists()
    assert reason_path(tmp_path / "corpus" / "quarantine" / "anteckning.xlsx").exists()
    assert any((tmp_path / "outputs" / "documents").glob("*.json"))


def test_only_transient_failures_are_retried_and_every_flow_has_a_timeout(tmp_path, monkeypatch):
    import pipeline.runtime.file_chunks as chunks
    from flows.ingest import ingest_inbox
    from flows.nightly import nightly
    from flows.process import process_files
    from pipeline.config import Limits
    from pipeline.runtime.batch import FileOutcome

    from test_inbox import _err

    tries: dict[str, int] = {}
    slept: list[float] = []

    def reader(path, out, limits):  # a.pdf's reader dies twice, b.pdf is corrupt, c.txt is fine
        tries[path.name] = tries.get(path.name, 0) + 1
        if path.name == "a.pdf" and tries["a.pdf"] <= 2:
            return FileOutcome(path, "failed", error=_err(path, "crash", "reader process died (SIGKILL)"))
        if path.name == "b.pdf":
            return FileOutcome(path, "failed", error=_err(path, "unreadable", "not a readable PDF"))
        if path.name == "d.pdf":
            raise OSError(28, "No space left on device")
        return FileOutcome(path, "skipped")

    monkeypatch.setattr(chunks, "process_one", reader)
    files = []
    for name in ("a.pdf", "b.pdf", "c.txt", "d.pdf"):
        (tmp_path / name).write_bytes(name.encode())
        files.append(tmp_path / name)
    results = chunks.process_chunk(files, tmp_path / "out", Limits(), sleep=slept.append)
    assert tries == {"a.pdf": 3, "b.pdf": 1, "c.txt": 1, "d.pdf": 1}
    assert slept == list(chunks.RETRY_DELAYS)
    assert [getattr(r, "status", None) or r.kind for r in results] == ["skipped", "unreadable", "skipped", "internal"]
    assert "No space left" in results[3].message
    assert all(f.timeout_seconds for f in (process_files, ingest_inbox, nightly))


def test_chunks_share_out_every_file_once_with_similar_sizes(tmp_path):
    from pipeline.runtime.file_chunks import chunk_files

    files = []
    for i, size in enumerate([900, 10, 10, 10, 500, 400, 10, 10, 10, 10]):
        (tmp_path / f"{i}.txt").write_bytes(b"x" * size)
        files.append(tmp_path / f"{i}.txt")
    chunks = chunk_files(files, parallel=1, per_worker=3)
    assert sorted(p for c in chunks for p in c) == sorted(files) and len(chunks) == 3
    assert sorted(sum(p.stat().st_size for p in c) for c in chunks) == [470, 500, 900]  # the 10-byte files fill the lightest
    assert all(c == sorted(c, key=files.index) for c in chunks)  # the inbox order within a chunk
    assert chunk_files(files[:2], parallel=4) == [[files[0]], [files[1]]] and chunk_files([], 2) == []


def test_a_file_arriving_while_the_ingest_run_works_joins_it_as_lane_tasks(prefect_api_url, tmp_path, monkeypatch):
    """The local runner's ingest run: a task per worker lane (no process_files subflow), and
    a file that settles in the inbox while it works is taken by the same run."""
    import pipeline.runtime.file_chunks as file_chunks
    from prefect import get_client

    from flows.ingest import ingest_inbox

    f = folders_in(tmp_path / "kansli")
    first = drop(seed_pdf(FAST_SEEDS[0]), f.inbox)
    real = file_chunks._process_with_retries
    dropped = []

    def dropping(path, *args):
        if not dropped:  # a copy renamed in while the first file is read
            staging = drop(seed_pdf(FAST_SEEDS[2]), tmp_path, "sent.pdf")
            past = time.time() - 60
            os.utime(staging, (past, past))
            dropped.append(os.replace(staging, f.inbox / "sent.pdf"))
        return real(path, *args)

    monkeypatch.setattr(file_chunks, "_process_with_retries", dropping)
    state = ingest_inbox(inbox=str(f.inbox), archive=str(f.archive), quarantine=str(f.quarantine), out=str(f.out),
                         files=[str(first)], workers=2, return_state=True)
    report = state.result()
    assert sorted(p.file_name for p in report.archived) == sorted([first.name, "sent.pdf"])
    assert list(f.inbox.iterdir()) == [] and report.tables_rebuilt

    async def task_names():
        async with get_client() as client:
            from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
            subflows = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                parent_task_run_id={"any_": [r.id for r in runs]}) if runs else None)
            return sorted(r.name for r in runs), subflows

    import asyncio

    names, subflows = asyncio.run(task_names())
    assert names[:2] == ["lane 1", "lane 2"] and len(names) == 3 and names[2].startswith("rebuild-tables"), names
    assert subflows == []
