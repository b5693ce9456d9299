"""Visual rows of a page: the words that stand on one line of a table, as the eye reads them.

Text-layer and plain-text lines are rows as they are. OCR lines may split a row into
blocks, so OCR words are regrouped by their vertical centre, corrected for the scan's
tilt (worked out from the lines themselves). Budget tables read their cells from these rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models import BBox, DocumentText, Page, Provenance, Segment
from pipeline.text.textview import segment_lines
from pipeline.config import EXTRACTION


@dataclass
class Token:
    text: str
    bbox: BBox | None = None
    confidence: float | None = None


@dataclass
class Row:
    page: Page
    tokens: list[Token]
    line_indexes: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


def scan_tilt(lines) -> float:
    """The page's skew as a slope (points down per point right), from the OCR lines
    themselves: the median slope of the word centres along each line of three or more words.
    A scan tilted by 1 degree puts a figure 300 pt to the right of its label 5 pt lower,
    half a line: rows must be regrouped along the tilt, not the page's horizontal."""
    slopes = []
    for line in lines:
        ws = [w for w in line.words if w.bbox is not None]
        if len(ws) < EXTRACTION.tilt_min_words:
            continue
        xs = [(w.bbox.x0 + w.bbox.x1) / 2 for w in ws]
        ys = [(w.bbox.top + w.bbox.bottom) / 2 for w in ws]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx < EXTRACTION.tilt_min_span**2:  # too short a line to tell
            continue
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx)
    if len(slopes) < EXTRACTION.tilt_min_lines:
        return 0.0
    slopes.sort()
    slope = slopes[len(slopes) // 2]
    return slope if abs(slope) < EXTRACTION.tilt_max_slope else 0.0


def rows_of_page(page: Page, refs: list) -> list[Row]:
    """Visual rows of one page. OCR lines may split a row into blocks, so OCR words are
    regrouped by their vertical centre, corrected for the scan's tilt; text-layer and
    plain lines are rows as they are."""
    if page.method == "ocr":
        words = [(w, r.index) for r in refs for w in r.line.words if w.bbox is not None and w.text.strip()]
        if words:
            slope = scan_tilt([r.line for r in refs])

            def level(w) -> float:
                return (w.bbox.top + w.bbox.bottom) / 2 - slope * (w.bbox.x0 + w.bbox.x1) / 2

            heights = sorted(w.bbox.bottom - w.bbox.top for w, _ in words)
            tol = max(EXTRACTION.row_min_tolerance, EXTRACTION.row_tolerance * heights[len(heights) // 2])
            words.sort(key=lambda wi: level(wi[0]))
            rows: list[list[tuple]] = []
            for w, i in words:
                cy = level(w)
                if rows:
                    last = rows[-1]
                    mean = sum(level(x) for x, _ in last) / len(last)
                    if abs(cy - mean) <= tol:
                        last.append((w, i))
                        continue
                rows.append([(w, i)])
            out = []
            for r in rows:
                r.sort(key=lambda wi: wi[0].bbox.x0)
                out.append(Row(page, [Token(w.text, w.bbox, w.confidence) for w, _ in r], sorted({i for _, i in r})))
            return out
    out = []
    for r in refs:
        if r.line.words and all(w.bbox is not None for w in r.line.words):
            tokens = [Token(w.text, w.bbox, w.confidence) for w in r.line.words if w.text.strip()]
        else:
            tokens = [Token(t) for t in r.line.text.split()]
        if tokens:
            out.append(Row(page, tokens, [r.index]))
    return out


def segment_rows(doc: DocumentText, segment: Segment) -> list[Row]:
    by_page: dict[int, list] = {}
    pages: dict[int, Page] = {}
    for ref in segment_lines(doc, segment):
        by_page.setdefault(ref.page.number, []).append(ref)
        pages[ref.page.number] = ref.page
    rows: list[Row] = []
    for number in sorted(by_page):
        rows.extend(rows_of_page(pages[number], by_page[number]))
    return rows


def row_provenance(doc: DocumentText, row: Row) -> Provenance:
    boxes = [t.bbox for t in row.tokens if t.bbox is not None]
    confs = [t.confidence for t in row.tokens if t.confidence is not None]
    lines = [row.page.lines[i] for i in row.line_indexes]
    starts = [ln.start for ln in lines if ln.start is not None]
    ends = [ln.end for ln in lines if ln.end is not None]
    return Provenance(
        doc_id=doc.doc_id, file_name=doc.file_name, page=row.page.number, bbox=BBox.union(boxes),
        char_start=min(starts) if starts else None, char_end=max(ends) if ends else None,
        method=row.page.method,
        ocr_confidence=round(sum(confs) / len(confs), 2) if confs else row.page.ocr_confidence,
    )
