"""Extractors are pure functions of (context, segment): order-free, segments untouched."""

import random
from pathlib import Path

import pytest

from extractors import all_extractors
from extractors.run import build_context, run_extractors
from pipeline.read import read_document

SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"
FILES = [
    "kallelse_styrelsen_2024-11-28_med_bilagor.pdf",  # a bundle: kallelse, protokoll, plan
    "protokoll_styrelsen_2025-11-20.pdf",
    "overenskommelse_samverkan_2025.pdf",
    "uppdragsavtal_steget_2025.docx",
]


def _dump(records) -> dict:
    return {kind: sorted(r.model_dump_json() for r in getattr(records, kind)) for kind in type(records).model_fields}


@pytest.mark.parametrize("name", FILES)
def test_extractors_give_the_same_records_in_any_order(name):
    doc = read_document(SAMPLES / name)
    ctx = build_context(doc)
    before = [s.model_dump_json() for s in ctx.segments]
    extractors = all_extractors()
    assert len(extractors) >= 8
    reference, failures = run_extractors(ctx, extractors)
    assert not failures
    assert sum(len(getattr(reference, k)) for k in type(reference).model_fields) > len(ctx.segments)
    for seed in (1, 2, 3):
        shuffled = list(extractors)
        random.Random(seed).shuffle(shuffled)
        records, _ = run_extractors(build_context(doc, ctx.segments), shuffled)
        assert _dump(records) == _dump(reference)
    # No extractor wrote to a Segment (they read metadata the segmenter worked out).
    assert [s.model_dump_json() for s in ctx.segments] == before


def test_every_extractor_runs_on_every_segment_type():
    """No registry by document type: what an extractor finds depends on the text only."""
    import inspect

    import extractors

    assert not hasattr(extractors, "extractors_for")
    for fn in all_extractors():
        params = list(inspect.signature(fn).parameters)
        assert params == ["ctx", "segment"], fn.__name__


def test_a_failing_extractor_marks_the_document_partial_and_keeps_the_rest(monkeypatch, tmp_path):
    from pipeline.runtime.batch import process_file

    def broken(ctx, segment):
        raise ValueError("odd table")

    import extractors

    monkeypatch.setattr(extractors, "_REGISTRY", [broken if f.__name__ == "extract_parties" else f
                                                  for f in extractors.all_extractors()])
    doc = process_file(SAMPLES / "overenskommelse_samverkan_2025.pdf")
    assert doc.status == "partial"
    assert {(e.stage, e.component, e.error_type) for e in doc.stage_errors} == {("extract", "broken", "ValueError")}
    assert doc.records.parties == [] and doc.records.segments and doc.records.signatories and doc.records.facts


def test_a_failing_segmentation_marks_the_document_failed_and_keeps_its_text(monkeypatch):
    import pipeline.segment
    from pipeline.runtime.batch import process_file

    def broken(doc):
        raise RuntimeError("no way through")

    monkeypatch.setattr(pipeline.segment, "segment_document", broken)
    doc = process_file(SAMPLES / "overenskommelse_samverkan_2025.pdf")
    assert doc.status == "failed" and doc.stage_errors[0].stage == "segment"
    assert doc.pages and doc.pages[0].text and not doc.records.segments


def test_each_extractor_finds_its_structure_in_a_segment_of_any_type():
    """No gate by document type: a segment typed 'other' still yields what its text holds."""
    from models import DocType, DocumentText, Line, Page, Provenance, Segment

    lines = [
        "Beslutande Anna Berg (S) ordförande Olle Ek (M) Övriga deltagare Per Al, förbundschef",
        "Utsänd föredragningslista 1. Val av justerare 2. Fastställande av dagordning 3. Budget 2025",
        "Medlemmar i förbundet är Granåsens kommun, Region Västmark och Försäkringskassan.",
        "Belopp i tkr 2025 2026", "Försäkringskassan 2 000 2 100", "Summa intäkter 4 000 4 200",
        "Styrelsen beviljar högst 250 000 kronor för insatsen.",
    ]
    page = Page(number=1, method="txt", raw_text="\n".join(lines), text="\n".join(lines),
                lines=[Line(text=t) for t in lines])
    doc = DocumentText(doc_id="o" * 64, file_name="o.txt", source_path="o.txt", media_type="txt", pages=[page])
    seg = Segment(segment_id="o-s1", provenance=Provenance(doc_id=doc.doc_id, method="txt"), doc_type=DocType.OTHER,
                  page_start=1, page_end=1)
    records, errors = run_extractors(build_context(doc, [seg]))
    assert not errors
    assert {a.person_name for a in records.attendance} >= {"Anna Berg", "Olle Ek", "Per Al"}
    assert [a.item_number for a in records.agenda_items] == [1, 2, 3]
    assert {p.canonical_name for p in records.parties} >= {"Region Västmark", "Försäkringskassan"}
    assert {(b.label, b.year) for b in records.budget_lines} >= {("Försäkringskassan", 2026)}
    assert any(a.amount_sek == 250000 for a in records.amounts)
