"""Repairs of Tesseract's misreadings found on the scanned seeds: a line split into two
blocks, a date broken at its hyphen, Word bookmarks printed and OCR'd, an org number with
a stray space."""

from __future__ import annotations

from models import BBox, DocumentText, Line, Page, Word
from pipeline.text.clean import clean_document
from pipeline.sv.orgnr import find_org_numbers
from pipeline.read.ocr import join_split_lines


def _words(text: str, x0: float, top: float, height: float = 12.0) -> list[Word]:
    out, x = [], x0
    for part in text.split():
        out.append(Word(text=part, bbox=BBox(x0=x, top=top, x1=x + 5 * len(part), bottom=top + height), confidence=90))
        x += 5 * len(part) + 3
    return out


def test_a_line_tesseract_split_into_two_blocks_is_joined_in_place():
    # seed 003 p. 5: "... till 2023-" | next line | "12-31. Beslut om" (same height, read last)
    first = _words("gäller från och med 2023-01-01 till 2023-", 65, 70)
    second = _words("uppdatering inför 2024 tas senast", 65, 85)
    rest = _words("12-31. Beslut om", first[-1].bbox.x1 + 2, 69)
    lines = join_split_lines([first, second, rest])
    assert [ln.text for ln in lines] == [
        "gäller från och med 2023-01-01 till 2023- 12-31. Beslut om",
        "uppdatering inför 2024 tas senast",
    ]


def test_columns_at_the_same_height_stay_apart():
    # two-column signature block: a wide gap, not a split line
    left = _words("Umeå kommun", 70, 500)
    right = _words("Region Västerbotten", 320, 500)
    assert [ln.text for ln in join_split_lines([left, right])] == ["Umeå kommun", "Region Västerbotten"]


def _ocr_doc(texts: list[str]) -> DocumentText:
    lines = [Line(text=t, words=_words(t, 65, 100 + 15 * i), bbox=BBox(x0=65, top=100 + 15 * i, x1=500, bottom=112 + 15 * i))
             for i, t in enumerate(texts)]
    page = Page(number=1, method="ocr", raw_text="\n".join(texts), lines=lines, width=595, height=842)
    return DocumentText(doc_id="e" * 64, file_name="s.pdf", source_path="s.pdf", media_type="pdf", pages=[page])


def test_split_date_and_ocrd_bookmarks_are_repaired_in_cleanup():
    doc = clean_document(_ocr_doc([
        "gäller från och med 2023-01-01 till 2023- 12-31. Beslut om",
        "[bookmark: bmkDocDate 0112022-12-12",
        "[bookmark: ftiCPPhone 01|0771-60 00 00",
        "[bookmark: capOurRef 01]",
    ]))
    text = doc.pages[0].text
    assert "till 2023-12-31. Beslut om" in text
    assert "2022-12-12" in text.splitlines() and "0771-60 00 00" in text.splitlines()
    assert "bookmark" not in text


def test_a_date_broken_at_its_hyphen_over_two_lines_is_joined():
    doc = _ocr_doc(["gäller till 2023-", "12-31. Beslut om uppdatering"])
    doc.pages[0].method = "text"
    assert "gäller till 2023-12-31. Beslut om" in clean_document(doc).pages[0].text


def test_an_org_number_with_a_stray_ocr_space_is_read_only_when_its_check_digit_holds():
    found = find_org_numbers("Nordmaling (2 12000-2536) och Bjurholms kommun")
    assert [(o.number, o.valid, o.ocr_split) for o in found] == [("212000-2536", True, True)]
    assert [o.number for o in find_org_numbers("Nordmaling 2 12000-2536 och")] == ["212000-2536"]
    assert not find_org_numbers("Nordmaling (212000-2536)")[0].ocr_split
    assert find_org_numbers("år 2 12000-2535") == []  # rejoined, the check digit is wrong
    assert find_org_numbers("belopp 12 000-2536 kr") == []  # five digits: not a number split by OCR


def test_a_party_whose_number_was_rejoined_says_so():
    from extractors.parties import parties_in_text  # noqa: PLC0415

    (name, number, valid, _, split), = parties_in_text("Nordmaling kommun (2 12000-2536)")
    assert (name, number, valid, split) == ("Nordmaling kommun", "212000-2536", True, True)
