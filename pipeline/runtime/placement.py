"""Files out of the inbox: successes to archive/<year received>/<name>, failures to
quarantine/<name> with <name>.reason.json beside it.

A name already taken gets " (2)", " (3)"... so nothing is ever overwritten; every move is
crash-safe and a rerun completes it (`move_unique`).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from models import ProcessingError
from pipeline.names import NAME_MAX, OutsideFolder, check_inside, display_name, display_path, fit_name, open_nofollow
from pipeline.read import sha256_file
from pipeline.runtime.batch import make_error
from pipeline.runtime.file_results import FileResult
from pipeline.runtime.folders import Folders
from pipeline.outputs.store import record_archived, write_atomic

log = logging.getLogger(__name__)

REASON_SUFFIX = ".reason.json"


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
    return lambda dest: record_archived(out, doc_id, dest, name)
