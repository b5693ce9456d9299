"""Where everything lives under the output folder (`OutputLayout`), and atomic writing."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from models import Document, ProcessingError
from pipeline.names import NAME_MAX, display_path, fit_name

log = logging.getLogger(__name__)
DAMAGED_DIR = "damaged"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if len(os.fsencode(path.name)) > NAME_MAX:
        raise OSError(errno.ENAMETOOLONG, "file name longer than 255 bytes", display_path(path))
    # The temp name must fit NAME_MAX too: a 250-byte name plus ".<random>.tmp" would not.
    fd, tmp = tempfile.mkstemp(prefix="." + fit_name(path.name, ".", NAME_MAX - 20), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_model(path: Path, model: BaseModel) -> None:
    write_atomic(path, model.model_dump_json(indent=1).encode("utf-8"))


DB_NAME = "finsam.duckdb"
FLAGS_PATH = Path("reconcile") / "flags.json"  # relative to OUT; written by the reconciliation stage


@dataclass(frozen=True)
class OutputLayout:
    """The output folder OUT and every path finsam writes under it, defined once.

    documents/<doc_id>.json, errors/*.json, reconcile/flags.json, reports/ (the kansli's
    report, nightly summaries), tables/<table>.parquet, finsam.duckdb, and the runtime's
    run lock, staging folder and tables-pending marker.
    """

    out: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "out", Path(self.out))

    @property
    def documents(self) -> Path:
        return self.out / "documents"

    @property
    def errors(self) -> Path:
        return self.out / "errors"

    @property
    def reconcile(self) -> Path:
        return self.out / FLAGS_PATH.parent

    @property
    def flags(self) -> Path:
        return self.out / FLAGS_PATH

    @property
    def reports(self) -> Path:
        return self.out / "reports"

    @property
    def tables(self) -> Path:
        return self.out / "tables"

    @property
    def database(self) -> Path:
        return self.out / DB_NAME

    @property
    def run_lock(self) -> Path:
        """One run at a time per output folder (pipeline/runtime/locking.py)."""
        return self.out / ".finsam.lock"

    @property
    def staging(self) -> Path:
        """Aliases of inbox files whose names cannot be shown, for one ingest cycle."""
        return self.out / ".staging"

    @property
    def tables_pending(self) -> Path:
        """Present while records may exist that the tables do not show yet."""
        return self.out / ".tables-pending"

    def document(self, doc_id: str) -> Path:
        return self.documents / f"{doc_id}.json"

    def table(self, name: str) -> Path:
        return self.tables / f"{name}.parquet"

    def nightly_summary(self, day: date) -> Path:
        return self.reports / f"nightly-{day.isoformat()}.json"

    # --- the kansli's report (pipeline/report) ---
    def report_html(self, day: date) -> Path:
        return self.reports / f"avvikelser-{day.isoformat()}.html"

    def report_markdown(self, day: date) -> Path:
        return self.reports / f"avvikelser-{day.isoformat()}.md"


def documents_dir(out: Path) -> Path:
    return OutputLayout(out).documents


def errors_dir(out: Path) -> Path:
    return OutputLayout(out).errors


def document_path(out: Path, doc_id: str) -> Path:
    return OutputLayout(out).document(doc_id)


def safe_name(name: str) -> str:
    """A file-system-safe stem for error records (names may hold '../', dashes, spaces)."""
    cleaned = re.sub(r"[^\w.\-åäöÅÄÖ]+", "_", display_path(name) or "").strip("._-")
    return fit_name(cleaned, limit=120) if cleaned else "file"  # 120 bytes, not characters


def error_path(out: Path, error: ProcessingError) -> Path:
    key = error.doc_id[:16] if error.doc_id else safe_name(error.file_name)
    return errors_dir(out) / f"{safe_name(error.file_name)}.{key}.json"


def existing_version(out: Path, doc_id: str) -> str | None:
    """The pipeline_version of an existing, whole document record, or None.

    A record that is not whole (cut short by a full disk, a copy, a bad sector: it does
    not end in "}") is set aside (`set_aside`) and counts as missing, so the file is
    processed again instead of being skipped forever."""
    path = document_path(out, doc_id)
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
            fh.seek(max(0, path.stat().st_size - 64))
            tail = fh.read()
        if not tail.rstrip().endswith(b"}"):
            set_aside(out, path, "the record is cut short (does not end in '}')")
            return None
        m = re.search(r'"pipeline_version":\s*"([^"]+)"', head)
        if m:
            return m.group(1)
        return json.loads(path.read_text("utf-8")).get("pipeline_version")
    except (OSError, ValueError):
        return None


def set_aside(out: Path, path: Path, reason: str) -> Path | None:
    """Move a damaged record out of the way, into OUT/damaged/, and say so in one log line.

    The rest of the outputs go on without it (reconciliation, tables); its input file is
    processed again by the next run, which writes a whole record. Never deletes anything."""
    target_dir = Path(out) / DAMAGED_DIR
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / path.name
        n = 2
        while target.exists():
            target = target_dir / f"{path.stem} ({n}){path.suffix}"
            n += 1
        os.replace(path, target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("damaged record %s: %s; could not set it aside: %s", display_path(path), reason, exc)
        return None
    log.warning("damaged record %s set aside as %s: %s (its file is processed again by the next run)",
                display_path(path), display_path(target), reason)
    return target


def load_document(path: Path) -> Document:
    return Document.model_validate_json(path.read_bytes())


def archived_path_of(out: Path, doc_id: str) -> str | None:
    """The archive path an existing record of doc_id holds, while that file is still there."""
    try:
        old = json.loads(document_path(out, doc_id).read_bytes()).get("archived_path")
    except (OSError, ValueError, AttributeError):
        return None
    return old if old and Path(old).exists() else None


def iter_errors(out: Path):
    """The failure records under OUT/errors/ (unreadable ones are left out), by file name."""
    found = []
    for path in sorted(errors_dir(out).glob("*.json")):
        try:
            found.append(ProcessingError.model_validate_json(path.read_bytes()))
        except (OSError, ValueError):
            continue
    return sorted(found, key=lambda e: (e.file_name, e.occurred_at))


def clear_errors(out: Path, file_name: str, doc_id: str | None = None) -> int:
    """Remove the failure records of a file now processed: same name (a fixed file dropped
    again) or same content. Returns how many were removed."""
    from pipeline.text.personnummer import mask_string

    name = mask_string(file_name)
    candidates = set(errors_dir(out).glob(f"{safe_name(name)}.*.json"))
    if doc_id:
        candidates |= set(errors_dir(out).glob(f"*.{doc_id[:16]}.json"))
    removed = 0
    for path in candidates:
        try:
            err = json.loads(path.read_bytes())
            if err.get("file_name") == name or (doc_id and err.get("doc_id") == doc_id):
                path.unlink()
                removed += 1
        except (OSError, ValueError, AttributeError):
            continue
    return removed


def record_archived(out: Path, doc_id: str | None, archived: Path, file_name: str | None = None) -> bool:
    """Record on documents/<doc_id>.json where its file was archived; True when written.

    Failure records of the same file name or content are removed (a fixed file dropped again;
    process_one does the same, but a duplicate within one batch never reaches it).

    A document whose file is already archived elsewhere keeps that place while it exists (a
    second copy of the same bytes, archived under another name, does not rewrite the record).
    Never raises: the move must finish even when the record cannot be updated.
    """
    import logging

    from pipeline.text.personnummer import mask_string

    if not doc_id:
        return False
    if file_name:
        try:
            clear_errors(out, file_name, doc_id)
        except OSError:
            pass
    path = document_path(out, doc_id)
    try:
        doc = load_document(path)
        new = mask_string(str(Path(archived).resolve()))
        if doc.archived_path == new or (doc.archived_path and Path(doc.archived_path).exists()):
            return False
        doc.archived_path = new
        write_model(path, doc)
        return True
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        logging.getLogger(__name__).warning("could not record the archive path of %s: %s", doc_id, exc)
        return False


def iter_documents(out: Path, damaged: list[tuple[Path, str]] | None = None):
    """Every whole document record under OUT/documents. A damaged one (not JSON, not a
    Document) is set aside with one log line (and appended to `damaged`); the rest go on."""
    from pydantic import ValidationError  # noqa: PLC0415

    for path in sorted(documents_dir(out).glob("*.json")):
        try:
            doc = load_document(path)
        except FileNotFoundError:
            continue
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            reason = _one_line(exc)
            moved = set_aside(out, path, reason)
            if damaged is not None:
                damaged.append((moved or path, reason))
            continue
        yield doc


def _one_line(exc: Exception) -> str:
    from pydantic import ValidationError  # noqa: PLC0415

    if isinstance(exc, ValidationError):
        errs = exc.errors()
        first = errs[0] if errs else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return f"not a valid record ({len(errs)} problem(s); first: {first.get('type', '?')} at {where or 'top'})"
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
