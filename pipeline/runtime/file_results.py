"""What one file's processing leaves, between the processing step and the ingest cycle.

Work is keyed by content (sha256) and pipeline version, never by path: the same bytes
under a new name are not processed again. A failure is a ProcessingError; only the
failures in TRANSIENT_KINDS are worth another try.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from models import ProcessingError
from pipeline import PIPELINE_VERSION
from pipeline.config import Limits
from pipeline.names import display_name
from pipeline.read import sha256_file
from pipeline.runtime.batch import FileOutcome, make_error
from pipeline.store import existing_version

# Failures worth another try: the reader process died (memory pressure from parallel
# files, a Tesseract crash). Everything else (corrupt, encrypted, unsupported, over a
# limit, timeout) fails the same way again and goes to quarantine at once.
TRANSIENT_KINDS = {"crash", "memory"}


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



def content_key(path: Path) -> str:
    """Cache key of a file's work: its bytes and the pipeline version, never its path."""
    return f"finsam-{sha256_file(Path(path))}-{PIPELINE_VERSION}"


def outputs_current(sha256: str, out: Path) -> bool:
    """The document record for these bytes exists in OUT at this pipeline version.

    When it does not (first time, or the outputs were cleaned), a cached task result must not
    be trusted: the file is processed again and the cache entry refreshed."""
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
    return make_error(Path(path), "orchestration", f"{type(exc).__name__}: {exc}" if exc else "task failed without an exception")


class ProcessedBatch(BaseModel):
    """One entry per input path, in order: a FileResult or the ProcessingError of a failure."""

    results: list[FileResult | ProcessingError] = []
    tables_rebuilt: bool = False

    def by_path(self, paths: list[str | Path]) -> dict[Path, FileResult | ProcessingError]:
        return {Path(p): r for p, r in zip(paths, self.results)}
