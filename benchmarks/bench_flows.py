"""Files per minute through ingest_inbox, beside the same work without Prefect.

50 distinct born-digital PDFs (the five seed PDFs, each in ten byte-variants: a comment
appended after %%EOF, so every file has its own sha256 and nothing is cached) go through:

1. a plain loop over `finsam process FILE` (one CLI call per file, as a cron script would);
2. one `finsam process FOLDER` call (the batch command, a worker per core);
3. ingest_inbox with the local task runner (a task per worker lane, one per core, each
   taking the next file as soon as it is free; the run ends once the inbox has been
   empty pipeline.config.INGEST.idle_s);
4. ingest_inbox on a 2-worker Dask LocalCluster.

Each configuration starts from an empty inbox and outputs folder. The Prefect server's
start-up is measured separately (it is paid once per `finsam serve`, not per run).

    .venv/bin/python benchmarks/bench_flows.py [--files 50] [--skip-loop]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = Path(os.environ.get("FINSAM_SEEDS", ROOT.parent / "shared" / "seeds"))
FINSAM = [sys.executable, "-m", "pipeline.cli"]


def make_files(dest: Path, n: int) -> list[Path]:
    seeds = sorted((SEEDS / "pdf").glob("*.pdf"))
    if not seeds:
        sys.exit(f"no seed PDFs under {SEEDS / 'pdf'}")
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        src = seeds[i % len(seeds)]
        f = dest / f"{src.stem}.v{i:03d}.pdf"
        f.write_bytes(src.read_bytes() + f"\n% finsam benchmark variant {i}\n".encode())
        files.append(f)
    return files


def rate(n: int, seconds: float) -> float:
    return n / seconds * 60.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--skip-loop", action="store_true", help="skip the slow per-file CLI loop")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="finsam-bench-flows-"))
    os.environ.setdefault("PREFECT_HOME", str(work / "prefect-home"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    src = work / "src"
    files = make_files(src, args.files)
    n = len(files)
    rows: list[tuple[str, float, str]] = []
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}

    if not args.skip_loop:
        out = work / "loop-out"
        t = time.perf_counter()
        failed = 0
        for f in files:
            failed += subprocess.run([*FINSAM, "process", str(f), "--out", str(out)], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0
        rows.append(("loop over `finsam process FILE`", time.perf_counter() - t, f"{failed} failed"))

    out = work / "batch-out"
    t = time.perf_counter()
    rc = subprocess.run([*FINSAM, "process", str(src), "--out", str(out)], cwd=ROOT, env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    rows.append(("one `finsam process FOLDER`", time.perf_counter() - t, f"exit {rc}"))

    from pipeline.runtime.serve import prefect_api

    t = time.perf_counter()
    with prefect_api(home=Path(os.environ["PREFECT_HOME"]), ui=False):
        server_start = time.perf_counter() - t
        from flows.ingest import ingest_inbox

        for label, runner in (("ingest_inbox, local task runner (threads)", "threads"),
                              ("ingest_inbox, Dask LocalCluster, 2 workers", "dask")):
            base = work / runner
            inbox = base / "inbox"
            inbox.mkdir(parents=True)
            for f in files:
                shutil.copyfile(f, inbox / f.name)
            t = time.perf_counter()
            report = ingest_inbox(inbox=str(inbox), archive=str(base / "archive"), quarantine=str(base / "quarantine"),
                                  out=str(base / "out"), settle_seconds=0.5, task_runner=runner,
                                  workers=2 if runner == "dask" else None)
            secs = time.perf_counter() - t
            rows.append((label, secs, f"{len(report.archived)} archived, {len(report.quarantined)} quarantined"))

    print(f"\n{n} files ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB of born-digital PDF), "
          f"{os.cpu_count()} cores; local Prefect server start-up {server_start:.1f} s (not counted)\n")
    print("| configuration | seconds | files/minute | note |")
    print("|---|---:|---:|---|")
    for label, secs, note in rows:
        print(f"| {label} | {secs:.1f} | {rate(n, secs):.1f} | {note} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
