"""Goal targets (value and unit) against the gold, on the samples and the seeds.

Which goals are found and with what type is scored with the other record kinds
(tests/test_samples_quality.py, tests/test_agreements_quality.py). Here: of the goals that
match a gold goal (agreement_quality's rule: same type, text at least 85 % alike), the share
whose target_value and target_unit equal the gold's (both None counts as equal). Floors a
little under what was measured; the figures are printed (-s).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from agreement_quality import _same, find_segment, load_gold, run_extractors
from conftest import SEED_STEMS, seed_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"
GOLD = Path(__file__).parent / "gold" / "samples"

# Measured: samples 31/31; seeds txt 129/129, pdf 129/129, scanned 129/129, docx 22/22.
SAMPLE_FLOOR = 0.95
SEED_FLOORS = {"txt": 0.95, "pdf": 0.95, "scanned": 0.90, "docx": 0.95}


def _value(v) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def target_agreement(pred: list[dict], gold: list[dict]) -> tuple[int, int]:
    """(matched goals with the gold's target, matched goals)."""
    remaining = list(gold)
    right = matched = 0
    for p in pred:
        g = next((g for g in remaining if _same("goals", p, g)), None)
        if g is None:
            continue
        remaining.remove(g)
        matched += 1
        right += _value(p["target_value"]) == _value(g["target_value"]) and p["target_unit"] == g["target_unit"]
    return right, matched


def test_target_agreement_counts_units_and_missing_targets():
    gold = [{"goal_type": "mål", "text": "Minst 40 deltagare ska skrivas in.", "target_value": "40", "target_unit": "deltagare"},
            {"goal_type": "mål", "text": "Alla deltagare ska ha en handlingsplan.", "target_value": None, "target_unit": None}]
    pred = [{"goal_type": "mål", "text": "Minst 40 deltagare ska skrivas in.", "target_value": "40", "target_unit": "%"},
            {"goal_type": "mål", "text": "Alla deltagare ska ha en handlingsplan.", "target_value": None, "target_unit": None},
            {"goal_type": "indikator", "text": "Något helt annat som inte finns i guldet.", "target_value": "5",
             "target_unit": "%"}]
    assert target_agreement(pred, gold) == (1, 2)


def test_sample_goal_targets():
    from pipeline.runtime.batch import process_file

    right = matched = 0
    for gold_file in sorted(GOLD.glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        goals = gold.get("records", {}).get("goals", [])  # _corpus.json has no records
        if not goals:
            continue
        records = process_file(SAMPLES / gold["file"]).records
        r, m = target_agreement([g.model_dump(mode="json") for g in records.goals], goals)
        right, matched = right + r, matched + m
    print(f"\nsample goal targets: {right}/{matched}")
    assert matched >= 25  # the goals themselves are floored in test_samples_quality
    assert right / matched >= SAMPLE_FLOOR


@pytest.mark.seeds
@pytest.mark.slow
def test_seed_goal_targets(read_seed):
    failures = []
    for rendering, floor in SEED_FLOORS.items():
        right = matched = 0
        for stem in SEED_STEMS:
            if not seed_path(stem, rendering).exists():
                continue
            gold = load_gold(stem)
            doc = read_seed(stem, rendering)
            records = run_extractors(doc, find_segment(doc, gold["segment"]))
            r, m = target_agreement([g.model_dump(mode="json") for g in records.goals], gold.get("goals", []))
            right, matched = right + r, matched + m
        print(f"\nseed goal targets, {rendering}: {right}/{matched}")
        if not matched or right / matched < floor:
            failures.append(f"{rendering}: {right}/{matched} < {floor}")
    assert not failures, failures
