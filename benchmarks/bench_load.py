"""Load benchmark: push N files (default 1,000) through processing and check counts in = out.

    .venv/bin/python benchmarks/bench_load.py [--files 1000] [--jobs 2] [--keep DIR]

The files are copies of the real seeds (text-layer PDF, DOCX, text) and of the project's
samples (corpus/samples/), each made unique with a few varied bytes, so every copy is a
new document (a new sha256) and none is skipped as unchanged. Image-only scans are left
out: OCR costs seconds a page and would measure Tesseract, not the pipeline's handling of
load (bench_read.py measures OCR).
- PDF: a comment line after %%EOF (readers ignore it);
- DOCX: the zip archive comment;
- text: a trailing line "kopia N".

Reports files/minute, peak memory (the whole process tree: batch process, forkserver
and reader workers, sampled every 0.2 s) and counts: files in, documents + errors out,
rows in the documents table. Not a timed test; the README "Reliability" table has figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.process import process_batch  # noqa: E402
from pipeline.store import documents_dir, errors_dir  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"


def sources() -> list[Path]:
    found = sorted((SEEDS / "pdf").glob("*.pdf")) + sorted((SEEDS / "docx").glob("*.docx"))
    found += sorted(SEEDS.glob("*.txt"))
    found += sorted(p for p in (ROOT / "corpus" / "samples").iterdir()
                    if p.suffix in {".pdf", ".docx", ".txt"} and ".scan." not in p.name)
    return found


def make_copy(src: Path, dest_dir: Path, n: int) -> Path:
    dest = dest_dir / f"{n:04d} {src.stem}{src.suffix}"
    if src.suffix == ".pdf":
        dest.write_bytes(src.read_bytes() + f"\n% kopia {n}\n".encode())
    elif src.suffix == ".docx":
        shutil.copyfile(src, dest)
        with zipfile.ZipFile(dest, "a") as zf:
            zf.comment = f"kopia {n}".encode()
    else:
        dest.write_bytes(src.read_bytes() + f"\nkopia {n}\n".encode())
    return dest


class PeakMemory:
    """Peak RSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak_total = 0
        self.peak_worker = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total, worst = 0, 0
            try:
                procs = [me, *me.children(recursive=True)]
            except psutil.Error:
                procs = [me]
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                if p.pid != me.pid:
                    worst = max(worst, rss)
            self.peak_total = max(self.peak_total, total)
            self.peak_worker = max(self.peak_worker, worst)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=0, help="files at once (0: one per core)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args()

    srcs = sources()
    if not srcs:
        print(f"no sources found (seeds at {SEEDS}, samples in corpus/samples)")
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="finsam-load-"))
    inbox, out = work / "inbox", work / "out"
    inbox.mkdir(parents=True, exist_ok=True)
    files = [make_copy(srcs[i % len(srcs)], inbox, i) for i in range(args.files)]
    print(f"{len(files)} files from {len(srcs)} sources in {inbox}")

    started = time.monotonic()
    with PeakMemory() as mem:
        result = process_batch([inbox], out, jobs=args.jobs or None)
        processing = time.monotonic() - started
        try:
            from pipeline.tables import rebuild_tables, table_path

            rebuild_tables(out)
            import pyarrow.parquet as pq

            table_rows = pq.read_table(table_path(out, "documents")).num_rows
        except ImportError:
            table_rows = None
    total = time.monotonic() - started

    docs = len(list(documents_dir(out).glob("*.json")))
    errs = len(list(errors_dir(out).glob("*.json"))) if errors_dir(out).is_dir() else 0
    statuses = {s: sum(1 for o in result.outcomes if o.status == s) for s in ("processed", "skipped", "failed")}
    print(f"files in            {len(files)}")
    print(f"outcomes            {statuses}")
    print(f"records out         {docs} documents + {errs} errors = {docs + errs}")
    print(f"documents table     {table_rows} rows")
    print(f"processing          {processing:.1f} s, {len(files) / processing * 60:.0f} files/minute")
    print(f"with table rebuild  {total:.1f} s, {len(files) / total * 60:.0f} files/minute")
    print(f"peak memory         {mem.peak_total / 2**20:.0f} MiB process tree, "
          f"{mem.peak_worker / 2**20:.0f} MiB largest single process")
    lost = len(files) - (docs + errs)
    print(f"lost                {lost}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if lost == 0 and (table_rows is None or table_rows == docs) else 1


if __name__ == "__main__":
    sys.exit(main())
