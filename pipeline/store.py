"""Where processed documents and errors live under the output folder, written atomically."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from pydantic import BaseModel

from models import Document, ProcessingError


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


def documents_dir(out: Path) -> Path:
    return out / "documents"


def errors_dir(out: Path) -> Path:
    return out / "errors"


def document_path(out: Path, doc_id: str) -> Path:
    return documents_dir(out) / f"{doc_id}.json"


def safe_name(name: str) -> str:
    """A file-system-safe stem for error records (names may hold '../', dashes, spaces)."""
    cleaned = re.sub(r"[^\w.\-åäöÅÄÖ]+", "_", name).strip("._-")
    return cleaned[:120] or "file"


def error_path(out: Path, error: ProcessingError) -> Path:
    key = error.doc_id[:16] if error.doc_id else safe_name(error.file_name)
    return errors_dir(out) / f"{safe_name(error.file_name)}.{key}.json"


def existing_version(out: Path, doc_id: str) -> str | None:
    """The pipeline_version of an existing document record, or None."""
    path = document_path(out, doc_id)
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
        m = re.search(r'"pipeline_version":\s*"([^"]+)"', head)
        if m:
            return m.group(1)
        return json.loads(path.read_text("utf-8")).get("pipeline_version")
    except (OSError, ValueError):
        return None


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
    from pipeline.personnummer import mask_string

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
    process_one does the same, but a cached Prefect task never reaches it).

    A document whose file is already archived elsewhere keeps that place while it exists (a
    second copy of the same bytes, archived under another name, does not rewrite the record).
    Never raises: the move must finish even when the record cannot be updated.
    """
    import logging

    from pipeline.personnummer import mask_string

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


def iter_documents(out: Path):
    for path in sorted(documents_dir(out).glob("*.json")):
        yield load_document(path)
