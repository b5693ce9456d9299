"""Per-page progress for long files: the reader's pages reach the caller while a file is read
(issue 15: a 49-page scan showed "0/1" for 79 s)."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Limits
from pipeline.runtime.batch import process_batch

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


def test_pages_are_reported_while_files_are_read(tmp_path):
    text_pdf = SAMPLES / "verksamhetsplan_2024.pdf"
    scan = SAMPLES / "kallelse_styrelsen_2025-11-20.scan.pdf"
    seen: dict[str, list[tuple[int, int]]] = {}
    result = process_batch([text_pdf, scan], tmp_path / "out", Limits(), jobs=1,
                           on_page=lambda p, d, t: seen.setdefault(p.name, []).append((d, t)))
    docs = {o.path.name: o.document for o in result.outcomes}
    for name, doc in docs.items():
        assert doc is not None, name
        calls = seen[name]
        assert calls[-1] == (doc.page_count, doc.page_count), calls
        assert all(t == doc.page_count for _, t in calls)
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert docs[scan.name].ocr_page_count >= 1 and seen[scan.name][0][0] == 0  # started before OCR finished


def long_scan(tmp_path: Path, pages: int) -> Path:
    """A scan of `pages` pages: the sample scan's page, repeated."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(SAMPLES / "kallelse_styrelsen_2025-11-20.scan.pdf")
    dest = pdfium.PdfDocument.new()
    for i in range(pages):
        dest.import_pages(src, [0], index=i)
    path = tmp_path / "lang_skanning.pdf"
    dest.save(path)
    return path


def test_a_long_scan_reports_each_page_as_its_ocr_finishes(tmp_path, monkeypatch):
    """Page k+1 of a long scan is only OCR'd once page k has been reported: a reader that
    reported at the end of the file (or in one lump) would leave page 2 waiting, and fail."""
    import threading

    from pipeline.read import ocr, progress
    from pipeline.read.pdf import read_pdf

    pages = 4
    path = long_scan(tmp_path, pages)
    reported: list[tuple[int, int]] = []
    changed = threading.Condition()
    waits_met: list[bool] = []

    def hook(done: int, total: int) -> None:
        with changed:
            reported.append((done, total))
            changed.notify_all()

    real_ocr_image = ocr.ocr_image

    def ocr_image_after_previous_reported(image, number, *args):
        with changed:  # the timeout only keeps a broken reader from hanging the test
            waits_met.append(changed.wait_for(lambda: any(d >= number - 1 for d, _ in reported), timeout=60))
        return real_ocr_image(image, number, *args)

    monkeypatch.setattr(ocr, "ocr_image", ocr_image_after_previous_reported)
    progress.set_hook(hook)
    try:
        # One worker, so pages are OCR'd in order; 100 dpi keeps Tesseract quick.
        read, _ = read_pdf(path, Limits(ocr_workers=1, ocr_dpi=100))
    finally:
        progress.set_hook(None)
    assert [p.method for p in read] == ["ocr"] * pages
    assert all(waits_met) and len(waits_met) == pages
    assert [d for d, _ in reported] == list(range(pages + 1))  # 0 (start), then every page
    assert all(t == pages for _, t in reported)
