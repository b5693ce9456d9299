"""The columns of a budget table: its year header, and which figures of a row go under which year.

A header is a run of consecutive years, perhaps with a column word before each ("Budget
2020 Plan 2021"). With geometry a figure goes to the year whose right edge is nearest to
(and not left of) its own; without it, figures are grouped by Swedish thousands spacing
("5 677 5 677") and fill the columns from the left. A table printed on one line (a
flattened transcript) is unfolded into a header row and its rows first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.sv.chars import MINUS, MINUS_SIGNS
from pipeline.text.rows import Row, Token
from pipeline.config import EXTRACTION

YEAR_TOKEN = re.compile(r"^(?:19|20)\d\d$")
NUMERIC_TOKEN = re.compile(rf"^{MINUS}?\d+$")
# "(0]}", "[0}", "(0]", "{O)": OCR'd zeros in table cells.
ARTEFACT_TOKEN = re.compile(r"^[\(\[\{\|]+[^\s]{0,3}[\)\]\}\|]*$|^[^\s]{0,3}[\)\]\}\|]+$")


@dataclass
class Column:
    year: int
    right: float | None  # right edge of the year word (PDF points), None without geometry


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
        if YEAR_TOKEN.match(tok.text):
            years.insert(0, tok)
            i -= 1
            start = i
            continue
        k = i
        while k > 0 and i - k < 2 and _COLUMN_WORD.match(tokens[k - 1].text):
            k -= 1
        if k < i and k > 0 and YEAR_TOKEN.match(tokens[k - 1].text):
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


def header_columns(row: Row) -> list[Column] | None:
    """Year columns when the row ends in two or more consecutive years."""
    run = _year_run(row.tokens, len(row.tokens))
    if run is None:
        return None
    start, years = run
    if start > EXTRACTION.header_max_label_words:
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
        if not YEAR_TOKEN.match(tokens[end - 1].text) or YEAR_TOKEN.match(tokens[end].text):
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
            if is_cell_token(tok.text) and not (YEAR_TOKEN.match(tok.text) and not cells and not label):
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
        if sum(1 for r in rows if split_cells(r)[1]) >= 2:
            # The header as a row of its own: a few words before the years (the scale) and the years.
            return Row(row.page, tokens[max(0, start - 4):end], row.line_indexes), rows
    return None


def with_inline_tables(rows: list[Row]) -> list[Row]:
    """Rows, with a table printed on one line unfolded into a header row and its rows."""
    out: list[Row] = []
    for row in rows:
        found = None if header_columns(row) else inline_table(row)
        if found is None:
            out.append(row)
            continue
        header, table_rows = found
        out.append(header)
        out.extend(table_rows)
    return out


def is_cell_token(text: str) -> bool:
    return bool(NUMERIC_TOKEN.match(text) or ARTEFACT_TOKEN.match(text))


def split_cells(row: Row, columns: list[Column] | None = None) -> tuple[list[Token], list[Token]]:
    """(label tokens, trailing cell tokens).

    With geometry, a short non-numeric token standing in the figure columns between two
    figures ("37 SÅ 37": a cell OCR could not read) is a cell too, kept as unreadable,
    so the figures on either side keep their years.
    """
    zone = _figure_zone(columns)
    i = len(row.tokens)
    while i > 0:
        tok = row.tokens[i - 1]
        if is_cell_token(tok.text):
            i -= 1
            continue
        if (zone is not None and tok.bbox is not None and tok.bbox.x0 >= zone and len(tok.text) <= 3
                and i >= 2 and NUMERIC_TOKEN.match(row.tokens[i - 2].text)
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
    return columns[0].right - EXTRACTION.figure_zone_share * spacing


def group_by_geometry(cells: list[Token], columns: list[Column]) -> dict[int, list[Token]] | None:
    if any(t.bbox is None for t in cells) or any(c.right is None for c in columns):
        return None
    out: dict[int, list[Token]] = {}
    spacing = min((b.right - a.right for a, b in zip(columns, columns[1:])), default=EXTRACTION.default_column_spacing)
    for tok in cells:
        candidates = [j for j, c in enumerate(columns) if c.right >= tok.bbox.x1 - EXTRACTION.column_tolerance_share * spacing]
        pool = candidates or list(range(len(columns)))
        j = min(pool, key=lambda k: abs(columns[k].right - tok.bbox.x1))
        out.setdefault(j, []).append(tok)
    return out


def group_by_spacing(cells: list[Token], n_columns: int) -> list[list[Token]]:
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
        if ARTEFACT_TOKEN.match(tok.text):
            return True
        # A number does not start with a zero group ("040" continues "2 040").
        return bool(re.fullmatch(rf"{MINUS}?(?:0|[1-9]\d*)", tok.text))

    def walk(i: int, groups: list[list[Token]]) -> None:
        nonlocal best
        if len(groups) > n_columns:
            return
        if i == n:
            lengths = [len(re.sub(r"\D", "", "".join(t.text for t in g))) for g in groups]
            implausible = sum(1 for n_digits in lengths if n_digits > EXTRACTION.max_figure_digits)
            score = (implausible, max(lengths) - min(lengths) if lengths else 0, -len(groups))
            if best is None or score < best[0]:
                best = (score, [list(g) for g in groups])
            return
        tok = cells[i]
        if groups and can_extend(tok) and re.fullmatch(rf"{MINUS}?\d{{1,3}}", groups[-1][0].text) and not ARTEFACT_TOKEN.match(groups[-1][0].text):
            groups[-1].append(tok)
            walk(i + 1, groups)
            groups[-1].pop()
        if starts(tok):
            groups.append([tok])
            walk(i + 1, groups)
            groups.pop()

    if n > EXTRACTION.max_spacing_cells:  # not a budget row; avoid a combinatorial walk
        return [[t] for t in cells][:n_columns]
    walk(0, [])
    return best[1] if best else [[t] for t in cells][:n_columns]
