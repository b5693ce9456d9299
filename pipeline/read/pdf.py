"""Born-digital and scanned PDFs, page by page.

pypdfium2 opens the file (fast; handles encryption and broken files with clear errors),
checks each page's text layer and renders pages for OCR. pdfplumber supplies word
positions for pages whose text layer is good, so extractors can recover table columns
from x coordinates. Each pdfplumber page is closed after use: its caches otherwise grow
with the page count.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

from models.text import BBox, Line, Page, Word
from pipeline.errors import EncryptedFile, LimitExceeded, UnreadableFile
from pipeline.config import Limits
from pipeline.read import progress
from pipeline.read.ocr import ocr_pages
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

        # Pass 1 (pypdfium2, fast): which pages carry a usable text layer?
        layer_quality: dict[int, float] = {}
        needs_ocr: list[int] = []
        for i in range(n_pages):
            page = load_page(pdf, i)
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
            except pdfium.PdfiumError:
                text = ""
            finally:
                page.close()
            q = text_quality(text) if len(text.strip()) >= MIN_TEXT_CHARS else 0.0
            layer_quality[i] = q
            if q < MIN_TEXT_QUALITY:
                needs_ocr.append(i)
        if len(needs_ocr) > limits.max_ocr_pages:
            raise LimitExceeded(
                f"{len(needs_ocr)} pages need OCR, over the limit of {limits.max_ocr_pages} (--max-ocr-pages)"
            )

        pages: dict[int, Page] = {}
        progress.start(n_pages)
        # Pass 2 (pdfplumber): word positions for text-layer pages.
        text_pages = [i for i in range(n_pages) if i not in set(needs_ocr)]
        if text_pages:
            pages.update(_read_text_layer(path, text_pages, layer_quality))
            progress.advance(len(text_pages))
        # Pass 3: OCR the rest, in parallel Tesseract processes.
        if needs_ocr:
            for page in ocr_pages(pdf, needs_ocr, limits):
                page.text_quality = layer_quality[page.number - 1]
                pages[page.number - 1] = page
        return [pages[i] for i in range(n_pages)], warnings
    finally:
        pdf.close()


def _read_text_layer(path: Path, indices: list[int], quality: dict[int, float]) -> dict[int, Page]:
    out: dict[int, Page] = {}
    try:
        with pdfplumber.open(str(path), password="") as doc:
            for i in indices:
                p = doc.pages[i]
                try:
                    words = p.extract_words(
                        x_tolerance=1.5, y_tolerance=3, keep_blank_chars=False, extra_attrs=["fontname", "size"]
                    )
                    lines = group_words_into_lines(
                        [
                            (
                                Word(
                                    text=w["text"],
                                    bbox=BBox(x0=w["x0"], top=w["top"], x1=w["x1"], bottom=w["bottom"]),
                                ),
                                "bold" in str(w.get("fontname", "")).lower(),
                            )
                            for w in words
                        ]
                    )
                    raw = "\n".join(ln.text for ln in lines)
                    out[i] = Page(
                        number=i + 1,
                        width=float(p.width),
                        height=float(p.height),
                        method="text",
                        raw_text=raw,
                        lines=lines,
                        text_quality=quality[i],
                    )
                finally:
                    p.close()
    except Exception as exc:  # pdfminer raises many kinds on broken streams
        raise UnreadableFile(f"cannot read the PDF text layer ({type(exc).__name__}: {exc})") from exc
    return out


def group_words_into_lines(words: list[tuple[Word, bool]]) -> list[Line]:
    """Cluster words into visual lines by vertical overlap, then order them left to right."""
    rows: list[list[tuple[Word, bool]]] = []
    for w, bold in sorted(words, key=lambda wb: (wb[0].bbox.top, wb[0].bbox.x0)):
        b = w.bbox
        mid = (b.top + b.bottom) / 2
        if rows:
            last = rows[-1]
            top = min(x[0].bbox.top for x in last)
            bottom = max(x[0].bbox.bottom for x in last)
            if top <= mid <= bottom:
                last.append((w, bold))
                continue
        rows.append([(w, bold)])
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
