"""OCR of PDF pages with Tesseract (language `swe`) via pytesseract.

Pages are rendered one at a time in this process (pdfium is not thread-safe) and handed
to a pool of threads, each of which runs one `tesseract` process per page via
`image_to_data`: the parallelism is in the Tesseract worker processes, one per core,
each limited to one OpenMP thread (OMP_THREAD_LIMIT=1) so they do not oversubscribe.
A bounded number of rendered pages is in flight, so memory does not grow with the page count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import lru_cache

import pypdfium2 as pdfium
import pytesseract
from PIL import Image

from models.text import BBox, Line, Page, Word
from pipeline.errors import LimitExceeded, OcrUnavailable, UnreadableFile
from pipeline.limits import Limits

OCR_LANG = "swe"
INSTALL_HINT = "apt-get install -y tesseract-ocr tesseract-ocr-swe"
# Tesseract per page can hang on pathological images; it is killed after this.
TESSERACT_PAGE_TIMEOUT = 180


@lru_cache(maxsize=1)
def check_tesseract() -> str:
    """Return the Tesseract version, or raise OcrUnavailable with the install command."""
    if shutil.which("tesseract") is None:
        raise OcrUnavailable(f"Tesseract is not installed; install it with: {INSTALL_HINT}")
    try:
        langs = pytesseract.get_languages(config="")
    except (pytesseract.TesseractError, OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"Tesseract does not run ({exc}); reinstall with: {INSTALL_HINT}") from exc
    if OCR_LANG not in langs:
        raise OcrUnavailable(f"Tesseract has no Swedish data ('{OCR_LANG}'); install it with: {INSTALL_HINT}")
    return str(pytesseract.get_tesseract_version())


def render_page(pdf: pdfium.PdfDocument, index: int, limits: Limits) -> tuple[Image.Image, float, float, float]:
    """Render one page in greyscale; returns (image, scale px/pt, width pt, height pt)."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"cannot load page {index + 1}; the page tree is broken ({exc})") from exc
    try:
        width, height = page.get_size()
        scale = limits.ocr_dpi / 72
        pixels = width * scale * height * scale
        if pixels > limits.max_pixels_per_page:
            # Oversized page (posters, A0 drawings): render coarser rather than exhaust memory,
            # but refuse when even 150 dpi would be over the limit.
            scale = (limits.max_pixels_per_page / (width * height)) ** 0.5
            if scale < 150 / 72:
                raise LimitExceeded(
                    f"page {index + 1} is {width:.0f}x{height:.0f} pt; at 150 dpi it exceeds "
                    f"{limits.max_pixels_per_page} pixels (--max-pixels)"
                )
        check_page_images(page, index, limits)
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil()
        bitmap.close()
        return image, scale, width, height
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"cannot render page {index + 1} ({exc})") from exc
    finally:
        page.close()


def check_page_images(page: pdfium.PdfPage, index: int, limits: Limits) -> None:
    """Refuse a page whose embedded images would decode to more than --max-pixels.

    Rendering decodes every image at full size whatever the output scale: a few hundred
    KiB of Flate data can hold a 20,000 x 20,000 px image (400 MB). The sizes come from
    the image dictionaries, so nothing is decoded to find out.
    """
    total = 0
    for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=8):
        try:
            w, h = obj.get_px_size()
        except pdfium.PdfiumError:
            continue
        total += w * h
        if total > limits.max_pixels_per_page:
            raise LimitExceeded(
                f"page {index + 1} holds images of {total:,} pixels (one is {w} x {h} px), "
                f"over the limit of {limits.max_pixels_per_page:,} (--max-pixels)"
            )


def ocr_image(image: Image.Image, page_number: int, scale: float, width: float, height: float) -> Page:
    """One Tesseract call for the page: words, boxes (converted to PDF points) and confidences."""
    data = pytesseract.image_to_data(
        image,
        lang=OCR_LANG,
        config="--oem 1 --psm 3",
        output_type=pytesseract.Output.DICT,
        timeout=TESSERACT_PAGE_TIMEOUT,
    )
    return page_from_tesseract(data, page_number, scale, width, height)


def page_from_tesseract(data: dict, page_number: int, scale: float, width: float, height: float) -> Page:
    groups: dict[tuple[int, int, int], list[Word]] = {}
    confs: list[float] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        left, top = data["left"][i] / scale, data["top"][i] / scale
        w, h = data["width"][i] / scale, data["height"][i] / scale
        word = Word(text=text, bbox=BBox(x0=left, top=top, x1=left + w, bottom=top + h), confidence=conf)
        groups.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(word)
        confs.append(conf)
    lines: list[Line] = []
    for key in groups:  # Tesseract's reading order
        ws = sorted(groups[key], key=lambda w: w.bbox.x0)
        lines.append(Line(text=" ".join(w.text for w in ws), words=ws, bbox=BBox.union([w.bbox for w in ws])))
    mean_conf = round(sum(confs) / len(confs), 2) if confs else 0.0
    page = Page(
        number=page_number,
        width=width,
        height=height,
        method="ocr",
        raw_text="\n".join(ln.text for ln in lines),
        lines=lines,
        ocr_confidence=mean_conf,
    )
    if not confs:
        page.warnings.append("OCR found no text on this page")
    return page


def ocr_pages(pdf: pdfium.PdfDocument, indices: list[int], limits: Limits) -> Iterator[Page]:
    """OCR the given 0-based page indices; yields pages in page order."""
    check_tesseract()
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every tesseract process
    workers = max(1, limits.ocr_workers)
    results: dict[int, Page] = {}
    pending: dict[Future, int] = {}
    # The threads only wait on tesseract processes: a small stack keeps them cheap under
    # the worker's memory cap (a thread that cannot start would leave its page pending).
    threading.stack_size(512 * 1024)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
        todo = list(indices)
        while todo or pending:
            # Keep at most 2 pages per worker rendered and waiting.
            while todo and len(pending) < 2 * workers:
                i = todo.pop(0)
                image, scale, w, h = render_page(pdf, i, limits)
                pending[pool.submit(_ocr_and_close, image, i + 1, scale, w, h)] = i
            done, _ = wait(pending, timeout=TESSERACT_PAGE_TIMEOUT + 30, return_when=FIRST_COMPLETED)
            if not done:
                raise LimitExceeded("OCR stalled: no page finished in time (out of memory or threads?)")
            for fut in done:
                i = pending.pop(fut)
                try:
                    results[i] = fut.result()
                except RuntimeError as exc:  # pytesseract raises RuntimeError on its timeout
                    raise LimitExceeded(f"OCR of page {i + 1} timed out ({exc})") from exc
                except pytesseract.TesseractError as exc:
                    raise UnreadableFile(f"Tesseract failed on page {i + 1}: {exc.message}") from exc
    for i in sorted(results):
        yield results[i]


def _ocr_and_close(image: Image.Image, number: int, scale: float, w: float, h: float) -> Page:
    try:
        return ocr_image(image, number, scale, w, h)
    finally:
        image.close()
