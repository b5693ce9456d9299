"""Reading benchmark: pages/second and peak memory, finsam beside plain baselines, in one run.

    .venv/bin/python benchmarks/bench_read.py [--seeds DIR] [--ocr-docs 000,003] [--all-ocr]

Each measurement runs in a fresh subprocess; peak memory is the largest total RSS of
that process and all its children (Tesseract included), sampled every 20 ms.
Rows:
  text layer   finsam read_document on the born-digital seed PDFs (pypdfium2 check + pdfplumber words + cleanup)
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


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(cmd: list[str]) -> dict:
    """Run a measurement subprocess; return its JSON result plus peak tree RSS."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, _tree_rss(ps))
            except psutil.Error:
                pass
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"measurement failed: {' '.join(cmd)}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / (1024 * 1024)
    return result


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
    ap.add_argument("--one", choices=sorted(WORKLOADS), help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(WORKLOADS[args.one](args.files)))
        return

    pdfs = sorted(str(p) for p in (args.seeds / "pdf").glob("*.pdf"))
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


if __name__ == "__main__":
    main()
