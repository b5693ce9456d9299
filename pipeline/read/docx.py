"""DOCX: paragraphs and tables in document order (python-docx).

Word has no fixed pages; explicit page breaks start a new page, so provenance can
still point at "page 3" where the author broke pages. Section headers and footers
are running text and are not read (the PDF cleanup removes their rendered copies).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from models.text import Line, Page
from pipeline.errors import LimitExceeded, UnreadableFile
from pipeline.config import Limits


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse zip bombs before python-docx inflates anything.

    The sizes the zip declares are checked first (cheap); then every member is inflated
    into nothing, counting bytes, so a zip whose headers lie about the sizes is refused as
    soon as a member outgrows its declared size or the total passes the limit.
    """
    cap = limits.max_decompressed_bytes
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(info.file_size for info in infos)
            if total > cap:
                raise LimitExceeded(
                    f"DOCX would decompress to {total // (1024 * 1024)} MiB, over the limit of "
                    f"{cap // (1024 * 1024)} MiB"
                )
            if "word/document.xml" not in zf.namelist():
                raise UnreadableFile("not a Word document (no word/document.xml in the zip)")
            for info in infos:
                _check_member_size(zf, info)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError, ValueError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression;
        # OSError/ValueError: offsets in a damaged directory that point outside the file.
        raise UnreadableFile(f"not a readable DOCX ({exc})") from exc


def _check_member_size(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Inflate one member in bounded chunks; refuse it once it outgrows its declared size."""
    seen = 0
    with zf.open(info) as fh:
        # ZipExtFile stops returning data at the declared size; read the raw stream
        # through our own decompressor instead so the real size shows.
        raw = fh._fileobj  # noqa: SLF001 - positioned at the member's compressed data
        left = info.compress_size
        if info.compress_type == zipfile.ZIP_STORED:
            if left != info.file_size:
                raise LimitExceeded(f"zip member {info.filename!r} is larger than its header says; refused")
            return
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise UnreadableFile(f"zip member {info.filename!r} uses an unsupported compression method")
        inflater = zlib.decompressobj(-15)
        while left > 0:
            block = raw.read(min(left, 1 << 16))
            if not block:
                break
            left -= len(block)
            data = inflater.decompress(block, 1 << 20)
            while True:
                seen += len(data)
                if seen > info.file_size:
                    raise LimitExceeded(
                        f"zip member {info.filename!r} inflates past the {info.file_size:,} bytes its header "
                        "declares (a zip bomb); refused"
                    )
                if not inflater.unconsumed_tail:
                    break
                data = inflater.decompress(inflater.unconsumed_tail, 1 << 20)


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
