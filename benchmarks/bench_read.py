"""Reading benchmark: pages/second and peak memory, finsam beside plain baselines, in one run.

    .venv/bin/python benchmarks/bench_read.py [--seeds DIR] [--ocr-docs 000,003] [--all-ocr]
    .venv/bin/python benchmarks/bench_read.py --process-only [--variants 50] [--repeat 2] [--summary-json PATH]

Each measurement runs in a fresh subprocess; peak memory is the largest total RSS of
that process and all its children (Tesseract included), sampled every 20 ms.
Rows:
  text layer   finsam read_document on the born-digital seed PDFs (pypdfium2 check + words + cleanup)
  baseline     pdfplumber page.extract_text() alone, pages closed as it goes
  baseline     pypdfium2 get_text_range() alone
  OCR          finsam read_document on image-only scans (render 300 dpi + Tesseract swe, parallel)
  baseline     pdftoppm -r 300 + `tesseract PAGE - -l swe`, page by page, serially
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _tree_sample(proc: psutil.Process, cpu: dict[int, float]) -> int:
    """Total RSS of the process and all its children; their CPU seconds so far into `cpu`."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
            times = p.cpu_times()
            cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return total


def measure(cmd: list[str]) -> dict:
    """Run a measurement subprocess; return its JSON result plus peak tree RSS."""
    run = run_sampled(cmd)
    result = json.loads(run["out"].strip().splitlines()[-1])
    result["peak_mb"] = run["peak"] / (1024 * 1024)
    return result


