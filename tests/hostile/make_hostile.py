"""Generate a corpus of hostile and broken input files (deterministic, small on disk).

    python -m tests.hostile.make_hostile OUTDIR

Nothing here is committed as data: tests call `make_corpus(tmp_dir)`. Each file is
described by a `Hostile` entry saying what it is and which outcomes are acceptable:
"processed" (the reader copes) or a failure of one of the given error kinds. What is never
acceptable: a crash of the batch, a hang past the time limit, unbounded memory, an
"internal" error (a bug), or a write outside the output folder.

Every PDF is written by hand (objects and xref), so the generator needs nothing but the
standard library and is exact about the structure it produces: a page tree that loops,
an image stream that inflates to 400 MB from a few hundred KiB, a 20,000 x 20,000 px page.
"""

from __future__ import annotations

import io
import os
import random
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

A4 = (595, 842)


@dataclass
class Hostile:
    name: str
    what: str
    # Acceptable outcomes: "processed" and/or error kinds ("unreadable", "limit", ...).
    ok: set[str] = field(default_factory=set)


# --- a minimal PDF writer ---------------------------------------------------------------


def build_pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """objects[i] is the body of object i+1 (without 'n 0 obj'/'endobj')."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, trailer_extra, xref))
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"", compressed: bool = False) -> bytes:
    filt = b" /Filter /FlateDecode" if compressed else b""
    return b"<< /Length %d%s %s>>\nstream\n" % (len(data), filt, extra) + data + b"\nendstream"


def text_pdf(pages: list[str], size: tuple[int, int] = A4) -> bytes:
    """Born-digital pages with one line of Helvetica text each."""
    n = len(pages)
    # 1 catalog, 2 pages, 3 font, then per page: page object, content stream.
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, text in enumerate(pages):
        content = b"BT /F1 12 Tf 72 %d Td (%s) Tj ET" % (size[1] - 80, text.encode("cp1252"))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (size[0], size[1], 5 + 2 * i)
        )
        objects.append(stream(content))
    return build_pdf(objects)


def _deflate_repeated(n_bytes: int, fill: int = 0xFF, zlib_wrapper: bool = True) -> tuple[bytes, int]:
    """Deflate n_bytes copies of one byte without ever holding or compressing them all.

    After a full flush deflate forgets its history, so every further 1 MiB of the same
    byte compresses to the same block: compress one, repeat it. Returns the stream (zlib
    format, or raw deflate for zip) and the CRC-32 of the inflated data (for zip).
    """
    chunk = bytes([fill]) * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_wrapper else -15)
    whole, rest = divmod(n_bytes, len(chunk))
    parts = []
    adler, crc = 1, 0
    if whole:
        block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
        header, block = (block[:2], block[2:]) if zlib_wrapper else (b"", block)
        parts.append(header)
        parts.append(block)
        again = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
        parts.append(again * (whole - 1))
        for _ in range(whole):
            adler = zlib.adler32(chunk, adler)
            crc = zlib.crc32(chunk, crc)
    tail = chunk[:rest]
    parts.append(comp.compress(tail))
    adler, crc = zlib.adler32(tail, adler), zlib.crc32(tail, crc)
    end = comp.flush()
    if zlib_wrapper:  # the trailer's Adler-32 must cover what was not compressed
        end = end[:-4] + adler.to_bytes(4, "big")
    parts.append(end)
    return b"".join(parts), crc


def image_pdf(width_px: int, height_px: int, page_size: tuple[float, float], pages: int = 1) -> bytes:
    """Pages showing one greyscale Flate image each (the same image object, drawn full page)."""
    data, _ = _deflate_repeated(width_px * height_px)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    img = 3
    objects.append(stream(
        data, b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        % (width_px, height_px), compressed=True))
    kids = []
    for _ in range(pages):
        page_no = len(objects) + 1
        kids.append(b"%d 0 R" % page_no)
        content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % page_size
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (page_size[0], page_size[1], img, page_no + 1)
        )
        objects.append(stream(content))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    return build_pdf(objects)


def looping_page_tree_pdf() -> bytes:
    """The page tree's Kids point back at itself (and at a node that points back up)."""
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1000000 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 500000 >>",
    ])


