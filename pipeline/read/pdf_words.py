"""Words with boxes from PDFium's text page, grouped the way pdfplumber groups them.

pdfplumber (pdfminer) re-parses every content stream in Python to build its character
objects, which made it nearly all of a born-digital document's processing time. PDFium
has already parsed the page: its text page holds every character with its box, text
object and font, so the words here are built from it with pdfplumber's own rules for
`extract_words(x_tolerance=1.5, y_tolerance=3, extra_attrs=["fontname", "size"])`, in
pdfplumber's coordinates (top-left origin, its mediabox and /Rotate conventions), so the
geometry extractors see the same words, lines and boxes as before.

Known, accepted differences (tests/test_pdf_words.py measures them on real pages):
- x coordinates can differ by a few hundredths of a point (PDFium keeps floats);
- the bottom of a box comes from the font's descent, which PDFium may take from the font
  program where pdfminer takes the font descriptor or its built-in metrics (standard 14
  fonts without a descriptor: a few tenths of a point);
- PDFium leaves out text drawn twice at the same spot (simulated bold) and characters it
  generates itself (spaces, line breaks): only characters the page really draws are used;
- rotated (non-upright) text keeps pdfplumber's grouping but not its exact box widths.
"""

from __future__ import annotations

import ctypes
from itertools import groupby
from operator import itemgetter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from models.text import BBox, Word

# pdfplumber's extract_words settings this module reproduces.
X_TOLERANCE = 1.5
Y_TOLERANCE = 3.0
# pdfplumber expands these ligatures when it joins characters into words.
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"})


def _c_function(name: str, restype, *argtypes):
    """A private prototype of a PDFium function taking plain addresses: the per-character
    calls below run some hundred thousand times a document, and converting pointer objects
    on each would cost more than the call itself."""
    address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_vp, _int = ctypes.c_void_p, ctypes.c_int
_count_chars = _c_function("FPDFText_CountChars", _int, _vp)
_text_object = _c_function("FPDFText_GetTextObject", _vp, _vp, _int)
_unicode = _c_function("FPDFText_GetUnicode", ctypes.c_uint, _vp, _int)
_loose_box = _c_function("FPDFText_GetLooseCharBox", _int, _vp, _int, _vp)
_origin = _c_function("FPDFText_GetCharOrigin", _int, _vp, _int, _vp, _vp)
_font_size = _c_function("FPDFText_GetFontSize", ctypes.c_double, _vp, _int)
_char_matrix = _c_function("FPDFText_GetMatrix", _int, _vp, _int, _vp)
_font_of = _c_function("FPDFTextObj_GetFont", _vp, _vp)
_base_font_name = _c_function("FPDFFont_GetBaseFontName", ctypes.c_size_t, _vp, ctypes.c_char_p, ctypes.c_size_t)


class PageGeometry:
    """pdfplumber's page frame: its width and height, and where a PDF user-space point
    lands in it (pdfminer's rotation of the page, then pdfplumber's mediabox shift)."""

    def __init__(self, mediabox: tuple[float, float, float, float], rotation: int):
        x0, x1 = sorted((mediabox[0], mediabox[2]))
        y0, y1 = sorted((mediabox[1], mediabox[3]))
        self.rotation = rotation % 360
        # pdfminer's page matrix for /Rotate (pdfminer.pdfinterp.PDFPageInterpreter.process_page).
        self.ctm = {
            90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
            180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
            270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
        }.get(self.rotation, (1.0, 0.0, 0.0, 1.0, -x0, -y0))
        # pdfplumber.page.Page: the mediabox normalized for rotation, then turned top-down.
        nx0, ny0, nx1, ny1 = (y0, x0, y1, x1) if self.rotation in (90, 270) else (x0, y0, x1, y1)
        self.width = nx1 - nx0
        self.height = ny1 - ny0
        self.shift_x = nx0
        self.top_shift = self.height - ny1

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> "PageGeometry":
        # PDFium reads /MediaBox only from the page itself; an inherited one is what
        # its bounding box starts from (equal to it unless a /CropBox also cuts it).
        box = page.get_mediabox(fallback_ok=False) or page.get_bbox()
        return cls(box, page.get_rotation())

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.ctm
        return a * x + c * y + e, b * x + d * y + f


