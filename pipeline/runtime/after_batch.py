"""The stages that follow processing, in one place: `after_batch`.

After a batch (`finsam process`, the process_files flow) and at night (the nightly flow):
reconcile across documents and write the kansli's report, then rebuild the tables (which
carry the flags from OUT/reconcile/flags.json). The order and the error handling live
here only; the CLI and the flows call `after_batch` (the flows may run each step as a
Prefect task through `run_step`).

Every stage is part of finsam and is imported where it runs: a module that does not
import is a failure of that stage, never a "stage not installed". Not at the top, because
the CLI imports this module, and so does every document worker, which re-runs the `finsam`
script: neither needs pyarrow, DuckDB or the reconciliation to read a page (a second of
start-up before the first page, twice over).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipeline import PIPELINE_VERSION
from pipeline.outputs.store import OutputLayout, write_atomic

log = logging.getLogger(__name__)


class Reconciliation(BaseModel):
    flags: int
    by_severity: dict[str, int] = {}
    reports: list[str] = []


def reconcile(out: Path) -> Reconciliation:
    """Reconcile OUT/documents across documents and years, write OUT/reconcile/flags.json and
    the kansli's report (pipeline.report)."""
    from pipeline.report import run_reconciliation  # noqa: PLC0415 - see the module docstring

    flags, html_path, md_path = run_reconciliation(Path(out))
    counts: dict[str, int] = {}
    for f in flags:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return Reconciliation(flags=len(flags), by_severity=counts, reports=[str(html_path), str(md_path)])


def rebuild_tables(out: Path) -> bool:
    """Rebuild OUT/tables and OUT/finsam.duckdb (incrementally); True when done (raises otherwise)."""
    import pipeline.outputs.tables as tables  # noqa: PLC0415 - see the module docstring

    tables.rebuild_tables(Path(out))
    return True


# What the stages import: the reconciliation and its report, the tables (pyarrow), DuckDB, and
# pandas, which pyarrow imports at its first conversion of Python values.
_STAGE_MODULES = ("pipeline.report", "pipeline.outputs.tables", "duckdb", "pandas")


def import_in_background() -> threading.Thread:
    """Import what the stages need on a thread of their own, while a batch reads its files.

    At a batch's start one core is idle while the workers' forkserver loads spaCy; after it,
    these imports were about half a second on one core before the tables, the last thing a
    user waits for. A module that fails to import here fails again, and is reported, where
    its stage imports it."""
    def load() -> None:
        for name in _STAGE_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported by the stage that needs it
                log.debug("after-batch import of %s failed", name, exc_info=True)

    thread = threading.Thread(target=load, name="finsam-after-batch-imports", daemon=True)
    thread.start()
    return thread


class AfterBatch(BaseModel):
    """What `after_batch` did."""

    reconciliation: Reconciliation | None = None  # None: not asked for (reconcile=False)
    tables_rebuilt: bool = False


class TablesNotRebuilt(RuntimeError):
    """The table rebuild after a batch failed. The document records are kept; `result` holds
    what was done before (the reconciliation), the message is one line with the remedy."""

    def __init__(self, message: str, result: AfterBatch) -> None:
        super().__init__(message)
        self.result = result


# A step runner: (step name, function of OUT, OUT) -> the function's result. The flows pass
# one that runs the step as a Prefect task; by default the step is called directly.
StepRunner = Callable[[str, Callable[[Path], Any], Path], Any]


def _call(name: str, fn: Callable[[Path], Any], out: Path) -> Any:
    return fn(out)


STEPS: tuple[str, ...] = ("reconcile-and-report", "rebuild-tables")


def after_batch(out: Path, *, reconcile_first: bool = True, run_step: StepRunner | None = None) -> AfterBatch:
    """The stages after a batch, in order: reconciliation and its report (the tables read
    OUT/reconcile/flags.json), then the analyst tables.

    `reconcile_first=False` rebuilds the tables only (the ingest flow leaves reconciliation to
    the nightly run). A failing reconciliation raises as it is. A failing table rebuild
    raises TablesNotRebuilt (one line; chained to the cause): the per-document records are
    already written and stay, and the next run or `finsam tables --rebuild` builds the
    tables again.
    """
    out = Path(out)
    step = run_step or _call
    result = AfterBatch()
    if reconcile_first:
        result.reconciliation = step("reconcile-and-report", reconcile, out)
    try:
        result.tables_rebuilt = bool(step("rebuild-tables", rebuild_tables, out))
    except Exception as exc:
        log.debug("table rebuild failed", exc_info=True)
        detail = " ".join(str(exc).split()) or "no message"
        raise TablesNotRebuilt(
            f"tables in {OutputLayout(out).tables} not rebuilt: {type(exc).__name__}: {detail} "
            f"(the document records are kept; retry with finsam tables --rebuild --out {out})", result) from exc
    return result


def refresh_after_ingest(report, out: Path) -> Reconciliation | None:
    """After an ingest cycle that archived or quarantined files (`finsam watch`): reconcile,
    write the report and rebuild the tables (flags, archive paths), under the output
    folder's run lock. None when the cycle placed nothing (or was skipped)."""
    if getattr(report, "skipped", None) or not (report.archived or report.quarantined):
        return None
    from pipeline.runtime.locking import folder_lock  # noqa: PLC0415

    with folder_lock(Path(out)):
        return after_batch(out).reconciliation


class NightlyReport(BaseModel):
    """What the nightly run did; written to OUT/reports/nightly-<date>.json."""

    out: str
    started_at: datetime
    finished_at: datetime | None = None
    pipeline_version: str = PIPELINE_VERSION
    documents: int = 0
    errors: int = 0
    reconciliation: Reconciliation | None = None
    tables_rebuilt: bool = False
    summary_path: str | None = None


def count_outputs(out: Path) -> tuple[int, int]:
    layout = OutputLayout(out)
    d, e = layout.documents, layout.errors
    docs = sum(1 for _ in d.glob("*.json")) if d.is_dir() else 0
    errs = sum(1 for _ in e.glob("*.json")) if e.is_dir() else 0
    return docs, errs


def write_nightly_summary(report: NightlyReport) -> Path:
    out = Path(report.out)
    report.finished_at = datetime.now(timezone.utc)
    path = OutputLayout(out).nightly_summary(report.started_at.astimezone().date())
    report.summary_path = str(path)
    write_atomic(path, report.model_dump_json(indent=1).encode("utf-8"))
    return path
