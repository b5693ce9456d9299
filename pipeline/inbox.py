"""The kansli's folders: inbox -> archive/<year>/ or quarantine/ (with a JSON reason).

Plain functions, no Prefect: the flows in flows/ only wire these into tasks, and the
watcher (pipeline/watch.py) uses the same scan and stability check.

- An inbox file is taken only once its size and mtime have stayed the same for a while
  (a file still being copied in is left for the next run).
- Successes are moved to archive/<year received>/<name>, failures to quarantine/<name>
  with quarantine/<name>.reason.json beside it. A name already taken gets " (2)", " (3)"...
  so nothing is ever overwritten.
- Work is keyed by content (sha256) and pipeline version, never by path: the same bytes
  under a new name are not processed again.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from models import ProcessingError
from pipeline import PIPELINE_VERSION
from pipeline.limits import Limits
from pipeline.process import FileOutcome
from pipeline.read import sha256_file
from pipeline.store import write_atomic

# Names a copy in progress typically has (browsers, rsync, Office lock files).
PARTIAL_SUFFIXES = {".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".filepart"}
# Failures worth another try: the reader process died (memory pressure from parallel
# files, a Tesseract crash). Everything else (corrupt, encrypted, unsupported, over a
# limit, timeout) fails the same way again and goes to quarantine at once.
TRANSIENT_KINDS = {"crash", "memory"}
REASON_SUFFIX = ".reason.json"
# A 0-byte file is usually one being created; once it has stayed empty this long (by its
# mtime) it is taken, fails as empty and goes to quarantine instead of lying there forever.
EMPTY_GRACE_SECONDS = 120.0


@dataclass(frozen=True)
class Folders:
    inbox: Path
    archive: Path
    quarantine: Path
    out: Path

    @classmethod
    def default(cls, base: Path = Path("corpus"), out: Path = Path("outputs")) -> Folders:
        return cls(base / "inbox", base / "archive", base / "quarantine", out)

    def resolved(self) -> Folders:
        return Folders(*(Path(p).expanduser().resolve() for p in (self.inbox, self.archive, self.quarantine, self.out)))

    def ensure(self) -> None:
        for p in (self.inbox, self.archive, self.quarantine, self.out):
            Path(p).mkdir(parents=True, exist_ok=True)


# --- scanning --------------------------------------------------------------------------


def is_candidate(path: Path) -> bool:
    """A file the inbox should take: regular, not hidden, not a temporary/partial name."""
    name = path.name
    if name.startswith((".", "~$")) or name.endswith(REASON_SUFFIX):
        return False
    if path.suffix.lower() in PARTIAL_SUFFIXES:
        return False
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def scan_inbox(inbox: Path) -> list[Path]:
    """Candidate files in the inbox (its subfolders too), sorted. Unsupported types are
    included on purpose: they fail with a reason and go to quarantine instead of lying
    in the inbox forever."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.rglob("*") if is_candidate(p))


def signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns), or None when the file is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class StabilityTracker:
    """Which files have kept the same size and mtime for `quiet_seconds`.

    Call observe() repeatedly (on every file-system event and on a timer); it returns the
    files that are ready. A file that changes starts its quiet period again.
    """

    def __init__(self, quiet_seconds: float = 3.0, clock=time.monotonic, empty_grace: float = EMPTY_GRACE_SECONDS):
        self.quiet_seconds = quiet_seconds
        self.clock = clock
        self.empty_grace = empty_grace
        self._seen: dict[Path, tuple[tuple[int, int], float]] = {}

    def observe(self, paths: list[Path]) -> list[Path]:
        now = self.clock()
        ready: list[Path] = []
        current = set()
        for p in paths:
            sig = signature(p)
            if sig is None:
                continue
            current.add(p)
            prev = self._seen.get(p)
            if prev is None or prev[0] != sig:
                self._seen[p] = (sig, now)
            elif now - prev[1] >= self.quiet_seconds and (
                sig[0] > 0 or time.time() - sig[1] / 1e9 >= self.empty_grace
            ):
                ready.append(p)
        for p in list(self._seen):
            if p not in current:
                del self._seen[p]
        return ready

    def pending(self) -> int:
        return len(self._seen)

    def forget(self, paths: list[Path]) -> None:
        for p in paths:
            self._seen.pop(p, None)