def run_sampled(cmd: list[str]) -> dict:
    """Run a subprocess to its end: stdout, wall seconds, peak tree RSS (bytes) and the CPU
    seconds of its process tree (sampled every 20 ms, so a process living less is missed)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, _tree_sample(ps, cpu))
            except psutil.Error:
                pass
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"measurement failed: {' '.join(cmd)}")
    return {"out": out, "seconds": seconds, "peak": peak, "cpu": sum(cpu.values())}


# --- issue 17: a whole `finsam process` of a folder beside pdfplumber alone ---------------


def make_variants(pdfs: list[Path], n: int, dest: Path) -> list[Path]:
    """n byte-variants of the seed PDFs: a comment after %%EOF keeps each a valid PDF with
    its own sha256, so no read or record cache can answer for it."""
    files = []
    for i in range(n):
        src = pdfs[i % len(pdfs)]
        f = dest / f"{src.stem}.v{i:03d}.pdf"
        f.write_bytes(src.read_bytes() + f"\n% finsam benchmark variant {i}\n".encode())
        files.append(f)
    return files


def finsam_cli() -> list[str]:
    script = Path(sys.executable).with_name("finsam")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def process_row(pdfs: list[Path], n_files: int, repeat: int) -> dict:
    """Both subprocesses timed start to exit, alternating; the fastest run of each counts."""
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory(prefix="finsam-bench-process-") as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        files = make_variants(pdfs, n_files, src)
        pages = 0
        for f in files:
            doc = pdfium.PdfDocument(str(f))
            pages += len(doc)
            doc.close()
        runs: dict[str, list[dict]] = {"finsam": [], "baseline": []}
        for k in range(repeat):
            out = Path(tmp) / f"out{k}"
            run = run_sampled([*finsam_cli(), "process", str(src), "--out", str(out)])
            documents = len(list((out / "documents").glob("*.json")))
            errors = len(list((out / "errors").glob("*.json"))) if (out / "errors").is_dir() else 0
            if documents != len(files) or errors:
                raise SystemExit(f"finsam process wrote {documents} documents and {errors} errors for {len(files)} files")
            runs["finsam"].append(run)
            runs["baseline"].append(run_sampled([sys.executable, __file__, "--one", "pdfplumber", *map(str, files)]))
    finsam = min(runs["finsam"], key=lambda r: r["seconds"])
    baseline = min(runs["baseline"], key=lambda r: r["seconds"])
    finsam_s, baseline_s = finsam["seconds"], baseline["seconds"]
    ratio = baseline_s / finsam_s
    return {
        "row": "text", "finsam_s": round(finsam_s, 2), "baseline_s": round(baseline_s, 2),
        "ratio": round(ratio, 2), "goal": ">= 2.0x", "met": ratio >= 2.0, "pages": pages, "files": len(files),
        "finsam_runs_s": [round(r["seconds"], 2) for r in runs["finsam"]],
        "baseline_runs_s": [round(r["seconds"], 2) for r in runs["baseline"]],
        "finsam_cpu_s": round(finsam["cpu"], 1), "baseline_cpu_s": round(baseline["cpu"], 1),
        "finsam_peak_mb": round(finsam["peak"] / 2**20), "baseline_peak_mb": round(baseline["peak"] / 2**20),
    }


def print_process_row(r: dict) -> None:
    print(f"\nissue 17: {r['files']} born-digital PDFs, {r['pages']} pages; {os.cpu_count()} cores; "
          f"fastest of {len(r['finsam_runs_s'])} alternating runs (finsam {r['finsam_runs_s']} s, "
          f"baseline {r['baseline_runs_s']} s)\n")
    print("| path | what | pages | seconds | pages/s | CPU seconds | peak MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    print(f"| process | finsam process DIR (every record, reconciliation, tables) | {r['pages']} | {r['finsam_s']:.2f} "
          f"| {r['pages'] / r['finsam_s']:.1f} | {r['finsam_cpu_s']:.1f} | {r['finsam_peak_mb']} |")
    print(f"| process | baseline: pdfplumber extract_text, 1 process | {r['pages']} | {r['baseline_s']:.2f} "
          f"| {r['pages'] / r['baseline_s']:.1f} | {r['baseline_cpu_s']:.1f} | {r['baseline_peak_mb']} |")
    print(f"\nfinsam at {r['ratio']:.2f}x the baseline; goal {r['goal']}: {'met' if r['met'] else 'NOT met'}")


# --- the measured workloads (run in the child) ------------------------------------------


def run_finsam(files: list[str]) -> dict:
    from pipeline.read import read_document

    t = time.perf_counter()
    pages = ocr = 0
    for f in files:
        doc = read_document(Path(f))
        pages += doc.page_count
        ocr += len(doc.ocr_pages)
    return {"pages": pages, "ocr_pages": ocr, "seconds": time.perf_counter() - t}


def run_pdfplumber(files: list[str]) -> dict:
    import pdfplumber

    t = time.perf_counter()
    pages = 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    return {"pages": pages, "seconds": time.perf_counter() - t}


def run_pdfium(files: list[str]) -> dict:
    import pypdfium2 as pdfium

    t = time.perf_counter()
    pages = 0
    for f in files:
        pdf = pdfium.PdfDocument(f)
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
            pages += 1
        pdf.close()
    return {"pages": pages, "seconds": time.perf_counter() - t}


def run_tesseract_cli(files: list[str]) -> dict:
    t = time.perf_counter()
    pages = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, f in enumerate(files):
            prefix = Path(tmp) / f"d{n}"
            subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", f, str(prefix)], check=True)
            for img in sorted(Path(tmp).glob(f"d{n}-*.png")):
                subprocess.run(["tesseract", str(img), "-", "-l", "swe"], check=True, capture_output=True)
                img.unlink()
                pages += 1
    return {"pages": pages, "seconds": time.perf_counter() - t}


WORKLOADS = {"finsam": run_finsam, "pdfplumber": run_pdfplumber, "pdfium": run_pdfium, "tesseract": run_tesseract_cli}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    ap.add_argument("--ocr-docs", default="000,003", help="seed prefixes whose scans are OCR'd (default: 9 pages)")
    ap.add_argument("--all-ocr", action="store_true", help="OCR every scanned seed (76 pages)")
    ap.add_argument("--variants", type=int, default=50, help="byte-variant files of the seed PDFs for the process row")
    ap.add_argument("--repeat", type=int, default=1, help="alternating runs of the process row; fastest counts")
    ap.add_argument("--process-only", action="store_true", help="only the issue-17 process row")
    ap.add_argument("--summary-json", type=Path, help="write the process row as JSON here")
    ap.add_argument("--one", choices=sorted(WORKLOADS), help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(WORKLOADS[args.one](args.files)))
        return

    seed_pdfs = sorted((args.seeds / "pdf").glob("*.pdf"))
    if not seed_pdfs:
        raise SystemExit(f"no seed PDFs under {args.seeds / 'pdf'}")
    process = process_row(seed_pdfs, args.variants, max(1, args.repeat))
    if args.summary_json:
        args.summary_json.write_text(json.dumps(process, indent=2) + "\n")
    if args.process_only:
        print_process_row(process)
        return

    pdfs = [str(p) for p in seed_pdfs]
    scans = sorted(str(p) for p in (args.seeds / "scanned").glob("*.pdf"))
    if not args.all_ocr:
        wanted = tuple(args.ocr_docs.split(","))
        scans = [s for s in scans if Path(s).name.startswith(wanted)]
    me = [sys.executable, __file__, "--one"]
    rows = [
        ("text layer", "finsam read_document", measure([*me, "finsam", *pdfs])),
        ("text layer", "baseline: pdfplumber extract_text", measure([*me, "pdfplumber", *pdfs])),
        ("text layer", "baseline: pypdfium2 get_text_range", measure([*me, "pdfium", *pdfs])),
        ("OCR", f"finsam read_document ({os.cpu_count()} Tesseract workers)", measure([*me, "finsam", *scans])),
        ("OCR", "baseline: pdftoppm + tesseract CLI, serial", measure([*me, "tesseract", *scans])),
    ]
    print(f"\nseed PDFs: {len(pdfs)} born-digital, {len(scans)} scanned; {os.cpu_count()} cores\n")
    print("| path | what | pages | seconds | pages/s | peak MB |")
    print("|---|---|---:|---:|---:|---:|")
    for path, what, r in rows:
        print(f"| {path} | {what} | {r['pages']} | {r['seconds']:.2f} | {r['pages'] / r['seconds']:.2f} | {r['peak_mb']:.0f} |")
    print_process_row(process)


if __name__ == "__main__":
    main()
