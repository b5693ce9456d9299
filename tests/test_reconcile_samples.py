"""End to end on the sample corpus: process corpus/samples/ (scans through OCR), reconcile,
and check every planted inconsistency in tests/gold/samples/_corpus.json is flagged by the
right rule, and that the consistent variant (scripts/make_samples.py --consistent) raises
no error or warning.

The gold names rules in its own words; RULE_MAP is the one table from those ids to ours.
A planted case that extraction cannot deliver yet is xfail(strict=True) with the reason in
XFAIL, never deleted: when extraction improves, the strict xfail fails and says so.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from models import Flag
from pipeline.config import Limits
from pipeline.runtime.batch import collect_inputs, process_batch
from pipeline.reconcile import reconcile
from pipeline.reconcile.registry import RULES
from pipeline.outputs.store import iter_documents

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"
GOLD = ROOT / "tests" / "gold" / "samples" / "_corpus.json"

pytestmark = [pytest.mark.slow]

# the sample gold's rule ids -> ours (numbering_gap is split by the series it names)
RULE_MAP = {
    "budget_line_sum": "budget-line-sum",
    "budget_subtotal_sum": "budget-subtotal-sum",
    "budget_result": "budget-result",
    "equity_roll": "equity-roll",
    "shares_sum": "share-sum",
    "numbering_gap": {"agenda": "numbering-agenda", "paragraphs": "numbering-paragraphs",
                      "initiatives": "numbering-initiatives"},
    "justering_before_meeting": "date-order-meeting",
    "validity_reversed": "date-order-validity",
    "orgnr_invalid": "orgnr-invalid",
    "amount_parts_exceed_max": "amount-exceeds-max",
    "signature_without_name": "signature-missing-name",
    "equity_chain": "equity-continuity",
    "budget_line_changed": "budget-line-changed",
    "finsam_split": "finsam-split",
    "party_added_removed": "parties-changed",
    "orgnr_conflict": "orgnr-conflict",
    "signatory_changed": "signatory-changed",
    "validity_gap_overlap": "validity-gap-overlap",
    "deadline_missed": "deadline-missed",
    "agenda_decision_missing": "agenda-decision-missing",
    "board_size_changed": "board-size-changed",
}

# planted cases extraction does not deliver yet: (gold rule_id) -> reason
XFAIL: dict[str, str] = {}

# where our severity differs from the gold's on purpose: (gold rule_id) -> (ours, why)
SEVERITY_DIFFERS: dict[str, tuple[str, str]] = {
    "equity_chain": ("info", "issue 7: a later plan legitimately differs from an earlier plan's forecast unless "
                             "it claims to carry the figure over; verksamhetsplan 2026 makes no such claim"),
}


def planted() -> list[dict]:
    if not GOLD.exists():
        return []
    return json.loads(GOLD.read_text(encoding="utf-8"))["planted_flags"]


def our_rule(p: dict) -> str:
    mapped = RULE_MAP[p["rule_id"]]
    if isinstance(mapped, dict):
        return mapped[p["expected"].get("series", "paragraphs")]
    return mapped


def _process(src: Path, out: Path) -> list[Flag]:
    files = collect_inputs([src])
    process_batch(files, out, Limits(), jobs=1)
    return reconcile(list(iter_documents(out)))


@pytest.fixture(scope="module")
def sample_flags(tmp_path_factory) -> list[Flag]:
    if not any(SAMPLES.glob("*.pdf")):
        pytest.skip("corpus/samples/ is empty (scripts/make_samples.py writes it)")
    return _process(SAMPLES, tmp_path_factory.mktemp("samples-out"))


@pytest.fixture(scope="module")
def consistent_flags(tmp_path_factory) -> list[Flag]:
    sys.path.insert(0, str(ROOT / "scripts"))
    import make_samples  # noqa: PLC0415 - scripts/ is not a package
    src = tmp_path_factory.mktemp("consistent")
    make_samples.write(src, tmp_path_factory.mktemp("consistent-gold"), consistent=True)
    return _process(src, tmp_path_factory.mktemp("consistent-out"))


def test_rule_map_covers_the_gold_and_names_our_rules():
    ours = {r.rule_id for r in RULES}
    for p in planted():
        assert p["rule_id"] in RULE_MAP, p["rule_id"]
        assert our_rule(p) in ours


def _files(flag: Flag) -> set[str]:
    return {e["file"] for e in flag.evidence}


def _params():
    out = []
    for i, p in enumerate(planted()):
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[p["rule_id"]])] if p["rule_id"] in XFAIL else []
        out.append(pytest.param(p, id=f"{i:02d}-{p['rule_id']}", marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_planted_inconsistency_is_flagged(case, sample_flags):
    rule_id = our_rule(case)
    files = set(case["files"])
    candidates = [f for f in sample_flags if f.rule_id == rule_id]
    hits = [f for f in candidates if _files(f) & files and (f.year is None or case.get("year") is None
                                                             or f.year == case["year"])]
    assert hits, (f"{case['rule_id']} ({rule_id}) not flagged for {sorted(files)} {case.get('year')}: "
                  f"{case['description']}\nflags of that rule: {[(f.year, sorted(_files(f)), f.message) for f in candidates]}")
    expected = SEVERITY_DIFFERS.get(case["rule_id"], (case["severity"], ""))[0]
    assert any(f.severity == expected for f in hits), [(f.severity, f.message) for f in hits]


def test_consistent_variant_raises_no_error_or_warning(consistent_flags):
    bad = [f for f in consistent_flags if f.severity in ("error", "warning")]
    assert not bad, "\n".join(f"{f.rule_id} {f.year}: {f.message}" for f in bad)


def test_sample_flags_counts_are_reported(sample_flags):
    counts = Counter(f.severity for f in sample_flags)
    assert counts["error"] >= 1 and counts["warning"] >= 1
