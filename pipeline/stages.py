"""The stages that follow processing, each optional until its module lands.

Called by the flows (flows/) and usable alone: rebuild the tables once per batch; at
night, reconcile across documents and write the report, then rebuild the tables (which
carry the flags from OUT/reconcile/flags.json). A stage whose module is not installed yet is reported as skipped, never faked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from pipeline import PIPELINE_VERSION
from pipeline.store import documents_dir, errors_dir, write_atomic

log = logging.getLogger(__name__)

def rebuild_tables_if_available(out: Path) -> bool:
    """Rebuild OUT/tables once (after a batch), when the outputs stage is installed."""
    try:
        from pipeline.tables import rebuild_tables  # noqa: PLC0415 - optional stage
    except ImportError:
        return False
    rebuild_tables(Path(out))
    return True


class Reconciliation(BaseModel):
    flags: int
    by_severity: dict[str, int] = {}
    reports: list[str] = []


def reconcile_if_available(out: Path) -> Reconciliation | None:
    """Reconcile OUT/documents across documents and years, write OUT/reconcile/flags.json and
    the kansli's report (pipeline.report); None when that stage is not installed."""
    try:
        from pipeline.report import run_reconciliation  # noqa: PLC0415 - optional stage
    except ImportError:
        return None
    flags, html_path, md_path = run_reconciliation(Path(out))
    counts: dict[str, int] = {}
    for f in flags:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return Reconciliation(flags=len(flags), by_severity=counts, reports=[str(html_path), str(md_path)])


def refresh_after_ingest(report, out: Path) -> Reconciliation | None:
    """After an ingest cycle that archived or quarantined files (`finsam watch`): reconcile,
    write the report and rebuild the tables (flags, archive paths), under the output
    folder's run lock. None when the cycle placed nothing (or was skipped)."""
    if getattr(report, "skipped", None) or not (report.archived or report.quarantined):
        return None
    from pipeline.locking import folder_lock  # noqa: PLC0415

    with folder_lock(Path(out)):
        rec = reconcile_if_available(out)
        rebuild_tables_if_available(out)
    return rec


class NightlyReport(BaseModel):
    """What the nightly run did; written to OUT/reports/nightly-<date>.json."""

    out: str
    started_at: datetime
    finished_at: datetime | None = None
    pipeline_version: str = PIPELINE_VERSION
    documents: int = 0
    errors: int = 0
    reconciliation: Reconciliation | None = None  # None: reconciliation stage not installed
    tables_rebuilt: bool = False
    summary_path: str | None = None


def count_outputs(out: Path) -> tuple[int, int]:
    d, e = documents_dir(Path(out)), errors_dir(Path(out))
    docs = sum(1 for _ in d.glob("*.json")) if d.is_dir() else 0
    errs = sum(1 for _ in e.glob("*.json")) if e.is_dir() else 0
    return docs, errs


def write_nightly_summary(report: NightlyReport) -> Path:
    out = Path(report.out)
    report.finished_at = datetime.now(timezone.utc)
    path = out / "reports" / f"nightly-{report.started_at.astimezone().date().isoformat()}.json"
    report.summary_path = str(path)
    write_atomic(path, report.model_dump_json(indent=1).encode("utf-8"))
    return path
