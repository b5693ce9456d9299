"""Issue 17's speed table: each path's finsam figure beside its baseline, measured in the same run.

    .venv/bin/python benchmarks/bench_speed.py [--only text,ocr,tables,prefect] [--files 1000]

Runs the four benchmarks one after another (never side by side: they share the cores),
each with `--summary-json`, and prints one Markdown table with the ratio and the goal:

  text     benchmarks/bench_read.py --process-only  whole `finsam process` on byte variants of the
                                                  seed PDFs vs pdfplumber extract_text, 1 process
  ocr      benchmarks/bench_ocr.py                whole `finsam process` on the scanned seeds vs
                                                  the Tesseract CLI on pre-rendered pages
  tables   benchmarks/bench_tables.py -n 10000    full table rebuild vs reading + parsing the JSON
  prefect  benchmarks/bench_load.py --files N --baseline N
                                                  watcher + Prefect ingest vs one plain process_batch
                                                  of as many files

Exits 1 when a goal is missed, so `make bench` says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rows(files: int) -> dict[str, list[str]]:
    return {
        "text": [str(HERE / "bench_read.py"), "--process-only"],
        "ocr": [str(HERE / "bench_ocr.py")],
        "tables": [str(HERE / "bench_tables.py"), "-n", "10000"],
        # The baseline is the same number of files: a 100-file baseline spread by 25% between runs.
        "prefect": [str(HERE / "bench_load.py"), "--files", str(files), "--baseline", str(files)],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _figures(s: dict) -> tuple[str, str, str]:
    """finsam, baseline and ratio as printed; the ratio's sense depends on the row."""
    row = s["row"]
    if row == "prefect":
        return (
            f"{s['finsam_files_per_min']:.1f} files/min",
            f"{s['baseline_files_per_min']:.1f} files/min",
            f"{s['overhead_pct']:.1f}% overhead",
        )
    unit = "s"
    return (f"{s['finsam_s']:.2f} {unit}", f"{s['baseline_s']:.2f} {unit}", f"{s['ratio']:.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="text,ocr,tables,prefect", help="comma-separated rows")
    ap.add_argument("--files", type=int, default=1000, help="files for the Prefect load row")
    args = ap.parse_args()
    rows = _rows(args.files)
    wanted = [r.strip() for r in args.only.split(",") if r.strip()]
    unknown = set(wanted) - set(rows)
    if unknown:
        print(f"bench_speed: unknown row(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    summaries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in wanted:
            out = Path(tmp) / f"{name}.json"
            print(f"== {name}: {' '.join(rows[name])}", flush=True)
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, *rows[name], "--summary-json", str(out)])
            if proc.returncode != 0 or not out.exists():
                summaries.append({"row": name, "error": f"exit {proc.returncode}"})
                continue
            s = json.loads(out.read_text())
            s["wall_s"] = time.perf_counter() - t
            summaries.append(s)

    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {_cpu_model()}, Python {platform.python_version()}\n")
    print("| path | finsam | baseline | ratio | goal | met |")
    print("|---|---:|---:|---:|---|---|")
    missed = False
    for s in summaries:
        if "error" in s:
            print(f"| {s['row']} | – | – | – | – | failed ({s['error']}) |")
            missed = True
            continue
        finsam, baseline, ratio = _figures(s)
        met = bool(s.get("met"))
        missed |= not met
        print(f"| {s['row']} | {finsam} | {baseline} | {ratio} | {s['goal']} | {'yes' if met else 'NO'} |")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
