"""One file in, one Document record out; a batch never stops for one bad file.

Each document is read in a child process with a wall-clock limit and an address-space
cap: a C loop in a PDF library cannot be stopped from a thread, and one pathological
file must not hold or kill the batch. Children come from a forkserver that has already
imported the pipeline, so starting one costs milliseconds, not a re-import.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing as mp
import os
import resource
import signal
import stat
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from models import Document, DocumentText, PageSummary, ProcessingError
from pipeline import PIPELINE_VERSION
from pipeline.errors import FinsamError
from pipeline.config import Limits
from pipeline.names import display_name, display_path
from pipeline.text.personnummer import mask_document_text
from pipeline.read import SUPPORTED_SUFFIXES, ocr_slots, read_document, sha256_file
from pipeline.runtime.locking import folder_lock, sweep_stale_temps
from pipeline.names import file_kind
from pipeline.outputs.store import (
    archived_path_of, clear_errors, document_path, documents_dir, error_path, errors_dir, existing_version, write_model,
)

log = logging.getLogger(__name__)


def build_document(doc: DocumentText, path: Path) -> Document:
    # Imported here: the extractors bring spaCy, which only the document workers need (the
    # forkserver preloads it); the parent of a batch starts faster without it.
    from extractors.run import extract_records  # noqa: PLC0415

    # Personnummer are masked (in place, same length, so every offset holds) before any
    # extractor sees the text: none can reach JSON, Parquet or the report.
    masked = mask_document_text(doc)
    records, stage_errors = extract_records(doc)
    status = "failed" if any(e.stage == "segment" for e in stage_errors) else "partial" if stage_errors else "ok"
    ocr = doc.ocr_pages
    confs = [p.ocr_confidence for p in ocr if p.ocr_confidence is not None]
    main = records.segments[0] if records.segments else None
    return Document(
        doc_id=doc.doc_id,
        file_name=doc.file_name,
        source_path=display_path(path),
        media_type=doc.media_type,
        file_size=path.stat().st_size,
        doc_type=main.doc_type if main else "other",
        title=main.title if main else None,
        organisation=main.organisation if main else None,
        document_date=(main.document_date or main.meeting_date) if main else None,
        page_count=doc.page_count,
        ocr_page_count=len(ocr),
        ocr_mean_confidence=round(sum(confs) / len(confs), 2) if confs else None,
        pipeline_version=PIPELINE_VERSION,
        processed_at=datetime.now(timezone.utc),
        pages=[
            PageSummary(
                number=p.number, method=p.method, width=p.width, height=p.height,
                ocr_confidence=p.ocr_confidence, text_quality=p.text_quality,
                text=p.text, raw_text=p.raw_text, warnings=p.warnings,
            )
            for p in doc.pages
        ],
        records=records,
        personnummer_masked=masked,
        warnings=list(doc.warnings),
        status=status,
        stage_errors=stage_errors,
    )


def process_file(path: Path, limits: Limits | None = None) -> Document:
    """In this process: read -> clean -> segment -> extract. Raises FinsamError."""
    path = Path(path)
    return build_document(read_document(path, limits), path)


# --- isolation -------------------------------------------------------------------------


def _child(path: str, limits_json: str, conn, ocr_slots_dir: str | None = None, ocr_rank: int = 0) -> None:
    limits = Limits.model_validate_json(limits_json)
    ocr_slots.use(ocr_slots_dir, ocr_rank)
    # Probe Tesseract before the cap: under a tight cap the probe itself would fail and
    # be misreported as "Tesseract missing". OCR runs later still live under the cap.
    from pipeline.read.ocr import check_tesseract

    try:
        check_tesseract()
    except FinsamError:
        pass  # reported when a page actually needs OCR
    # The cap is what the document may use on top of what the worker already maps
    # (interpreter, pdfium, spaCy): an absolute cap would mean something else on every machine.
    cap = _address_space_in_use() + limits.memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ValueError, OSError):
        pass
    from pipeline.read import progress

    progress.set_hook(_progress_sender(conn))
    try:
        doc = process_file(Path(path), limits)
        conn.send(("ok", doc.model_dump_json()))
    except FinsamError as exc:
        conn.send(("error", exc.kind, str(exc)))
    except MemoryError:
        conn.send(("error", "memory", f"ran out of memory (cap {limits.memory_mb} MiB, --memory-mb)"))
    except Exception as exc:  # noqa: BLE001 - a bug on one file must not stop the batch
        tb = traceback.format_exc(limit=-3).strip().splitlines()
        conn.send(("error", "internal", f"{type(exc).__name__}: {exc} [{tb[-3] if len(tb) >= 3 else ''}]".strip()))
    finally:
        conn.close()


def _progress_sender(conn, every: float = 0.5):
    """Pages read so far to the parent, at most every `every` seconds (and the last page)."""
    last = [0.0]

    def send(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < every:
            return
        last[0] = now
        conn.send(("progress", done, total))

    return send


def _address_space_in_use() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


_ctx: mp.context.BaseContext | None = None


def _context() -> mp.context.BaseContext:
    global _ctx
    if _ctx is None:
        try:
            ctx = mp.get_context("forkserver")
            # Imported once in the forkserver, so each child starts with spaCy, pypdfium2
            # and every extractor already loaded. The CLI too: multiprocessing runs the
            # parent's main script again in every child (Python 3.11's forkserver cannot
            # preload "__main__"), and for `finsam` that script imports the CLI (typer,
            # rich, pyarrow): a tenth of a CPU second per document, unless already loaded.
            ctx.set_forkserver_preload(["pipeline.cli", "pipeline.runtime.preload"])
        except ValueError:
            ctx = mp.get_context("spawn")
        _ctx = ctx
    return _ctx


def start_workers() -> None:
    """Start the forkserver now, not at the first document: its imports and the spaCy
    pipeline (seconds) then load while the batch lists and hashes its files."""
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver  # noqa: PLC0415

        forkserver.ensure_running()


def process_file_isolated(path: Path, limits: Limits,
                          on_page: Callable[[int, int], object] | None = None,
                          ocr_slots_dir: Path | None = None, ocr_rank: int = 0) -> Document | ProcessingError:
    """Run process_file in a child process under the time and memory limits.

    on_page(done, total): pages read so far, as the child reports them (long scans).
    ocr_slots_dir: the batch's Tesseract slots (pipeline.read.ocr_slots), shared with the
    files read beside this one; ocr_rank: this file's place in the batch's start order, which
    its Tesseract calls keep (pipeline.read.ocr_slots)."""
    path = Path(path)
    ctx = _context()
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    args = (str(path), limits.model_dump_json(), child_conn, str(ocr_slots_dir) if ocr_slots_dir else None, ocr_rank)
    proc = ctx.Process(target=_child, args=args, daemon=False)
    proc.start()
    child_conn.close()
    deadline = time.monotonic() + limits.timeout_seconds
    result = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if parent_conn.poll(min(remaining, 0.5)):
                try:
                    result = parent_conn.recv()
                except EOFError:
                    result = None
                if result is not None and result[0] == "progress":
                    if on_page is not None:
                        try:
                            on_page(result[1], result[2])
                        except Exception:  # noqa: BLE001 - a display problem never fails the file
                            pass
                    result = None
                    continue
                break
            if not proc.is_alive() and not parent_conn.poll(0):
                break
    finally:
        if proc.is_alive() and result is None:
            _kill_tree(proc)
        proc.join(timeout=30)
        parent_conn.close()
    if result is None:
        if proc.exitcode is None or time.monotonic() >= deadline:
            return make_error(path, "timeout", f"took longer than {limits.timeout_seconds:.0f} s (--timeout); stopped")
        if proc.exitcode and proc.exitcode < 0:
            sig = signal.Signals(-proc.exitcode).name
            return make_error(path, "crash", f"reader process died ({sig}); likely memory cap or a corrupt file")
        return make_error(path, "crash", f"reader process exited with code {proc.exitcode} without a result")
    if result[0] == "ok":
        return Document.model_validate_json(result[1])
    return make_error(path, result[1], result[2])


def _kill_tree(proc) -> None:
    """Kill the child and the tesseract processes it started."""
    try:
        import psutil

        parent = psutil.Process(proc.pid)
        for child in parent.children(recursive=True):
            child.kill()
    except Exception:  # noqa: BLE001 - best effort; the child itself is killed below
        pass
    proc.kill()


def make_error(path: Path, kind: str, message: str) -> ProcessingError:
    try:
        doc_id = sha256_file(path)
    except OSError:
        doc_id = None
    return ProcessingError(  # names and message as shown: escaped, one line, no personnummer
        file_name=display_name(path.name),
        source_path=display_path(path),
        doc_id=doc_id,
        kind=kind,
        message=display_name(" ".join(message.split())),
        pipeline_version=PIPELINE_VERSION,
        occurred_at=datetime.now(timezone.utc),
    )


# --- batches ---------------------------------------------------------------------------


def start_order(files: list[Path], jobs: int) -> list[int]:
    """Indices of `files` in the order to start them: largest first when files run side by
    side. A long scan started last would end the batch alone, one core reading its last
    pages and then extracting it while the other idles; started first, it has the first
    claim on the Tesseract slots (pipeline.read.ocr_slots, by this order), its extraction
    overlaps the small files' OCR, and the batch ends on a small file. Size stands in for
    the work (pages to OCR) without opening anything. One at a time, the order is the
    given one."""
    if jobs <= 1:
        return list(range(len(files)))

    def size(i: int) -> int:
        try:
            return os.stat(files[i]).st_size
        except OSError:
            return 0  # reported as missing or unreadable when its turn comes

    return sorted(range(len(files)), key=lambda i: -size(i))  # stable: equal sizes keep their order


@dataclass
class FileOutcome:
    path: Path
    status: str  # processed | skipped | failed
    document: Document | None = None
    error: ProcessingError | None = None
    seconds: float = 0.0


@dataclass
class BatchResult:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def processed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "processed"]


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif", ".bmp", ".webp", ".heic"}


def collect_inputs(paths: Iterable[Path], skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Files as given, and supported files found under folders (sorted, deduplicated).

    What a folder holds that is not read is appended to `skipped` with the reason (an image,
    another type, a link, a pipe), so the summary can say so instead of passing over it."""
    seen: set[Path] = set()
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = []
            for f in sorted(p.rglob("*")):
                if f.name.startswith(".") or any(part.startswith(".") for part in f.relative_to(p).parts[:-1]):
                    continue
                try:
                    st = os.lstat(f)
                except OSError:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    continue
                why = None
                if not stat.S_ISREG(st.st_mode):
                    why = f"{file_kind(st.st_mode)}; not read (links are never followed in a folder)"
                elif f.suffix.lower() in IMAGE_SUFFIXES:
                    why = "an image; finsam reads .pdf, .docx, .txt (scan it into a PDF to have it OCR'd)"
                elif f.suffix.lower() not in SUPPORTED_SUFFIXES:
                    why = f"unsupported type '{f.suffix or '(none)'}'; finsam reads .pdf, .docx, .txt"
                if why:
                    if skipped is not None:
                        skipped.append((f, why))
                    continue
                found.append(f)
        elif p.is_symlink():
            found = [p.resolve()]  # named by the user: the link is theirs to follow
        else:
            found = [p]
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def process_one(path: Path, out: Path, limits: Limits, force: bool = False,
                on_page: Callable[[int, int], object] | None = None,
                ocr_slots_dir: Path | None = None, ocr_rank: int = 0) -> FileOutcome:
    """Process one file into out/documents (or out/errors); skip it when unchanged."""
    started = time.monotonic()
    if not path.is_file():
        err = make_error(path, "missing", "no such file")
        write_model(error_path(out, err), err)
        return FileOutcome(path, "failed", error=err)
    try:
        doc_id = sha256_file(path)
    except OSError as exc:
        err = make_error(path, "unreadable", f"cannot read the file ({exc.strerror or exc})")
        write_model(error_path(out, err), err)
        return FileOutcome(path, "failed", error=err)
    if not force and existing_version(out, doc_id) == PIPELINE_VERSION:
        clear_errors(out, path.name, doc_id)  # an earlier failure under this name is over
        return FileOutcome(path, "skipped", seconds=time.monotonic() - started)
    result = process_file_isolated(path, limits, on_page, ocr_slots_dir, ocr_rank)
    if isinstance(result, ProcessingError):
        write_model(error_path(out, result), result)
        return FileOutcome(path, "failed", error=result, seconds=time.monotonic() - started)
    result.archived_path = archived_path_of(out, result.doc_id)  # reprocessed: the file stays where it was archived
    write_model(document_path(out, result.doc_id), result)
    clear_errors(out, path.name, result.doc_id)  # e.g. a fixed file dropped again under its old name
    return FileOutcome(path, "processed", document=result, seconds=time.monotonic() - started)


