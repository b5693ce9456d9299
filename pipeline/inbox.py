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
import logging
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from models import ProcessingError
from pipeline import PIPELINE_VERSION
from pipeline.errors import FinsamError
from pipeline.limits import Limits
from pipeline.names import (
    NAME_MAX, OutsideFolder, check_inside, display_name, display_path, file_kind, fit_name, inside, is_shown_as_is,
    open_nofollow,
)
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
        self.check()
        for p in (self.inbox, self.archive, self.quarantine, self.out):
            Path(p).mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """Refuse folders that overlap (one line): an archive, quarantine or output folder
        inside the inbox is read again as new files by the next cycle (and its originals
        deleted), an inbox inside one of them likewise; the archive and the quarantine must
        be apart too. Compared after resolving links, so a link cannot hide an overlap."""
        named = {"--inbox": self.inbox, "--archive": self.archive, "--quarantine": self.quarantine, "--out": self.out}
        real = {k: Path(v).expanduser().resolve() for k, v in named.items()}
        pairs = [("--inbox", "--archive"), ("--inbox", "--quarantine"), ("--inbox", "--out"),
                 ("--archive", "--quarantine")]
        for a, b in pairs:
            pa_, pb = real[a], real[b]
            if pa_ == pb or pa_.is_relative_to(pb) or pb.is_relative_to(pa_):
                how = "is the same folder as" if pa_ == pb else "is inside" if pa_.is_relative_to(pb) else "contains"
                raise FolderOverlap(f"{a} {display_path(pa_)} {how} {b} {display_path(pb)}; "
                                    "the folders must be apart (files would be taken twice or deleted)")


class FolderOverlap(FinsamError):
    kind = "config"


# --- scanning --------------------------------------------------------------------------


def is_candidate(path: Path) -> bool:
    """An inbox entry a cycle should take: not hidden, not a temporary/partial name, not a
    folder. Symbolic links, named pipes, sockets and stray reason files are taken too, and
    quarantined with a reason instead of lying in the inbox forever (never followed or read)."""
    name = path.name
    if name.startswith((".", "~$")):
        return False
    if path.suffix.lower() in PARTIAL_SUFFIXES:
        return False
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def scan_inbox(inbox: Path) -> list[Path]:
    """Candidate files in the inbox (its subfolders too), sorted. Unsupported types are
    included on purpose: they fail with a reason and go to quarantine instead of lying
    in the inbox forever."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    return sorted(p for p in _walk(inbox) if is_candidate(p))


def _walk(folder: Path):
    """Every entry under folder, without entering hidden folders or following folder links."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        p = Path(e.path)
        if e.is_dir(follow_symlinks=False):
            if not e.name.startswith("."):
                yield from _walk(p)
        else:
            yield p


def signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns), or None when the file is gone."""
    try:
        st = os.lstat(path)  # a link's own signature: a link is never followed
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
                if being_written(p):  # a copy that stalled: its writer still has it open
                    self._seen[p] = (sig, now)
                    continue
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


def being_written(path: Path) -> bool:
    """Some process still has the file open for writing (a copy that stalled longer than the
    settle time). Asked of the kernel with a read lease, which it refuses (EAGAIN) while any
    writer has the file open. Where leases are not available (a file we do not own, NFS),
    False: the size/mtime settle time is all there is."""
    import fcntl  # noqa: PLC0415

    try:
        fd = open_nofollow(path)
    except OSError:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return exc.errno == errno.EAGAIN
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


def settled_files(inbox: Path, settle_seconds: float = 2.0, poll: float = 0.5) -> list[Path]:
    """Inbox files whose (size, mtime) did not change over `settle_seconds`.

    Files still growing are left for the next run. With settle_seconds=0 every candidate
    is taken (the watcher has already waited for stability)."""
    files = scan_inbox(inbox)
    if settle_seconds <= 0 or not files:
        return [handover(p) for p in files]
    tracker = StabilityTracker(settle_seconds)
    tracker.observe(files)
    deadline = time.monotonic() + settle_seconds + poll
    ready: list[Path] = []
    while time.monotonic() < deadline:
        time.sleep(poll)
        ready = tracker.observe(files)
        if len(ready) == len([f for f in files if signature(f)]):
            break
    return sorted(handover(p) for p in ready)


# --- handing paths to the orchestrator -------------------------------------------------

TOKEN_DIR = ".finsam-file"


def handover(path: Path) -> Path:
    """The path as it may be handed to the orchestrator (Prefect parameters, task-run names,
    the watcher's callback): itself when its name shows as is, else a token naming the
    file by its inode (`<inbox>/.finsam-file/<dev>-<ino>`), which the cycle maps back
    (`take_files`). A name that is not UTF-8 cannot be sent to the Prefect API at all, and a
    personnummer in a name must not reach it."""
    path = Path(path)
    if is_shown_as_is(path):
        return path
    try:
        st = os.lstat(path)
    except OSError:
        return path
    root = path.parent
    return root / TOKEN_DIR / f"{st.st_dev}-{st.st_ino}"


def _untoken(inbox: Path, files: list[Path]) -> list[Path]:
    tokens = {p.name: p for p in files if p.parent.name == TOKEN_DIR}
    if not tokens:
        return files
    found: dict[str, Path] = {}
    for p in _walk(inbox):
        try:
            st = os.lstat(p)
        except OSError:
            continue
        key = f"{st.st_dev}-{st.st_ino}"
        if key in tokens:
            found[key] = p
    return [found.get(p.name, p) if p.parent.name == TOKEN_DIR else p for p in files]


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
    return FileResult(file_name=display_name(outcome.path.name), doc_id=doc_id, status=outcome.status, seconds=round(outcome.seconds, 3))


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
    """name, "name (2).ext", ...: each fitted to 255 bytes together with its reason suffix,
    so a long name (230+ bytes) never fails at the quarantine reason (ENAMETOOLONG)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    room = NAME_MAX - len(os.fsencode(REASON_SUFFIX))
    yield folder / fit_name(name, limit=room)
    n = 2
    while True:
        yield folder / fit_name(f"{stem} ({n}){suffix}", limit=room)
        n += 1


def _same_file(a: Path, b: Path) -> bool:
    """b holds a's bytes: the same inode (a hard link an interrupted move left), or the
    same size and sha256 (an interrupted copy across file systems)."""
    try:
        sa, sb = os.lstat(a), os.lstat(b)  # never through a link
        if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
            return True
        if not (stat.S_ISREG(sa.st_mode) and stat.S_ISREG(sb.st_mode)) or sa.st_size != sb.st_size:
            return False
        return sha256_file(a) == sha256_file(b)
    except OSError:
        return False


def _claim(src: Path, dest: Path) -> bool:
    """Give src the name dest without ever replacing an existing dest; False if dest is taken.

    A hard link is atomic and fails on an existing name; src stays until the caller removes
    it, so a crash in between leaves the file under both names (never under neither), and
    the next run finishes the move. On a file system without hard links: an O_EXCL
    placeholder, then rename over it."""
    try:
        os.link(src, dest, follow_symlinks=False)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            raise
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
    try:
        fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    try:
        os.replace(src, dest)
    except OSError:
        os.unlink(dest)
        raise
    return True


def move_unique(src: Path, folder: Path, before_release: Callable[[Path], object] | None = None) -> Path:
    """Move src into folder under its own name, or 'name (n).ext' if taken; never overwrite.

    Crash-safe and idempotent: the new name is claimed atomically (a hard link) while src
    still exists, then `before_release(dest)` runs (e.g. writing the quarantine reason),
    and only then is src removed. A rerun after a crash anywhere in between finds a
    candidate name already holding src's bytes and completes that move instead of making
    a second copy. Across file systems the bytes are copied to a temp file in `folder`
    (fsynced) first, and that temp file is claimed instead.
    """
    src = Path(src)
    folder.mkdir(parents=True, exist_ok=True)
    os.lstat(src)  # FileNotFoundError when it is gone (placed by another run)
    tmp: Path | None = None
    try:
        for dest in _candidates(folder, src.name):
            if dest.name.endswith(REASON_SUFFIX):
                continue
            if os.path.lexists(dest):
                if _same_file(src, dest):
                    break  # an earlier run got this far: finish its move
                continue
            try:
                claimed = _claim(tmp or src, dest)
            except OSError as exc:
                if exc.errno != errno.EXDEV or tmp is not None:
                    raise
                tmp = _copy_to_temp(src, folder)  # another file system: copy, then claim the copy
                claimed = _claim(tmp, dest)
            if claimed:
                break
        if before_release is not None:
            before_release(dest)
        try:
            os.unlink(src)
        except FileNotFoundError:
            pass  # moved by rename (a file system without hard links)
        return dest
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


def _copy_to_temp(src: Path, folder: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix="." + fit_name(src.name, ".", NAME_MAX - 20), suffix=".tmp", dir=folder)
    with os.fdopen(fd, "wb") as out, os.fdopen(open_nofollow(src), "rb") as inp:
        shutil.copyfileobj(inp, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())
    shutil.copystat(src, name)
    return Path(name)


def archive_folder(archive: Path, when: datetime | None = None) -> Path:
    """archive/<year>/ for the year the file was received (local time)."""
    when = when or datetime.now().astimezone()
    return Path(archive) / f"{when.year:04d}"


def archive_file(path: Path, archive: Path, when: datetime | None = None,
                 before_release: Callable[[Path], object] | None = None) -> Path:
    return move_unique(path, archive_folder(archive, when), before_release=before_release)


def reason_path(quarantined: Path) -> Path:
    """<name>.reason.json beside the quarantined file (shortened to fit 255 bytes)."""
    return quarantined.with_name(fit_name(quarantined.name, REASON_SUFFIX))


def quarantine_file(path: Path, quarantine: Path, error: ProcessingError) -> Path:
    """Move a failed file into quarantine/ with <name>.reason.json beside it.

    The reason is written before the file leaves the inbox, so a crash never leaves a
    quarantined file without its reason."""

    def write_reason(dest: Path) -> None:
        reason = {  # names as shown: escaped, personnummer masked
            "file_name": display_name(path.name),
            "quarantined_as": display_name(dest.name),
            "kind": error.kind,
            "message": display_name(error.message),
            "doc_id": error.doc_id,
            "pipeline_version": error.pipeline_version,
            "occurred_at": error.occurred_at.isoformat() if error.occurred_at else None,
            "quarantined_at": datetime.now(timezone.utc).isoformat(),
        }
        write_atomic(reason_path(dest), json.dumps(reason, ensure_ascii=False, indent=1).encode("utf-8"))

    return move_unique(path, quarantine, before_release=write_reason)


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
    refused: list[str] = []  # handed files outside the inbox: never read, moved or deleted
    tables_rebuilt: bool = False
    skipped: str | None = None  # the cycle did not run: why (another run held the lock)

    @property
    def failed(self) -> list[Placed]:
        return self.quarantined


def place_results(
    results: dict[Path, FileResult | ProcessingError], folders: Folders, when: datetime | None = None
) -> IngestReport:
    """Move every processed file to the archive and every failed one to quarantine."""
    report = IngestReport(inbox=display_path(folders.inbox))
    for path, res in results.items():
        try:
            if not isinstance(res, ProcessingError):
                try:  # what is archived must still be the plain file that was read
                    check_inside(folders.inbox, path)
                except OutsideFolder as exc:
                    if str(exc) == "gone":
                        raise FileNotFoundError(path) from None
                    from pipeline.process import make_error  # noqa: PLC0415

                    res = make_error(path, "not_a_file", f"replaced while it was processed: {exc}")
            if isinstance(res, ProcessingError):
                dest = quarantine_file(path, folders.quarantine, res)
                report.quarantined.append(Placed(file_name=display_name(path.name), moved_to=display_path(dest),
                                                 status="failed", doc_id=res.doc_id, kind=res.kind,
                                                 message=display_name(res.message)))
            else:
                dest = archive_file(path, folders.archive, when,
                                    before_release=_recorder(folders.out, res.doc_id, path.name))
                report.archived.append(Placed(file_name=display_name(path.name), moved_to=display_path(dest),
                                              status=res.status, doc_id=res.doc_id))
        except FileNotFoundError:
            report.left_in_inbox.append(display_path(path))
        except OSError as exc:  # one file that cannot be moved never keeps the others in the inbox
            log.warning("inbox: cannot move %s: %s; left in the inbox", display_path(path), display_name(str(exc)))
            report.left_in_inbox.append(display_path(path))
    return report


def _recorder(out: Path, doc_id: str | None, name: str) -> Callable[[Path], object]:
    """Record the archive path on the document before the inbox name goes (a rerun redoes it)."""
    from pipeline.store import record_archived  # noqa: PLC0415

    return lambda dest: record_archived(out, doc_id, dest, name)


class ProcessedBatch(BaseModel):
    """One entry per input path, in order: a FileResult or the ProcessingError of a failure."""

    results: list[FileResult | ProcessingError] = []
    tables_rebuilt: bool = False

    def by_path(self, paths: list[str | Path]) -> dict[Path, FileResult | ProcessingError]:
        return {Path(p): r for p, r in zip(paths, self.results)}


# --- one ingest cycle ------------------------------------------------------------------

log = logging.getLogger(__name__)

# Present while documents may have been written that the tables do not show yet (a cycle
# started and has not finished its table rebuild): the next cycle rebuilds the tables even
# when the inbox is empty, so a run killed after moving its files still gets its rows.
TABLES_PENDING = ".tables-pending"


def sweep_cycle_temps(folders: Folders) -> int:
    """Temp files a killed cycle left (records, reasons, cross-device copies). Hold the lock."""
    from pipeline.locking import sweep_stale_temps  # noqa: PLC0415
    from pipeline.store import documents_dir, errors_dir  # noqa: PLC0415

    archive = Path(folders.archive)
    years = sorted(d for d in archive.iterdir() if d.is_dir()) if archive.is_dir() else []
    shutil.rmtree(Path(folders.out) / STAGING_DIR, ignore_errors=True)
    return sweep_stale_temps(documents_dir(folders.out), errors_dir(folders.out), folders.quarantine, *years)


def run_ingest_cycle(
    folders: Folders,
    process: Callable[[list[Path]], ProcessedBatch],
    files: list[Path] | None = None,
    *,
    settle_seconds: float = 2.0,
    lock_timeout: float | None = None,
    place: Callable[[dict[Path, FileResult | ProcessingError], Folders], IngestReport] = place_results,
    rebuild: Callable[[Path], bool] | None = None,
    logger: logging.Logger | logging.LoggerAdapter = log,
) -> IngestReport:
    """One ingest cycle: inbox files -> outputs (via `process`) -> archive/ or quarantine/.

    Used by the ingest flow (flows/ingest.py), hence by `finsam run ingest`, `finsam watch`
    and the deployment `finsam serve` triggers; `process` is what turns files into outputs
    and rebuilds the tables (the Prefect flow process_files, or `process_plain`).

    - One cycle at a time per output folder: the cycle holds `folder_lock(out)` from before
      it looks at its files until they are placed. A second runner waits (one log line
      naming the holder) and then takes only the files still in the inbox; with
      `lock_timeout` it gives up after that many seconds and skips the cycle (the report's
      `skipped` says why), leaving the files for the next cycle.
    - The cycle runs under `umask_not_wider_than(files)`: no output is readable by more
      people than the inbox files were.
    - Crash safety: a file leaves the inbox only after its record is written, by a move that
      a rerun completes (`move_unique`); a rerun recognises content already processed by its
      sha256 and only moves it. Temp files a killed cycle left are swept; tables a killed
      cycle did not finish are rebuilt by the next cycle, even with an empty inbox.
    """
    from pipeline.locking import LockBusy, folder_lock  # noqa: PLC0415
    from pipeline.permissions import umask_not_wider_than  # noqa: PLC0415

    folders = folders.resolved()
    folders.ensure()  # refuses overlapping folders (FolderOverlap), one line
    if files is None:
        files = settled_files(folders.inbox, settle_seconds)
    report = IngestReport(inbox=display_path(folders.inbox))
    pending = Path(folders.out) / TABLES_PENDING
    # Nothing to take: never wait (a run holding the lock finishes the tables itself).
    timeout = lock_timeout if files else 0
    try:
        with folder_lock(folders.out, timeout=timeout, on_wait=lambda msg: logger.info("%s", msg)):
            # Another runner may have placed some of these while this one waited; and what
            # is in the inbox now is judged now, never by a link (take_files).
            taken, strays, refused = take_files(folders.inbox, [Path(p) for p in files])
            report.refused = [f"{display_path(p)}: {why}" for p, why in refused]
            for line in report.refused:
                logger.warning("inbox %s: refused %s", display_path(folders.inbox), line)
            with umask_not_wider_than(taken or [folders.inbox]):
                sweep_cycle_temps(folders)
                if taken:
                    pending.touch()  # empty marker: nothing to write half
                    with staged(taken, folders.out) as aliases:
                        batch = process(aliases)
                    results = dict(zip(taken, batch.results))
                    results.update(strays)
                    report = place(results, folders).model_copy(update={"refused": report.refused})
                    report.tables_rebuilt = batch.tables_rebuilt
                else:
                    if strays:
                        report = place(dict(strays), folders).model_copy(update={"refused": report.refused})
                    if pending.exists():
                        logger.info("tables: finishing the rebuild an interrupted cycle left")
                        report.tables_rebuilt = (rebuild or _rebuild_tables)(Path(folders.out))
                # process/rebuild returned: the tables show every record (or the stage is not installed)
                pending.unlink(missing_ok=True)
    except LockBusy as exc:
        if files:
            report.skipped = str(exc)
            logger.warning("inbox %s: cycle skipped: %s", display_path(folders.inbox), exc)
        return report
    for q in report.quarantined:
        logger.warning("quarantined %s: %s: %s", q.file_name, q.kind, q.message)
    if files or report.tables_rebuilt:
        logger.info("inbox %s: %d archived, %d quarantined, %d left", display_path(folders.inbox),
                    len(report.archived), len(report.quarantined), len(report.left_in_inbox))
    return report


def take_files(inbox: Path, files: list[Path]) -> tuple[list[Path], dict[Path, ProcessingError], list[tuple[Path, str]]]:
    """Judge the handed files as they are now, under the lock, without following any link.

    Returns (files to process, entries to quarantine at once with their error, refused).
    - Outside the inbox (a path handed through the API, "../x", a symlinked subfolder
      leading out): refused, never read, moved or deleted.
    - A symbolic link, named pipe, socket or device in the inbox, or a stray reason file:
      quarantined as it is (a link is moved, never followed), with the reason.
    - Gone (placed by another run): dropped.
    Tokens from `handover` are mapped back to their files first."""
    from pipeline.process import make_error  # noqa: PLC0415

    inbox = Path(inbox)
    taken: list[Path] = []
    strays: dict[Path, ProcessingError] = {}
    refused: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for p in _untoken(inbox, [Path(os.path.abspath(f)) for f in files]):
        if p in seen:
            continue
        seen.add(p)
        if not inside(inbox, p):
            refused.append((p, "not inside the inbox"))
            continue
        try:
            check_inside(inbox, p)
        except OutsideFolder as exc:
            why = str(exc)
            if why == "gone":
                continue
            if why == "reached through a symbolic link":  # a folder on the way is a link: it may lead anywhere
                refused.append((p, why))
                continue
            try:
                st = os.lstat(p)
            except OSError:
                continue
            strays[p] = make_error(p, "not_a_file", f"{file_kind(st.st_mode)} in the inbox; not read (links are never followed)")
            continue
        if p.name.endswith(REASON_SUFFIX):
            strays[p] = make_error(p, "unsupported", "a quarantine reason file in the inbox; not read")
            continue
        taken.append(p)
    return taken, strays, refused


STAGING_DIR = ".staging"


class staged:
    """Context manager: the paths `process` is given for the taken files.

    A file whose name shows as is is given as itself. Any other (not UTF-8, a control
    character, a personnummer) is given as a hard link (or, across file systems, a copy) of
    exactly the inode that was checked, under OUT/.staging/<n>/<its shown name>: its real
    name then never reaches the orchestrator (flow-run parameters, task-run names, the
    pickled result cache), and the record says the name as shown. Removed afterwards (and
    by the next cycle's sweep after a kill)."""

    def __init__(self, files: list[Path], out: Path):
        self.files = files
        self.root = Path(out) / STAGING_DIR

    def __enter__(self) -> list[Path]:
        aliases = []
        for i, p in enumerate(self.files):
            if is_shown_as_is(p):
                aliases.append(p)
                continue
            folder = self.root / str(i)
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            alias = folder / fit_name(display_name(p.name).replace("/", "_"))
            try:
                fd = open_nofollow(p)
            except OSError:
                aliases.append(p)  # fails in processing with its reason
                continue
            try:
                try:
                    os.link(f"/proc/self/fd/{fd}", alias, follow_symlinks=True)
                except OSError:  # another file system, or protected_hardlinks: copy the checked bytes
                    with os.fdopen(os.dup(fd), "rb") as inp, open(alias, "xb") as outp:
                        shutil.copyfileobj(inp, outp, 1 << 20)
            finally:
                os.close(fd)
            aliases.append(alias)
        return aliases

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _rebuild_tables(out: Path) -> bool:
    from pipeline.stages import rebuild_tables  # noqa: PLC0415

    return rebuild_tables(out)


def process_plain(out: Path, limits: Limits | None = None, jobs: int | None = None) -> Callable[[list[Path]], ProcessedBatch]:
    """A `process` for run_ingest_cycle without Prefect: process_batch, then the tables.

    Same per-file work and skip-by-sha256 as the flow (pipeline.process.process_one); no task
    cache and no retries. Used by tests and benchmarks/bench_load.py's comparisons."""
    from pipeline.process import process_batch  # noqa: PLC0415

    def process(paths: list[Path]) -> ProcessedBatch:
        result = process_batch(paths, Path(out), limits, jobs=jobs)
        by_path = {o.path: o for o in result.outcomes}
        results: list[FileResult | ProcessingError] = []
        for p in paths:
            o = by_path[p]
            results.append(o.error if o.status == "failed" else result_or_raise(o))
        return ProcessedBatch(results=results, tables_rebuilt=_rebuild_tables(Path(out)))

    return process
