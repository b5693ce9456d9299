"""Born-digital and scanned PDFs, page by page.

pypdfium2 opens the file (fast; handles encryption and broken files with clear errors),
checks each page's text layer, and where the layer is good takes its words with their
boxes from the same text page (pipeline.read.pdf_words, laid out as pdfplumber would), so
extractors can recover table columns from x coordinates. Pages without a usable layer
are rendered and OCR'd. Each page is closed after use, so memory stays flat with the
page count.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pypdfium2 as pdfium

from models.text import BBox, Line, Page, Word
from pipeline.errors import EncryptedFile, LimitExceeded, UnreadableFile
from pipeline.config import Limits
from pipeline.read import progress
from pipeline.read.ocr import ocr_pages
from pipeline.read.pdf_words import page_words
from pipeline.read.quality import text_quality

log = logging.getLogger(__name__)

# A text layer scoring below this is treated as garbage and the page is OCR'd.
MIN_TEXT_QUALITY = 0.5
# Fewer characters than this on a page means "no text layer" (scans often carry a stray char).
MIN_TEXT_CHARS = 20


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open with an empty password first: owner-password-only PDFs open that way."""
    try:
        return pdfium.PdfDocument(str(path), password="")
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise EncryptedFile("PDF is encrypted with a user password; cannot open it") from exc
        if "PDFium: Success" in msg:
            # PDFium fails to load a document whose page tree is empty, reporting "Success".
            raise UnreadableFile("PDF has no pages (its page tree is empty)") from exc
        raise UnreadableFile(f"not a readable PDF ({msg.strip().rstrip('.')})") from exc


def load_page(pdf: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    """One page, or UnreadableFile when the page tree does not lead to it (loops, bad refs)."""
    try:
        return pdf[index]
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"cannot load page {index + 1} of {len(pdf)}; the page tree is broken ({exc})") from exc


def read_pdf(path: Path, limits: Limits) -> tuple[list[Page], list[str]]:
    warnings: list[str] = []
    pdf = open_pdf(path)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise UnreadableFile("PDF has no pages")
        if n_pages > limits.max_pages:
            raise LimitExceeded(f"PDF has {n_pages} pages, over the limit of {limits.max_pages} (--max-pages)")

        # Pass 1 (PDFium): does each page carry a usable text layer? Where it does, its
        # words and lines come from the text page already loaded for the check.
        layer_quality: dict[int, float] = {}
        needs_ocr: list[int] = []
        pages: dict[int, Page] = {}
        for i in range(n_pages):
            page = load_page(pdf, i)
            textpage = None
            try:
                try:
                    textpage = page.get_textpage()
                    text = textpage.get_text_range()
                except pdfium.PdfiumError:
                    text = ""
                q = text_quality(text) if len(text.strip()) >= MIN_TEXT_CHARS else 0.0
                layer_quality[i] = q
                if q < MIN_TEXT_QUALITY:
                    needs_ocr.append(i)
                else:
                    pages[i] = _text_layer_page(page, textpage, i + 1, q)
            finally:
                if textpage is not None:
                    textpage.close()
                page.close()
        if len(needs_ocr) > limits.max_ocr_pages:
            raise LimitExceeded(
                f"{len(needs_ocr)} pages need OCR, over the limit of {limits.max_ocr_pages} (--max-ocr-pages)"
            )

        progress.start(n_pages)
        if pages:
            progress.advance(len(pages))
        # Pass 2: OCR the rest, in parallel Tesseract processes.
        if needs_ocr:
            for page in ocr_pages(pdf, needs_ocr, limits):
                page.text_quality = layer_quality[page.number - 1]
                pages[page.number - 1] = page
        return [pages[i] for i in range(n_pages)], warnings
    finally:
        pdf.close()


def _text_layer_page(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, number: int, quality: float) -> Page:
    geometry, words = page_words(page, textpage)
    lines = group_words_into_lines(words)
    return Page(
        number=number,
        width=geometry.width,
        height=geometry.height,
        method="text",
        raw_text="\n".join(ln.text for ln in lines),
        lines=lines,
        text_quality=quality,
    )


def group_words_into_lines(words: list[tuple[Word, bool]]) -> list[Line]:
    """Cluster words into visual lines by vertical overlap, then order them left to right."""
    rows: list[list[tuple[Word, bool]]] = []
    top = bottom = 0.0  # the extent of the last row, kept as it grows
    for w, bold in sorted(words, key=lambda wb: (wb[0].bbox.top, wb[0].bbox.x0)):
        b = w.bbox
        mid = (b.top + b.bottom) / 2
        if rows and top <= mid <= bottom:
            rows[-1].append((w, bold))
            top, bottom = min(top, b.top), max(bottom, b.bottom)
            continue
        rows.append([(w, bold)])
        top, bottom = b.top, b.bottom
    lines = []
    for row in rows:
        row.sort(key=lambda wb: wb[0].bbox.x0)
        ws = [wb[0] for wb in row]
        lines.append(
            Line(
                text=" ".join(w.text for w in ws),
                words=ws,
                bbox=BBox.union([w.bbox for w in ws]),
                bold=all(wb[1] for wb in row),
            )
        )
    return lines
