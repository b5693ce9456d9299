"""DOCX: paragraphs and tables in document order (python-docx).

Word has no fixed pages; explicit page breaks start a new page, so provenance can
still point at "page 3" where the author broke pages. Section headers and footers
are running text and are not read (the PDF cleanup removes their rendered copies).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from models.text import Line, Page
from pipeline.errors import LimitExceeded, UnreadableFile
from pipeline.limits import Limits


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse zip bombs before python-docx inflates anything."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
            if total > limits.max_decompressed_bytes:
                raise LimitExceeded(
                    f"DOCX would decompress to {total // (1024 * 1024)} MiB, over the limit of "
                    f"{limits.max_decompressed_bytes // (1024 * 1024)} MiB"
                )
            if "word/document.xml" not in zf.namelist():
                raise UnreadableFile("not a Word document (no word/document.xml in the zip)")
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"not a readable DOCX ({exc})") from exc


def _has_page_break(paragraph: Paragraph) -> bool:
    for br in paragraph._p.iter(qn("w:br")):
        if br.get(qn("w:type")) == "page":
            return True
    return bool(paragraph.paragraph_format.page_break_before)


def read_docx(path: Path, limits: Limits) -> tuple[list[Page], list[str]]:
    check_zip(path, limits)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        raise UnreadableFile(f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc

    pages: list[list[Line]] = [[]]
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            if _has_page_break(block) and pages[-1]:
                pages.append([])
            style = block.style.name if block.style is not None else None
            runs = [r for r in block.runs if r.text.strip()]
            bold = bool(runs) and all(r.bold for r in runs)
            for text in block.text.split("\n"):  # soft line breaks
                pages[-1].append(Line(text=text, style=style, bold=bold))
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:  # merged cells repeat: keep each once
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(cell.text.strip())
                pages[-1].append(Line(text="\t".join(cells), style="table", cells=cells))
    out = []
    for i, lines in enumerate(pages):
        out.append(Page(number=i + 1, method="docx", raw_text="\n".join(ln.text for ln in lines), lines=lines))
    return out, []
