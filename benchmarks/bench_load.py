"""Load benchmark: push N files (default 1,000) through the inbox watcher and check counts in = out.

    .venv/bin/python benchmarks/bench_load.py [--files 1000] [--burst 100] [--no-prefect]
                                              [--baseline 100] [--workers 0] [--keep DIR]
                                              [--summary-json PATH]

The files are copies of the real seeds (text-layer PDF, DOCX, text) and of the project's
samples (corpus/samples/), each made unique with a few varied bytes, so every copy is a
new document (a new sha256) and none is skipped as unchanged. Image-only scans are left
out: OCR costs seconds a page and would measure Tesseract, not the pipeline's handling of
load (bench_read.py measures OCR).
- PDF: a comment line after %%EOF (readers ignore it);
- DOCX: the zip archive comment;
- text: a trailing line "kopia N".

The path is the one `finsam watch` runs: pipeline.runtime.watch.InboxWatcher hands settled files to
the ingest_inbox flow (Prefect, a local server under a temporary PREFECT_HOME unless
PREFECT_API_URL is set; its start-up is reported, not counted), which runs the ingest cycle
(pipeline.runtime.stream.run_ingest_stream: run lock, a task per worker taking the next
file as soon as it is free, tables, archive/quarantine). --no-prefect runs the same cycle
with plain threads instead of Prefect tasks. Files are dropped into the inbox (renamed in
from a staging folder) in bursts of --burst, the next as soon as every file dropped so far
has been taken from the inbox by a run (pipeline.runtime.inbox.TAKE_OBSERVERS), so files
arrive while runs work. A run keeps taking files that settle while it works (up to
pipeline.config.INGEST.keep_taking_s, --keep-taking), so the bursts of a sustained stream
are taken by one run; with --keep-taking 0 each run takes only what the watcher handed
it (one run per burst). Until 2026-12-01 the next burst dropped once the watcher had
handed the previous one to a run; a run takes what it is handed as soon as it has started
and holds the lock (under a second later), so where a run takes only what it is handed
both rules pace the bursts about alike.

Reports files/minute (first drop to last file placed and its tables rebuilt), CPU seconds
(this process by thread, its reader processes, the Prefect server; CPU per file against
the baseline, which a shared machine's load disturbs less than wall time), peak memory
(this process and its children, the Prefect server excluded, sampled every 0.2 s) and counts:
files in, files left in the inbox, archived + quarantined, documents + errors records, rows
in the documents and errors tables. Baseline, measured in the same run: --baseline K more
unique copies (a sample of the same sources) through one plain process_batch + table rebuild
(what `finsam process FOLDER` does minus reconciliation), in a separate output folder.

The overhead is the throughput the watcher path loses against that baseline,
1 - (files/minute through the watcher) / (baseline files/minute), printed beside its goal
(<= 15%, issue 17); --summary-json writes the row as JSON. Not a timed test; the README
"Reliability" table has figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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

from pipeline.runtime.folders import Folders  # noqa: E402
from pipeline.runtime.batch import process_batch  # noqa: E402
from pipeline.outputs.store import documents_dir, errors_dir  # noqa: E402
from pipeline.runtime.watch import InboxWatcher  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
# Issue 17: the watcher and Prefect may cost at most this share of the plain batch's throughput.
OVERHEAD_GOAL_PCT = 15.0


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
    """Peak RSS of this process and all its descendants (a Prefect server excluded), sampled in a thread."""

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
            server = set()  # a Prefect server we started is not the pipeline's memory
            for p in procs:
                try:
                    if _is_server(p):
                        server |= {p.pid, *(c.pid for c in p.children(recursive=True))}
                except psutil.Error:
                    continue
            procs = [p for p in procs if p.pid not in server]
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


def _is_server(p: psutil.Process) -> bool:
    cmd = p.cmdline()
    return "server" in cmd and "prefect" in " ".join(cmd)


def cpu_seconds() -> dict[str, float]:
    """CPU seconds so far: this process, its other descendants (with what their reaped
    children used: the forkserver's readers), and a Prefect server it started."""
    me = psutil.Process()
    t = me.cpu_times()
    totals = {"main": t.user + t.system, "workers": 0.0, "server": 0.0}
    try:
        kids = me.children(recursive=False)
    except psutil.Error:
        kids = []
    for kid in kids:
        try:
            server = _is_server(kid)
            tree = [kid, *kid.children(recursive=True)]
        except psutil.Error:
            continue
        for p in tree:
            try:
                c = p.cpu_times()
            except psutil.Error:
                continue
            # cutime of a process in the tree counts its reaped children; live ones count themselves
            totals["server" if server else "workers"] += c.user + c.system + c.children_user + c.children_system
    return totals


class ThreadCpu:
    """CPU seconds of this process's threads by name (sampled each second, so a thread
    that lives less than a second may be missed): where the orchestration's CPU goes."""

    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self.by_tid: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        names = {t.native_id: t.name for t in threading.enumerate()}
        for t in psutil.Process().threads():
            name = names.get(t.id) or self.by_tid.get(t.id, ("(not Python)", 0))[0]
            self.by_tid[t.id] = (name, t.user_time + t.system_time)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> ThreadCpu:
        self._sample()
        self.start = dict(self.by_tid)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def report(self) -> str:
        import re  # noqa: PLC0415

        totals: dict[str, float] = {}
        for tid, (name, cpu) in self.by_tid.items():
            key = re.sub(r"[-_ ]?\d+$", "", name)  # pool threads as one line
            totals[key] = totals.get(key, 0.0) + cpu - self.start.get(tid, (name, 0.0))[1]
        return ", ".join(f"{k} {v:.1f}" for k, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v >= 0.05)


def count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".reason.json")) if folder.is_dir() else 0


