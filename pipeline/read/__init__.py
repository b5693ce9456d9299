"""Read any supported file into one normalized `DocumentText`.

The kind is decided by the file's content, not its name: a ".pdf" that is really
HTML or a zip is refused with a one-line reason instead of crashing a parser.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

from models.text import DocumentText
from pipeline.text.clean import clean_document
from pipeline.errors import LimitExceeded, UnreadableFile, UnsupportedFile
from pipeline.config import Limits

SUPPORTED_SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".text": "txt"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif", ".bmp", ".webp", ".heic"}


def sha256_file(path: Path) -> str:
    """sha256 of a regular file's bytes, never through a link at its name (O_NOFOLLOW)."""
    from pipeline.names import open_nofollow  # noqa: PLC0415

    h = hashlib.sha256()
    with os.fdopen(open_nofollow(Path(path)), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def utf16_order(head: bytes) -> str | None:
    """'utf-16' when the bytes are UTF-16 text (Notepad's "Unicode": a BOM, or every other
    byte zero in Latin text), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[: len(head) // 2 * 2]
    if len(sample) >= 8:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    return None


def sniff(head: bytes) -> str:
    """What the first bytes say the file is: pdf, zip, text or binary."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if utf16_order(head):
        return "text"
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


def detect_media_type(path: Path, suffix: str | None = None) -> str:
    suffix = path.suffix if suffix is None else suffix
    claimed = SUPPORTED_SUFFIXES.get(suffix.lower())
    if claimed is None:
        from pipeline.names import display_name  # noqa: PLC0415

        what = "an image (scan it into a PDF to have it OCR'd)" if suffix.lower() in IMAGE_SUFFIXES else f"'{display_name(suffix) or '(none)'}'"
        raise UnsupportedFile(f"unsupported file type {what} (finsam reads .pdf, .docx, .txt)")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise UnreadableFile("file is empty (0 bytes)")
    actual = sniff(head)
    expected = {"pdf": "pdf", "docx": "zip", "txt": "text"}[claimed]
    if actual != expected:
        described = {"pdf": "a PDF", "zip": "a zip archive", "text": "plain text", "binary": "binary data"}[actual]
        raise UnsupportedFile(f"named {suffix} but the content is {described}")
    return claimed


def read_document(path: Path, limits: Limits | None = None) -> DocumentText:
    """Read, then clean (headers, footers, Word noise, hyphenation). Raises FinsamError."""
    return clean_document(read_raw_document(path, limits))


def read_raw_document(path: Path, limits: Limits | None = None) -> DocumentText:
    """Read without cleanup (what the file says, lines and words with positions)."""
    from pipeline.names import escape_name, open_nofollow  # noqa: PLC0415

    limits = limits or Limits()
    path = Path(path)
    # Opened once, without following a link at the name and without blocking on a pipe; the
    # readers then read this very file through /proc/self/fd, so a name swapped for a link
    # after this point changes nothing.
    try:
        fd = open_nofollow(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile("a symbolic link; not followed") from None
        if exc.errno == errno.EINVAL:
            raise UnreadableFile(exc.strerror or "not a regular file") from None
        if isinstance(exc, FileNotFoundError):
            raise UnreadableFile("no such file") from None
        raise UnreadableFile(f"cannot open the file ({exc.strerror or exc})") from None
    try:
        proc = Path(f"/proc/self/fd/{fd}")
        src = proc if proc.exists() else path
        size = os.fstat(fd).st_size
        if size > limits.max_file_bytes:
            raise LimitExceeded(f"file is {size // (1024 * 1024)} MiB, over the limit of {limits.max_file_bytes // (1024 * 1024)} MiB")
        media_type = detect_media_type(src, suffix=path.suffix)
        if media_type == "pdf":
            from pipeline.read.pdf import read_pdf

            pages, warnings = read_pdf(src, limits)
        elif media_type == "docx":
            from pipeline.read.docx import read_docx

            pages, warnings = read_docx(src, limits)
        else:
            from pipeline.read.txt import read_txt

            pages, warnings = read_txt(src)
        doc_id = sha256_file(src) if src is path else _sha256_fd(fd)
    finally:
        os.close(fd)
    return DocumentText(
        doc_id=doc_id,
        # As shown: escaped (mask_document_text then masks personnummer, counting them);
        # the real name stays on disk and in the caller's Path.
        file_name=escape_name(path.name),
        source_path=escape_name(path),
        media_type=media_type,
        pages=pages,
        warnings=warnings,
    )


def _sha256_fd(fd: int) -> str:
    h = hashlib.sha256()
    offset = 0
    while block := os.pread(fd, 1 << 20, offset):
        h.update(block)
        offset += len(block)
    return h.hexdigest()
