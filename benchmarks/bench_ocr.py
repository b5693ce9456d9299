"""OCR path: `finsam process` of scans beside the Tesseract CLI on the same pages (issue 17).

    .venv/bin/python benchmarks/bench_ocr.py [--docs 000,001,003,004] [--repeat 2] [--summary-json PATH]
        [--compare CHECKOUT] [--timeline]

finsam   `finsam process IN --out OUT` in a subprocess, a fresh OUT each run (nothing
         skipped, nothing cached): render, OCR, cleanup, extraction, records, tables, report.
baseline the Tesseract CLI alone on the same pages, rendered beforehand (outside the timing)
         at 300 dpi in greyscale with pypdfium2 and written as uncompressed PGM; one
         `tesseract PAGE stdout -l swe --oem 1 --psm 3 tsv` per page, as many at a time as
         there are cores, pages taken from one queue, OMP_THREAD_LIMIT=1.
         Table-mode pass: a page whose psm 3 reading has finsam's table words
         (pipeline.read.ocr.looks_like_table) is read a second time with --psm 6, on the page
         with its ruled lines painted out (also prepared beforehand). These are the passes
         finsam runs, since it takes the same decision on the same reading.

ratio = baseline seconds / finsam seconds (finsam's page rate as a share of the CLI's);
goal >= 0.9x.

Two more figures per repetition, beside the row, so the ratio is read right: finsam reads
with Tesseract as a library (tesserocr, whose wheel carries Tesseract 5.5; the CLI here is
the system's) unless FINSAM_OCR_ENGINE=cli.
library  the same passes through tesserocr alone, one thread per core, on the same
         pre-rendered pages: the library's own pace, what finsam's default engine can reach.
cli      finsam with FINSAM_OCR_ENGINE=cli: its overhead beside the CLI baseline, engine alike. Each repetition times both, baseline first, in the same run: the machine's
load is shared by both figures. --checkout times another checkout's finsam (e.g. before a change).
--timeline: where a core had no Tesseract to run (start-up, between passes, after the last),
from one more, untimed run of each finsam; core-seconds, which a shared machine's load
distorts less than a wall-clock ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = Path(os.environ.get("FINSAM_SEEDS", ROOT.parent / "shared" / "seeds"))
GOAL = 0.9


def prerender(scans: list[Path], dest: Path) -> list[tuple[Path, Path]]:
    """Every page as (page.pgm, page-without-rules.pgm), 300 dpi greyscale."""
    import pypdfium2 as pdfium

    from pipeline.read.ocr import remove_rules

    pages = []
    for n, scan in enumerate(scans):
        pdf = pdfium.PdfDocument(scan)
        for i in range(len(pdf)):
            page = pdf[i]
            image = page.render(scale=300 / 72, grayscale=True).to_pil()
            page.close()
            plain, ruleless = dest / f"d{n}-p{i}.pgm", dest / f"d{n}-p{i}-table.pgm"
            image.save(plain)
            remove_rules(image, 300 / 72).save(ruleless)
            pages.append((plain, ruleless))
        pdf.close()
    return pages


def tesseract_text(image: Path, psm: int) -> str:
    out = subprocess.run(
        ["tesseract", str(image), "stdout", "-l", "swe", "--oem", "1", "--psm", str(psm), "tsv"],
        check=True, capture_output=True, text=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout
    lines: dict[tuple[str, str, str], list[str]] = {}
    for row in out.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[11].strip() and float(cols[10]) >= 0:
            lines.setdefault((cols[2], cols[3], cols[4]), []).append(cols[11].strip())
    return "\n".join(" ".join(words) for words in lines.values())


def run_baseline(pages: list[tuple[Path, Path]], workers: int) -> tuple[float, int]:
    """Seconds for the CLI passes over all pages, and how many table-mode passes ran."""
    from pipeline.read.ocr import looks_like_table

    todo: queue.Queue = queue.Queue()
    for p in pages:
        todo.put(p)
    table_passes = [0] * workers
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            while True:
                try:
                    plain, ruleless = todo.get_nowait()
                except queue.Empty:
                    return
                if looks_like_table(tesseract_text(plain, 3)):
                    tesseract_text(ruleless, 6)
                    table_passes[k] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    t = time.perf_counter()
    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - t
    if errors:
        raise SystemExit(f"baseline failed: {errors[0]}")
    return seconds, sum(table_passes)


def run_library(pages: list[tuple[Path, Path]], workers: int) -> float:
    """Seconds for the same passes through tesserocr in this process, one engine per thread."""
    import tesserocr
    from PIL import Image

    from pipeline.read.ocr import OCR_LANG, looks_like_table, tessdata_dir

    todo: queue.Queue = queue.Queue()
    for p in pages:
        todo.put(p)
    errors: list[BaseException] = []

    def words(tsv: str) -> str:
        rows = [r.split("\t") for r in tsv.splitlines()]
        return " ".join(r[11].strip() for r in rows if len(r) == 12 and r[11].strip())

    def work() -> None:
        try:
            with tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=OCR_LANG, oem=tesserocr.OEM.LSTM_ONLY) as api:
                while True:
                    try:
                        plain, ruleless = todo.get_nowait()
                    except queue.Empty:
                        return
                    api.SetPageSegMode(tesserocr.PSM.AUTO)
                    with Image.open(plain) as image:
                        api.SetImage(image)
                    if looks_like_table(words(api.GetTSVText(0))):
                        api.SetPageSegMode(tesserocr.PSM.SINGLE_BLOCK)
                        with Image.open(ruleless) as image:
                            api.SetImage(image)
                        api.GetTSVText(0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    t = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise SystemExit(f"library run failed: {errors[0]}")
    return time.perf_counter() - t


def run_finsam(inbox: Path, out: Path, checkout: Path, env: dict | None = None) -> float:
    shutil.rmtree(out, ignore_errors=True)
    python = checkout / ".venv" / "bin" / "python"
    t = time.perf_counter()
    proc = subprocess.run([str(python), "-m", "pipeline.cli", "process", str(inbox), "--out", str(out)],
                          cwd=checkout, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"finsam process failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    reap_orphans()
    return seconds


# Where the cores wait for Tesseract: a wrapper first on PATH logs when each tesseract
# process starts and ends (a few ms each, so this run is not one of the timed ones).
WRAPPER = """#!/bin/sh
start=$(date +%s.%N)
{real} "$@"
rc=$?
echo "$start $(date +%s.%N) $*" >> {log}
exit $rc
"""


def run_timeline(inbox: Path, out: Path, checkout: Path, cores: int) -> str:
    """One untimed finsam run with its Tesseract processes logged: how long a core had no
    Tesseract to run, before the first one, between passes and after the last."""
    real = shutil.which("tesseract")
    with tempfile.TemporaryDirectory(prefix="bench-ocr-timeline-") as tmp:
        log = Path(tmp) / "passes.log"
        wrapper = Path(tmp) / "tesseract"
        wrapper.write_text(WRAPPER.format(real=shlex.quote(str(real)), log=shlex.quote(str(log))))
        wrapper.chmod(0o755)
        env = {**os.environ, "PATH": f"{tmp}{os.pathsep}{os.environ.get('PATH', '')}"}
        t0 = time.time()
        wall = run_finsam(inbox, out, checkout, env)
        passes = []
        for line in log.read_text().splitlines():
            start, end, *args = line.split()
            if "--psm" in args:  # not the --version / --list-langs probes
                passes.append((float(start) - t0, float(end) - t0))
    if not passes:
        return "timeline: no Tesseract pass logged"
    first, last = min(s for s, _ in passes), max(e for _, e in passes)
    events = sorted([(s, 1) for s, _ in passes] + [(e, -1) for _, e in passes])
    between, running, at = 0.0, 0, first
    for t, step in events:
        between += max(0, cores - running) * (t - at)
        running, at = running + step, t
    return (f"timeline: first Tesseract at {first:.2f} s, last ends at {last:.2f} s of {wall:.2f} s; "
            f"core-seconds without Tesseract: {cores * first:.2f} before the first, {between:.2f} between, "
            f"{cores * max(0.0, wall - last):.2f} after the last ({len(passes)} passes)")


# CPU seconds of everything a measurement started, Tesseract and finsam's worker processes
# included: the figure the machine's other load does not change much, beside wall seconds.
# finsam's forkserver outlives the CLI by a moment and is re-parented; as a subreaper this
# process reaps it, so its children's CPU is counted too.
def become_subreaper() -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_orphans(patience: float = 30.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn, *args):
    """(fn's result, CPU seconds of the processes it started)."""
    before = children_cpu()
    result = fn(*args)
    return result, children_cpu() - before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    ap.add_argument("--docs", default="000,001,003,004", help="seed scan prefixes (default: 27 pages)")
    ap.add_argument("--repeat", type=int, default=2, help="timed repetitions of both (the row shows the mean of each)")
    ap.add_argument("--checkout", type=Path, default=ROOT, help="the finsam checkout to time (default: this one)")
    ap.add_argument("--compare", type=Path, help="also time this checkout's finsam in each repetition (e.g. before a change)")
    ap.add_argument("--summary-json", type=Path, help="write the row as JSON here")
    ap.add_argument("--timeline", action="store_true",
                    help="after the timed runs, one more run of each finsam with its Tesseract passes logged")
    args = ap.parse_args()

    scans = [f for prefix in args.docs.split(",") for f in sorted((args.seeds / "scanned").glob(f"{prefix}_*.pdf"))]
    if not scans:
        sys.exit(f"no scans for {args.docs} under {args.seeds / 'scanned'}")
    workers = max(1, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        tmp = Path(tmp)
        inbox, rendered = tmp / "in", tmp / "pages"
        inbox.mkdir()
        rendered.mkdir()
        for f in scans:
            shutil.copy(f, inbox / f.name)
        pages = prerender(scans, rendered)
        become_subreaper()
        runs = []
        library: list[float] = []
        cli_engine: list[float] = []
        for r in range(args.repeat):
            (base_s, table_passes), base_cpu = timed(run_baseline, pages, workers)
            fin_s, fin_cpu = timed(run_finsam, inbox, tmp / "out", args.checkout)
            runs.append((fin_s, base_s))
            print(f"run {r + 1}: finsam {fin_s:.1f} s ({fin_cpu:.0f} CPU s), baseline {base_s:.1f} s "
                  f"({base_cpu:.0f} CPU s; {len(pages)} psm 3 + {table_passes} psm 6 passes), "
                  f"ratio {base_s / fin_s:.2f}x, load {os.getloadavg()[0]:.1f}", flush=True)
            cpu0 = time.process_time()
            lib_s = run_library(pages, workers)
            lib_cpu = time.process_time() - cpu0
            cli_s, cli_cpu = timed(run_finsam, inbox, tmp / "out", args.checkout,
                                   {**os.environ, "FINSAM_OCR_ENGINE": "cli"})
            library.append(lib_s)
            cli_engine.append(cli_s)
            print(f"       library alone {lib_s:.1f} s ({lib_cpu:.0f} CPU s), finsam/library {lib_s / fin_s:.2f}x; "
                  f"finsam with FINSAM_OCR_ENGINE=cli {cli_s:.1f} s ({cli_cpu:.0f} CPU s), "
                  f"ratio {base_s / cli_s:.2f}x", flush=True)
            if args.compare:
                cmp_s, cmp_cpu = timed(run_finsam, inbox, tmp / "out", args.compare)
                print(f"       {args.compare}: finsam {cmp_s:.1f} s ({cmp_cpu:.0f} CPU s), "
                      f"ratio {base_s / cmp_s:.2f}x", flush=True)
        if args.timeline:
            for checkout in [args.checkout] + ([args.compare] if args.compare else []):
                print(f"{checkout}: {run_timeline(inbox, tmp / 'out', checkout, workers)}, "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
    fin_s, base_s = sum(f for f, _ in runs) / len(runs), sum(b for _, b in runs) / len(runs)
    ratio = base_s / fin_s
    n = len(pages)
    print(f"\n{'row':<10}{'pages':>6}{'finsam s':>10}{'pages/s':>9}{'baseline s':>12}{'pages/s':>9}{'ratio':>8}  goal")
    print(f"{'ocr':<10}{n:>6}{fin_s:>10.1f}{n / fin_s:>9.2f}{base_s:>12.1f}{n / base_s:>9.2f}"
          f"{ratio:>7.2f}x  >= {GOAL}x {'met' if ratio >= GOAL else 'NOT met'}")
    print(f"(baseline: Tesseract CLI, {workers} at a time, OMP_THREAD_LIMIT=1, pre-rendered 300 dpi PGM, "
          f"psm 3 + psm 6 on {table_passes} table page(s))")
    lib_s, cli_s = sum(library) / len(library), sum(cli_engine) / len(cli_engine)
    print(f"(beside it: tesserocr alone on the same pages {lib_s:.1f} s, finsam at {lib_s / fin_s:.2f}x of the "
          f"library's pace; finsam with FINSAM_OCR_ENGINE=cli {cli_s:.1f} s, {base_s / cli_s:.2f}x of the CLI's)")
    if args.summary_json:
        args.summary_json.write_text(json.dumps({
            "row": "ocr", "finsam_s": round(fin_s, 2), "baseline_s": round(base_s, 2), "ratio": round(ratio, 3),
            "goal": f">= {GOAL}x", "met": ratio >= GOAL, "pages": n,
            "library_s": round(lib_s, 2), "finsam_vs_library": round(lib_s / fin_s, 3),
            "cli_engine_s": round(cli_s, 2), "cli_engine_ratio": round(base_s / cli_s, 3),
        }, indent=2) + "\n")


if __name__ == "__main__":
    main()
