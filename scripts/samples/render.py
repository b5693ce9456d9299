"""Render document specs (lists of blocks) to PDF, image-only scanned PDF, DOCX and .txt.

Every renderer is deterministic: fixed PDF creation dates (fpdf2 derives the file /ID
from content and that date), seeded noise for scans, fixed zip timestamps and core
properties for DOCX. While rendering, each block stamps the page it lands on into the
gold records it carries, so gold pages always match the file.

Block kinds (dicts with "kind"):
  title, h, p (optional "lead": bold prefix), bullets, kv (label/value rows),
  agenda (numbered agenda item), table (budget table), sig (signature block in two
  columns), space, pagebreak.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import datetime, timezone
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FIXED_DATE = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
DOCX_ZIP_DATE = (2026, 1, 1, 12, 0, 0)

LEFT = 25.0
RIGHT_EDGE = 190.0
YEAR_COL_RIGHT = (140.0, 165.0, 190.0)  # right edge of each year column in the budget table


def _stamp(block: dict, page: int) -> None:
    for rec in block.get("recs", ()):
        rec["page"] = page


def _stamp_row(row: dict, page: int) -> None:
    for rec in row.get("recs", ()):
        rec["page"] = page


# --------------------------------------------------------------------------- PDF


def _fpdf():
    from fpdf import FPDF

    class SamplePdf(FPDF):
        running_left = ""
        running_footer = ""

        def header(self) -> None:
            self.set_font("Serif", "", 8)
            self.set_xy(LEFT, 10)
            self.cell(100, 4, self.running_left)
            self.set_xy(RIGHT_EDGE - 40, 10)
            self.cell(40, 4, f"Sida {self.page_no()} ({{nb}})", align="R")
            self.set_draw_color(120, 120, 120)
            self.line(LEFT, 15, RIGHT_EDGE, 15)
            self.set_xy(LEFT, 22)

        def footer(self) -> None:
            if not self.running_footer:
                return
            self.set_font("Serif", "", 7)
            self.set_xy(LEFT, 284)
            self.cell(RIGHT_EDGE - LEFT, 4, self.running_footer, align="C")

    return SamplePdf


def render_pdf(segments: list[dict]) -> bytes:
    """All segments of one file into one born-digital PDF; each segment starts a page."""
    cls = _fpdf()
    pdf = cls(format="A4", unit="mm")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_producer("finsam make_samples.py")
    pdf.set_creator("finsam make_samples.py")
    pdf.set_lang("sv-SE")
    pdf.add_font("Serif", "", str(FONT_DIR / "DejaVuSerif.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "DejaVuSerif-Bold.ttf"))
    pdf.set_margins(LEFT, 22, 210 - RIGHT_EDGE)
    pdf.set_auto_page_break(True, margin=22)
    pdf.alias_nb_pages("{nb}")
    for seg in segments:
        pdf.running_left = seg.get("running_header", "")
        pdf.running_footer = seg.get("running_footer", "")
        pdf.add_page()
        seg["gold"]["page_start"] = pdf.page_no()
        for block in seg["blocks"]:
            _pdf_block(pdf, block)
        seg["gold"]["page_end"] = pdf.page_no()
    pdf.set_title(segments[0].get("title_meta", ""))
    return bytes(pdf.output())


def _need(pdf, mm: float) -> None:
    if pdf.get_y() + mm > pdf.h - 22:
        pdf.add_page()


def _pdf_block(pdf, b: dict) -> None:
    kind = b["kind"]
    width = RIGHT_EDGE - LEFT
    if kind == "pagebreak":
        pdf.add_page()
        return
    if kind == "space":
        pdf.ln(b.get("mm", 4))
        return
    if kind == "title":
        _need(pdf, 20)
        _stamp(b, pdf.page_no())
        pdf.set_font("Serif", "B", b.get("size", 16))
        pdf.multi_cell(width, 8, b["text"], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    if kind == "h":
        _need(pdf, 18)
        pdf.ln(2)
        _stamp(b, pdf.page_no())
        pdf.set_font("Serif", "B", b.get("size", 12))
        pdf.multi_cell(width, 6, b["text"], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        return
    if kind == "p":
        _need(pdf, 8)
        _stamp(b, pdf.page_no())
        pdf.set_font("Serif", "", 10.5)
        text = b["text"]
        if b.get("lead"):
            text = f"**{b['lead']}** {text}"
        pdf.multi_cell(width, 5.2, text, markdown=bool(b.get("lead")), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    if kind == "bullets":
        _stamp(b, pdf.page_no())
        pdf.set_font("Serif", "", 10.5)
        for item in b["items"]:
            _need(pdf, 6)
            pdf.set_x(LEFT + 4)
            pdf.cell(5, 5.2, "–")
            pdf.multi_cell(width - 9, 5.2, item, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    if kind == "kv":
        _stamp(b, pdf.page_no())
        lw = b.get("label_width", 45)
        for label, value in b["rows"]:
            _need(pdf, 6)
            y = pdf.get_y()
            pdf.set_font("Serif", "B", 10)
            pdf.set_xy(LEFT, y)
            pdf.cell(lw, 5.2, label)
            pdf.set_font("Serif", "", 10)
            pdf.set_xy(LEFT + lw, y)
            pdf.multi_cell(width - lw, 5.2, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    if kind == "agenda":
        _need(pdf, 16)
        _stamp(b, pdf.page_no())
        pdf.set_font("Serif", "B", 11)
        pdf.multi_cell(width, 5.6, f"{b['number']}. {b['heading']}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Serif", "", 10.5)
        for para in b.get("paras", ()):
            pdf.multi_cell(width, 5.2, para, new_x="LMARGIN", new_y="NEXT")
        if b.get("proposal"):
            pdf.ln(1)
            pdf.multi_cell(width, 5.2, f"**Förslag till beslut:** {b['proposal']}", markdown=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        return
    if kind == "table":
        _pdf_table(pdf, b)
        return
    if kind == "sig":
        _pdf_sig(pdf, b)
        return
    raise ValueError(kind)


def _pdf_table(pdf, b: dict) -> None:
    years = b["years"]
    _need(pdf, 30)
    _stamp(b, pdf.page_no())
    if b.get("caption"):
        pdf.set_font("Serif", "B", 11)
        pdf.cell(0, 6, b["caption"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "B", 10)
    y = pdf.get_y()
    pdf.set_xy(LEFT, y)
    pdf.cell(80, 5.5, b.get("unit_label", "Belopp i tkr"))
    for x_right, year in zip(YEAR_COL_RIGHT, years):
        pdf.set_xy(x_right - 22, y)
        pdf.cell(22, 5.5, str(year), align="R")
    pdf.set_xy(LEFT, y + 5.5)
    pdf.line(LEFT, y + 5.8, RIGHT_EDGE, y + 5.8)
    pdf.ln(1.2)
    for row in b["rows"]:
        style = row["style"]
        if style == "blank":
            pdf.ln(2.5)
            continue
        _need(pdf, 6)
        _stamp_row(row, pdf.page_no())
        y = pdf.get_y()
        bold = style in ("section", "total")
        pdf.set_font("Serif", "B" if bold else "", 9.5)
        pdf.set_xy(LEFT, y)
        label = row["label"] if style != "line" else f"- {row['label']}"
        pdf.cell(92, 4.8, label)
        for x_right, cell in zip(YEAR_COL_RIGHT, row.get("cells", ())):
            if cell is None:
                continue
            pdf.set_xy(x_right - 22, y)
            pdf.cell(22, 4.8, cell, align="R")
        pdf.set_xy(LEFT, y + 4.8)
    pdf.ln(3)


def _pdf_sig(pdf, b: dict) -> None:
    cols = b["columns"]  # list of dicts: org, name, title, place_date
    col_w = 80.0
    if b.get("intro"):
        pdf.set_font("Serif", "", 10.5)
        pdf.multi_cell(RIGHT_EDGE - LEFT, 5.2, b["intro"], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    for i in range(0, len(cols), 2):
        pair = cols[i : i + 2]
        _need(pdf, 34)
        y = pdf.get_y()
        for j, col in enumerate(pair):
            _stamp(col, pdf.page_no())
            x = LEFT + j * (col_w + 5)
            pdf.set_font("Serif", "", 10)
            pdf.set_xy(x, y)
            pdf.cell(col_w, 5, col.get("place_date", "Ort och datum: ………………………"))
            pdf.set_xy(x, y + 11)
            pdf.cell(col_w, 5, "…………………………………………")
            line_y = y + 16
            for text, bold in ((col.get("name") or "", False), (col.get("title") or "", False), (col["org"], True)):
                if not text:
                    continue
                pdf.set_font("Serif", "B" if bold else "", 10)
                pdf.set_xy(x, line_y)
                pdf.cell(col_w, 5, text)
                line_y += 5
        pdf.set_xy(LEFT, y + 34)


# --------------------------------------------------------------------------- scans


def render_scan(segments: list[dict], seed: int, dpi: int = 200) -> bytes:
    """Born-digital rendering, rasterised, rotated and speckled, back as an image-only PDF."""
    import numpy as np
    import pypdfium2 as pdfium
    from fpdf import FPDF
    from PIL import Image, ImageFilter

    source = render_pdf(segments)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(source)
    out = FPDF(format="A4", unit="mm")
    out.set_creation_date(FIXED_DATE)
    out.set_producer("finsam make_samples.py (scan)")
    out.set_creator("finsam make_samples.py (scan)")
    out.set_auto_page_break(False)
    try:
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            img = bitmap.to_pil().convert("L")
            page.close()
            angle = rng.choice((-1, 1)) * rng.uniform(0.35, 0.9)
            img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
            arr = np.asarray(img, dtype=np.int16)
            arr = arr + nrng.normal(0.0, 6.0, arr.shape).round().astype(np.int16)
            specks = nrng.random(arr.shape) < 0.0006
            arr[specks] = nrng.integers(40, 140, int(specks.sum()))
            arr = np.clip(arr - 12, 0, 255).astype(np.uint8)  # greyish paper
            img = Image.fromarray(arr, mode="L").filter(ImageFilter.GaussianBlur(0.4))
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=70, optimize=False)
            buf.seek(0)
            out.add_page()
            out.image(buf, x=0, y=0, w=210, h=297)
    finally:
        doc.close()
    return bytes(out.output())


# --------------------------------------------------------------------------- DOCX


def render_docx(segments: list[dict]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    d = Document()
    props = d.core_properties
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.author = "Samordningsförbundet Norrådalen"
    props.last_modified_by = "Samordningsförbundet Norrådalen"
    props.revision = 1
    props.title = segments[0].get("title_meta", "")
    page = 1
    for n, seg in enumerate(segments):
        if n:
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            page += 1
        seg["gold"]["page_start"] = page
        for b in seg["blocks"]:
            kind = b["kind"]
            if kind == "pagebreak":
                d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                page += 1
                continue
            _stamp(b, page)
            if kind == "title":
                d.add_heading(b["text"], level=0)
            elif kind == "h":
                d.add_heading(b["text"], level=1)
            elif kind == "p":
                para = d.add_paragraph()
                if b.get("lead"):
                    para.add_run(b["lead"] + " ").bold = True
                para.add_run(b["text"])
            elif kind == "bullets":
                for item in b["items"]:
                    d.add_paragraph(item, style="List Bullet")
            elif kind == "kv":
                t = d.add_table(rows=0, cols=2)
                for label, value in b["rows"]:
                    cells = t.add_row().cells
                    cells[0].text = label
                    cells[1].text = value
            elif kind == "space":
                continue
            elif kind == "sig":
                if b.get("intro"):
                    d.add_paragraph(b["intro"])
                cols = b["columns"]
                t = d.add_table(rows=0, cols=2)
                for i in range(0, len(cols), 2):
                    cells = t.add_row().cells
                    for j, col in enumerate(cols[i : i + 2]):
                        _stamp(col, page)
                        lines = [col.get("place_date", "Ort och datum:"), "", "…………………………………………"]
                        lines += [x for x in (col.get("name"), col.get("title"), col["org"]) if x]
                        cells[j].text = "\n".join(lines)
            elif kind == "table":
                t = d.add_table(rows=1, cols=1 + len(b["years"]))
                hdr = t.rows[0].cells
                hdr[0].text = b.get("unit_label", "Belopp i tkr")
                for j, year in enumerate(b["years"]):
                    hdr[j + 1].text = str(year)
                for row in b["rows"]:
                    if row["style"] == "blank":
                        continue
                    _stamp_row(row, page)
                    cells = t.add_row().cells
                    cells[0].text = row["label"] if row["style"] != "line" else f"- {row['label']}"
                    for j, cell in enumerate(row.get("cells", ())):
                        if cell is not None:
                            cells[j + 1].text = cell
                            cells[j + 1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif kind == "agenda":
                d.add_heading(f"{b['number']}. {b['heading']}", level=2)
                for para in b.get("paras", ()):
                    d.add_paragraph(para)
                if b.get("proposal"):
                    para = d.add_paragraph()
                    para.add_run("Förslag till beslut: ").bold = True
                    para.add_run(b["proposal"])
            else:
                raise ValueError(kind)
        seg["gold"]["page_end"] = page
    for style in ("Normal",):
        d.styles[style].font.size = Pt(11)
    raw = io.BytesIO()
    d.save(raw)
    return _fix_zip_times(raw.getvalue())


def _fix_zip_times(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename)):
            zi = zipfile.ZipInfo(info.filename, date_time=DOCX_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- text


def _wrap(text: str, width: int = 90, indent: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent) or [""]


def render_txt(segments: list[dict]) -> bytes:
    lines: list[str] = []
    page = 1
    for n, seg in enumerate(segments):
        if n:
            lines.append("\f")
            page += 1
        seg["gold"]["page_start"] = page
        for b in seg["blocks"]:
            kind = b["kind"]
            if kind == "pagebreak":
                lines.append("\f")
                page += 1
                continue
            _stamp(b, page)
            if kind == "title":
                lines += [b["text"].upper(), ""]
            elif kind == "h":
                lines += ["", b["text"], ""]
            elif kind == "p":
                text = f"{b['lead']} {b['text']}" if b.get("lead") else b["text"]
                lines += _wrap(text) + [""]
            elif kind == "bullets":
                for item in b["items"]:
                    lines += _wrap(item, indent="  ")
                    lines[-len(_wrap(item, indent="  "))] = "- " + lines[-len(_wrap(item, indent="  "))].lstrip()
                lines.append("")
            elif kind == "kv":
                for label, value in b["rows"]:
                    lines.append(f"{label:<22}{value}")
                lines.append("")
            elif kind == "space":
                lines.append("")
            elif kind == "sig":
                if b.get("intro"):
                    lines += _wrap(b["intro"]) + [""]
                cols = b["columns"]
                for i in range(0, len(cols), 2):
                    pair = cols[i : i + 2]
                    blocks = []
                    for col in pair:
                        _stamp(col, page)
                        blocks.append(
                            [col.get("place_date", "Ort och datum:"), "", "……………………………………"]
                            + [x for x in (col.get("name"), col.get("title"), col["org"]) if x]
                        )
                    height = max(len(x) for x in blocks)
                    for r in range(height):
                        left = blocks[0][r] if r < len(blocks[0]) else ""
                        right = blocks[1][r] if len(blocks) > 1 and r < len(blocks[1]) else ""
                        lines.append(f"{left:<45}{right}".rstrip())
                    lines.append("")
            elif kind == "table":
                lines.append(f"{b.get('unit_label', 'Belopp i tkr'):<50}" + "".join(f"{y:>10}" for y in b["years"]))
                for row in b["rows"]:
                    if row["style"] == "blank":
                        lines.append("")
                        continue
                    _stamp_row(row, page)
                    label = row["label"] if row["style"] != "line" else f" - {row['label']}"
                    cells = "".join(f"{c:>10}" for c in row.get("cells", ()) if c is not None)
                    lines.append(f"{label:<50}{cells}".rstrip())
                lines.append("")
            elif kind == "agenda":
                lines += _wrap(f"{b['number']}. {b['heading']}")
                for para in b.get("paras", ()):
                    lines += _wrap(para)
                if b.get("proposal"):
                    lines += _wrap(f"Förslag till beslut: {b['proposal']}")
                lines.append("")
            else:
                raise ValueError(kind)
        seg["gold"]["page_end"] = page
    text = "\n".join(lines).replace("\n\f\n", "\f")
    return (text.rstrip() + "\n").encode("utf-8")