def settled_files(inbox: Path, settle_seconds: float = 2.0, poll: float = 0.5) -> list[Path]:
    """Inbox files whose (size, mtime) did not change over `settle_seconds`.

    Files still growing are left for the next run. With settle_seconds=0 every candidate
    is taken (the watcher has already waited for stability)."""
    files = scan_inbox(inbox)
    if settle_seconds <= 0 or not files:
        return files
    tracker = StabilityTracker(settle_seconds)
    tracker.observe(files)
    deadline = time.monotonic() + settle_seconds + poll
    ready: list[Path] = []
    while time.monotonic() < deadline:
        time.sleep(poll)
        ready = tracker.observe(files)
        if len(ready) == len([f for f in files if signature(f)]):
            break
    return sorted(ready)


def group_by_content(paths: list[Path]) -> dict[str, list[Path]]:
    """sha256 -> files with those bytes (first one is processed, the rest are duplicates).
    Unreadable files get a key of their own so they still fail with a reason."""
    groups: dict[str, list[Path]] = {}
    for p in paths:
        try:
            key = sha256_file(p)
        except OSError:
            key = f"unreadable:{p}"
        groups.setdefault(key, []).append(p)
    return groups


# --- per-file work ---------------------------------------------------------------------


def content_key(path: Path) -> str:
    """Cache key of a file's work: its bytes and the pipeline version, never its path."""
    return f"finsam-{sha256_file(Path(path))}-{PIPELINE_VERSION}"


def outputs_current(sha256: str, out: Path) -> bool:
    """The document record for these bytes exists in OUT at this pipeline version.

    When it does not (first time, or the outputs were cleaned), a cached task result must not
    be trusted: the file is processed again and the cache entry refreshed."""
    from pipeline.store import existing_version  # noqa: PLC0415

    return existing_version(Path(out), sha256) == PIPELINE_VERSION


