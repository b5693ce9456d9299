"""Plain text: form feeds separate pages; UTF-8, else cp1252 (older Windows exports)."""

from __future__ import annotations

from pathlib import Path

from models.text import Line, Page


def decode_text(data: bytes) -> tuple[str, list[str]]:
    from pipeline.read import utf16_order  # noqa: PLC0415

    order = utf16_order(data[:4096])
    if order:
        return data.decode(order, errors="replace").lstrip("\ufeff"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), ["text is not UTF-8; read as Windows-1252"]


def read_txt(path: Path) -> tuple[list[Page], list[str]]:
    text, warnings = decode_text(path.read_bytes())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = []
    for i, chunk in enumerate(text.split("\f")):
        lines = [Line(text=t) for t in chunk.split("\n")]
        pages.append(Page(number=i + 1, method="txt", raw_text=chunk, lines=lines))
    return pages, warnings
