"""nightly: reconcile across documents and write the report, then rebuild the tables (with the flags)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger

from pipeline.runtime.after_batch import NightlyReport, after_batch, count_outputs, write_nightly_summary

from flows.runners import NIGHTLY_TIMEOUT, run_step_as_task


@flow(name="nightly", timeout_seconds=NIGHTLY_TIMEOUT)
def nightly(out: str = "outputs") -> NightlyReport:
    logger = get_run_logger()
    out_dir = Path(out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = NightlyReport(out=str(out_dir), started_at=datetime.now(timezone.utc))
    done = after_batch(out_dir, run_step=run_step_as_task)
    report.reconciliation, report.tables_rebuilt = done.reconciliation, done.tables_rebuilt
    report.documents, report.errors = count_outputs(out_dir)
    path = write_nightly_summary(report)
    rec = report.reconciliation
    logger.info("nightly %s: %d documents, %d errors; %s; tables %s; summary %s",
                out_dir, report.documents, report.errors,
                f"{rec.flags} flags, report {', '.join(rec.reports)}", "rebuilt", path)
    return report
