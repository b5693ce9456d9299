"""Budget tables: every cell as a BudgetLine (section, label, year, amount in SEK).

A table starts at a year header ("Belopp i tkr 2024 2025 2026", or just "2021 2022
2023"); the header's year words fix the columns. Cells are assigned to columns by
geometry: numbers are right-aligned under their year, so a figure belongs to the year
column whose right edge is nearest to (and not left of) the figure's right edge. This
holds for born-digital text layers and for OCR word boxes alike; a row with fewer
numbers than columns goes by position, never by counting from the left. Plain text and
DOCX have no geometry: there the figures are grouped by Swedish thousands spacing and
fill the columns from the left (how these tables are printed), with a warning when a
row is short.

Amounts are tkr unless the header says otherwise, times 1000, sign as printed. OCR
artefacts such as "(0]}" or "[0}" are read as 0 only when nothing but a zero stands
inside the brackets; anything else is kept as unreadable (amount None) with a warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from dataclasses import dataclass, field
from decimal import Decimal

from extractors import extractor
from models import BBox, BudgetLine, DocumentText, Page, Provenance, Segment
from pipeline.sv.chars import MINUS, MINUS_SIGNS
from pipeline.sv.numbers import parse_swedish_number
from pipeline.text.textview import segment_lines

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_YEAR_TOKEN = re.compile(r"^(?:19|20)\d\d$")
_NUMERIC_TOKEN = re.compile(rf"^{MINUS}?\d+$")
# "(0]}", "[0}", "(0]", "{O)": OCR'd zeros in table cells.
_ARTEFACT_TOKEN = re.compile(r"^[\(\[\{\|]+[^\s]{0,3}[\)\]\}\|]*$|^[^\s]{0,3}[\)\]\}\|]+$")
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


@dataclass
class Token:
    text: str
    bbox: BBox | None = None
    confidence: float | None = None


@dataclass
class Row:
    page: Page
    tokens: list[Token]
    line_indexes: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


@dataclass
class Column:
    year: int
    right: float | None  # right edge of the year word (PDF points), None without geometry


def _skew(lines) -> float:
    """The page's skew as a slope (points down per point right), from the OCR lines
    themselves: the median slope of the word centres along each line of three or more words.
    A scan tilted by 1 degree puts a figure 300 pt to the right of its label 5 pt lower,
    half a line: rows must be regrouped along the tilt, not the page's horizontal."""
    slopes = []
    for line in lines:
        ws = [w for w in line.words if w.bbox is not None]
        if len(ws) < 3:
            continue
        xs = [(w.bbox.x0 + w.bbox.x1) / 2 for w in ws]
        ys = [(w.bbox.top + w.bbox.bottom) / 2 for w in ws]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx < 100**2:  # too short a line to tell
            continue
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx)
    if len(slopes) < 3:
        return 0.0
    slopes.sort()
    slope = slopes[len(slopes) // 2]
    return slope if abs(slope) < 0.05 else 0.0  # beyond ~3 degrees it is not a tilt but a misread


def _rows_of_page(page: Page, refs: list) -> list[Row]:
    """Visual rows of one page. OCR lines may split a row into blocks, so OCR words are
    regrouped by their vertical centre, corrected for the scan's tilt; text-layer and
    plain lines are rows as they are."""
    if page.method == "ocr":
        words = [(w, r.index) for r in refs for w in r.line.words if w.bbox is not None and w.text.strip()]
        if words:
            slope = _skew([r.line for r in refs])

            def level(w) -> float:
                return (w.bbox.top + w.bbox.bottom) / 2 - slope * (w.bbox.x0 + w.bbox.x1) / 2

            heights = sorted(w.bbox.bottom - w.bbox.top for w, _ in words)
            tol = max(2.0, 0.55 * heights[len(heights) // 2])
            words.sort(key=lambda wi: level(wi[0]))
            rows: list[list[tuple]] = []
            for w, i in words:
                cy = level(w)
                if rows:
                    last = rows[-1]
                    mean = sum(level(x) for x, _ in last) / len(last)
                    if abs(cy - mean) <= tol:
                        last.append((w, i))
                        continue
                rows.append([(w, i)])
            out = []
            for r in rows:
                r.sort(key=lambda wi: wi[0].bbox.x0)
                out.append(Row(page, [Token(w.text, w.bbox, w.confidence) for w, _ in r], sorted({i for _, i in r})))
            return out
    out = []
    for r in refs:
        if r.line.words and all(w.bbox is not None for w in r.line.words):
            tokens = [Token(w.text, w.bbox, w.confidence) for w in r.line.words if w.text.strip()]
        else:
            tokens = [Token(t) for t in r.line.text.split()]
        if tokens:
            out.append(Row(page, tokens, [r.index]))
    return out


def segment_rows(doc: DocumentText, segment: Segment) -> list[Row]:
    by_page: dict[int, list] = {}
    pages: dict[int, Page] = {}
    for ref in segment_lines(doc, segment):
        by_page.setdefault(ref.page.number, []).append(ref)
        pages[ref.page.number] = ref.page
    rows: list[Row] = []
    for number in sorted(by_page):
        rows.extend(_rows_of_page(pages[number], by_page[number]))
    return rows


# Words that may stand between the years of a header: "Budget 2020 Plan 2021 Plan 2022",
# "Utfall 2018 Prognos 2019".
_COLUMN_WORD = re.compile(r"^(?:budget|plan|utfall|prognos|bokslut|förslag|forslag|beslutad|reviderad|helår|"
                          r"helar|år|ar|tkr|kr|mnkr)$", re.I)


def _year_run(tokens: list[Token], end: int) -> tuple[int, list[Token]] | None:
    """(start, year tokens) of the header run ending at tokens[end - 1]: consecutive years,
    with at most two column words before each ("Budget 2020 Plan 2021"), or None."""
    years: list[Token] = []
    i = end
    start = end
    while i > 0:
        tok = tokens[i - 1]
        if _YEAR_TOKEN.match(tok.text):
            years.insert(0, tok)
            i -= 1
            start = i
            continue
        k = i
        while k > 0 and i - k < 2 and _COLUMN_WORD.match(tokens[k - 1].text):
            k -= 1
        if k < i and k > 0 and _YEAR_TOKEN.match(tokens[k - 1].text):
            i = k  # column words between two years
            continue
        if k < i and years:
            start = k  # column words before the first year belong to the header
        break
    if len(years) < 2:
        return None
    values = [int(t.text) for t in years]
    if any(b - a != 1 for a, b in zip(values, values[1:])):
        return None
    return start, years


def _header_columns(row: Row) -> list[Column] | None:
    """Year columns when the row ends in two or more consecutive years."""
    run = _year_run(row.tokens, len(row.tokens))
    if run is None:
        return None
    start, years = run
    if start > 6:
        return None
    return [Column(int(t.text), t.bbox.x1 if t.bbox else None) for t in years]


_SECTION_WORD = re.compile(r"^(?:intäkter|intakter|kostnader|finansiering|utgifter)$", re.I)
_TABLE_WORD = re.compile(r"^(?:tkr|mnkr|belopp|budget|kr|tusental)$", re.I)


def inline_table(row: Row) -> tuple[Row, list[Row]] | None:
    """A table printed on one line (a flattened transcript): "... Belopp i tkr Budget 2019
    Budget 2020 Intäkter Försäkringskassan 3 200 3 300 Region X 1 600 1 650 ...". The
    header's years fix the columns; the tokens after it are cut into rows, each a label
    (words) followed by its figures."""
    tokens = row.tokens
    for end in range(len(tokens) - 1, 1, -1):
        if not _YEAR_TOKEN.match(tokens[end - 1].text) or _YEAR_TOKEN.match(tokens[end].text):
            continue
        run = _year_run(tokens, end)
        if run is None:
            continue
        start, years = run
        if len(years) < 3 and not any(_TABLE_WORD.match(t.text) for t in tokens[max(0, start - 4):end]):
            continue  # two years in running text are no header
        rows: list[Row] = []
        label: list[Token] = []
        cells: list[Token] = []
        for tok in tokens[end:]:
            if _is_cell_token(tok.text) and not (_YEAR_TOKEN.match(tok.text) and not cells and not label):
                cells.append(tok)
                continue
            if cells:
                rows.append(Row(row.page, label + cells, row.line_indexes))
                label, cells = [], []
            if not label and _SECTION_WORD.match(tok.text):
                rows.append(Row(row.page, [tok], row.line_indexes))  # "Intäkter ...": a section heading
                continue
            label.append(tok)
        if cells or label:
            rows.append(Row(row.page, label + cells, row.line_indexes))
        if sum(1 for r in rows if _split_cells(r)[1]) >= 2:
            # The header as a row of its own: a few words before the years (the scale) and the years.
            return Row(row.page, tokens[max(0, start - 4):end], row.line_indexes), rows
    return None


def _with_inline_tables(rows: list[Row]) -> list[Row]:
    """Rows, with a table printed on one line unfolded into a header row and its rows."""
    out: list[Row] = []
    for row in rows:
        found = None if _header_columns(row) else inline_table(row)
        if found is None:
            out.append(row)
            continue
        header, table_rows = found
        out.append(header)
        out.extend(table_rows)
    return out


def _scale_of_header(texts: list[str]) -> tuple[int, str]:
    joined = " ".join(texts).lower()
    if re.search(r"\bmnkr\b|\bmkr\b|miljoner", joined):
        return 1_000_000, "mnkr"
    if re.search(r"\btkr\b|tusental|tusen\s+kr", joined):
        return 1_000, "tkr"
    if re.search(r"\bkr\b|kronor", joined):
        return 1, "kr"
    return 1_000, "tkr"  # budgets of the field are in tkr unless said otherwise


def _is_cell_token(text: str) -> bool:
    return bool(_NUMERIC_TOKEN.match(text) or _ARTEFACT_TOKEN.match(text))


def _split_cells(row: Row, columns: list[Column] | None = None) -> tuple[list[Token], list[Token]]:
    """(label tokens, trailing cell tokens).

    With geometry, a short non-numeric token standing in the figure columns between two
    figures ("37 SÅ 37": a cell OCR could not read) is a cell too, kept as unreadable,
    so the figures on either side keep their years.
    """
    zone = _figure_zone(columns)
    i = len(row.tokens)
    while i > 0:
        tok = row.tokens[i - 1]
        if _is_cell_token(tok.text):
            i -= 1
            continue
        if (zone is not None and tok.bbox is not None and tok.bbox.x0 >= zone and len(tok.text) <= 3
                and i >= 2 and _NUMERIC_TOKEN.match(row.tokens[i - 2].text)
                and row.tokens[i - 2].bbox is not None and row.tokens[i - 2].bbox.x0 >= zone):
            i -= 1
            continue
        break
    label, cells = row.tokens[:i], row.tokens[i:]
    # A lone leading dash is the label's bullet, not a cell.
    if not label and cells and cells[0].text in tuple(MINUS_SIGNS):
        label, cells = cells[:1], cells[1:]
    return label, cells


def _figure_zone(columns: list[Column] | None) -> float | None:
    """Left edge of the figure columns: a column's width left of the first year's right edge."""
    if not columns or len(columns) < 2 or any(c.right is None for c in columns):
        return None
    spacing = min(b.right - a.right for a, b in zip(columns, columns[1:]))
    return columns[0].right - 0.95 * spacing


def _group_by_geometry(cells: list[Token], columns: list[Column]) -> dict[int, list[Token]] | None:
    if any(t.bbox is None for t in cells) or any(c.right is None for c in columns):
        return None
    out: dict[int, list[Token]] = {}
    spacing = min((b.right - a.right for a, b in zip(columns, columns[1:])), default=60.0)
    for tok in cells:
        candidates = [j for j, c in enumerate(columns) if c.right >= tok.bbox.x1 - 0.15 * spacing]
        pool = candidates or list(range(len(columns)))
        j = min(pool, key=lambda k: abs(columns[k].right - tok.bbox.x1))
        out.setdefault(j, []).append(tok)
    return out


def _group_by_spacing(cells: list[Token], n_columns: int) -> list[list[Token]]:
    """Split figures printed "5 677 5 677 5 677" into at most n_columns numbers.

    A number is a signed 1-3 digit group followed by unsigned 3-digit groups; artefacts
    stand alone. Among the splits into at most n_columns numbers, the one whose numbers
    have the most even digit counts wins, then the one with more numbers.
    """
    n = len(cells)
    best: tuple[tuple[int, int, int], list[list[Token]]] | None = None

    def can_extend(tok: Token) -> bool:
        return bool(re.fullmatch(r"\d{3}", tok.text))

    def starts(tok: Token) -> bool:
        if _ARTEFACT_TOKEN.match(tok.text):
            return True
        # A number does not start with a zero group ("040" continues "2 040").
        return bool(re.fullmatch(rf"{MINUS}?(?:0|[1-9]\d*)", tok.text))

    def walk(i: int, groups: list[list[Token]]) -> None:
        nonlocal best
        if len(groups) > n_columns:
            return
        if i == n:
            lengths = [len(re.sub(r"\D", "", "".join(t.text for t in g))) for g in groups]
            implausible = sum(1 for n_digits in lengths if n_digits > 6)
            score = (implausible, max(lengths) - min(lengths) if lengths else 0, -len(groups))
            if best is None or score < best[0]:
                best = (score, [list(g) for g in groups])
            return
        tok = cells[i]
        if groups and can_extend(tok) and re.fullmatch(rf"{MINUS}?\d{{1,3}}", groups[-1][0].text) and not _ARTEFACT_TOKEN.match(groups[-1][0].text):
            groups[-1].append(tok)
            walk(i + 1, groups)
            groups[-1].pop()
        if starts(tok):
            groups.append([tok])
            walk(i + 1, groups)
            groups.pop()

    if n > 12:  # not a budget row; avoid a combinatorial walk
        return [[t] for t in cells][:n_columns]
    walk(0, [])
    return best[1] if best else [[t] for t in cells][:n_columns]


def _cell_value(tokens: list[Token]) -> tuple[Decimal | None, str, list[str]]:
    raw = " ".join(t.text for t in tokens)
    if len(tokens) == 1 and _ARTEFACT_TOKEN.match(raw) and not _NUMERIC_TOKEN.match(raw):
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


def _provenance(doc: DocumentText, row: Row) -> Provenance:
    boxes = [t.bbox for t in row.tokens if t.bbox is not None]
    confs = [t.confidence for t in row.tokens if t.confidence is not None]
    lines = [row.page.lines[i] for i in row.line_indexes]
    starts = [ln.start for ln in lines if ln.start is not None]
    ends = [ln.end for ln in lines if ln.end is not None]
    return Provenance(
        doc_id=doc.doc_id, file_name=doc.file_name, page=row.page.number, bbox=BBox.union(boxes),
        char_start=min(starts) if starts else None, char_end=max(ends) if ends else None,
        method=row.page.method,
        ocr_confidence=round(sum(confs) / len(confs), 2) if confs else row.page.ocr_confidence,
    )


def parse_budget_tables(doc: DocumentText, segment: Segment) -> list[BudgetLine]:
    rows = _with_inline_tables(segment_rows(doc, segment))
    out: list[BudgetLine] = []
    i = 0
    while i < len(rows):
        columns = _header_columns(rows[i])
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
            if _header_columns(row):
                break
            label_tokens, cells = _split_cells(row, columns)
            label = _label_text(label_tokens)
            if row.page.number != page:
                page = row.page.number
                if not cells or not label:  # a table continues on the next page only with rows
                    break
            if not cells or not label or not re.search(r"[A-Za-zÅÄÖåäö]", label):
                if _TABLE_STOP.match(row.text) or len(row.text.split()) >= 7:
                    break
                idle += 1
                if idle >= 4:
                    break
                if label and not cells and re.search(r"[A-Za-zÅÄÖåäö]", label):
                    section = label.rstrip(":").strip()
                i += 1
                continue
            idle = 0
            dashed = bool(re.match(rf"^\s*(?:{MINUS}|[•·*])", " ".join(t.text for t in label_tokens)))
            row_section = _section_of(label, section, dashed)
            grouped = _group_by_geometry(cells, columns)
            warnings: list[str] = []
            if grouped is None:
                groups = _group_by_spacing(cells, len(columns))
                grouped = {j: g for j, g in enumerate(groups)}
                if len(groups) < len(columns):
                    warnings.append("fewer figures than year columns and no geometry: filled from the left")
            prov = _provenance(doc, row)
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
