"""OCR of PDF pages with Tesseract (language `swe`).

Pages are rendered one at a time in this process (pdfium is not thread-safe) and handed
to a pool of threads, each of which reads one page at a time with Tesseract:

- `api` (default): Tesseract as a library in this process (tesserocr), one engine per
  thread with the Swedish model loaded once (the forkserver loads them ahead, so workers
  start with them); the thread runs Tesseract without the GIL;
- `cli` (FINSAM_OCR_ENGINE=cli): one `tesseract` process per page via pytesseract's
  `image_to_data`, each limited to one OpenMP thread (OMP_THREAD_LIMIT=1).

The README's OCR section has the measurements behind the default: the library reads the
same pages in about four fifths of the CPU time of the CLI, which starts a process and
loads the model for every page. Either way the output is Tesseract's TSV, read the same way.

When several files are read at once, each Tesseract call first takes one of the batch's
slots (pipeline.read.ocr_slots), so the batch as a whole keeps one Tesseract per core;
the file then has one thread more than slots, so that one of its calls is always queued.
A bounded number of rendered pages is in flight, so memory does not grow with the page count;
rendering page N+1 overlaps Tesseract's reading of page N.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import lru_cache

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from models.text import BBox, Line, Page, Word
from pipeline.errors import LimitExceeded, OcrUnavailable, UnreadableFile
from pipeline.config import Limits, environment
from pipeline.sv.numbers import count_whole_figures
from pipeline.read import ocr_slots, progress


def _import_pytesseract():
    """pytesseract, without the pandas it imports when installed: only its DataFrame output
    uses pandas, which finsam never asks for, and the import (0.2 CPU s) sits on the
    forkserver's start-up, before the first page is read."""
    if "pytesseract" in sys.modules or "pandas" in sys.modules:
        import pytesseract  # noqa: PLC0415

        return pytesseract
    sys.modules["pandas"] = None  # type: ignore[assignment] # `import pandas` then fails fast
    try:
        import pytesseract  # noqa: PLC0415
    finally:
        del sys.modules["pandas"]  # any later `import pandas` works as usual
    return pytesseract


pytesseract = _import_pytesseract()

OCR_LANG = "swe"
INSTALL_HINT = "apt-get install -y tesseract-ocr tesseract-ocr-swe"
# Tesseract per page can hang on pathological images; it is killed after this.
TESSERACT_PAGE_TIMEOUT = 180
# Automatic page segmentation (psm 3) is right for prose and two-column signature blocks,
# but on a budget table it can take the figure columns for separate blocks of noise and
# drop them. A page that reads like a table (several of these words) and shows few figures
# is read once more as one uniform block (psm 6), with ruled lines removed first: an
# underline touching the year header otherwise turns the whole header row into garbage.
TABLE_WORDS = re.compile(r"\b(?:summa|tkr|belopp|budget|resultat|intäkter|kostnader|eget\s+kapital)\b", re.I)
TABLE_WORDS_MIN = 4


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
    """Tesseract on the page: words, boxes (converted to PDF points) and confidences.

    One call for most pages; a table-like page whose figures the first call lost gets a
    second call in table mode, and the reading with more figures is kept.
    """
    page = page_from_tesseract(_tesseract_data(image, psm=3), page_number, scale, width, height)
    if not looks_like_table(page.raw_text):
        return page
    table = page_from_tesseract(_tesseract_data(remove_rules(image, scale), psm=6), page_number, scale, width, height)
    if prefer_table_reading(page.raw_text, table.raw_text):
        table.ocr_pass = "table"
        return table
    return page


# --- running Tesseract: in this process (tesserocr), or the CLI per page (pytesseract) ------

TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def ocr_engine() -> str:
    """How Tesseract runs: FINSAM_OCR_ENGINE (pipeline.config), `api` unless set to `cli`."""
    return environment().ocr_engine


class OcrTimeout(RuntimeError):
    """Tesseract did not finish a page within TESSERACT_PAGE_TIMEOUT (what pytesseract raises
    for the CLI is a RuntimeError too)."""


@lru_cache(maxsize=1)
def tessdata_dir() -> str:
    """The folder of the installed Tesseract's language data (swe.traineddata), as its CLI
    reports it: the in-process engine reads the same model files."""
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=60)
    found = re.search(r'"([^"]+)"', out.stdout + out.stderr)
    if found is None:
        raise OcrUnavailable(f"cannot tell where Tesseract keeps its language data; reinstall with: {INSTALL_HINT}")
    return found.group(1)


