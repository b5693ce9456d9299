"""The run lock (pipeline/runtime/locking.py): one run per output folder, nothing processed twice,
tables intact, no stale lock after a killed run, and two ingest cycles at once placing each
inbox file exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.runtime.locking import LockBusy, folder_lock, holder_of, holds_lock, sweep_stale_temps

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _holder(folder: Path) -> subprocess.Popen:
    """A separate process that takes the lock, says so, and sleeps."""
    code = textwrap.dedent(f"""
        import time, sys
        from pipeline.runtime.locking import folder_lock
        with folder_lock({str(folder)!r}):
            print("held", flush=True)
            time.sleep(120)
    """)
    proc = subprocess.Popen([PY, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_and_a_killed_holder_leaves_no_stale_lock(tmp_path: Path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(LockBusy) as exc:
            with folder_lock(tmp_path, timeout=0.3):
                pass
        assert f"pid {proc.pid}" in str(exc.value) and "\n" not in str(exc.value)
        assert holder_of(tmp_path)["pid"] == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    started = time.monotonic()
    with folder_lock(tmp_path, timeout=5):
        assert holds_lock(tmp_path)
    assert time.monotonic() - started < 2
    assert not holds_lock(tmp_path)


def test_waiting_run_gets_the_lock_when_the_holder_finishes(tmp_path: Path):
    proc = _holder(tmp_path)
    try:
        time.sleep(0.2)
        proc.terminate()
        with folder_lock(tmp_path, timeout=10):
            pass
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_is_reentrant_in_one_process(tmp_path: Path):
    with folder_lock(tmp_path, timeout=0):
        with folder_lock(tmp_path, timeout=0):
            assert holds_lock(tmp_path)
        assert holds_lock(tmp_path)
    assert not holds_lock(tmp_path)


def test_sweep_removes_only_temp_files(tmp_path: Path):
    (tmp_path / ".abc.json.x1y2.tmp").write_text("{half")
    (tmp_path / "abc.json").write_text("{}")
    assert sweep_stale_temps(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["abc.json"]


RUN = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from pipeline.runtime.batch import process_batch
    from pipeline.outputs.tables import rebuild_tables
    if __name__ == "__main__":
        res = process_batch([Path(sys.argv[1])], Path(sys.argv[2]), jobs=1)
        rebuild_tables(Path(sys.argv[2]))
        print(json.dumps([o.status for o in res.outcomes]))
""")


