"""SIGKILL a 50-file inbox ingest at random points, restart, and check nothing is lost or doubled.

The run is `finsam run ingest --no-prefect`: one ingest cycle (pipeline.inbox.run_ingest_cycle,
the cycle the Prefect flow and the watcher run too) over inbox -> outputs -> tables ->
archive/ or quarantine/, killed with its whole process group (forkserver and reader workers
too). Three kills (seeded, FINSAM_KILL_SEED): one after a random number of records were
written (processing), one once a random number of files reached the archive (the moves), one
at a random time of the rerun (skipping done files, tables, moves); then an uninterrupted run.

Afterwards every file is exactly once in archive/ or quarantine/ (none left in the inbox,
none doubled, none in both, each quarantined one with its reason), there is exactly one
document record per good file and one error record per bad file, every JSON whole, no temp
file anywhere, and the Parquet tables and the DuckDB file readable with one row per record.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from hostile.make_hostile import text_pdf

ROOT = Path(__file__).resolve().parent.parent
FINSAM = Path(sys.executable).parent / "finsam"
BAD = {"trasig.pdf", "tom.docx"}


def _make_inbox(inbox: Path) -> dict[str, str]:
    """50 files: name -> sha256 (46 text, 2 PDF, 2 broken)."""
    inbox.mkdir(parents=True)
    for i in range(46):
        (inbox / f"kallelse {i:02d}.txt").write_text(
            f"KALLELSE\nStyrelsens sammanträde 2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n"
            f"1. Mötets öppnande\n2. Ärende nummer {i}\n", encoding="utf-8")
    for i in range(2):
        (inbox / f"protokoll-{i}.pdf").write_bytes(
            text_pdf([f"Protokoll fört vid styrelsens sammanträde 2024-0{i + 1}-15", f"§ {i + 3} Beslut"]))
    (inbox / "trasig.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (inbox / "tom.docx").write_bytes(b"")
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}


def _run(base: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [str(FINSAM), "run", "ingest", "--no-prefect", "--settle", "0", "--workers", "2",
         "--inbox", str(base / "inbox"), "--archive", str(base / "archive"),
         "--quarantine", str(base / "quarantine"), "--out", str(base / "out")],
        cwd=ROOT, start_new_session=True, **kw,
    )


def _placed(base: Path) -> list[Path]:
    files = [p for p in (base / "archive").rglob("*") if p.is_file()]
    files += [p for p in (base / "quarantine").glob("*") if p.is_file() and not p.name.endswith(".reason.json")]
    return files


def _kill(proc: subprocess.Popen) -> bool:
    landed = proc.poll() is None
    if landed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return landed


@pytest.mark.slow  # about a minute: four runs of a 50-file ingest
def test_sigkill_ingest_at_random_points_then_rerun_loses_and_doubles_nothing(tmp_path: Path):
    base = tmp_path
    originals = _make_inbox(base / "inbox")
    assert len(originals) == 50
    good = {h for n, h in originals.items() if n not in BAD}
    rnd = random.Random(int(os.environ.get("FINSAM_KILL_SEED", "8")))
    landed, states = 0, []

    # 1: a random point of the processing (after a random number of records)
    proc = _run(base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    docs = base / "out" / "documents"
    deadline = time.monotonic() + 120
    at = rnd.randint(2, 30)
    while len(os.listdir(docs) if docs.is_dir() else ()) < at and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rnd.uniform(0.0, 0.5))
    landed += _kill(proc)
    states.append(("processing", len(list((base / "out" / "documents").glob("*.json"))), len(_placed(base))))

    # 2: while files are being moved out of the inbox
    proc = _run(base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(os.listdir(docs) if docs.is_dir() else ()) < len(good) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    # all records written: the table rebuild, then the moves; watch closely (moves take ~1 ms each)
    year = base / "archive" / time.strftime("%Y")
    after = rnd.randint(1, 20)
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if len(os.listdir(year)) >= after:
                break
        except FileNotFoundError:
            pass
    landed += _kill(proc)
    states.append(("moving", len(list((base / "out" / "documents").glob("*.json"))), len(_placed(base))))

    # 3: a random point of the rerun (most files are done: skipping, tables, moves)
    proc = _run(base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rnd.uniform(2.0, 8.0))
    landed += _kill(proc)
    states.append(("rerun", len(list((base / "out" / "documents").glob("*.json"))), len(_placed(base))))

    # The kills must have hit work in progress, not only start-up or an idle end.
    assert 0 < states[0][1] < len(good) and 0 < states[1][2] < 50, states
    assert landed >= 2, (landed, states)

    final = _run(base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = final.communicate(timeout=600)
    assert final.returncode == 0, stderr[-2000:]

    # every file exactly once in archive/ or quarantine/, none left in the inbox
    assert [p for p in (base / "inbox").rglob("*")] == []
    placed = _placed(base)
    assert sorted(p.name for p in placed) == sorted(originals), sorted(p.name for p in placed)
    assert Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in placed) == Counter(originals.values())
    quarantined = {p.name for p in (base / "quarantine").glob("*") if not p.name.endswith(".reason.json")}
    assert quarantined == BAD
    for name in BAD:
        reason = json.loads((base / "quarantine" / f"{name}.reason.json").read_text("utf-8"))
        assert reason["file_name"] == name and reason["kind"] and reason["message"]

    # one record per file, every JSON whole
    out = base / "out"
    docs = sorted((out / "documents").glob("*.json"))
    assert {p.stem for p in docs} == good and len(docs) == len(good)
    for p in docs:
        assert json.loads(p.read_bytes())["doc_id"] == p.stem
    errors = [json.loads(p.read_bytes()) for p in (out / "errors").glob("*.json")]
    assert sorted(e["file_name"] for e in errors) == sorted(BAD)

    # nothing half-done left behind
    assert [p for p in base.rglob("*.tmp")] == []
    assert not (out / ".tables-pending").exists()

    import duckdb
    import pyarrow.parquet as pq

    from pipeline.tables import DB_NAME, table_path

    assert sorted(pq.read_table(table_path(out, "documents")).to_pydict()["doc_id"]) == sorted(good)
    assert len(pq.read_table(table_path(out, "errors"))) == len(BAD)
    con = duckdb.connect(str(out / DB_NAME), read_only=True)
    try:
        assert con.execute("select count(distinct doc_id), count(*) from documents").fetchone() == (len(good), len(good))
    finally:
        con.close()
    print(f"kills: {landed}/3 landed; state at each kill (documents, placed): {states}")