class _Engines:
    """Idle tesserocr engines of this process, each with the Swedish model loaded: a page takes
    one and gives it back, so the model is loaded once per thread that ever reads at the same
    time, not once per page as the CLI does (and no page goes through a file)."""

    def __init__(self) -> None:
        self._idle: list = []
        self._lock = threading.Lock()

    @contextmanager
    def engine(self) -> Iterator:
        with self._lock:
            api = self._idle.pop() if self._idle else None
        if api is None:
            api = _new_engine()
        try:
            yield api
        finally:
            api.Clear()
            with self._lock:
                self._idle.append(api)

    def preload(self, count: int) -> None:
        """Load `count` engines now (the forkserver does, so every worker forked from it starts
        with them, their models shared until written)."""
        engines = [_new_engine() for _ in range(count - len(self._idle))]
        with self._lock:
            self._idle.extend(engines)


def _new_engine():
    try:
        import tesserocr  # noqa: PLC0415
    except ImportError as exc:
        raise OcrUnavailable(f"tesserocr is not installed ({exc}); rebuild finsam's environment with make run, "
                             "or set FINSAM_OCR_ENGINE=cli") from exc
    try:
        return tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=OCR_LANG, oem=tesserocr.OEM.LSTM_ONLY)
    except RuntimeError as exc:  # tesserocr's "Failed to init API"
        raise OcrUnavailable(f"Tesseract's library cannot load '{OCR_LANG}' from {tessdata_dir()} ({exc}); "
                             f"reinstall with: {INSTALL_HINT}") from exc


_engines = _Engines()


def preload_engines(count: int) -> None:
    """With the in-process engine: `count` engines loaded ahead (pipeline/runtime/preload.py)."""
    if ocr_engine() == "api":
        _engines.preload(count)


def _tesseract_data(image: Image.Image, psm: int) -> dict:
    tsv = _tsv_in_process(image, psm) if ocr_engine() == "api" else _tsv_by_cli(image, psm)
    # Parsed after the slot is given back (what Output.DICT does inside it): the next page's
    # Tesseract starts while this one's table of words is read.
    return pytesseract.pytesseract.file_to_dict(tsv, "\t", -1)


def _tsv_in_process(image: Image.Image, psm: int) -> str:
    """Tesseract's TSV of the page from the library in this process (tesserocr): what
    `tesseract PAGE out --psm PSM tsv` writes, header included."""
    with ocr_slots.slot(), _engines.engine() as api:
        api.SetPageSegMode(psm)
        api.SetImage(image)
        if not api.Recognize(timeout=TESSERACT_PAGE_TIMEOUT * 1000):
            raise OcrTimeout(f"Tesseract took longer than {TESSERACT_PAGE_TIMEOUT} s")
        return TSV_HEADER + "\n" + api.GetTSVText(0)


def _tsv_by_cli(image: Image.Image, psm: int) -> str:
    # Handed over as an uncompressed PGM file: the same pixels (and the same reading) as
    # the PNG pytesseract would write, without a second of zlib per page before Tesseract.
    with tempfile.NamedTemporaryFile(prefix="finsam-ocr-", suffix=".pgm") as fh:
        image.save(fh, format="PPM")
        fh.flush()
        with ocr_slots.slot():
            tsv = pytesseract.image_to_data(
                fh.name,
                lang=OCR_LANG,
                config=f"--oem 1 --psm {psm}",
                output_type=pytesseract.Output.STRING,
                timeout=TESSERACT_PAGE_TIMEOUT,
            )
    return tsv


def looks_like_table(text: str) -> bool:
    return len(TABLE_WORDS.findall(text)) >= TABLE_WORDS_MIN


def prefer_table_reading(automatic: str, table: str) -> bool:
    """Keep the table-mode reading only when it recovered clearly more figures."""
    a, t = count_whole_figures(automatic), count_whole_figures(table)
    return t >= a + 10 and t >= 1.3 * a