def test_two_concurrent_runs_process_each_file_once_and_tables_stay_whole(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    n = 16
    for i in range(n):
        (inbox / f"kallelse-{i:02d}.txt").write_text(
            f"KALLELSE\nStyrelsens sammanträde 2024-03-{i + 1:02d}\n1. Mötets öppnande\n2. Ärende {i}\n",
            encoding="utf-8")
    out = tmp_path / "out"
    script = tmp_path / "run.py"
    script.write_text(RUN)
    procs = [subprocess.Popen([PY, str(script), str(inbox), str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    statuses = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr[-2000:]
        statuses.append(json.loads(stdout.strip().splitlines()[-1]))
    processed = sum(s.count("processed") for s in statuses)
    skipped = sum(s.count("skipped") for s in statuses)
    assert (processed, skipped) == (n, n), statuses  # each file processed by exactly one run

    import pyarrow.parquet as pq

    from pipeline.outputs.files import table_path

    docs = pq.read_table(table_path(out, "documents")).to_pydict()
    assert len(docs["doc_id"]) == n and len(set(docs["doc_id"])) == n
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow  # about 30 s: 20 files read one at a time
def test_two_ingest_runs_at_once_place_each_file_once(tmp_path: Path):
    """Two `finsam run ingest` (the ingest cycle, without Prefect) started together on the same
    20 files and folders: one waits for the other's lock, then finds the inbox empty."""
    import hashlib
    from collections import Counter

    from hostile.make_hostile import text_pdf

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(18):
        (inbox / f"kallelse-{i:02d}.txt").write_text(
            f"KALLELSE\nStyrelsens sammanträde 2024-04-{i + 1:02d}\n1. Mötets öppnande\n2. Ärende {i}\n",
            encoding="utf-8")
    (inbox / "protokoll.pdf").write_bytes(text_pdf(["Protokoll 2024-04-20", "§ 1 Beslut"]))
    (inbox / "trasig.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    originals = Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir())
    out, archive, quarantine = tmp_path / "out", tmp_path / "archive", tmp_path / "quarantine"
    cmd = [str(Path(PY).parent / "finsam"), "run", "ingest", "--no-prefect", "--settle", "0", "--workers", "1",
           "--inbox", str(inbox), "--archive", str(archive), "--quarantine", str(quarantine), "--out", str(out)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr[-2000:]
        outputs.append((stdout, stderr))
    # exactly one run waited for the other (one line naming the holder), and it then had nothing left
    waited = [err for _, err in outputs if "waiting for it to finish" in err]
    assert len(waited) == 1, outputs
    assert sum(1 for line in waited[0].splitlines() if "is in use by finsam run pid" in line) == 1
    summaries = [next(line for line in o.splitlines() if line.startswith("ingest ")) for o, _ in outputs]
    assert sorted(s.split(": ", 1)[1] for s in summaries) == ["0 archived, 0 quarantined", "19 archived, 1 quarantined"]

    placed = [p for p in archive.rglob("*") if p.is_file()]
    placed += [p for p in quarantine.iterdir() if not p.name.endswith(".reason.json")]
    assert Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in placed) == originals
    assert list(inbox.iterdir()) == []
    assert len(list((out / "documents").glob("*.json"))) == 19
    assert [p.name.split(".")[0] for p in (out / "errors").glob("*.json")] == ["trasig"]

    import pyarrow.parquet as pq

    from pipeline.outputs.files import table_path

    docs = pq.read_table(table_path(out, "documents")).to_pydict()
    assert len(docs["doc_id"]) == 19 and len(set(docs["doc_id"])) == 19
    assert len(pq.read_table(table_path(out, "errors"))) == 1
    assert not list(tmp_path.rglob("*.tmp"))


def test_run_ingest_with_lock_wait_skips_in_one_line_and_leaves_the_files(tmp_path: Path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "kallelse.txt").write_text("KALLELSE\nStyrelsens sammanträde 2024-03-12\n", encoding="utf-8")
    holder = _holder(out)
    try:
        result = CliRunner().invoke(app, [
            "run", "ingest", "--no-prefect", "--settle", "0", "--lock-wait", "0.5", "--inbox", str(inbox),
            "--archive", str(tmp_path / "archive"), "--quarantine", str(tmp_path / "quarantine"), "--out", str(out)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3, result.output
    skipped = [line for line in result.output.splitlines() if "skipped" in line]
    assert len(skipped) == 1 and f"pid {holder.pid}" in skipped[0], result.output
    assert (inbox / "kallelse.txt").exists() and not (out / "documents").exists()


def test_a_waiting_run_names_a_holder_that_writes_who_it_is_just_after_locking(tmp_path: Path):
    """The holder takes the lock, then writes its pid: a run that asked in between used to say
    "another finsam run"; it now asks again briefly and names the holder."""
    import fcntl
    import json as _json
    import os
    import threading
    import time

    from pipeline.runtime.locking import folder_lock, lock_path, open_lock_file

    folder = tmp_path / "out"
    folder.mkdir()
    locked = threading.Event()

    def holder() -> None:
        fd = open_lock_file(lock_path(folder))
        fcntl.flock(fd, fcntl.LOCK_EX)
        locked.set()
        time.sleep(0.2)  # who it is, written a moment after the lock
        os.pwrite(fd, _json.dumps({"pid": 4242, "host": "kansli", "started": "2026-12-02T01:00:00+00:00"}).encode(), 0)
        time.sleep(0.3)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    thread = threading.Thread(target=holder)
    thread.start()
    locked.wait(5)
    said: list[str] = []
    with folder_lock(folder, on_wait=said.append):
        pass
    thread.join()
    assert len(said) == 1 and "finsam run pid 4242 on kansli" in said[0], said
