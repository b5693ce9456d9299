"""Scoring extraction of agreements and budgets against hand-checked gold (tests/gold/agreements).

Shared by the quality test; kept apart so the matching rules are read in one place.
Matching per record kind (one-to-one, greedy):
- parties: canonical name and organisationsnummer equal;
- signatories: person name (normalised) and canonical organisation equal;
- amounts: whole SEK, per and is_maximum equal;
- goals: same type and the first 80 normalised characters at least 85 % alike (OCR);
- budget_lines: same year and amount, label at least 80 % alike (OCR-damaged labels);
- meta: each gold field of the segment (validity, decision date, ...) equal.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from rapidfuzz import fuzz

from models import DocType, DocumentText, Provenance, Records, Segment
from pipeline.sv.fuzzy import normalize_for_match

GOLD_DIR = Path(__file__).parent / "gold" / "agreements"
KINDS = ["parties", "signatories", "amounts", "goals", "budget_lines", "meta"]
META_FIELDS = ["valid_from", "valid_to", "valid_open_ended", "decision_date", "document_date", "diarienummer", "activity"]


def load_gold(stem: str) -> dict:
    return json.loads((GOLD_DIR / f"{stem}.json").read_text(encoding="utf-8"))


def find_segment(doc: DocumentText, spec: dict) -> Segment:
    """The gold's part of a file: from the first body line matching `start` (normalised
    text, regex) to the line before the first later one matching `end`, whatever the
    rendering's pages."""
    start = end = None
    for page in doc.pages:
        for i, line in enumerate(page.lines):
            if line.kind != "body":
                continue
            key = normalize_for_match(line.text)
            if start is None:
                if spec.get("start") is None or re.search(spec["start"], key):
                    start = (page.number, i)
            elif spec.get("end") and end is None and re.search(spec["end"], key):
                end = (page.number, i - 1)
    if start is None:
        start = (doc.pages[0].number, 0)
    if end is None:
        end = (doc.pages[-1].number, len(doc.pages[-1].lines))
    return Segment(
        segment_id=f"{doc.doc_id[:12]}-gold",
        provenance=Provenance(doc_id=doc.doc_id, file_name=doc.file_name, page=start[0], method=doc.pages[0].method),
        doc_type=DocType(spec["doc_type"]),
        page_start=start[0], line_start=start[1] if spec.get("start") else None,
        page_end=end[0], line_end=end[1] if spec.get("end") else None,
    )


def run_extractors(doc: DocumentText, segment: Segment) -> Records:
    """The segment's metadata as the segmenter works it out, then every extractor (as process does)."""
    from extractors.run import build_context, run_extractors as run_all
    from pipeline.segment import _AGREEMENT_DOCS
    from pipeline.segment.metadata import enrich_agreement_segment, find_validity
    from pipeline.text.textview import segment_lines

    if segment.doc_type in _AGREEMENT_DOCS:
        texts = [r.text for r in segment_lines(doc, segment)]
        if segment.valid_from is None and not segment.valid_open_ended:
            segment.valid_from, segment.valid_to, segment.valid_open_ended, _ = find_validity(texts, segment.title)
        enrich_agreement_segment(segment, texts)
    records, failures = run_all(build_context(doc, [segment]))
    assert not failures, failures
    return records


def _norm(s: str | None) -> str:
    return normalize_for_match(s or "")


def _same(kind: str, pred: dict, gold: dict) -> bool:
    if kind == "parties":
        return pred["canonical_name"] == gold["canonical_name"] and pred["org_number"] == gold["org_number"]
    if kind == "signatories":
        return _norm(pred["person_name"]) == _norm(gold["person_name"]) and pred["canonical_organisation"] == gold["canonical_organisation"]
    if kind == "amounts":
        return (Decimal(str(pred["amount_sek"])) == Decimal(str(gold["amount_sek"])) and pred["per"] == gold["per"]
                and pred["is_maximum"] == gold["is_maximum"])
    if kind == "goals":
        return pred["goal_type"] == gold["goal_type"] and fuzz.ratio(_norm(pred["text"])[:80], _norm(gold["text"])[:80]) >= 85
    if kind == "budget_lines":
        if pred["year"] != gold["year"]:
            return False
        if (pred["amount_sek"] is None) != (gold["amount_sek"] is None):
            return False
        if pred["amount_sek"] is not None and Decimal(str(pred["amount_sek"])) != Decimal(str(gold["amount_sek"])):
            return False
        return fuzz.ratio(_norm(pred["label"]), _norm(gold["label"])) >= 80
    if kind == "meta":
        return pred == gold
    raise ValueError(kind)


def predicted(records: Records, segment: Segment) -> dict[str, list[dict]]:
    out = {k: [r.model_dump(mode="json") for r in getattr(records, k)] for k in KINDS if k != "meta"}
    seg = segment.model_dump(mode="json")
    out["meta"] = [{"field": f, "value": seg[f]} for f in META_FIELDS if seg[f] not in (None, False)]
    return out


def gold_records(gold: dict) -> dict[str, list[dict]]:
    out = {k: gold.get(k, []) for k in KINDS if k != "meta"}
    out["meta"] = [{"field": f, "value": v} for f, v in gold.get("meta", {}).items() if v not in (None, False)]
    return out


def score(pred: dict[str, list[dict]], gold: dict[str, list[dict]]) -> dict[str, tuple[int, int, int]]:
    """Per kind: (true positives, predicted, gold)."""
    out = {}
    for kind in KINDS:
        remaining = list(gold.get(kind, []))
        tp = 0
        for p in pred.get(kind, []):
            for j, g in enumerate(remaining):
                if _same(kind, p, g):
                    tp += 1
                    del remaining[j]
                    break
        out[kind] = (tp, len(pred.get(kind, [])), len(gold.get(kind, [])))
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def to_json_value(v):
    if isinstance(v, (date, Decimal)):
        return str(v)
    return v
