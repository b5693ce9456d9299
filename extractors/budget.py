"""Budget tables: every cell as a BudgetLine (section, label, year, amount in SEK).

A table starts at a year header ("Belopp i tkr 2024 2025 2026", or just "2021 2022
2023"); the header's year words fix the columns. Cells are assigned to columns by
geometry: numbers are right-aligned under their year, so a figure belongs to the year
column whose right edge is nearest to (and not left of) the figure's right edge. This
holds for born-digital text layers and for OCR word boxes alike; a row with fewer
numbers than columns goes by position, never by counting from the left. Plain text and
DOCX have no geometry: there the figures are grouped by Swedish thousands spacing and
fill the columns from the left (how these tables are printed), with a warning when a
row is short. The rows come from pipeline/text/rows.py, the columns and the grouping of
figures from extractors/_budget_columns.py.

Amounts are tkr unless the header says otherwise, times 1000, sign as printed. OCR
artefacts such as "(0]}" or "[0}" are read as 0 only when nothing but a zero stands
inside the brackets; anything else is kept as unreadable (amount None) with a warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from decimal import Decimal

from extractors import extractor
from extractors._budget_columns import (
    ARTEFACT_TOKEN,
    NUMERIC_TOKEN,
    group_by_geometry,
    group_by_spacing,
    header_columns,
    split_cells,
    with_inline_tables,
)
from models import BudgetLine, DocumentText, Segment
from pipeline.sv.chars import MINUS
from pipeline.sv.numbers import parse_swedish_number
from pipeline.text.rows import Token, row_provenance, segment_rows
from pipeline.config import EXTRACTION

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_ZERO_INSIDE = re.compile(r"^[\(\[\{\|]*[0Oo][\)\]\}\|]*$")
_PERCENT_SHARE = re.compile(r"(\d{1,3}(?:,\d+)?)\s*%")
# Tesseract's Swedish model reads "%" as digits ("83,7%" -> "83,74", "3,7 %" -> "3,7246",
# "1,2 %" -> "1,2 96"). In a share label ("..., 3,7% av arb-bef.") the share is printed
# with one decimal, so on OCR text the first decimal is the share and the digits after it
# are the lost "%". A share without a comma ("5%" -> "596") cannot be told apart and is
# left unread, with a warning.
_OCR_SHARE = re.compile(r"(\d{1,2},\d)\s?[0-9]{0,4}\s*av\s+arb", re.I)
_SHARE_LABEL = re.compile(r"\bav\s+arb", re.I)
_TOTAL_LABEL = re.compile(r"^(?:summa\b|totalt\b|total\b|resultat\b|årets\s+resultat|arets\s+resultat)|\btotalt$", re.I)
# Top-level sections a standalone (undashed) row can name by itself.
_TOP_SECTIONS = [
    ("intäkter", "Intäkter"), ("intakter", "Intäkter"), ("kostnader", "Kostnader"),
    ("resultat", "Resultat"), ("eget kapital", "Eget kapital"), ("finansiella poster", "Finansiella poster"),
]
_TABLE_STOP = re.compile(r"^(?:bilaga|bilagor)\b", re.I)


def _scale_of_header(texts: list[str]) -> tuple[int, str]:
    joined = " ".join(texts).lower()
    if re.search(r"\bmnkr\b|\bmkr\b|miljoner", joined):
        return 1_000_000, "mnkr"
    if re.search(r"\btkr\b|tusental|tusen\s+kr", joined):
        return 1_000, "tkr"
    if re.search(r"\bkr\b|kronor", joined):
        return 1, "kr"
    return 1_000, "tkr"  # budgets of the field are in tkr unless said otherwise


def _cell_value(tokens: list[Token]) -> tuple[Decimal | None, str, list[str]]:
    raw = " ".join(t.text for t in tokens)
    if len(tokens) == 1 and ARTEFACT_TOKEN.match(raw) and not NUMERIC_TOKEN.match(raw):
        if _ZERO_INSIDE.match(raw):
            return Decimal(0), raw, [f"cell '{raw}' read as 0 (OCR artefact)"]
        return None, raw, [f"unreadable cell '{raw}'"]
    value = parse_swedish_number(raw)
    if value is None:
        return None, raw, [f"unreadable cell '{raw}'"]
    return value, raw, []


def _label_text(tokens: list[Token]) -> str:
    text = " ".join(t.text for t in tokens).strip()
    return re.sub(rf"^(?:{MINUS}|[•·*])\s*", "", text).strip()


def _section_of(label: str, current: str | None, dashed: bool) -> str | None:
    if dashed:
        return current
    key = re.sub(r"^summa\s+", "", label.lower()).strip()
    for prefix, name in _TOP_SECTIONS:
        if key.startswith(prefix):
            return name
    return current


def names_a_share(label: str) -> bool:
    """A label like "Umeå kommun, 83,7% av arb-bef." (a member's share of the population)."""
    return bool(_SHARE_LABEL.search(label))


def _share_percent(label: str, ocr: bool) -> tuple[Decimal | None, list[str]]:
    m = _PERCENT_SHARE.search(label)
    if m:
        return parse_swedish_number(m.group(1)), []
    if ocr and (m := _OCR_SHARE.search(label)):
        return parse_swedish_number(m.group(1)), [f"share {m.group(1)} % read from OCR text whose '%' was misread"]
    if names_a_share(label):
        return None, ["the label names a share of the population but its percentage is unreadable"]
    return None, []


def parse_budget_tables(doc: DocumentText, segment: Segment) -> list[BudgetLine]:
    rows = with_inline_tables(segment_rows(doc, segment))
    out: list[BudgetLine] = []
    i = 0
    while i < len(rows):
        columns = header_columns(rows[i])
        if not columns:
            i += 1
            continue
        context = [r.text for r in rows[max(0, i - 2): i + 1]]
        scale, unit = _scale_of_header(context)
        section: str | None = None
        idle = 0
        page = rows[i].page.number
        i += 1
        while i < len(rows):
            row = rows[i]
            if header_columns(row):
                break
            label_tokens, cells = split_cells(row, columns)
            label = _label_text(label_tokens)
            if row.page.number != page:
                page = row.page.number
                if not cells or not label:  # a table continues on the next page only with rows
                    break
            if not cells or not label or not re.search(r"[A-Za-zÅÄÖåäö]", label):
                if _TABLE_STOP.match(row.text) or len(row.text.split()) >= EXTRACTION.table_stop_words:
                    break
                idle += 1
                if idle >= EXTRACTION.table_idle_rows:
                    break
                if label and not cells and re.search(r"[A-Za-zÅÄÖåäö]", label):
                    section = label.rstrip(":").strip()
                i += 1
                continue
            idle = 0
            dashed = bool(re.match(rf"^\s*(?:{MINUS}|[•·*])", " ".join(t.text for t in label_tokens)))
            row_section = _section_of(label, section, dashed)
            grouped = group_by_geometry(cells, columns)
            warnings: list[str] = []
            if grouped is None:
                groups = group_by_spacing(cells, len(columns))
                grouped = {j: g for j, g in enumerate(groups)}
                if len(groups) < len(columns):
                    warnings.append("fewer figures than year columns and no geometry: filled from the left")
            prov = row_provenance(doc, row)
            share, share_warnings = _share_percent(label, row.page.method == "ocr")
            for j, toks in sorted(grouped.items()):
                if j >= len(columns):
                    continue
                value, raw, cell_warnings = _cell_value(toks)
                out.append(
                    BudgetLine(
                        section=row_section,
                        label=label,
                        year=columns[j].year,
                        amount_sek=None if value is None else value * scale,
                        is_total=bool(_TOTAL_LABEL.search(label)),
                        raw=f"{raw} {unit}",
                        share_percent=share,
                        scale=scale,
                        segment_id=segment.segment_id,
                        provenance=prov,
                        warnings=warnings + share_warnings + cell_warnings,
                    )
                )
            i += 1
    return out


@extractor
def extract_budget_lines(ctx: ExtractionContext, segment: Segment) -> list[BudgetLine]:
    """Budget lines of every year-column table in the segment (none when it has no table),
    whatever the segment's type: a protokoll may carry the budget it adopts."""
    return parse_budget_tables(ctx.doc, segment)
