"""Extraction quality on the fictional sample corpus (corpus/samples), per record kind.

Gold: tests/gold/samples/<file-stem>.json, written by scripts/make_samples.py together
with the files. Every file is processed once through pipeline.runtime.batch.process_file (the
scanned pages through OCR) and scored with one-to-one greedy matching, reusing the
matchers of tests/test_meetings.py and tests/agreement_quality.py:
- agenda items: meeting date, item number, title at least 85 % alike;
- paragraphs, decisions, meetings: test_meetings' matchers (number/kind/date, fuzzy text);
- attendance: meeting date and person name at least 85 % alike;
- parties, signatories: agreement_quality's rules on the names as written (the fictional
  organisations are not in the gazetteer, so the canonical names are not compared);
- amounts, budget lines, goals: agreement_quality's rules;
- segments: doc_type and page_start.
Floors are a little under what was measured; the table is printed (-s).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agreement_quality import _same as agreement_same
from agreement_quality import prf
from models import Records
from test_meetings import _match_decision, _match_meeting, _match_paragraph, _same, score

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"
GOLD = Path(__file__).parent / "gold" / "samples"

KINDS = ["segments", "meetings", "agenda_items", "paragraphs", "decisions", "attendance",
         "parties", "signatories", "amounts", "budget_lines", "goals"]


def _dump(rec) -> dict:
    return rec.model_dump(mode="json")


def _match_agenda(p, g: dict) -> bool:
    return (str(p.meeting_date) if p.meeting_date else None) == g["meeting_date"] \
        and p.item_number == g["item_number"] and _same(p.title, g["title"])


def _match_attendance(p, g: dict) -> bool:
    return (str(p.meeting_date) if p.meeting_date else None) == g["meeting_date"] and _same(p.person_name, g["person_name"])


def _match_party(p, g: dict) -> bool:
    return agreement_same("parties", {"canonical_name": p.name, "org_number": p.org_number},
                          {"canonical_name": g["name"], "org_number": g["org_number"]})


def _match_signatory(p, g: dict) -> bool:
    return agreement_same("signatories", {"person_name": p.person_name, "canonical_organisation": p.organisation},
                          {"person_name": g["person_name"], "canonical_organisation": g["organisation"]})


def _by_rule(kind: str):
    return lambda p, g: agreement_same(kind, _dump(p), g)


def _match_segment(p, g: dict) -> bool:
    return p.doc_type.value == g["doc_type"] and p.page_start == g["page_start"]


MATCHERS = {
    "segments": _match_segment, "meetings": _match_meeting, "agenda_items": _match_agenda,
    "paragraphs": _match_paragraph, "decisions": _match_decision, "attendance": _match_attendance,
    "parties": _match_party, "signatories": _match_signatory, "amounts": _by_rule("amounts"),
    "budget_lines": _by_rule("budget_lines"), "goals": _by_rule("goals"),
}

# Measured F1 minus a small margin (README, "On the sample corpus").
FLOORS = {
    "segments": 0.95, "meetings": 0.95, "agenda_items": 0.95, "paragraphs": 0.90, "decisions": 0.90,
    "attendance": 0.90, "parties": 0.95, "signatories": 0.95, "amounts": 0.95, "budget_lines": 0.95,
    "goals": 0.95,  # 31 of 31 (type and text), measured through the segmenter
}


@pytest.fixture(scope="module")
def processed() -> dict[str, tuple[Records, dict]]:
    from pipeline.runtime.batch import process_file

    out = {}
    for path in sorted(p for p in SAMPLES.iterdir() if p.is_file()):
        gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
        out[path.name] = (process_file(path).records, gold)
    return out


def measure(processed) -> dict[str, tuple[int, int, int]]:
    totals = {k: [0, 0, 0] for k in KINDS}
    for records, gold in processed.values():
        for kind in KINDS:
            gold_list = gold["segments"] if kind == "segments" else gold["records"].get(kind, [])
            for i, n in enumerate(score(getattr(records, kind), gold_list, MATCHERS[kind])):
                totals[kind][i] += n
    return {k: tuple(v) for k, v in totals.items()}


def format_table(measured) -> str:
    lines = ["| record kind | gold | found | correct | precision | recall | F1 |", "|---|---|---|---|---|---|---|"]
    for kind in KINDS:
        tp, n_pred, n_gold = measured[kind]
        p, r, f = prf(tp, n_pred, n_gold)
        lines.append(f"| {kind} | {n_gold} | {n_pred} | {tp} | {p:.2f} | {r:.2f} | {f:.2f} |")
    return "\n".join(lines)


def test_every_sample_has_gold(processed):
    assert len(processed) == len([p for p in SAMPLES.iterdir() if p.is_file()]) == 12


def test_sample_extraction_quality(processed):
    measured = measure(processed)
    print("\n" + format_table(measured))
    failures = []
    for kind, (tp, n_pred, n_gold) in measured.items():
        if not n_gold:
            continue
        assert FLOORS[kind] > 0, f"{kind} has gold records and needs a floor above 0"
        f = prf(tp, n_pred, n_gold)[2]
        if f < FLOORS[kind]:
            failures.append(f"{kind}: F1 {f:.2f} < floor {FLOORS[kind]}")
    assert not failures, failures
