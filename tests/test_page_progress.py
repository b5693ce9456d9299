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
