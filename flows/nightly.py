"""nightly: reconcile across documents and write the report, then rebuild the tables (with the flags)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task

from pipeline.stages import (
    NightlyReport, Reconciliation, count_outputs, rebuild_tables_if_available, reconcile_if_available,
    write_nightly_summary,
)

from flows.runners import NIGHTLY_TIMEOUT


@task(name="reconcile-and-report")
def reconcile_task(out: str) -> Reconciliation | None:
    return reconcile_if_available(Path(out))


@task(name="rebuild-tables")
def rebuild_tables_task(out: str) -> bool:
    return rebuild_tables_if_available(Path(out))


@flow(name="nightly", timeout_seconds=NIGHTLY_TIMEOUT)
def nightly(out: str = "outputs") -> NightlyReport:
    logger = get_run_logger()
    out_dir = Path(out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = NightlyReport(out=str(out_dir), started_at=datetime.now(timezone.utc))
    report.reconciliation = reconcile_task(str(out_dir))
    report.tables_rebuilt = rebuild_tables_task(str(out_dir))
    report.documents, report.errors = count_outputs(out_dir)
    path = write_nightly_summary(report)
    rec = report.reconciliation
    logger.info("nightly %s: %d documents, %d errors; %s; tables %s; summary %s",
                out_dir, report.documents, report.errors,
                f"{rec.flags} flags, report {', '.join(rec.reports)}" if rec else "reconciliation not installed",
                "rebuilt" if report.tables_rebuilt else "not installed", path)
    return report