class _Font:
    """What the words need of a text object: its font (for grouping and bold), whether it
    reads upright on the displayed page, and pdfminer's character height ("size")."""

    __slots__ = ("key", "bold", "upright", "size", "up", "simple", "run")

    def __init__(self, key: int, bold: bool, upright: bool, size: float, up: tuple[float, float], simple: bool):
        self.key, self.bold, self.upright, self.size, self.up, self.simple = key, bold, upright, size, up, simple
        # pdfplumber's grouping key (upright, fontname, size); size to float noise.
        self.run = (key, upright, round(size, 2))


def _font_name(font: int) -> str:
    buf = ctypes.create_string_buffer(256)
    n = _base_font_name(font, buf, 256)
    return buf.raw[: max(0, n - 1)].decode("utf-8", "replace") if n else ""


def _describe(textpage: int, index: int, obj: int, geometry: PageGeometry, names: dict[int, str]) -> _Font:
    font = _font_of(obj) or 0
    if font not in names:
        names[font] = _font_name(font) if font else ""
    m = (ctypes.c_float * 6)()
    _char_matrix(textpage, index, ctypes.addressof(m))
    a, b, c, d = m[0], m[1], m[2], m[3]
    # The character's matrix on the displayed page, as pdfminer multiplies it with the page's.
    ra, rb, rc, rd = geometry.ctm[:4]
    da, db, dc, dd = a * ra + b * rc, a * rb + b * rd, c * ra + d * rc, c * rb + d * rd
    upright = da * dd > 0 and db * dc <= 0
    # One font size along the text's "up" direction, in user space (the matrix scales it).
    font_size = _font_size(textpage, index)
    up = (c * font_size, d * font_size)
    simple = geometry.rotation == 0 and b == 0 and c == 0 and a > 0 and d > 0
    return _Font(font, "bold" in names[font].lower(), upright, abs(up[1]), up, simple)


def page_chars(textpage: pdfium.PdfTextPage, geometry: PageGeometry) -> list[tuple]:
    """The characters the page draws, in PDFium's order, as (text, x0, top, x1, bottom,
    font, run): pdfplumber's char boxes in its page frame, and the key of pdfplumber's
    runs of one font and size."""
    tp = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    box = (ctypes.c_float * 4)()  # FS_RECTF: left, top, right, bottom (PDF user space)
    box_at = ctypes.addressof(box)
    origin = (ctypes.c_double * 2)()
    origin_x, origin_y = ctypes.addressof(origin), ctypes.addressof(origin) + ctypes.sizeof(ctypes.c_double)
    height, shift_x, top_shift = geometry.height, geometry.shift_x, geometry.top_shift
    fonts: dict[int, _Font] = {}
    names: dict[int, str] = {}
    chars: list[tuple] = []
    append = chars.append
    for i in range(_count_chars(tp)):
        obj = _text_object(tp, i)
        if not obj:  # a space or line break PDFium generated: not on the page
            continue
        code = _unicode(tp, i)
        if code == 0:
            continue
        if code == 2:  # PDFium's mark for a hyphen that ends a line; the page shows "-"
            code = 0x2D
        font = fonts.get(obj)
        if font is None:
            font = fonts[obj] = _describe(tp, i, obj, geometry, names)
        _loose_box(tp, i, box_at)
        left, right, bottom = box[0], box[2], box[3]
        if font.simple:
            # Unrotated page, upright text: pdfminer's mediabox shift and pdfplumber's
            # cancel out. The box starts at the glyph's origin (PDFium's box reaches
            # further left for a glyph like "j") and rises from the descent by one font size.
            _origin(tp, i, origin_x, origin_y)
            char_bottom = height - bottom
            append((chr(code), origin[0], char_bottom - font.size, right, char_bottom, font, font.run))
            continue
        top = box[1]
        # pdfminer's box in user space: from the descent edge, one font size along the
        # text's "up" direction, then turned into the displayed page.
        up_x, up_y = font.up
        if abs(up_y) >= abs(up_x):
            if up_y > 0:
                top = bottom + up_y
            else:
                bottom = top + up_y
        elif up_x > 0:
            right = left + up_x
        else:
            left = right + up_x
        xa, ya = geometry.to_page(left, bottom)
        xb, yb = geometry.to_page(right, top)
        top, bottom = height - max(ya, yb) + top_shift, height - min(ya, yb) + top_shift
        # pdfminer's size is the box height: for rotated text, each character's advance.
        run = font.run if font.upright else (font.key, False, round(bottom - top, 2))
        append((chr(code), min(xa, xb) + shift_x, top, max(xa, xb) + shift_x, bottom, font, run))
    return chars