def remove_rules(image: Image.Image, scale: float, min_run_pt: float = 29.0) -> Image.Image:
    """A copy of a greyscale page (rendered at `scale` px/pt) with long horizontal rules
    painted white.

    A pixel belongs to a rule when it lies in a horizontal run of dark pixels at least
    `min_run_pt` long (0.4 inch: longer than any letter, even a bold dash); a slightly
    skewed 1-pt rule still has runs of a hundred pixels and more on each pixel row. Text
    touching the rule keeps its strokes except where they overlap it. Worked in bands of
    rows so the scratch arrays stay small whatever the page size.
    """
    a = np.asarray(image.convert("L"))
    h, w = a.shape
    run = max(8, int(round(min_run_pt * scale)))
    if w <= run:
        return image.copy()
    rule = np.zeros((h, w), dtype=bool)
    for top in range(0, h, 256):
        dark = a[top : top + 256] < 128
        rows = dark.shape[0]
        sums = np.zeros((rows, w + 1), dtype=np.int32)
        np.cumsum(dark, axis=1, out=sums[:, 1:])
        full = (sums[:, run:] - sums[:, :-run]) == run  # the window starting at x is all dark
        marks = np.zeros((rows, w + 1), dtype=np.int32)
        marks[:, : w - run + 1] += full
        marks[:, run:] -= full
        rule[top : top + rows] = np.cumsum(marks, axis=1)[:, :w] > 0
    if not rule.any():
        return image.copy()
    fringe = rule.copy()  # and the anti-aliased edge just above and below
    fringe[1:] |= rule[:-1]
    fringe[:-1] |= rule[1:]
    out = a.copy()
    out[fringe] = 255
    return Image.fromarray(out)


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
    lines = join_split_lines([sorted(groups[key], key=lambda w: w.bbox.x0) for key in groups])  # Tesseract's order
    mean_conf = round(sum(confs) / len(confs), 2) if confs else 0.0
    page = Page(
        number=page_number,
        width=width,
        height=height,
        method="ocr",
        ocr_pass="auto",
        raw_text="\n".join(ln.text for ln in lines),
        lines=lines,
        ocr_confidence=mean_conf,
    )
    if not confs:
        page.warnings.append("OCR found no text on this page")
    return page


def join_split_lines(word_lines: list[list[Word]]) -> list[Line]:
    """Lines from Tesseract's word groups, with a line it split in two joined again.

    Tesseract sometimes ends a block in mid-line and puts the rest of the line, at the
    same height and a space to the right, in a block of its own that it reads later
    ("... till 2023-" / next line / "12-31. Beslut om"). A group that starts within about
    one line height to the right of another, on the same height, continues it. Columns
    (signature blocks, table figures) stand much further apart and stay separate.
    """
    groups = [list(ws) for ws in word_lines if ws]
    boxes = [BBox.union([w.bbox for w in ws]) for ws in groups]
    alive = [True] * len(groups)
    changed = True
    while changed:
        changed = False
        for i in range(len(groups)):
            if not alive[i]:
                continue
            a = boxes[i]
            height = a.bottom - a.top
            for j in range(len(groups)):
                if j == i or not alive[j]:
                    continue
                b = boxes[j]
                overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
                gap = b.x0 - a.x1
                if overlap >= 0.6 * min(height, b.bottom - b.top) and -1.0 <= gap <= 0.8 * max(height, b.bottom - b.top):
                    groups[i].extend(groups[j])
                    boxes[i] = a = BBox.union([a, b])
                    height = a.bottom - a.top
                    alive[j] = False
                    changed = True
    return [
        Line(text=" ".join(w.text for w in ws), words=ws, bbox=box)
        for ws, box, keep in zip(groups, boxes, alive)
        if keep
    ]


def ocr_pages(pdf: pdfium.PdfDocument, indices: list[int], limits: Limits) -> Iterator[Page]:
    """OCR the given 0-based page indices; yields pages in page order."""
    check_tesseract()
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every tesseract process
    workers = max(1, limits.ocr_workers)
    results: dict[int, Page] = {}
    pending: dict[Future, int] = {}
    # With the CLI the threads only wait on tesseract processes: a small stack keeps them cheap
    # under the worker's memory cap (a thread that cannot start would leave its page pending).
    # In process they run Tesseract itself, which gets the stack its CLI's main thread has.
    threading.stack_size(16 * 1024 * 1024 if ocr_engine() == "api" else 512 * 1024)
    # With the batch's slots bounding the Tesseract processes, one thread more than there are
    # slots keeps a call of this file waiting whenever it has a page ready, so a freed slot
    # goes to it rather than to a file started later (pipeline.read.ocr_slots); alone, one
    # thread per core.
    threads = workers + 1 if ocr_slots.shared() else workers
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ocr") as pool:
        todo = list(indices)
        while todo or pending:
            # Keep at most 2 pages per worker rendered and waiting.
            while todo and len(pending) < 2 * workers:
                i = todo.pop(0)
                image, scale, w, h = render_page(pdf, i, limits)
                pending[pool.submit(_ocr_and_close, image, i + 1, scale, w, h)] = i
            # a table page may take two Tesseract calls (ocr_image)
            done, _ = wait(pending, timeout=2 * TESSERACT_PAGE_TIMEOUT + 30, return_when=FIRST_COMPLETED)
            if not done:
                raise LimitExceeded("OCR stalled: no page finished in time (out of memory or threads?)")
            for fut in done:
                i = pending.pop(fut)
                try:
                    results[i] = fut.result()
                    progress.advance()
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
