"""The normalized text of one input file: pages -> lines -> words.

Every reader (born-digital PDF, OCR, DOCX, plain text) returns a `DocumentText`,
so segmenters and extractors never care where the text came from. Coordinates are
PDF points (1/72 inch, origin top-left, y grows downwards) whatever the source:
OCR boxes are converted from pixels at render time.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ReadMethod = Literal["text", "ocr", "docx", "txt"]
LineKind = Literal["body", "header", "footer", "noise"]


class BBox(BaseModel):
    """A box in PDF points: (x0, top) to (x1, bottom)."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def center_x(self) -> float:
        return (self.x0 + self.x1) / 2

    @staticmethod
    def union(boxes: list["BBox"]) -> "BBox | None":
        if not boxes:
            return None
        return BBox(
            x0=min(b.x0 for b in boxes),
            top=min(b.top for b in boxes),
            x1=max(b.x1 for b in boxes),
            bottom=max(b.bottom for b in boxes),
        )


class Word(BaseModel):
    text: str
    bbox: BBox | None = None
    # Tesseract's word confidence (0-100); None for text-layer words.
    confidence: float | None = None


class Line(BaseModel):
    """One visual line. `start`/`end` index the page's cleaned `text` (body lines only)."""

    text: str
    words: list[Word] = Field(default_factory=list)
    bbox: BBox | None = None
    kind: LineKind = "body"
    # Character span of this line inside Page.text; None for lines removed by cleanup.
    start: int | None = None
    end: int | None = None
    # DOCX: the paragraph style ("Heading 1") or "table" for table rows.
    style: str | None = None
    # DOCX table rows: the text of each cell, in column order.
    cells: list[str] | None = None
    bold: bool | None = None


class Page(BaseModel):
    number: int  # 1-based
    width: float | None = None
    height: float | None = None
    method: ReadMethod
    raw_text: str  # as read, before cleanup
    text: str = ""  # after cleanup (headers, footers, Word noise, hyphenation)
    lines: list[Line] = Field(default_factory=list)
    ocr_confidence: float | None = None  # mean word confidence of the page, 0-100
    # OCR pages: "auto" (Tesseract's automatic page segmentation) or "table" (the page was
    # read again in table mode and that reading kept; pipeline/read/ocr.py)
    ocr_pass: Literal["auto", "table"] | None = None
    text_quality: float | None = None  # 0-1 score of the text layer (before any OCR)
    warnings: list[str] = Field(default_factory=list)

    def body_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.kind == "body"]


class DocumentText(BaseModel):
    """What a reader returns for one file."""

    doc_id: str  # sha256 of the file bytes
    file_name: str
    source_path: str
    media_type: Literal["pdf", "docx", "txt"]
    pages: list[Page] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def ocr_pages(self) -> list[Page]:
        return [p for p in self.pages if p.method == "ocr"]

    def full_text(self) -> str:
        return "\n".join(p.text for p in self.pages)
