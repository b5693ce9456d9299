"""Benchmark: rebuilding the analyst tables against the floor of merely reading the JSON.

    .venv/bin/python benchmarks/bench_tables.py            # 10,000 documents
    .venv/bin/python benchmarks/bench_tables.py -n 2000 -n 10000   # linearity check
    .venv/bin/python benchmarks/bench_tables.py --summary-json bench.json   # + the result for the issue 17 row

Generates N synthetic documents/<doc_id>.json (agreements, agendas, minutes, plans and
budgets with realistic record counts and three pages of text each) in a temp folder, then
measures, each in a fresh Python process so peak memory (ru_maxrss) is its own:

  floor: read     read the bytes of every JSON file once
  floor: parse    read and parse every JSON file once (orjson): the least any rebuild must do
  full rebuild    rebuild_tables(incremental=False) with no previous tables
  (the floors and the full rebuild run in --repeat rounds, 5 by default, one phase after
   the other, and each phase's fastest run counts; each round's ratio is printed too)
  no-op rebuild   rebuild again, nothing changed (rows reused from the previous tables)
  1% changed      rewrite 1% of the files and add 1% new ones, rebuild

Files were just written, so all phases read from the page cache alike. Imports are not
timed in any phase (the rebuild phases print theirs): a rebuild runs in a process that has
loaded pyarrow, pandas and duckdb already. CPU seconds (all threads) are printed beside
wall seconds: the rebuild parses in worker threads. Issue 17's goal: a full rebuild at
<= 2.0x the parse floor, with peak memory flat in the document count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from models.records import (  # noqa: E402
    AgendaItem,
    Amount,
    Attendance,
    BudgetLine,
    Decision,
    DocType,
    Document,
    Goal,
    MeetingInfo,
    PageSummary,
    Paragraph,
    Party,
    Provenance,
    Records,
    Segment,
    Signatory,
)

FORBUND = ["Samordningsförbundet Umeå", "Samordningsförbundet Skåne Nordost", "Finsam Göteborg Nordost",
           "Samordningsförbundet Västra Mälardalen", "Samordningsförbundet Norrbotten"]
LOREM = ("Styrelsen beslutar att godkänna verksamhetsplanen och budgeten för kommande år. Insatsen "
         "riktar sig till personer i behov av samordnade rehabiliteringsinsatser från Arbetsförmedlingen, "
         "Försäkringskassan, regionen och kommunerna. ")


def _prov(doc_id: str, page: int, method: str = "text") -> Provenance:
    return Provenance(doc_id=doc_id, file_name=f"{doc_id[:8]}.pdf", page=page, char_start=10, char_end=80,
                      method=method, ocr_confidence=71.5 if method == "ocr" else None)


def synthetic_document(i: int) -> Document:
    """One realistic-looking document; its kind cycles through the five document types."""
    doc_id = f"{i:064x}"
    kind = [DocType.UPPDRAGSAVTAL, DocType.FOREDRAGNINGSLISTA, DocType.PROTOKOLL,
            DocType.VERKSAMHETSPLAN, DocType.BUDGET][i % 5]
    year = 2015 + i % 10
    day = date(year, 1, 1) + timedelta(days=i % 360)
    org = FORBUND[i % len(FORBUND)]
    method = "ocr" if i % 7 == 0 else "text"
    seg_id = f"{doc_id[:12]}-s1"
    p = lambda page=1: _prov(doc_id, page, method)  # noqa: E731
    rec = Records()
    rec.segments.append(Segment(segment_id=seg_id, provenance=p(), doc_type=kind, title=f"{kind.value} {year}",
                                organisation=org, document_date=day, meeting_date=day, valid_from=date(year, 1, 1),
                                valid_to=date(year, 12, 31), page_start=1, page_end=3))
    if kind == DocType.UPPDRAGSAVTAL:
        for k, name in enumerate(["Umeå kommun", "Region Västerbotten", "Försäkringskassan", "Arbetsförmedlingen"]):
            rec.parties.append(Party(segment_id=seg_id, provenance=p(), name=name, canonical_name=name,
                                     org_number=f"21200{k}-{i % 10000:04d}", org_number_valid=k % 2 == 0))
        for k in range(2):
            rec.signatories.append(Signatory(segment_id=seg_id, provenance=p(3), person_name=f"Person {i}-{k}",
                                             title="ordförande", organisation=org, signed_date=day))
        for k in range(5):
            rec.amounts.append(Amount(segment_id=seg_id, provenance=p(2), amount_sek=Decimal(100_000 * (k + 1) + i),
                                      unit="kr", per="year", year=year, context=LOREM[:120], raw=f"{k + 1}00 000 kr"))
    elif kind == DocType.FOREDRAGNINGSLISTA:
        rec.meetings.append(MeetingInfo(segment_id=seg_id, provenance=p(), meeting_date=day, time="09.00-12.00",
                                        place="Kommunhuset"))
        for k in range(8):
            rec.agenda_items.append(AgendaItem(segment_id=seg_id, provenance=p(1 + k // 3), meeting_date=day,
                                               item_number=k + 1, title=f"Ärende {k + 1}", item_kind="Beslut",
                                               presenters=["Förbundschef"], attachments=[k + 1],
                                               proposed_decision=LOREM[:90]))
            rec.decisions.append(Decision(segment_id=seg_id, provenance=p(1 + k // 3), meeting_date=day,
                                          item_number=k + 1, decision_kind="forslag_till_beslut", text=LOREM[:90]))
    elif kind == DocType.PROTOKOLL:
        rec.meetings.append(MeetingInfo(segment_id=seg_id, provenance=p(), meeting_date=day, justerare=["A B"]))
        for k in range(8):
            rec.paragraphs.append(Paragraph(segment_id=seg_id, provenance=p(1 + k // 3), meeting_date=day,
                                            paragraph_number=k + 1, title=f"§ {k + 1}", text=LOREM))
            rec.decisions.append(Decision(segment_id=seg_id, provenance=p(1 + k // 3), meeting_date=day,
                                          paragraph_number=k + 1, decision_kind="beslut", text=LOREM[:90]))
        for k in range(10):
            rec.attendance.append(Attendance(segment_id=seg_id, provenance=p(), meeting_date=day,
                                             person_name=f"Ledamot {k}", organisation="Umeå kommun",
                                             role="ledamot", group="beslutande", paragraphs=[1, 2] if k == 9 else []))
    elif kind == DocType.VERKSAMHETSPLAN:
        for k in range(6):
            rec.goals.append(Goal(segment_id=seg_id, provenance=p(2), goal_type="effektmål", text=LOREM[:100],
                                  target_value=Decimal(50 + k), target_unit="%"))
    else:
        for k in range(12):
            rec.budget_lines.append(BudgetLine(segment_id=seg_id, provenance=p(2), section="Kostnader",
                                               label=f"Rad {k}", year=year, amount_sek=Decimal(10_000 * k + i),
                                               is_total=k == 11, raw=f"{10 * k} tkr"))
    text = (LOREM * 15)[:2000]
    pages = [PageSummary(number=n, method=method, width=595.0, height=842.0,
                         ocr_confidence=71.5 if method == "ocr" else None, text_quality=0.97,
                         text=text, raw_text=text) for n in (1, 2, 3)]
    return Document(doc_id=doc_id, file_name=f"{doc_id[:8]}.pdf", source_path=f"/corpus/{doc_id[:8]}.pdf",
                    media_type="pdf", file_size=120_000, doc_type=kind, title=f"{kind.value} {year}", organisation=org,
                    document_date=day, page_count=3, ocr_page_count=3 if method == "ocr" else 0,
                    ocr_mean_confidence=71.5 if method == "ocr" else None, pipeline_version="0.1.0",
                    processed_at=datetime(2025, 1, 1, tzinfo=timezone.utc), pages=pages, records=rec)


GOAL_RATIO = 2.0  # issue 17: full rebuild <= 2x reading and parsing the JSON once
TEMPLATES = 50  # distinct synthetic documents; the rest are copies with a new doc_id


def make_corpus(out: Path, n: int, start: int = 0) -> int:
    """Write n documents/<doc_id>.json under out; returns the bytes written."""
    docs = out / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    templates = [synthetic_document(k).model_dump_json(indent=1) for k in range(TEMPLATES)]
    total = 0
    for i in range(start, start + n):
        t = i % TEMPLATES
        new_id = f"{i:064x}"
        body = templates[t].replace(f"{t:064x}", new_id).replace(f"{t:064x}"[:12], new_id[:12])
        (docs / f"{new_id}.json").write_text(body, encoding="utf-8")
        total += len(body.encode())
    return total


# --- phases, each run in its own process ----------------------------------------------

def _cpu() -> float:
    """CPU seconds of this process (user + system): less moved by other load than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _phase(name: str, out: Path) -> dict:
    t0, c0 = time.perf_counter(), _cpu()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if name == "read":
        for path in (out / "documents").glob("*.json"):
            path.read_bytes()
    elif name == "parse":
        for path in (out / "documents").glob("*.json"):
            orjson.loads(path.read_bytes())
    else:
        # What a finsam process has loaded before it rebuilds (after processing, in the
        # watcher, in `finsam tables`): imported here and timed apart, as the floor's orjson is.
        import duckdb  # noqa: F401
        import pandas  # noqa: F401 - pyarrow imports it on its first conversion of Python values

        import pipeline.runtime.permissions  # noqa: F401
        from pipeline.outputs.tables import rebuild_tables
        imports = time.perf_counter() - t0
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0, c0 = time.perf_counter(), _cpu()
        result = rebuild_tables(out, incremental=name != "full")
        return {"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "base_mb": base_rss / 1024,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "imports_s": imports,
                "parsed": result.parsed, "reused": result.reused, "rows": sum(result.rows.values())}
    return {"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "base_mb": base_rss / 1024,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_phase(name: str, out: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--phase", name, str(out)],
                          check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rounds(out: Path, repeat: int) -> tuple[dict[str, dict], list[float]]:
    """`repeat` rounds of (read floor, parse floor, full rebuild), each phase in a fresh process
    and a full rebuild each time from no tables. Rounds rather than all runs of one phase
    after another: a machine that slows down or speeds up meanwhile then weighs on every
    phase alike. Returns each phase's fastest run (the least disturbed by whatever else the
    machine does) and each round's full/parse ratio."""
    runs: dict[str, list[dict]] = {"read": [], "parse": [], "full": []}
    ratios = []
    for _ in range(repeat):
        for name in runs:
            if name == "full":
                shutil.rmtree(out / "tables", ignore_errors=True)
                (out / "finsam.duckdb").unlink(missing_ok=True)
            runs[name].append(run_phase(name, out))
        ratios.append(runs["full"][-1]["seconds"] / runs["parse"][-1]["seconds"])
    return {name: min(r, key=lambda x: x["seconds"]) for name, r in runs.items()}, ratios


