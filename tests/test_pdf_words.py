"""Words from PDFium's text page (pipeline.read.pdf_words) against pdfplumber's.

The born-digital reader used pdfplumber's extract_words; the geometry extractors were
built on its words, lines and boxes. PDFium's must be the same words, in pdfplumber's
page frame, with boxes within a fraction of a point (measured over the seed, realdocs and
sample PDFs, 32630 words: 0.11 pt median, 0.38 pt at the 99th percentile, 0.63 pt at
most; PDFium takes some glyph widths from the font program, pdfminer from /Widths).
"""

from __future__ import annotations

import os
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from conftest import ROOT, seed_path
from pipeline.read.pdf_words import page_words

REALDOCS = Path(os.environ.get("FINSAM_REALDOCS", ROOT.parent / "shared" / "realdocs"))
BOX_TOLERANCE = 0.75  # points


def _plumber_words(path: Path, index: int) -> tuple[float, float, list[tuple[str, bool, tuple]]]:
    with pdfplumber.open(str(path)) as pdf:
        page = pdf.pages[index]
        words = page.extract_words(x_tolerance=1.5, y_tolerance=3, keep_blank_chars=False,
                                   extra_attrs=["fontname", "size"])
        return float(page.width), float(page.height), [
            (w["text"], "bold" in w["fontname"].lower(), (w["x0"], w["top"], w["x1"], w["bottom"])) for w in words
        ]


def _pdfium_words(path: Path, index: int) -> tuple[float, float, list[tuple[str, bool, tuple]]]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        textpage = page.get_textpage()
        geometry, words = page_words(page, textpage)
        textpage.close()
        page.close()
    finally:
        pdf.close()
    return geometry.width, geometry.height, [
        (w.text, bold, (w.bbox.x0, w.bbox.top, w.bbox.x1, w.bbox.bottom)) for w, bold in words
    ]


def _in_reading_order(words: list[tuple[str, bool, tuple]]) -> list[tuple[str, bool, tuple]]:
    return sorted(words, key=lambda w: (round(w[2][1]), w[2][0]))


def assert_same_words(path: Path, index: int, tolerance: float = BOX_TOLERANCE) -> int:
    pw, ph, theirs = _plumber_words(path, index)
    mw, mh, mine = _pdfium_words(path, index)
    assert (mw, mh) == pytest.approx((pw, ph), abs=0.01)
    theirs, mine = _in_reading_order(theirs), _in_reading_order(mine)
    assert [(t, b) for t, b, _ in mine] == [(t, b) for t, b, _ in theirs]
    worst = max((max(abs(a - b) for a, b in zip(m[2], t[2])) for m, t in zip(mine, theirs)), default=0.0)
    assert worst <= tolerance, f"a word box is {worst:.2f} pt off pdfplumber's"
    return len(mine)


@pytest.mark.parametrize("stem, index", [
    ("000_ea3342501728e725", 0),  # protocol page: bold headings, a line-end hyphen
    ("002_295066ef3628236e", 10),  # agenda with a hyphenated line end ("B-")
    ("004_ba7a8e83631679f4", 2),
])
def test_seed_pages_give_pdfplumbers_words(stem, index):
    path = seed_path(stem, "pdf")
    if not path.exists():
        pytest.skip(f"seed PDFs not found at {path.parent}")
    assert assert_same_words(path, index) > 100


@pytest.mark.parametrize("name", [
    "27_vgr-detaljbudget-2018.pdf",  # a budget table: columns from x coordinates
    "14_finsam-gavleborg-avtal-hofors-gron-rehab-2019.pdf",
])
def test_real_document_pages_give_pdfplumbers_words(name):
    path = REALDOCS / "pdf" / name
    if not path.exists():
        pytest.skip(f"real documents not found at {REALDOCS}")
    assert assert_same_words(path, 0) > 50


def test_sample_page_with_a_descending_first_letter():
    # "jämfört": PDFium's own box reaches left of the glyph's origin; pdfminer's does not.
    path = ROOT / "corpus" / "samples" / "kallelse_styrelsen_2024-11-28_med_bilagor.pdf"
    assert assert_same_words(path, 3) > 50


