"""Budget tables on scans: ruled lines removed before table-mode OCR, the choice between
the two OCR readings, and rows regrouped along a tilted scan."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extractors.budget import _share_percent, parse_budget_tables
from models import BBox, DocType, DocumentText, Line, Page, Provenance, Segment, Word
from pipeline.sv.numbers import count_whole_figures
from pipeline.read.ocr import looks_like_table, prefer_table_reading, remove_rules

SCALE = 300 / 72  # px per pt, as the OCR renders


def _page_image(draw_fn) -> Image.Image:
    img = Image.new("L", (int(595 * SCALE), int(200 * SCALE)), 255)
    draw_fn(ImageDraw.Draw(img))
    return img


def test_a_long_rule_is_removed_and_the_text_touching_it_is_kept():
    def draw(d):
        # an underline 1.2 pt thick under a header row, tilted by 2 px over its length
        d.line([(60 * SCALE, 100 * SCALE), (540 * SCALE, 100 * SCALE + 2)], fill=0, width=5)
        # glyph-like strokes: a bold dash 12 pt long, and vertical strokes down onto the rule
        d.rectangle([100 * SCALE, 60 * SCALE, 112 * SCALE, 62 * SCALE], fill=0)
        d.rectangle([200 * SCALE, 80 * SCALE, 202 * SCALE, 100 * SCALE], fill=0)

    img = _page_image(draw)
    out = np.asarray(remove_rules(img, SCALE))
    before = np.asarray(img)
    rule_rows = slice(int(100 * SCALE) - 3, int(100 * SCALE) + 6)
    assert (before[rule_rows, int(300 * SCALE)] < 128).any()
    assert (out[rule_rows, int(300 * SCALE)] >= 128).all(), "the rule is still there"
    dash = out[int(60 * SCALE): int(62 * SCALE), int(100 * SCALE): int(112 * SCALE)]
    assert (dash < 128).mean() > 0.9, "a 12 pt dash is text, not a rule"
    stroke = out[int(80 * SCALE): int(95 * SCALE), int(200 * SCALE): int(202 * SCALE)]
    assert (stroke < 128).mean() > 0.9, "a stroke touching the rule lost more than the overlap"


def test_a_page_without_rules_comes_back_unchanged():
    img = _page_image(lambda d: d.rectangle([100, 100, 140, 130], fill=0))
    assert np.array_equal(np.asarray(remove_rules(img, SCALE)), np.asarray(img))


def test_table_words_and_figures():
    budget = "Budget\nBelopp i tkr\nIntäkter\n- Försäkringskassan\nSumma intäkter\nKostnader\nRESULTAT"
    prose = "Förbundet ska verka för att budgeten hålls. Resultat redovisas årligen."
    assert looks_like_table(budget)
    assert not looks_like_table(prose)
    # figures count; dates, percentages, decimals and words with digits do not
    assert count_whole_figures("- Kanslipersonal -2 090 -1 710 -1 665\nSumma 11 785\n131") == 5
    assert count_whole_figures("2024-01-01, 83,7% av arb-bef., 3,5 tjänster, §12, 5a") == 0


def test_the_table_reading_wins_only_when_it_recovers_clearly_more_figures():
    lost = "Intäkter\n- Försäkringskassan\n- Region Västerbotten\nSumma intäkter"
    found = "\n".join(f"- Rad {i} {i * 10} {i * 10 + 1} {i * 10 + 2}" for i in range(1, 8))
    assert prefer_table_reading(lost, found)
    assert not prefer_table_reading(found, found)
    assert not prefer_table_reading(found + "\n1 2 3", found + "\n1 2 3 4 5 6")


def _ocr_word(text: str, x0: float, top: float, width: float) -> Word:
    return Word(text=text, bbox=BBox(x0=x0, top=top, x1=x0 + width, bottom=top + 9), confidence=90.0)


def test_rows_of_a_tilted_scan_are_regrouped_along_the_tilt():
    """A scan tilted by about 1 degree: the figures sit 5-6 pt above their label, more than
    half a line, and Tesseract (psm 3) gives labels and figures as separate blocks."""
    slope = -0.018  # pt up per pt right

    def y(x: float, row_top: float) -> float:
        return row_top + slope * x

    rows = [
        ("Belopp i tkr", ["2024", "2025", "2026"]),
        ("- Försäkringskassan", ["5 677", "5 677", "5 677"]),
        ("- ESF stöd", ["", "300", "300"]),
        ("- Kanslipersonal", ["-2 090", "-1 710", "-1 665"]),
        ("Summa intäkter", ["11 785", "11 785", "11 485"]),
    ]
    edges = [392.0, 458.0, 524.0]
    label_lines, figure_lines = [], []
    for k, (label, cells) in enumerate(rows):
        top = 100 + 14 * k
        ws, x = [], 70.0
        for part in label.split():
            ws.append(_ocr_word(part, x, y(x, top), 5 * len(part)))
            x += 5 * len(part) + 3
        label_lines.append(Line(text=label, words=ws, bbox=BBox.union([w.bbox for w in ws])))
        fw = []
        for edge, cell in zip(edges, cells):
            right = edge
            for part in reversed(cell.split()):
                fw.insert(0, _ocr_word(part, right - 5 * len(part), y(right, top), 5 * len(part)))
                right -= 5 * len(part) + 3
        if fw:
            figure_lines.append(Line(text=" ".join(w.text for w in fw), words=fw, bbox=BBox.union([w.bbox for w in fw])))
    lines = label_lines + figure_lines  # psm 3 order: the label block, then the figure block
    text = "\n".join(ln.text for ln in lines)
    pos = 0
    for ln in lines:
        ln.start, ln.end = pos, pos + len(ln.text)
        pos += len(ln.text) + 1
    page = Page(number=1, method="ocr", raw_text=text, text=text, lines=lines, width=595, height=842, ocr_confidence=90)
    doc = DocumentText(doc_id="d" * 64, file_name="s.pdf", source_path="s.pdf", media_type="pdf", pages=[page])
    seg = Segment(segment_id="s1", provenance=Provenance(doc_id=doc.doc_id, method="ocr"), doc_type=DocType.BUDGET,
                  page_start=1, page_end=1)
    cells = {(b.label, b.year): b.amount_sek for b in parse_budget_tables(doc, seg)}
    assert cells == {
        ("Försäkringskassan", 2024): Decimal(5677000), ("Försäkringskassan", 2025): Decimal(5677000),
        ("Försäkringskassan", 2026): Decimal(5677000),
        ("ESF stöd", 2025): Decimal(300000), ("ESF stöd", 2026): Decimal(300000),
        ("Kanslipersonal", 2024): Decimal(-2090000), ("Kanslipersonal", 2025): Decimal(-1710000),
        ("Kanslipersonal", 2026): Decimal(-1665000),
        ("Summa intäkter", 2024): Decimal(11785000), ("Summa intäkter", 2025): Decimal(11785000),
        ("Summa intäkter", 2026): Decimal(11485000),
    }


@pytest.mark.parametrize(("label", "share"), [
    ("- Umeå kommun, 83,74 av arb-bef.", "83.7"),       # "83,7%"
    ("- Nordmaling kommun, 3,7246 av arb-bef.", "3.7"),  # "3,7 %"
    ("- Bjurholms kommun, 1,2 96 av arb-bef.", "1.2"),   # "1,2 %"
    ("- Vindeln kommun, 2,9260 av arb-bef", "2.9"),      # "2,9%"
    ("- Umeå kommun, 83,7% av arb-bef.", "83.7"),
])
def test_a_share_whose_percent_sign_ocr_misread_is_recovered(label, share):
    value, warnings = _share_percent(label, ocr=True)
    assert value == Decimal(share)
    assert bool(warnings) == ("%" not in label)


def test_a_share_without_decimals_is_left_unread_on_ocr_and_text_is_taken_as_printed():
    value, warnings = _share_percent("- Vännäs kommun, 596 av arb-bef.", ocr=True)
    assert value is None and "unreadable" in warnings[0]
    # a text layer is not second-guessed: no "%", no share
    assert _share_percent("- Umeå kommun, 83,74 av arb-bef.", ocr=False)[0] is None
    assert _share_percent("- Kanslipersonal", ocr=True) == (None, [])


def test_an_unreadable_cell_between_figures_keeps_the_figures_in_their_years():
    # seed 004 p. 12: "- Bjurholms kommun, 1,3 % av arb-bef. 37 SÅ 37"
    def row(label: str, cells: list[str], top: float) -> Line:
        ws, x = [], 70.0
        for part in label.split():
            ws.append(_ocr_word(part, x, top, 5 * len(part)))
            x += 5 * len(part) + 3
        for edge, cell in zip([392.0, 458.0, 524.0], cells):
            ws.append(_ocr_word(cell, edge - 5 * len(cell), top, 5 * len(cell)))
        return Line(text=" ".join(w.text for w in ws), words=ws, bbox=BBox.union([w.bbox for w in ws]))

    lines = [row("Belopp i tkr", ["2021", "2022", "2023"], 100), row("- Bjurholms kommun", ["37", "SÅ", "37"], 115)]
    text = "\n".join(ln.text for ln in lines)
    page = Page(number=1, method="ocr", raw_text=text, text=text, lines=lines, width=595, height=842)
    doc = DocumentText(doc_id="d" * 64, file_name="s.pdf", source_path="s.pdf", media_type="pdf", pages=[page])
    seg = Segment(segment_id="s1", provenance=Provenance(doc_id=doc.doc_id, method="ocr"), doc_type=DocType.BUDGET,
                  page_start=1, page_end=1)
    cells = {b.year: b for b in parse_budget_tables(doc, seg)}
    assert cells[2021].amount_sek == Decimal(37000) and cells[2023].amount_sek == Decimal(37000)
    assert cells[2021].label == "Bjurholms kommun"
    assert cells[2022].amount_sek is None and "unreadable cell 'SÅ'" in cells[2022].warnings
