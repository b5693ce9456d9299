"""Where everything lives under the output folder (`OutputLayout`), and atomic writing."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
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


DB_NAME = "finsam.duckdb"
FLAGS_PATH = Path("reconcile") / "flags.json"  # relative to OUT; written by the reconciliation stage


@dataclass(frozen=True)
class OutputLayout:
    """The output folder OUT and every path finsam writes under it, defined once.

    documents/<doc_id>.json, errors/*.json, reconcile/flags.json, reports/ (the kansli's
    report, nightly summaries), tables/<table>.parquet, finsam.duckdb, and the flows' task
    cache .prefect-results/. (pipeline/report.py still names reconcile/flags.json and
    reports/ itself; tests/test_stages.py checks they agree.)
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
    def task_results(self) -> Path:
        """The Prefect task cache: beside the outputs it vouches for."""
        return self.out / ".prefect-results"

    def document(self, doc_id: str) -> Path:
        return self.documents / f"{doc_id}.json"

    def table(self, name: str) -> Path:
        return self.tables / f"{name}.parquet"

    def nightly_summary(self, day: date) -> Path:
        return self.reports / f"nightly-{day.isoformat()}.json"


def documents_dir(out: Path) -> Path:
    return OutputLayout(out).documents


def errors_dir(out: Path) -> Path:
    return OutputLayout(out).errors


def document_path(out: Path, doc_id: str) -> Path:
    return OutputLayout(out).document(doc_id)


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


def iter_documents(out: Path):
    for path in sorted(documents_dir(out).glob("*.json")):
        yield load_document(path)
