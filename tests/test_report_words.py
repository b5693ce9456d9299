"""What the kansli reads in the report: Swedish words, OCR caveats, comparisons within one förbund
(issue 15, items 10, 9 and 8)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from models import DocType  # noqa: E402
from models.records import DOC_TYPE_SV  # noqa: E402
from pipeline.report.html_report import render_html  # noqa: E402
from reconcile_builder import DocBuilder  # noqa: E402

TODAY = date(2025, 2, 1)


def test_every_document_type_has_one_swedish_name():
    assert set(DOC_TYPE_SV) == set(DocType)
    assert DocType.OVERENSKOMMELSE.swedish == "Överenskommelse"
    assert DocType.FOREDRAGNINGSLISTA.swedish == "Föredragningslista"


def test_type_column_shows_swedish_words_not_internal_names():
    docs = [DocBuilder("ok2024", DocType.OVERENSKOMMELSE, title="Överenskommelse 2024").build(),
            DocBuilder("kallelse", DocType.FOREDRAGNINGSLISTA, title="Kallelse").build()]
    html = render_html(docs, [], TODAY)
    assert "<td>Överenskommelse</td>" in html and "<td>Föredragningslista</td>" in html
    assert ">overenskommelse<" not in html and ">foredragningslista<" not in html


def _ocr_plan():
    from models import PageSummary
    from reconcile_builder import plan

    rows = [("Kostnader", None), ("- Kansli", [-500, -500]), ("- Insatser", [-292, -792]),
            ("Summa kostnader", [-1292, -1292])]
    b = plan("vp2024scan", [2024, 2025], rows)
    doc = b.build()
    for line in doc.records.budget_lines:
        line.provenance.method = "ocr"
        line.provenance.ocr_confidence = 80.0  # the word's; the page's is what the report quotes
    doc.pages = [PageSummary(number=5, method="ocr", ocr_confidence=91.6, text="", raw_text="")]
    return doc


def test_a_flag_on_ocr_figures_says_so_with_the_page_confidence():
    from pipeline.reconcile import reconcile
    from pipeline.report.markdown_report import render_markdown

    doc = _ocr_plan()
    flags = [f for f in reconcile([doc]) if f.rule_id == "budget-line-sum"]
    assert flags and flags[0].severity == "error"
    assert {e["ocr_confidence"] for e in flags[0].evidence} == {91.6}
    html = render_html([doc], flags, TODAY)
    assert "Fel – OCR, kontrollera" in html
    assert "OCR-säkerhet 91,6 %" in html and "kontrollera mot sidan i filen" in html
    md = render_markdown([doc], flags, TODAY)
    assert "OCR-säkerhet 91,6 %" in md


def test_a_flag_on_text_layer_figures_has_no_ocr_note():
    from pipeline.reconcile import reconcile

    doc = _ocr_plan()
    for line in doc.records.budget_lines:
        line.provenance.method = "text"
    flags = reconcile([doc])
    html = render_html([doc], flags, TODAY)
    assert flags and "OCR" not in html.split("<h2>Budgetrader")[0].split("<h2>Fel")[1]


def test_budget_years_are_compared_within_one_forbund():
    from pipeline.reconcile import reconcile
    from pipeline.report.content import budget_table
    from reconcile_builder import plan

    rows = [("Kostnader", None), ("- Kansli", [-500, -500]), ("Summa kostnader", [-500, -500])]
    other = [("Kostnader", None), ("- Kansli", [-900, -900]), ("Summa kostnader", [-900, -900])]
    docs = [plan("a2024", [2024, 2025], rows, organisation="Samordningsförbundet Norrådalen").build(),
            plan("a2025", [2025, 2026], rows, organisation="Samordningsförbundet Norrådalen").build(),
            plan("b2024", [2024, 2025], other, organisation="Finsam Södermark").build()]
    flags = reconcile(docs)
    _, table = budget_table(docs, flags)
    kansli = [r for r in table if r["label"].endswith("Kansli")]
    assert {r["organisation"] for r in kansli} == {"Samordningsförbundet Norrådalen"}  # Södermark has one budget
    for r in table:
        orgs = {u.segment.organisation for cell in r["cells"].values() for u, _ in cell}
        assert len(orgs) == 1, r["label"]
    html = render_html(docs, flags, TODAY)
    assert "class='num diff'" not in html  # each förbund's own figures agree year to year
