"""What one file's processing leaves, between the processing step and the ingest cycle.

Work is keyed by content (sha256) and pipeline version, never by path: the same bytes
under a new name are not processed again (pipeline.runtime.batch.process_one skips them).
A failure is a ProcessingError; only the failures in TRANSIENT_KINDS are worth another try.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from models import ProcessingError
from pipeline.config import Limits
from pipeline.names import display_name
from pipeline.read import sha256_file
from pipeline.runtime.batch import FileOutcome, make_error

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



def per_file_limits(limits: Limits, parallel: int) -> Limits:
    """Share OCR cores between files processed at the same time."""
    return limits.model_copy(update={"ocr_workers": max(1, limits.ocr_workers // max(1, parallel))})


def default_parallelism() -> int:
    return max(1, os.cpu_count() or 1)


class FileResult(BaseModel):
    """What one file's processing left, small enough to pass between workers."""

    file_name: str
    doc_id: str | None = None
    status: str  # processed | skipped (outputs already current: an earlier run) | duplicate (in this batch)
    error: ProcessingError | None = None
    seconds: float = 0.0


def file_result(outcome: FileOutcome) -> FileResult | ProcessingError:
    """What a file's outcome leaves: a FileResult, or the ProcessingError of a failure."""
    if outcome.status == "failed":
        return outcome.error
    doc_id = outcome.document.doc_id if outcome.document else None
    if doc_id is None:
        try:
            doc_id = sha256_file(outcome.path)
        except OSError:
            doc_id = None
    return FileResult(file_name=display_name(outcome.path.name), doc_id=doc_id, status=outcome.status, seconds=round(outcome.seconds, 3))


def failure_of(path: Path, exc: BaseException | None) -> ProcessingError:
    """The ProcessingError for a file whose task failed as a whole (an orchestration error)."""
    return make_error(Path(path), "orchestration", f"{type(exc).__name__}: {exc}" if exc else "task failed without an exception")


class ProcessedBatch(BaseModel):
    """One entry per input path, in order: a FileResult or the ProcessingError of a failure."""

    results: list[FileResult | ProcessingError] = []
    tables_rebuilt: bool = False

    def by_path(self, paths: list[str | Path]) -> dict[Path, FileResult | ProcessingError]:
        return {Path(p): r for p, r in zip(paths, self.results)}