def _write_pdf(path: Path, content: bytes, page_extra: bytes = b"", mediabox: bytes = b"[0 0 612 792]") -> Path:
    """A one-page PDF using the standard Helvetica fonts (no font program)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox + b" " + page_extra
        + b" /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


# Text set at 12 pt through a scaled text matrix (1 Tf), bold beside regular in one line,
# a TJ whose kerning opens a gap inside a word, and an "fi" ligature.
UPRIGHT_TEXT = (
    b"BT /F1 1 Tf 12 0 0 12 72 700 Tm (Hello World scaled) Tj ET "
    b"BT /F2 10 Tf 72 680 Td (Bold words) Tj /F1 10 Tf ( and regular) Tj ET "
    b"BT /F1 10 Tf 72 600 Td [(Kern)-300(ed)-50(word)] TJ ET "
    b"BT /F1 11 Tf 72 560 Td (Protokoll 2024-11-28, \\247 12) Tj ET"
)


@pytest.mark.parametrize("page_extra, mediabox", [
    (b"", b"[0 0 612 792]"),
    (b"/Rotate 180", b"[0 0 612 792]"),
    (b"", b"[20 30 632 822]"),  # a mediabox away from the origin
    (b"/CropBox [50 50 500 750]", b"[0 0 612 792]"),
])
def test_page_frames_and_fonts_match_pdfplumber(tmp_path, page_extra, mediabox):
    path = _write_pdf(tmp_path / "frame.pdf", UPRIGHT_TEXT, page_extra, mediabox)
    # PDFium's Helvetica descent differs from pdfminer's built-in metrics by 0.2 pt.
    assert assert_same_words(path, 0, tolerance=0.3) == 13


@pytest.mark.parametrize("mediabox", [b"[0 0 612 792]", b"[20 30 632 822]"])
@pytest.mark.parametrize("rotation", [b"/Rotate 90", b"/Rotate 270"])
def test_text_turned_by_the_page_lands_where_pdfplumber_puts_it(tmp_path, rotation, mediabox):
    """On a page turned a quarter, upright text reads top to bottom. pdfplumber splits it
    into words by each character's advance, to float noise (its "size" is the box height),
    so the split points are not reproducible; the characters and the area they cover are."""
    path = _write_pdf(tmp_path / "turned.pdf", UPRIGHT_TEXT, rotation, mediabox)
    pw, ph, theirs = _plumber_words(path, 0)
    mw, mh, mine = _pdfium_words(path, 0)
    assert (mw, mh) == pytest.approx((pw, ph), abs=0.01)
    assert sorted("".join(t for t, _, _ in mine)) == sorted("".join(t for t, _, _ in theirs))
    for i in range(4):
        pick = min if i < 2 else max
        assert pick(w[2][i] for w in mine) == pytest.approx(pick(w[2][i] for w in theirs), abs=0.3)


def test_bold_and_the_page_frame_are_what_the_reader_returns(tmp_path):
    from pipeline.config import Limits
    from pipeline.read.pdf import read_pdf

    path = _write_pdf(tmp_path / "bold.pdf", b"BT /F2 14 Tf 72 700 Td (PROTOKOLL) Tj ET "
                      b"BT /F1 11 Tf 72 680 Td (Styrelsen sammantr\\344dde den 28 november 2024 i Ume\\345.) Tj ET")
    # Too little text for a text layer? No: 60 characters of good Swedish.
    pages, _ = read_pdf(path, Limits())
    page = pages[0]
    assert page.method == "text" and (page.width, page.height) == (612, 792)
    assert [ln.text for ln in page.lines] == ["PROTOKOLL", "Styrelsen sammanträdde den 28 november 2024 i Umeå."]
    assert [ln.bold for ln in page.lines] == [True, False]
    assert page.lines[0].bbox.top == pytest.approx(792 - 700 - 14 + 2.9, abs=0.5)  # 14 pt from the descent