def per_file_limits(limits: Limits, parallel: int) -> Limits:
    """Share OCR cores between files processed at the same time."""
    return limits.model_copy(update={"ocr_workers": max(1, limits.ocr_workers // max(1, parallel))})


def default_parallelism() -> int:
    return max(1, os.cpu_count() or 1)


class FileResult(BaseModel):
    """What one file's processing left, small enough to cache and pass between workers."""

    file_name: str
    doc_id: str | None = None
    status: str  # processed | skipped (outputs already current) | cached (earlier run) | duplicate | failed
    error: ProcessingError | None = None
    seconds: float = 0.0


class FileFailed(Exception):
    """Raised by a file task so the orchestrator sees a failed state (failures are never cached)."""

    def __init__(self, error_json: str):
        super().__init__(error_json)
        self.error = ProcessingError.model_validate_json(error_json)

    @classmethod
    def of(cls, error: ProcessingError) -> FileFailed:
        return cls(error.model_dump_json())

    @property
    def transient(self) -> bool:
        return self.error.kind in TRANSIENT_KINDS

    def __str__(self) -> str:
        return f"{self.error.kind}: {self.error.message}"


def result_or_raise(outcome: FileOutcome) -> FileResult:
    """A FileResult for a success; FileFailed for a failure."""
    if outcome.status == "failed":
        raise FileFailed.of(outcome.error)
    doc_id = outcome.document.doc_id if outcome.document else None
    if doc_id is None:
        try:
            doc_id = sha256_file(outcome.path)
        except OSError:
            doc_id = None
    return FileResult(file_name=outcome.path.name, doc_id=doc_id, status=outcome.status, seconds=round(outcome.seconds, 3))


def is_transient(exc: BaseException | None) -> bool:
    return isinstance(exc, FileFailed) and exc.transient


def failure_of(path: Path, exc: BaseException | None) -> ProcessingError:
    """The ProcessingError behind a failed task (or a generic one for an orchestration error)."""
    if isinstance(exc, FileFailed):
        return exc.error
    from pipeline.process import make_error

    return make_error(Path(path), "orchestration", f"{type(exc).__name__}: {exc}" if exc else "task failed without an exception")


# --- moving files out of the inbox -----------------------------------------------------


def _candidates(folder: Path, name: str):
    stem, suffix = Path(name).stem, Path(name).suffix
    yield folder / name
    n = 2
    while True:
        yield folder / f"{stem} ({n}){suffix}"
        n += 1


def move_unique(src: Path, folder: Path) -> Path:
    """Move src into folder under its own name, or 'name (n).ext' if taken; never overwrite.

    A destination is claimed with O_EXCL first, so two movers cannot pick the same name.
    """
    src = Path(src)
    folder.mkdir(parents=True, exist_ok=True)
    for dest in _candidates(folder, src.name):
        if dest.name.endswith(REASON_SUFFIX):
            continue
        try:
            fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        try:
            os.replace(src, dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                os.unlink(dest)
                raise
            shutil.copy2(src, dest)  # another file system: copy, then remove the original
            os.unlink(src)
        return dest
    raise AssertionError("unreachable")


def archive_folder(archive: Path, when: datetime | None = None) -> Path:
    """archive/<year>/ for the year the file was received (local time)."""
    when = when or datetime.now().astimezone()
    return Path(archive) / f"{when.year:04d}"


def archive_file(path: Path, archive: Path, when: datetime | None = None) -> Path:
    return move_unique(path, archive_folder(archive, when))


def reason_path(quarantined: Path) -> Path:
    return quarantined.with_name(quarantined.name + REASON_SUFFIX)


def quarantine_file(path: Path, quarantine: Path, error: ProcessingError) -> Path:
    """Move a failed file into quarantine/ with <name>.reason.json beside it."""
    dest = move_unique(path, quarantine)
    reason = {
        "file_name": path.name,
        "quarantined_as": dest.name,
        "kind": error.kind,
        "message": error.message,
        "doc_id": error.doc_id,
        "pipeline_version": error.pipeline_version,
        "occurred_at": error.occurred_at.isoformat() if error.occurred_at else None,
        "quarantined_at": datetime.now(timezone.utc).isoformat(),
    }
    write_atomic(reason_path(dest), json.dumps(reason, ensure_ascii=False, indent=1).encode("utf-8"))
    return dest


class Placed(BaseModel):
    file_name: str
    moved_to: str
    status: str
    doc_id: str | None = None
    kind: str | None = None
    message: str | None = None


class IngestReport(BaseModel):
    """What an ingest run did: the run succeeds even when files fail; they are listed here."""

    inbox: str
    archived: list[Placed] = []
    quarantined: list[Placed] = []
    left_in_inbox: list[str] = []  # vanished or not movable; picked up next time
    tables_rebuilt: bool = False

    @property
    def failed(self) -> list[Placed]:
        return self.quarantined


def place_results(
    results: dict[Path, FileResult | ProcessingError], folders: Folders, when: datetime | None = None
) -> IngestReport:
    """Move every processed file to the archive and every failed one to quarantine."""
    report = IngestReport(inbox=str(folders.inbox))
    for path, res in results.items():
        try:
            if isinstance(res, ProcessingError):
                dest = quarantine_file(path, folders.quarantine, res)
                report.quarantined.append(Placed(file_name=path.name, moved_to=str(dest), status="failed",
                                                 doc_id=res.doc_id, kind=res.kind, message=res.message))
            else:
                dest = archive_file(path, folders.archive, when)
                report.archived.append(Placed(file_name=path.name, moved_to=str(dest), status=res.status, doc_id=res.doc_id))
        except FileNotFoundError:
            report.left_in_inbox.append(str(path))
    return report


class ProcessedBatch(BaseModel):
    """One entry per input path, in order: a FileResult or the ProcessingError of a failure."""

    results: list[FileResult | ProcessingError] = []
    tables_rebuilt: bool = False

    def by_path(self, paths: list[str]) -> dict[Path, FileResult | ProcessingError]:
        return {Path(p): r for p, r in zip(paths, self.results)}
