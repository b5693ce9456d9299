"""SIGKILL a 50-file inbox ingest at seeded points, restart, and check nothing is lost or doubled.

The run is `finsam run ingest --no-prefect`: one ingest cycle (pipeline.runtime.inbox.run_ingest_cycle,
the cycle the Prefect flow and the watcher run too) over inbox -> outputs -> tables ->
archive/ or quarantine/, killed with its whole process group (forkserver and reader workers
too). Three kills (seeded, FINSAM_KILL_SEED): after a chosen number of document records
(processing), after a chosen number of files were claimed in the archive or quarantine
(the moves), and at a chosen point of the rerun (its table rebuild or its moves); then an
uninterrupted run.

The process kills itself at the point (tests/kill_points.py), so the state at each kill is
exact and the same on every run of a seed. (It used to be killed from here after polling
the folders; under load the moves, ~1 ms each, sometimes all finished before the kill
landed, and a quarantine reason's temp file was counted as a placed file: "51 < 50".)

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
from collections import Counter
from pathlib import Path

import pytest

from hostile.make_hostile import text_pdf

ROOT = Path(__file__).resolve().parent.parent
KILL_POINTS = Path(__file__).resolve().parent / "kill_points.py"
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


def _run(base: Path, kill_at: tuple[str, int] | None = None, **kw) -> subprocess.Popen:
    """`finsam run ingest --no-prefect` in its own process group; with kill_at=(point, n) it
    SIGKILLs the group itself at that point (tests/kill_points.py)."""
    args = ["run", "ingest", "--no-prefect", "--settle", "0", "--workers", "2",
            "--inbox", str(base / "inbox"), "--archive", str(base / "archive"),
            "--quarantine", str(base / "quarantine"), "--out", str(base / "out")]
    if kill_at is None:
        cmd = [sys.executable, "-m", "pipeline.cli", *args]
    else:
        cmd = [sys.executable, str(KILL_POINTS), kill_at[0], str(kill_at[1]), "--", *args]
    return subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, **kw)


def _placed(base: Path) -> list[Path]:
    """Files under an archive or quarantine name (not reasons, not temp files)."""
    files = [p for p in (base / "archive").rglob("*") if p.is_file()]
    files += [p for p in (base / "quarantine").glob("*") if p.is_file() and not p.name.endswith(".reason.json")]
    return [p for p in files if not (p.name.startswith(".") and p.name.endswith(".tmp"))]


def _killed_at(base: Path, point: tuple[str, int]) -> None:
    """Run until the run kills itself at `point`; fail if it ended any other way."""
    proc = _run(base, point, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, (point, proc.returncode, stderr[-2000:])


def _documents(base: Path) -> int:
    return len(list((base / "out" / "documents").glob("*.json")))


@pytest.mark.slow  # about a minute: four runs of a 50-file ingest
def test_sigkill_ingest_at_seeded_points_then_rerun_loses_and_doubles_nothing(tmp_path: Path):
    base = tmp_path
    originals = _make_inbox(base / "inbox")
    assert len(originals) == 50
    good = {h for n, h in originals.items() if n not in BAD}
    rnd = random.Random(int(os.environ.get("FINSAM_KILL_SEED", "8")))
    states = []

    # 1: the processing, after a chosen number of document records
    records = rnd.randint(2, 30)
    _killed_at(base, ("record", records))
    states.append(("processing", _documents(base), len(_placed(base))))
    assert states[-1] == ("processing", records, 0), states

    # 2: the moves (all records written, tables rebuilt), after a chosen number of claims:
    # that file is then under both its archive (or quarantine) name and its inbox name
    claims = rnd.randint(1, 40)
    _killed_at(base, ("claim", claims))
    states.append(("moving", _documents(base), len(_placed(base))))
    assert states[-1] == ("moving", len(good), claims), states

    # 3: the rerun: it skips the processed files, rebuilds the tables, finishes the half-done
    # move and moves the rest (50 - claims files left, one of them already claimed)
    rerun = rnd.choice([("tables", 1), ("tables", 2), ("renamed", 1), ("claim", rnd.randint(1, 49 - claims))])
    _killed_at(base, rerun)
    states.append(("rerun, %s %d" % rerun, _documents(base), len(_placed(base))))
    assert states[-1][1:] == (len(good), claims + (rerun[1] if rerun[0] == "claim" else 0)), states

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

    from pipeline.outputs.files import table_path
    from pipeline.outputs.store import DB_NAME

    assert sorted(pq.read_table(table_path(out, "documents")).to_pydict()["doc_id"]) == sorted(good)
    assert len(pq.read_table(table_path(out, "errors"))) == len(BAD)
    con = duckdb.connect(str(out / DB_NAME), read_only=True)
    try:
        assert con.execute("select count(distinct doc_id), count(*) from documents").fetchone() == (len(good), len(good))
    finally:
        con.close()
    print(f"state at each kill (point, documents, placed): {states}")