def bench(n: int, keep: Path | None = None, repeat: int = 3) -> list[tuple[str, dict]]:
    tmp = Path(tempfile.mkdtemp(prefix="finsam-bench-tables-"))
    try:
        t0 = time.perf_counter()
        size = make_corpus(tmp, n)
        print(f"\n{n:,} synthetic documents, {size / 1e6:.0f} MB of JSON (generated in "
              f"{time.perf_counter() - t0:.1f} s) in {tmp}")
        best, ratios = _rounds(tmp, repeat)
        results = [("floor: read", best["read"]), ("floor: parse", best["parse"]),
                   ("full rebuild", best["full"]), ("no-op rebuild", run_phase("incremental", tmp))]
        changed = max(1, n // 100)
        docs = sorted((tmp / "documents").glob("*.json"))
        for path in docs[:changed]:  # rewrite 1% (new mtime) and add 1% new documents
            path.write_bytes(path.read_bytes())
        make_corpus(tmp, changed, start=n)
        results.append((f"1% changed + 1% new ({changed}+{changed} files)", run_phase("incremental", tmp)))
        floor = results[1][1]["seconds"]
        full = results[2][1]["seconds"]
        print(f"full rebuild / parse floor: {full / floor:.2f}x (goal <= {GOAL_RATIO:.1f}x: "
              f"{'met' if full / floor <= GOAL_RATIO else 'not met'}); round by round: "
              f"{', '.join(f'{r:.2f}x' for r in ratios)} (median {statistics.median(ratios):.2f}x)")
        results[2][1]["round_ratios"] = [round(r, 2) for r in ratios]
        cpu_floor = results[1][1]["cpu"]
        print(f"{'phase':<42}{'seconds':>9}{'x parse':>9}{'cpu s':>8}{'x parse':>9}{'peak RSS MB':>13}"
              f"{'(imports)':>11}  detail")
        for name, r in results:
            detail = (f"parsed {r['parsed']}, reused {r['reused']}, {r['rows']:,} rows; imports {r['imports_s']:.2f} s "
                      "before, not timed") if "rows" in r else ""
            print(f"{name:<42}{r['seconds']:>9.2f}{r['seconds'] / floor:>9.2f}{r['cpu']:>8.2f}"
                  f"{r['cpu'] / cpu_floor:>9.2f}{r['peak_mb']:>13.0f}{r['base_mb']:>11.0f}  {detail}")
        if keep:
            shutil.copytree(tmp, keep, dirs_exist_ok=True)
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, action="append", help="documents (repeatable; default 10000)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds of the floors and the full rebuild, each phase's fastest counted (default 5)")
    parser.add_argument("--summary-json", type=Path, metavar="PATH",
                        help="write the largest run's full rebuild beside its parse floor as JSON")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("dir", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(_phase(args.phase, args.dir)))
        return
    print(f"finsam table rebuild benchmark ({os.cpu_count()} cpus, Python {sys.version.split()[0]})")
    runs = {n: bench(n, repeat=max(1, args.repeat)) for n in args.n or [10_000]}
    if args.summary_json:
        n = max(runs)
        phases = dict(runs[n])
        full, floor = phases["full rebuild"], phases["floor: parse"]
        ratio = full["seconds"] / floor["seconds"]
        summary = {"row": "tables", "documents": n, "finsam_s": round(full["seconds"], 3),
                   "baseline_s": round(floor["seconds"], 3), "ratio": round(ratio, 2),
                   "goal": f"<= {GOAL_RATIO:.1f}x", "met": ratio <= GOAL_RATIO,
                   "peak_rss_mb": round(full["peak_mb"]),
                   # the same in CPU seconds, for a machine other work also keeps busy
                   "finsam_cpu_s": round(full["cpu"], 3), "baseline_cpu_s": round(floor["cpu"], 3),
                   "cpu_ratio": round(full["cpu"] / floor["cpu"], 2),
                   "round_ratios": full["round_ratios"]}
        args.summary_json.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"summary: {json.dumps(summary)}")


if __name__ == "__main__":
    main()