def process_batch(
    paths: Iterable[Path],
    out: Path,
    limits: Limits | None = None,
    force: bool = False,
    jobs: int | None = None,
    on_done: Callable[[FileOutcome], None] | None = None,
    on_page: Callable[[Path, int, int], object] | None = None,
) -> BatchResult:
    """Process files, `jobs` at a time; OCR cores are shared out between parallel files.

    on_done(outcome) after each file; on_page(path, done, total) as a file's pages are read.

    Holds the output folder's run lock (pipeline.runtime.locking) throughout: a second run on the
    same folder waits, then finds the files done and skips them, so nothing is processed
    twice. Temp files a killed run left in documents/ and errors/ are swept first.
    """
    out = Path(out)
    start_workers()
    with folder_lock(out):
        sweep_stale_temps(documents_dir(out), errors_dir(out))
        return _process_batch_locked(paths, out, limits, force, jobs, on_done, on_page)


def _process_batch_locked(
    paths: Iterable[Path],
    out: Path,
    limits: Limits | None,
    force: bool,
    jobs: int | None,
    on_done: Callable[[FileOutcome], None] | None,
    on_page: Callable[[Path, int, int], object] | None = None,
) -> BatchResult:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    limits = limits or Limits()
    files = collect_inputs(paths)
    cores = os.cpu_count() or 1
    jobs = max(1, min(jobs or cores, len(files) or 1))
    outcomes: dict[int, FileOutcome] = {}
    # Every file may OCR on all cores; the batch's slots keep it at one Tesseract per core
    # in total, and no core idles while one file still has pages and another is done. A
    # file's rank (its place in the start order) gives files started earlier the first
    # claim on a freed slot: pages are read much as from one queue, file after file.
    # Threads only wait on child processes here; the work happens in the children.
    with ocr_slots.batch_slots(limits.ocr_workers) as slots, ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(process_one, files[i], out, limits, force,
                               None if on_page is None else functools.partial(on_page, files[i]),
                               slots if jobs > 1 else None, rank): i
                   for rank, i in enumerate(start_order(files, jobs))}
        for fut in as_completed(futures):
            outcome = fut.result()
            outcomes[futures[fut]] = outcome
            if on_done:
                on_done(outcome)
    return BatchResult([outcomes[i] for i in range(len(files))])
