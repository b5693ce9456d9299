"""The sample corpus (corpus/samples/) and its gold (tests/gold/samples/).

- the generator is deterministic and the committed corpus is what it makes today;
- the gold is sound: org numbers, Finsam split, budget arithmetic hold in the consistent
  variant, and each planted inconsistency is really there in the planted variant (checked
  on the gold with small independent checks, which must stay quiet on the consistent one);
- every sample file reads with pipeline.read.read_document (the scans through OCR).
"""

from __future__ import annotations

import io
import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from stdnum.se import orgnr as se_orgnr

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"
GOLD = ROOT / "tests" / "gold" / "samples"
sys.path.insert(0, str(ROOT / "scripts"))

import make_samples  # noqa: E402

PREFIX = {"kommun": "212000", "region": "232100", "samordningsförbund": "222000", "statlig myndighet": "2021"}


@pytest.fixture(scope="module")
def planted_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("planted")
    make_samples.write(out, out / "gold", consistent=False)
    return out


@pytest.fixture(scope="module")
def consistent_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("consistent")
    make_samples.write(out, out / "gold", consistent=True)
    return out


def load_gold(gold_dir: Path) -> tuple[dict, dict[str, dict]]:
    manifest = json.loads((gold_dir / "_corpus.json").read_text(encoding="utf-8"))
    files = {f["file"]: json.loads((gold_dir / f["gold"]).read_text(encoding="utf-8")) for f in manifest["files"]}
    return manifest, files


# ---------------------------------------------------------------- determinism and freshness