def table_rows(out: Path, name: str) -> int | None:
    try:
        import pyarrow.parquet as pq

        from pipeline.outputs.files import table_path
    except ImportError:
        return None
    path = table_path(out, name)
    return pq.read_metadata(path).num_rows if path.exists() else 0


def run_watcher(folders: Folders, staged: list[Path], burst: int, use_prefect: bool, workers: int | None,
                quiet: float, debounce: float, timeout: float,
                keep_taking: float | None = None) -> tuple[float, int, list[str]]:
    """Drop `staged` into the inbox in bursts while the watcher ingests; seconds until all placed."""
    from pipeline.config import INGEST
    from pipeline.runtime.inbox import TAKE_OBSERVERS

    log: list[str] = []
    placed = [0]  # files the runs' reports say they placed (the folders are counted at the end)
    taken = set()  # files taken from the inbox by runs so far
    TAKE_OBSERVERS.append(taken.update)
    if use_prefect:
        from flows.ingest import ingest_inbox

        def on_batch(files: list[Path]) -> None:
            r = ingest_inbox(inbox=str(folders.inbox), archive=str(folders.archive),
                             quarantine=str(folders.quarantine), out=str(folders.out),
                             files=[str(p) for p in files], workers=workers, keep_taking_seconds=keep_taking)
            placed[0] += len(r.archived) + len(r.quarantined)
            log.append(f"run: {len(files)} handed, {len(r.archived) + len(r.quarantined)} placed -> "
                       f"{len(r.archived)} archived, {len(r.quarantined)} quarantined")
    else:
        from pipeline.runtime.stream import plain_lanes, run_ingest_stream

        lanes = plain_lanes(folders.out, workers=workers)
        settings = INGEST if keep_taking is None else INGEST.model_copy(update={"keep_taking_s": keep_taking})

        def on_batch(files: list[Path]) -> None:
            r = run_ingest_stream(folders, lanes, files, settings=settings)
            placed[0] += len(r.archived) + len(r.quarantined)
            log.append(f"run: {len(files)} handed, {len(r.archived) + len(r.quarantined)} placed -> "
                       f"{len(r.archived)} archived, {len(r.quarantined)} quarantined")

    watcher = InboxWatcher(folders.inbox, on_batch, quiet_seconds=quiet, debounce_seconds=debounce, poll_seconds=0.5)
    thread = watcher.start_thread()
    n = len(staged)
    queue = list(staged)
    started = time.monotonic()
    deadline = started + timeout
    tick = 0
    try:
        while time.monotonic() < deadline:
            tick += 1
            if queue and len(taken) >= n - len(queue):  # every dropped file is taken by a run: drop the next burst
                for src in queue[:burst]:
                    os.replace(src, folders.inbox / src.name)
                queue = queue[burst:]
            # The runs' reports, not a walk of archive/ five times a second: that walk grew with
            # the archive and took CPU from the pipeline it measured.
            # (A run that failed after placing some files reports none: then the folders, every 5 s.)
            done = placed[0] >= n or (watcher.failed_batches and tick % 25 == 0
                                      and count_files(folders.archive) + count_files(folders.quarantine) >= n)
            if not queue and done and watcher.batches == len(log) + watcher.failed_batches:
                break
            time.sleep(0.2)
        seconds = time.monotonic() - started
    finally:
        watcher.stop()
        thread.join(timeout=600)
        TAKE_OBSERVERS.remove(taken.update)
    return seconds, watcher.failed_batches, log