def looping_small_page_tree_pdf() -> bytes:
    """A loop that claims one page, so the page limit does not catch it first."""
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>",
    ])


def blank_pages_pdf(n: int) -> bytes:
    """n empty pages sharing one (empty) content stream: a few bytes a page."""
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        stream(b""),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * n
    return build_pdf(objects)


def encrypted_pdf(text_pdf_bytes: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf_bytes)))
    writer.encrypt(user_password="hemligt", owner_password="ägare", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# --- DOCX -------------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    doc = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", doc)
    return buf.getvalue()


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, deflated data, crc32, declared inflated size, method) members."""
    import struct

    out = io.BytesIO()
    central = []
    for name, data, crc, size, method in members:
        offset = out.tell()
        fname = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size,
                              len(fname), 0) + fname + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                                   len(data), size, len(fname), 0, 0, 0, 0, 0, offset) + fname)
    cd_start = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          out.tell() - cd_start, cd_start, 0))
    return out.getvalue()


def _member(name: str, text: str) -> tuple[str, bytes, int, int, int]:
    data = text.encode()
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, comp.compress(data) + comp.flush(), zlib.crc32(data), len(data), 8


def docx_zip_bomb(inflated_bytes: int = 1 << 30, claim: int | None = None) -> bytes:
    """A DOCX whose word/document.xml inflates to `inflated_bytes` (1 GiB) of spaces.

    With `claim`, the zip headers declare that size instead (a lying zip bomb).
    """
    data, crc = _deflate_repeated(inflated_bytes, ord(" "), zlib_wrapper=False)
    return _zip([
        _member("[Content_Types].xml", _CONTENT_TYPES),
        _member("_rels/.rels", _RELS),
        ("word/document.xml", data, crc, inflated_bytes if claim is None else claim, 8),
    ])


def docx_lying_sizes(inflated_bytes: int = 256 << 20) -> bytes:
    """A zip bomb whose headers claim 1,000 bytes: the size check must not trust them."""
    return docx_zip_bomb(inflated_bytes, claim=1000)


def docx_billion_laughs() -> bytes:
    """XML entity expansion inside word/document.xml."""
    ents = '<!ENTITY a0 "hahahahahaha">' + "".join(
        f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    doc = (f'<?xml version="1.0"?><!DOCTYPE w:document [{ents}]>'
           f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", doc)
    return buf.getvalue()


# --- the corpus -------------------------------------------------------------------------

GOOD_TEXT = "Protokoll fört vid styrelsens sammanträde 2024-02-01"
READ_FAIL = {"unreadable", "unsupported"}


def make_corpus(folder: Path, *, truncations: int = 24, seed: int = 8) -> list[Hostile]:
    """Write the hostile corpus into `folder`; returns what each file is and may become."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Hostile] = []

    def put(name: str, data: bytes, what: str, ok: set[str]) -> None:
        (folder / name).write_bytes(data)
        made.append(Hostile(name, what, ok))

    good = text_pdf([GOOD_TEXT, "Sida två: beslut om budget 2025", "Sida tre: justering"])
    put("god.pdf", good, "a good three-page PDF", {"processed"})
    # Truncated at many offsets, from the header to just before %%EOF.
    offsets = sorted({1, 8, 9, 15, len(good) - 1, len(good) - 6, len(good) - 30}
                     | {rnd.randrange(10, len(good) - 1) for _ in range(truncations)})
    for off in offsets:
        put(f"avkortad-{off:05d}.pdf", good[:off], f"good PDF cut at byte {off}", {"processed"} | READ_FAIL)
    put("slump.pdf", rnd.randbytes(64 * 1024), "random bytes named .pdf", READ_FAIL)
    put("slump-med-huvud.pdf", b"%PDF-1.7\n" + rnd.randbytes(64 * 1024), "PDF header then random bytes", READ_FAIL)
    put("krypterad.pdf", encrypted_pdf(good), "encrypted with a user password", {"encrypted"})
    put("sidtrad-loop.pdf", looping_page_tree_pdf(), "page tree whose Kids loop, claiming a million pages",
        {"limit"} | READ_FAIL)
    put("sidtrad-loop-1.pdf", looping_small_page_tree_pdf(), "page tree whose Kids loop, claiming one page",
        READ_FAIL)
    put("bomb-a4.pdf", image_pdf(20_000, 20_000, A4, pages=3),
        "decompression bomb: 3 A4 pages drawing one 20,000 x 20,000 px image (400 MB raw, ~0.4 MB file)",
        {"processed", "limit", "memory"})
    put("affisch-20000px.pdf", image_pdf(20_000, 20_000, (20_000, 20_000)),
        "one 20,000 x 20,000 px image on a page of the same size in points", {"limit"})
    put("2000-sidor.pdf", blank_pages_pdf(2000), "2,000 blank pages", {"limit"})
    put("2001-sidor.pdf", blank_pages_pdf(2001), "2,001 pages: over the page limit", {"limit"})
    put("zipbomb.docx", docx_zip_bomb(), "DOCX whose document.xml inflates to 1 GiB", {"limit"})
    put("zipbomb-ljuger.docx", docx_lying_sizes(), "zip bomb whose headers claim 1,000 bytes",
        {"limit"} | READ_FAIL)
    put("skratt.docx", docx_billion_laughs(), "XML entity expansion (billion laughs)", {"processed"} | READ_FAIL)
    put("trasig.docx", docx_bytes(["Kallelse"])[:300], "DOCX cut short", READ_FAIL)
    put("tom.pdf", b"", "empty file", {"unreadable"})
    # Names: spaces, Swedish letters, leading dashes, dots and slashes' look-alikes.
    for i, name in enumerate(["protokoll med mellanslag.txt", "Överenskommelse Åre–Östersund ä.txt", "-rf.txt",
                 "--help.txt", "-- .txt", "..txt", "...txt", "..\\..\\etc\\passwd.txt", "%2e%2e%2fx.txt",
                 "ny\nrad.txt", " inledande blanksteg.txt"]):
        txt = f"KALLELSE\nStyrelsens sammanträde 2024-03-{i + 1:02d}\n1. Mötets öppnande\n".encode()
        put(name, txt, f"ordinary text under the name {name!r}", {"processed"})
    put("-rf.docx", docx_bytes(["Kallelse till styrelsen", "1. Mötets öppnande"]), "DOCX named -rf.docx",
        {"processed"})
    # Issue 16: names that are bytes, not text; names near the 255-byte limit; terminal
    # escapes and a personnummer (Skatteverket's test series) in a name.
    for i, name in enumerate([os.fsdecode(b"prot\xf6koll fr\xe5n share.txt"), os.fsdecode(b"\xff\xfe\x80\xc3.txt"),
                              "\x1b[31mröd\x1b[0m\x07.txt", "intyg 811218-2384.txt", "intyg 8112182384 .txt",
                              "å" * 120 + ".txt", "x" * 251 + ".txt", "\u202eexe.txt"]):
        txt = f"KALLELSE\nStyrelsens sammanträde 2024-04-{i + 1:02d}\n1. Mötets öppnande\n".encode()
        put(name, txt, f"ordinary text under the name {name!r}", {"processed"})
    put("utf16.txt", "KALLELSE\nStyrelsens sammanträde 2024-05-02\n".encode("utf-16"), "UTF-16 text (Notepad)",
        {"processed"})
    put("utf16be.txt", "PROTOKOLL\nStyrelsens sammanträde 2024-05-03\n".encode("utf-16-be"), "UTF-16 BE, no BOM",
        {"processed"})
    put("noll-sidor.pdf", build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
        "a PDF with an empty page tree", {"unreadable"})
    put("formel.txt", b'=HYPERLINK("http://x";"klicka")\n+cmd|\' /C calc\'!A0\n@SUM(A1)\nKALLELSE\n',
        "text that starts like spreadsheet formulas", {"processed"})
    put("lang-rad.txt", ("Styrelsen beslutar att förbundschefen ska återkomma " * 1500).encode(),
        "a 76 KB paragraph without a full stop (a quadratic pattern took 49 s)", {"processed"})
    put("ettor.txt", b"1 " * 40000, '"1 " x 40,000 (a quadratic pattern took 104 s)', {"processed"})
    return made


if __name__ == "__main__":
    dest = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    for h in make_corpus(dest):
        print(f"{h.name!r:48} {h.what}")
