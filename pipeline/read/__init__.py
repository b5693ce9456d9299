"""Read any supported file into one normalized `DocumentText`.

The kind is decided by the file's content, not its name: a ".pdf" that is really
HTML or a zip is refused with a one-line reason instead of crashing a parser.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from models.text import DocumentText
from pipeline.clean import clean_document
from pipeline.errors import LimitExceeded, UnreadableFile, UnsupportedFile
from pipeline.limits import Limits

SUPPORTED_SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".text": "txt"}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sniff(head: bytes) -> str:
    """What the first bytes say the file is: pdf, zip, text or binary."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start >= len(head) - 3:
            return "text"
        return "text" if sum(b < 9 for b in head) == 0 else "binary"


def detect_media_type(path: Path) -> str:
    claimed = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if claimed is None:
        raise UnsupportedFile(f"unsupported file type '{path.suffix or '(none)'}' (finsam reads .pdf, .docx, .txt)")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise UnreadableFile("file is empty (0 bytes)")
    actual = sniff(head)
    expected = {"pdf": "pdf", "docx": "zip", "txt": "text"}[claimed]
    if actual != expected:
        described = {"pdf": "a PDF", "zip": "a zip archive", "text": "plain text", "binary": "binary data"}[actual]
        raise UnsupportedFile(f"named {path.suffix} but the content is {described}")
    return claimed


def read_document(path: Path, limits: Limits | None = None) -> DocumentText:
    """Read, then clean (headers, footers, Word noise, hyphenation). Raises FinsamError."""
    return clean_document(read_raw_document(path, limits))


def read_raw_document(path: Path, limits: Limits | None = None) -> DocumentText:
    """Read without cleanup (what the file says, lines and words with positions)."""
    limits = limits or Limits()
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile("not a regular file")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LimitExceeded(f"file is {size // (1024 * 1024)} MiB, over the limit of {limits.max_file_bytes // (1024 * 1024)} MiB")
    media_type = detect_media_type(path)
    if media_type == "pdf":
        from pipeline.read.pdf import read_pdf

        pages, warnings = read_pdf(path, limits)
    elif media_type == "docx":
        from pipeline.read.docx import read_docx

        pages, warnings = read_docx(path, limits)
    else:
        from pipeline.read.txt import read_txt

        pages, warnings = read_txt(path)
    doc = DocumentText(
        doc_id=sha256_file(path),
        file_name=path.name,
        source_path=str(path),
        media_type=media_type,
        pages=pages,
        warnings=warnings,
    )
    return doc
