"""Walking a segment's text and pointing back at where things stand (provenance).

Extractors use these instead of re-implementing page/line loops.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from models import BBox, DocumentText, Line, Page, Provenance, Segment


@dataclass(frozen=True)
class LineRef:
    page: Page
    line: Line
    index: int  # index in page.lines

    @property
    def text(self) -> str:
        return self.line.text


def segment_pages(doc: DocumentText, segment: Segment) -> list[Page]:
    return [p for p in doc.pages if segment.page_start <= p.number <= segment.page_end]


def _in_segment(segment: Segment, page: Page, index: int) -> bool:
    """Whether line `index` of `page` lies inside the segment's line bounds (if any)."""
    if page.number == segment.page_start and segment.line_start is not None and index < segment.line_start:
        return False
    if page.number == segment.page_end and segment.line_end is not None and index > segment.line_end:
        return False
    return True


def segment_lines(doc: DocumentText, segment: Segment, include_blank: bool = False) -> Iterator[LineRef]:
    """Body lines of the segment, in reading order (within its line bounds when set)."""
    for page in segment_pages(doc, segment):
        for i, line in enumerate(page.lines):
            if line.kind != "body" or not _in_segment(segment, page, i):
                continue
            if not include_blank and not line.text.strip():
                continue
            yield LineRef(page, line, i)


def segment_span(segment: Segment, page: Page) -> tuple[int, int]:
    """The part of `page.text` (character offsets) that belongs to the segment: a bundle's
    documents may start and end mid-page."""
    spans = [(ln.start, ln.end) for i, ln in enumerate(page.lines)
             if ln.kind == "body" and ln.start is not None and _in_segment(segment, page, i)]
    if not spans:
        return (0, 0)
    return (min(a for a, _ in spans), max(b for _, b in spans))


def segment_text(doc: DocumentText, segment: Segment) -> str:
    if segment.line_start is None and segment.line_end is None:
        return "\n".join(p.text for p in segment_pages(doc, segment))
    parts = []
    for page in segment_pages(doc, segment):
        parts.append("\n".join(
            ln.text for i, ln in enumerate(page.lines) if ln.kind == "body" and _in_segment(segment, page, i)
        ))
    return "\n".join(parts)


def provenance(doc: DocumentText, page: Page, line: Line | None = None, lines: list[Line] | None = None) -> Provenance:
    """Provenance of a line or a run of lines on one page."""
    chosen = lines if lines else ([line] if line is not None else [])
    bbox = BBox.union([ln.bbox for ln in chosen if ln.bbox is not None]) if chosen else None
    starts = [ln.start for ln in chosen if ln.start is not None]
    ends = [ln.end for ln in chosen if ln.end is not None]
    confs = [w.confidence for ln in chosen for w in ln.words if w.confidence is not None]
    return Provenance(
        doc_id=doc.doc_id,
        file_name=doc.file_name,
        page=page.number,
        bbox=bbox,
        char_start=min(starts) if starts else None,
        char_end=max(ends) if ends else None,
        method=page.method,
        ocr_confidence=round(sum(confs) / len(confs), 2) if confs else page.ocr_confidence,
    )


def page_provenance(doc: DocumentText, page_number: int) -> Provenance:
    page = next(p for p in doc.pages if p.number == page_number)
    return Provenance(
        doc_id=doc.doc_id, file_name=doc.file_name, page=page.number, method=page.method,
        ocr_confidence=page.ocr_confidence,
    )


# --- text without layout -----------------------------------------------------------------


@dataclass(frozen=True)
class TextStream:
    """A segment's body lines joined into one string, each line's span kept.

    Real documents often arrive flattened (a whole page on one line, wrapped anywhere by
    the PDF) or with their columns serialised one after the other, so a parser cannot
    trust line breaks. It reads `text` (lines joined by "\\n": match them as white space)
    and points back at the lines a match covers with `refs` / `provenance`.
    """

    text: str
    starts: tuple[int, ...]  # offset of each line in `text`
    lines: tuple[LineRef, ...]

    def refs(self, start: int, end: int) -> list[LineRef]:
        """The lines that the span [start, end) touches."""
        import bisect

        first = max(0, bisect.bisect_right(self.starts, start) - 1)
        out = []
        for k in range(first, len(self.lines)):
            if self.starts[k] >= max(end, start + 1):
                break
            out.append(self.lines[k])
        return out

    def provenance(self, doc: DocumentText, start: int, end: int) -> Provenance:
        """Provenance of a span: its first page and the lines it covers there."""
        refs = self.refs(start, end)
        if not refs:
            return page_provenance(doc, doc.pages[0].number)
        page = refs[0].page
        return provenance(doc, page, lines=[r.line for r in refs if r.page.number == page.number])


def segment_stream(doc: DocumentText, segment: Segment) -> TextStream:
    refs = list(segment_lines(doc, segment))
    starts: list[int] = []
    parts: list[str] = []
    pos = 0
    for ref in refs:
        starts.append(pos)
        parts.append(ref.text)
        pos += len(ref.text) + 1
    return TextStream("\n".join(parts), tuple(starts), tuple(refs))
