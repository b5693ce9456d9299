"""SIGKILL a 50-file run at random points, restart, and check nothing is lost or doubled.

The run is `finsam process` (process_batch + table rebuild), killed with its whole
process group (forkserver and reader workers too). After the last, uninterrupted run:
exactly one document record per good file and one error record per bad file, every JSON
whole, no temp files left, and the Parquet tables readable with one row per document.

Archive/quarantine placement is the inbox ingest's job (pipeline/inbox.py, flows/); the
same kill loop should run against `finsam run ingest` once that lands (see README,
"Reliability").
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
from pathlib import Path

import pytest

from hostile.make_hostile import text_pdf

ROOT = Path(__file__).resolve().parent.parent
FINSAM = Path(sys.executable).parent / "finsam"
KILLS = 3


def _make_inbox(inbox: Path) -> tuple[set[str], set[str]]:
    inbox.mkdir()
    good: set[str] = set()
    for i in range(46):
        p = inbox / f"kallelse {i:02d}.txt"
        p.write_text(f"KALLELSE\nStyrelsens sammanträde 2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n"
                     f"1. Mötets öppnande\n2. Ärende nummer {i}\n", encoding="utf-8")
    for i in range(2):
        (inbox / f"protokoll-{i}.pdf").write_bytes(
            text_pdf([f"Protokoll fört vid styrelsens sammanträde 2024-0{i + 1}-15", f"§ {i + 3} Beslut"]))
    for p in inbox.iterdir():
        good.add(hashlib.sha256(p.read_bytes()).hexdigest())
    (inbox / "trasig.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (inbox / "tom.docx").write_bytes(b"")
    return good, {"trasig.pdf", "tom.docx"}


def _run(inbox: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(FINSAM), "process", str(inbox), "--out", str(out), "--jobs", "2"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


@pytest.mark.slow  # about a minute: four runs of a 50-file batch
def test_sigkill_at_random_points_then_rerun_loses_and_doubles_nothing(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    good, bad = _make_inbox(inbox)
    assert len(good) + len(bad) == 50
    rnd = random.Random(int(os.environ.get("FINSAM_KILL_SEED", "8")))
    landed, mid_batch = 0, 0
    for _ in range(KILLS):
        done_before = len(list((out / "documents").glob("*.json")))
        proc = _run(inbox, out)
        time.sleep(rnd.uniform(2.0, 9.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            landed += 1
            done_after = len(list((out / "documents").glob("*.json")))
            mid_batch += done_before < done_after < len(good)
        proc.wait(timeout=60)
    # At least one kill must hit while documents were being written, not only start-up.
    assert mid_batch >= 1, (landed, mid_batch)
    final = _run(inbox, out)
    assert final.wait(timeout=600) == 1  # 1: the two bad files failed, as they should

    docs = sorted((out / "documents").glob("*.json"))
    assert {p.stem for p in docs} == good  # exactly one record per good file
    for p in docs:
        assert json.loads(p.read_bytes())["doc_id"] == p.stem  # whole, not half-written
    errors = [json.loads(p.read_bytes()) for p in (out / "errors").glob("*.json")]
    assert sorted(e["file_name"] for e in errors) == sorted(bad)
    assert not [p for p in out.rglob("*.tmp")]
    assert sorted(p.name for p in inbox.iterdir()) == sorted(
        [f"kallelse {i:02d}.txt" for i in range(46)] + ["protokoll-0.pdf", "protokoll-1.pdf", *bad])

    import pyarrow.parquet as pq

    from pipeline.tables import table_path

    table = pq.read_table(table_path(out, "documents")).to_pydict()
    assert sorted(table["doc_id"]) == sorted(good)
    assert len(pq.read_table(table_path(out, "errors"))) == len(bad)
    print(f"kills: {landed}/{KILLS} landed, {mid_batch} while documents were being written")