def baseline(srcs: list[Path], work: Path, k: int, first: int, workers: int | None) -> tuple[float, int]:
    """K more unique copies through one process_batch + table rebuild; (seconds, records)."""
    folder, out = work / "baseline-in", work / "baseline-out"
    folder.mkdir(parents=True, exist_ok=True)
    files = [make_copy(srcs[i % len(srcs)], folder, first + i) for i in range(k)]
    started = time.monotonic()
    process_batch(files, out, jobs=workers)
    try:
        from pipeline.outputs.tables import rebuild_tables

        rebuild_tables(out)
    except ImportError:
        pass
    seconds = time.monotonic() - started
    return seconds, len(list(documents_dir(out).glob("*.json"))) + len(list(errors_dir(out).glob("*.json")))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--burst", type=int, default=100, help="files dropped into the inbox at once")
    ap.add_argument("--workers", type=int, default=0, help="files at once (0: one per core)")
    ap.add_argument("--no-prefect", action="store_true", help="the ingest cycle with plain threads instead of the flow")
    ap.add_argument("--keep-taking", type=float, default=None,
                    help="seconds a run keeps taking files that settle while it works (default: "
                         "pipeline.config.INGEST.keep_taking_s; 0: one run per burst)")
    ap.add_argument("--baseline", type=int, default=100, help="files for the process_batch baseline (0: none)")
    ap.add_argument("--quiet-seconds", type=float, default=2.0)
    ap.add_argument("--debounce-seconds", type=float, default=1.0)
    ap.add_argument("--timeout", type=float, default=6 * 3600)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--summary-json", type=Path, help="write the overhead row (files/minute, baseline, goal) here")
    args = ap.parse_args()

    srcs = sources()
    if not srcs:
        print(f"no sources found (seeds at {SEEDS}, samples in corpus/samples)")
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="finsam-load-"))
    folders = Folders(work / "inbox", work / "archive", work / "quarantine", work / "out").resolved()
    folders.ensure()
    staging = work / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    staged = [make_copy(srcs[i % len(srcs)], staging, i) for i in range(args.files)]
    workers = args.workers or None
    print(f"{len(staged)} files from {len(srcs)} sources, dropped into {folders.inbox} in bursts of {args.burst}; "
          f"watcher quiet {args.quiet_seconds} s, debounce {args.debounce_seconds} s; "
          f"{'ingest cycle with plain threads (--no-prefect)' if args.no_prefect else 'ingest_inbox flow (Prefect)'}"
          + (f"; runs keep taking files for {args.keep_taking:g} s" if args.keep_taking is not None else ""))

    with contextlib.ExitStack() as stack:
        if not args.no_prefect:
            from pipeline.runtime.serve import patched_environ, prefect_api

            t0 = time.monotonic()
            if not os.environ.get("PREFECT_API_URL"):
                home = work / "prefect-home"
                stack.enter_context(patched_environ({
                    "PREFECT_HOME": str(home), "PREFECT_PROFILES_PATH": str(home / "profiles.toml"),
                    "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_LOGGING_TO_API_ENABLED": "false"}))
                stack.enter_context(prefect_api(home=home, ui=False, startup_timeout=300))
            else:
                stack.enter_context(prefect_api())
            print(f"Prefect API ready in {time.monotonic() - t0:.1f} s (not counted)")
        cpu0 = cpu_seconds()
        with PeakMemory() as mem, ThreadCpu() as threads:
            seconds, failed_runs, runs = run_watcher(folders, staged, args.burst, not args.no_prefect, workers,
                                                     args.quiet_seconds, args.debounce_seconds, args.timeout,
                                                     args.keep_taking)
        cpu1 = cpu_seconds()

    n = len(staged)
    left = count_files(folders.inbox)
    archived, quarantined = count_files(folders.archive), count_files(folders.quarantine)
    docs = len(list(documents_dir(folders.out).glob("*.json")))
    errs = len(list(errors_dir(folders.out).glob("*.json"))) if errors_dir(folders.out).is_dir() else 0
    doc_rows, err_rows = table_rows(folders.out, "documents"), table_rows(folders.out, "errors")
    print(f"ingest runs         {len(runs)} ({failed_runs} failed): " + "; ".join(r.removeprefix("run: ") for r in runs))
    cpu = {k: cpu1[k] - cpu0.get(k, 0.0) for k in cpu1}
    print(f"CPU seconds         {cpu['main']:.1f} this process (watcher, orchestration, placement, tables), "
          f"{cpu['workers']:.1f} its other processes (readers), {cpu['server']:.1f} Prefect server")
    print(f"this process        CPU seconds by thread: {threads.report()}")
    print(f"files in            {n}")
    print(f"left in inbox       {left}")
    print(f"placed              {archived} archived + {quarantined} quarantined = {archived + quarantined}")
    print(f"records out         {docs} documents + {errs} errors = {docs + errs}")
    print(f"table rows          documents {doc_rows}, errors {err_rows}")
    print(f"through the watcher {seconds:.1f} s, {n / seconds * 60:.1f} files/minute")
    print(f"peak memory         {mem.peak_total / 2**20:.0f} MiB process tree (Prefect server excluded), "
          f"{mem.peak_worker / 2**20:.0f} MiB largest child process")
    lost_files = n - (archived + quarantined)
    lost_records = n - (docs + errs)
    print(f"lost                {lost_files} files, {lost_records} records")
    finsam_rate = n / seconds * 60
    if args.baseline:
        b_cpu0 = cpu_seconds()
        with PeakMemory():  # sampled as in the watcher run, so both pay the sampler's CPU
            b_seconds, b_records = baseline(srcs, work, args.baseline, n, workers)
        b_cpu1 = cpu_seconds()
        b_cpu = sum(b_cpu1.values()) - sum(b_cpu0.values())
        baseline_rate = args.baseline / b_seconds * 60
        print(f"baseline            {args.baseline} other copies through one process_batch + table rebuild: "
              f"{b_seconds:.1f} s, {baseline_rate:.1f} files/minute ({b_records} records)")
        overhead = (1 - finsam_rate / baseline_rate) * 100
        met = overhead <= OVERHEAD_GOAL_PCT
        # CPU per file is what a busy shared machine disturbs least; it leaves out idle cores.
        w_cpu = sum(cpu.values())
        print(f"CPU per file        {w_cpu / n:.3f} s through the watcher, {b_cpu / args.baseline:.3f} s baseline "
              f"({(w_cpu / n) / (b_cpu / args.baseline) * 100 - 100:+.1f}%); baseline CPU seconds "
              f"{b_cpu1['main'] - b_cpu0['main']:.1f} this process, {b_cpu1['workers'] - b_cpu0['workers']:.1f} readers")
        path = "without Prefect (--no-prefect)" if args.no_prefect else "through the watcher and Prefect"
        print(f"overhead            {overhead:.1f}% throughput lost {path} against the plain batch "
              f"({finsam_rate:.1f} vs {baseline_rate:.1f} files/minute); goal <= {OVERHEAD_GOAL_PCT:.0f}%: "
              f"{'met' if met else 'NOT met'}")
        if args.summary_json:
            args.summary_json.write_text(json.dumps({
                "row": "no-prefect" if args.no_prefect else "prefect", "files": n, "burst": args.burst,
                "baseline_files": args.baseline, "finsam_files_per_min": round(finsam_rate, 1),
                "baseline_files_per_min": round(baseline_rate, 1), "overhead_pct": round(overhead, 1),
                "goal": f"<= {OVERHEAD_GOAL_PCT:.0f}%", "met": met,
            }, indent=1) + "\n", "utf-8")
    elif args.summary_json:
        print("--summary-json needs a baseline (--baseline K > 0); not written")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    ok = (lost_files == 0 and lost_records == 0 and left == 0 and failed_runs == 0
          and (doc_rows is None or (doc_rows == docs and err_rows == errs)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