def test_generator_is_deterministic(planted_dir, tmp_path):
    make_samples.write(tmp_path, tmp_path / "gold", consistent=False)
    first = sorted(p.relative_to(planted_dir) for p in planted_dir.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second and len(first) >= 20
    for rel in first:
        assert (planted_dir / rel).read_bytes() == (tmp_path / rel).read_bytes(), f"{rel} differs between runs"


def _scan_pixels(data: bytes):
    import numpy as np
    from PIL import Image
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        images = page.images
        assert len(images) == 1
        pages.append(np.asarray(Image.open(io.BytesIO(images[0].data)).convert("L"), dtype=np.int16))
    return pages


def test_committed_corpus_is_up_to_date(planted_dir):
    committed_manifest, _ = load_gold(GOLD)
    fresh_manifest, _ = load_gold(planted_dir / "gold")
    same_libs = committed_manifest["generator"] == fresh_manifest["generator"]
    committed_manifest.pop("generator"), fresh_manifest.pop("generator")
    assert committed_manifest == fresh_manifest, "gold/_corpus.json is stale: run scripts/make_samples.py"
    names = [f["file"] for f in fresh_manifest["files"]]
    assert sorted(p.name for p in SAMPLES.iterdir() if p.is_file() and p.name != ".gitkeep") == sorted(names)
    assert sorted(p.name for p in GOLD.glob("*.json")) == sorted([f["gold"] for f in fresh_manifest["files"]] + ["_corpus.json"])
    for entry in fresh_manifest["files"]:
        assert (GOLD / entry["gold"]).read_bytes() == (planted_dir / "gold" / entry["gold"]).read_bytes(), entry["gold"]
        new, old = (planted_dir / entry["file"]).read_bytes(), (SAMPLES / entry["file"]).read_bytes()
        if entry["format"] != "scan" or same_libs:
            assert new == old, f"{entry['file']} is stale: run scripts/make_samples.py"
        else:
            # Rasteriser/JPEG versions differ from the committing machine: same pages within noise.
            a, b = _scan_pixels(new), _scan_pixels(old)
            assert len(a) == len(b)
            for x, y in zip(a, b):
                assert x.shape == y.shape and float(abs(x - y).mean()) < 6.0, entry["file"]


def test_corpus_is_small_and_has_every_form():
    manifest, files = load_gold(GOLD)
    total = sum(p.stat().st_size for p in SAMPLES.iterdir() if p.is_file())
    assert total < 3 * 1024 * 1024
    formats = {f["format"] for f in manifest["files"]}
    assert formats == {"pdf", "scan", "docx", "txt"}
    scanned_pages = sum(g["page_count"] for g in files.values() if g["scanned"])
    assert 1 <= scanned_pages <= 6
    types = {s["doc_type"] for g in files.values() for s in g["segments"]}
    assert {"foredragningslista", "protokoll", "uppdragsavtal", "overenskommelse", "verksamhetsplan"} <= types
    assert any(len(g["segments"]) >= 3 for g in files.values()), "a bundle (kallelse + protokoll + plan)"


# ---------------------------------------------------------------- gold-level checks, one per rule


def budget_index(files: dict[str, dict]) -> dict[tuple[str, int], dict]:
    """(file, segment) -> {(label, year): tkr} for every budget table."""
    out: dict = defaultdict(dict)
    for name, g in files.items():
        for line in g["records"]["budget_lines"]:
            out[(name, line["segment"])][(line["label"], line["year"])] = line
    return out


def doc_date(files, key):
    name, seg = key
    return files[name]["segments"][seg]["valid_from"]


def check_budget(files: dict[str, dict]) -> dict[str, set]:
    """Violations per rule: (file, year) pairs. Tolerance: 1 tkr per summed line."""
    found: dict[str, set] = defaultdict(set)
    plans = budget_index(files)
    for key, table in plans.items():
        lines_by = defaultdict(list)
        for line in files[key[0]]["records"]["budget_lines"]:
            if line["segment"] == key[1]:
                lines_by[line["year"]].append(line)
        for year, lines in lines_by.items():
            v = {ln["label"]: ln["amount_sek"] // 1000 for ln in lines}
            sections = defaultdict(list)
            for ln in lines:
                if not ln["is_total"] and ln["section"] in ("Intäkter", "Kansli och styrelse", "Verksamheter", "Finansiella poster"):
                    sections[ln["section"]].append(v[ln["label"]])
            subtotal = {"Intäkter": "Summa intäkter", "Kansli och styrelse": "Summa kansli och styrelse",
                        "Verksamheter": "Summa verksamheter", "Finansiella poster": "Summa finansiella poster"}
            for sec, vals in sections.items():
                if abs(sum(vals) - v[subtotal[sec]]) > len(vals):
                    found["budget_line_sum"].add((key[0], year))
            if abs(v["Summa kansli och styrelse"] + v["Summa verksamheter"] - v["Summa kostnader"]) > 2:
                found["budget_subtotal_sum"].add((key[0], year))
            if abs(v["Summa intäkter"] + v["Summa kostnader"] + v["Summa finansiella poster"] - v["RESULTAT"]) > 3:
                found["budget_result"].add((key[0], year))
            if abs(v["Eget kapital vid årets början"] + v["RESULTAT"] - v["Eget kapital vid årets slut"]) > 2:
                found["equity_roll"].add((key[0], year))
            fk = v["Försäkringskassan"]
            region = next(val for lab, val in v.items() if lab.startswith("Region "))
            kommuner = [val for lab, val in v.items() if "kommun," in lab]
            if abs(fk - 2 * region) > 2 or abs(sum(kommuner) - region) > len(kommuner):
                found["finsam_split"].add((key[0], year))
        shares = {ln["label"]: float(ln["share_percent"]) for ln in files[key[0]]["records"]["budget_lines"]
                  if ln["segment"] == key[1] and ln["share_percent"]}
        if shares and abs(sum(shares.values()) - 100.0) > 0.15:
            found["shares_sum"].add((key[0], min(y for _, y in table)))
    # Across plans, ordered by the plan year.
    ordered = sorted(plans, key=lambda k: doc_date(files, k))
    for a, b in zip(ordered, ordered[1:]):
        ta, tb = plans[a], plans[b]
        first_b = min(y for _, y in tb)
        closing = ta.get(("Eget kapital vid årets slut", first_b - 1))
        opening = tb.get(("Eget kapital vid årets början", first_b))
        if closing and opening and closing["amount_sek"] != opening["amount_sek"]:
            found["equity_chain"].add((b[0], first_b))
        for (label, year), line in tb.items():
            other = ta.get((label, year))
            if other and not label.startswith("Eget kapital") and other["amount_sek"] != line["amount_sek"]:
                found["budget_line_changed"].add((b[0], year))
    return found


def rounding_differences(files: dict[str, dict]) -> int:
    """How many section sums miss their printed subtotal by a tolerated rounding difference."""
    n = 0
    for name, g in files.items():
        by = defaultdict(list)
        for ln in g["records"]["budget_lines"]:
            by[(ln["segment"], ln["year"], ln["section"])].append(ln)
        for lines in by.values():
            parts = [ln["amount_sek"] for ln in lines if not ln["is_total"]]
            totals = [ln["amount_sek"] for ln in lines if ln["is_total"]]
            if parts and len(totals) == 1 and 0 < abs(sum(parts) - totals[0]) <= 1000 * len(parts):
                n += 1
    return n


def check_documents(files: dict[str, dict]) -> dict[str, set]:
    found: dict[str, set] = defaultdict(set)
    d = date.fromisoformat
    agreements = []
    for name, g in files.items():
        for i, seg in enumerate(g["segments"]):
            if seg["valid_from"] and seg["valid_to"] and d(seg["valid_to"]) < d(seg["valid_from"]):
                found["validity_reversed"].add((name, d(seg["valid_from"]).year))
            if seg["doc_type"] in ("overenskommelse", "uppdragsavtal"):
                parties = {p["name"]: p["org_number"] for p in g["records"]["parties"] if p["segment"] == i}
                signers = {s["organisation"]: s["person_name"] for s in g["records"]["signatories"] if s["segment"] == i}
                agreements.append((seg, name, parties, signers))
        for p in g["records"]["parties"]:
            if p["org_number"] and not se_orgnr.is_valid(p["org_number"]):
                found["orgnr_invalid"].add((name, None))
        for s in g["records"]["signatories"]:
            if not s["person_name"]:
                found["signature_without_name"].add((name, None))
        amounts = g["records"]["amounts"]
        for mx in (a for a in amounts if a["is_maximum"] and a["year"]):
            parts = [a for a in amounts if a["year"] == mx["year"] and not a["is_maximum"] and "Utbetalning" not in a["context"]]
            total = sum(a["amount_sek"] * (12 if a["per"] == "month" else 1) for a in parts)
            if parts and total > mx["amount_sek"]:
                found["amount_parts_exceed_max"].add((name, mx["year"]))
        for m in g["records"]["meetings"]:
            if m["justeringsdatum"] and d(m["justeringsdatum"]) < d(m["meeting_date"]):
                found["justering_before_meeting"].add((name, d(m["meeting_date"]).year))
        by_seg = defaultdict(list)
        for p in g["records"]["paragraphs"]:
            by_seg[p["segment"]].append(p["paragraph_number"])
        for a in g["records"]["agenda_items"]:
            by_seg[("a", a["segment"])].append(a["item_number"])
        for nums in by_seg.values():
            if nums != list(range(nums[0], nums[0] + len(nums))):
                found["numbering_gap"].add((name, None))
    # Consecutive agreements of the same series (same title apart from the year).
    series = defaultdict(list)
    for seg, name, parties, signers in agreements:
        series[(seg["doc_type"], seg["title"].rstrip("0123456789 "), seg.get("activity"))].append((seg, name, parties, signers))
    for items in series.values():
        items.sort(key=lambda x: x[0]["valid_from"])
        for (sa, na, pa, ga), (sb, nb, pb, gb) in zip(items, items[1:]):
            year = d(sb["valid_from"]).year
            if set(pa) != set(pb):
                found["party_added_removed"].add((nb, year))
            if any(pa[k] and pb[k] and pa[k] != pb[k] for k in set(pa) & set(pb)):
                found["orgnr_conflict"].add((nb, year))
            if any(ga[k] and gb[k] and ga[k] != gb[k] for k in set(ga) & set(gb)):
                found["signatory_changed"].add((nb, year))
            if (d(sb["valid_from"]) - d(sa["valid_to"])).days != 1:
                found["validity_gap_overlap"].add((nb, year))
    # Agenda items of kind Beslut with no decision in the minutes of the same meeting.
    agenda, decided, minuted = {}, set(), set()
    for g in files.values():
        for a in g["records"]["agenda_items"]:
            agenda[(a["meeting_date"], a["item_number"])] = a
        for p in g["records"]["paragraphs"]:
            minuted.add(p["meeting_date"])
        for dec in g["records"]["decisions"]:
            if dec["decision_kind"] == "beslut":
                decided.add((dec["meeting_date"], dec["paragraph_number"]))
    for (mdate, number), item in agenda.items():
        if item["item_kind"] == "Beslut" and mdate in minuted:
            paras = sorted({(p["meeting_date"], p["paragraph_number"], p["title"]) for g in files.values()
                            for p in g["records"]["paragraphs"] if p["meeting_date"] == mdate})
            para = next(p for p in paras if p[2] == item["title"])
            if (mdate, para[1]) not in decided:
                found["agenda_decision_missing"].add(("meeting", d(mdate).year))
    return found


GOLD_CHECKED_RULES = {
    "budget_line_sum", "budget_subtotal_sum", "budget_result", "equity_roll", "finsam_split", "shares_sum",
    "equity_chain", "budget_line_changed", "validity_reversed", "orgnr_invalid", "signature_without_name",
    "amount_parts_exceed_max", "justering_before_meeting", "numbering_gap", "party_added_removed",
    "orgnr_conflict", "signatory_changed", "validity_gap_overlap", "agenda_decision_missing",
}
TEXT_ONLY_RULES = {"deadline_missed", "board_size_changed"}  # stated in running text, checked below


def all_checks(files):
    found = check_budget(files)
    for rule, hits in check_documents(files).items():
        found[rule] |= hits
    return found


def test_consistent_variant_raises_nothing(consistent_dir):
    manifest, files = load_gold(consistent_dir / "gold")
    assert manifest["planted_flags"] == []
    found = all_checks(files)
    assert {rule: hits for rule, hits in found.items() if hits} == {}
    assert rounding_differences(files) >= 3, "the consistent corpus must carry tolerated tkr rounding differences"


def test_every_planted_flag_is_in_the_gold(planted_dir):
    manifest, files = load_gold(planted_dir / "gold")
    flags = manifest["planted_flags"]
    rules = [f["rule_id"] for f in flags]
    assert len(rules) == len(set(rules)), "one instance per rule"
    assert set(rules) == GOLD_CHECKED_RULES | TEXT_ONLY_RULES
    found = all_checks(files)
    for flag in flags:
        if flag["rule_id"] in TEXT_ONLY_RULES:
            continue
        hits = found.get(flag["rule_id"], set())
        assert hits, f"planted {flag['rule_id']} not present in the gold"
        if flag["rule_id"] != "agenda_decision_missing":
            assert {name for name, _ in hits} <= set(flag["files"]), (flag["rule_id"], hits)
    # Nothing fires that was not planted.
    unexpected = {r for r, hits in found.items() if hits} - set(rules)
    assert unexpected == set()


def test_org_numbers(planted_dir, consistent_dir):
    for directory, planted in ((planted_dir, True), (consistent_dir, False)):
        manifest, files = load_gold(directory / "gold")
        for org in manifest["organisations"]:
            assert se_orgnr.is_valid(org["org_number"]), org
            if org["party_type"] in PREFIX:
                assert org["org_number"].startswith(PREFIX[org["party_type"]]), org
        assert {o["org_number"] for o in manifest["organisations"] if not o["fictional"]} == {"202100-5521", "202100-2114"}
        invalid = []
        for g in files.values():
            for p in g["records"]["parties"]:
                if p["org_number"] is None:
                    continue
                assert p["org_number_valid"] == se_orgnr.is_valid(p["org_number"]), p
                if p["party_type"] in PREFIX:
                    assert p["org_number"].startswith(PREFIX[p["party_type"]]), p
                if not p["org_number_valid"]:
                    invalid.append(p["org_number"])
        if planted:
            assert invalid == [manifest["invalid_orgnr_folkhogskola"]]
            assert se_orgnr.is_valid(manifest["alternate_orgnr_granasen"])
        else:
            assert invalid == []


def test_finsam_split_and_shares_hold_in_consistent_variant(consistent_dir):
    manifest, files = load_gold(consistent_dir / "gold")
    assert sum(float(x) for x in manifest["working_age_shares_percent"].values()) == pytest.approx(100.0)
    plans = [g for g in files.values() if any(ln for ln in g["records"]["budget_lines"])]
    assert len(plans) >= 3
    years_seen = set()
    for g in plans:
        for year in {ln["year"] for ln in g["records"]["budget_lines"]}:
            years_seen.add(year)
            v = {ln["label"]: ln["amount_sek"] for ln in g["records"]["budget_lines"] if ln["year"] == year}
            fk, region = v["Försäkringskassan"], v["Region Västmark"]
            kommuner = sum(val for lab, val in v.items() if "av arb-bef." in lab)
            members = fk + region + kommuner
            assert abs(fk - members / 2) <= 2000 and abs(region - members / 4) <= 2000 and abs(kommuner - members / 4) <= 4000
    assert years_seen == {2024, 2025, 2026, 2027, 2028}


def test_text_only_plants_are_in_the_documents(planted_dir, consistent_dir):
    """The deadline and the board size are stated in running text; check the rendered text."""
    from pipeline.read import read_document

    def text(directory, name):
        return "\n".join(p.text for p in read_document(directory / name).pages)

    bundle = "kallelse_styrelsen_2024-11-28_med_bilagor.pdf"
    for directory in (planted_dir, consistent_dir):
        assert "Beslut om uppdatering inför 2026 tas senast den 30 november 2025" in " ".join(text(directory, bundle).split())
    planted_plan = text(planted_dir, "verksamhetsplan_2026.pdf")
    consistent_plan = text(consistent_dir, "verksamhetsplan_2026.pdf")
    assert "åtta ledamöter" in planted_plan and "sju ledamöter" in consistent_plan
    _, planted_files = load_gold(planted_dir / "gold")
    _, consistent_files = load_gold(consistent_dir / "gold")

    def decided_plan_2026(files):
        return any("verksamhetsplan 2026" in dec["text"] and dec["decision_kind"] == "beslut"
                   and dec["meeting_date"] <= "2025-11-30" for g in files.values() for dec in g["records"]["decisions"])

    assert not decided_plan_2026(planted_files) and decided_plan_2026(consistent_files)


# ---------------------------------------------------------------- reading


def _norm(s: str) -> str:
    return " ".join(s.split())


def _entries():
    """The scans need OCR (several seconds a page on a shared machine): marked slow."""
    for entry in json.loads((GOLD / "_corpus.json").read_text(encoding="utf-8"))["files"]:
        marks = [pytest.mark.slow] if entry["format"] == "scan" else []
        yield pytest.param(entry, id=entry["file"], marks=marks)


@pytest.mark.parametrize("entry", list(_entries()))
def test_sample_reads(entry):
    """Every sample reads; the gold's titles, § headings and budget labels are in the text."""
    from conftest import read_cached  # raw reads (OCR) cached under .cache/read/ by file hash

    gold = json.loads((GOLD / entry["gold"]).read_text(encoding="utf-8"))
    doc = read_cached(SAMPLES / entry["file"])
    assert len(doc.pages) == gold["page_count"]
    text = _norm("\n".join(p.text for p in doc.pages))
    if gold["scanned"]:
        assert all(p.method == "ocr" for p in doc.pages)
        # OCR: most paragraph/agenda titles and the Swedish letters survive.
        titles = [p["title"] for p in gold["records"]["paragraphs"]] + [a["title"] for a in gold["records"]["agenda_items"]]
        hits = sum(1 for t in titles if _norm(t) in text)
        assert hits >= 0.8 * len(titles), (hits, len(titles))
        assert "Norrådalen" in text and "Mötets" in text
        return
    for rec in gold["records"]["paragraphs"]:
        assert f"§ {rec['paragraph_number']} {rec['title']}" in text
    for rec in gold["records"]["agenda_items"]:
        assert f"{rec['item_number']}. {rec['title']}" in text
    for rec in gold["records"]["budget_lines"]:
        assert rec["label"] in text
    for rec in gold["records"]["parties"]:
        assert rec["name"] in text
        if rec["org_number"]:
            assert rec["org_number"] in text
    for rec in gold["records"]["amounts"]:
        assert rec["raw"] in text
    for rec in gold["records"]["signatories"]:
        if rec["person_name"]:
            assert rec["person_name"] in text