def _chars_to_words(chars: list[tuple], upright: bool) -> list[list[tuple]]:
    """pdfplumber.utils.text.WordExtractor for one run of characters: cluster into lines
    (upright: by top within y_tolerance; rotated: by x0 within x_tolerance), order each
    line (by x0; rotated: top to bottom), and split it at blanks and gaps."""
    if upright:
        line_key, tolerance, start, end, across, gap, drift = 2, Y_TOLERANCE, 1, 3, 2, X_TOLERANCE, Y_TOLERANCE
    else:
        line_key, tolerance, start, end, across, gap, drift = 1, X_TOLERANCE, 2, 4, 1, Y_TOLERANCE, X_TOLERANCE
    # pdfplumber.utils.clustering.cluster_objects: distinct values, chained within tolerance.
    cluster_of: dict[float, int] = {}
    last = None
    n = -1
    for value in sorted({ch[line_key] for ch in chars}):
        if last is None or value > last + tolerance:
            n += 1
        cluster_of[value] = n
        last = value
    # By line, then along it; a stable sort, so ties keep drawing order as pdfplumber's do.
    if upright:
        ordered = sorted([(cluster_of[ch[2]], ch[1], 0.0, ch) for ch in chars], key=itemgetter(0, 1))
    else:
        ordered = sorted([(cluster_of[ch[1]], ch[2], ch[4], ch) for ch in chars], key=itemgetter(0, 1, 2))
    words: list[list[tuple]] = []
    current: list[tuple] = []
    line = -1
    for cluster, _, _, ch in ordered:
        if cluster != line:
            if current:
                words.append(current)
            current = []
            line = cluster
        if ch[0].isspace():
            if current:
                words.append(current)
            current = []
        elif current and (
            ch[start] < current[-1][start]
            or ch[start] > current[-1][end] + gap
            or abs(ch[across] - current[-1][across]) > drift
        ):
            words.append(current)
            current = [ch]
        else:
            current.append(ch)
    if current:
        words.append(current)
    return words


def group_chars_into_words(chars: list[tuple]) -> list[tuple[Word, bool]]:
    """Words with boxes and whether they are set in a bold font: runs of characters in one
    font and size (pdfplumber's extra_attrs grouping, in drawing order), each run split
    into words as pdfplumber does."""
    out: list[tuple[Word, bool]] = []
    for _, run in groupby(chars, key=itemgetter(6)):
        run = list(run)
        font = run[0][5]
        for word in _chars_to_words(run, font.upright):
            texts, x0s, tops, x1s, bottoms = list(zip(*word))[:5]
            box = BBox(x0=min(x0s), top=min(tops), x1=max(x1s), bottom=max(bottoms))
            out.append((Word(text="".join(texts).translate(_LIGATURES), bbox=box), font.bold))
    return out


def page_words(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> tuple[PageGeometry, list[tuple[Word, bool]]]:
    geometry = PageGeometry.of(page)
    return geometry, group_chars_into_words(page_chars(textpage, geometry))
