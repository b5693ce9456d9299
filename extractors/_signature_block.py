"""An agreement's signature block, cut into columns, and the signers each column names.

The block starts at "Underskrifter" / "Digitalt signerat av ..." (the last such line of
the segment: a table of contents also names "Underskrifter") and runs to "Bilagor", a
budget header or the segment's end. Each line is cut into cells: two-column blocks print
two organisations, two names, two titles side by side. Cells come from the x gaps between
words where there is geometry (text layer, OCR), from runs of spaces in plain text, and
otherwise by splitting where two organisations or two titles meet ("Samordningsförbundet
Södra Vätterbygden AMA i Jönköpings kommun", "Områdeschef Enhetschef Arbetsförmedlingen").
Cell j of every line belongs to column j; a column is then read top to bottom.

Word table rows (tab-separated cells, newline-separated paragraphs) are unfolded into the
same columns; with geometry a cell goes to the column whose left edge is nearest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models import DocumentText, Line, Segment
from pipeline.sv.dates import find_dates
from pipeline.sv.gazetteer import resolve_organisation
from pipeline.sv.nlp import entities
from pipeline.text.textview import LineRef, segment_lines

_BLOCK_START = re.compile(r"^\s*(?:\d+\.\s*|§\s*\d+\s*)?(?:underskrift(?:er)?|undertecknande|signaturer)\s*:?\s*$|signerat\s+av|undertecknad", re.I)
_BLOCK_END = re.compile(r"^\s*(?:bilagor?\b|budget\s*$|belopp\s+i\s+tkr)", re.I)
_DOTS = re.compile(r"^[\s.…_\-·]*$")
_TITLE_WORD = re.compile(
    r"(?:chef|direktör|direktor|ordförande|ordforande|ledamot|sekreterare|samordnare|handläggare|"
    r"strateg|ansvarig|rektor|kommunalråd|landstingsråd|regionråd|ombud|president|generaldirektör|"
    r"verksamhetsledare|föreståndare|vd|controller|utvecklare|koordinator|kanslichef)\w*$",
    re.I,
)
_NAME_WORD = re.compile(r"^[A-ZÅÄÖÉ][a-zåäöéüø]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?$")
_ORG_SHAPE = re.compile(r"^[A-ZÅÄÖ]\w+\s+(?:folkhögskola|gymnasieskola|högskola|universitet)$|^[A-ZÅÄÖ][\w&-]*(?:\s+[\w&-]+){0,4}\s+(?:AB|HB|KB|ek\.\s*för\.?)$")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@dataclass
class Cell:
    text: str
    kind: str  # dots | org | name | title | date | other
    line: LineRef


def _clean(text: str) -> str:
    text = _MARKDOWN_LINK.sub(r"\1", text)
    return " ".join(text.split()).strip(" ,;")


def _is_person_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 4:
        return False
    if not all(_NAME_WORD.match(w) for w in words):
        return False
    if any(_TITLE_WORD.search(w) for w in words):
        return False
    if resolve_organisation(text) is not None:
        return False
    # "Region Västmark", "Lillforsa kommun": organisation shapes the gazetteer does not list
    return not any(e.label == "ORG" and e.start == 0 for e in entities(text))


def _is_organisation(text: str) -> bool:
    if len(text.split()) > 7:
        return False
    if resolve_organisation(text) is not None:
        return True
    # names the gazetteer does not list, by their shape: "Granåsens kommun", "Region
    # Västmark" (the nlp rules), "Norrådalens folkhögskola"
    if any(e.label == "ORG" and len(e.text) >= 0.8 * len(text) for e in entities(text)):
        return True
    return bool(_ORG_SHAPE.search(text))


def _is_title(words: list[str], text: str) -> bool:
    bare = [w.strip(",.;:()") for w in words]
    if bare and _TITLE_WORD.search(bare[0]):
        return True
    return len(words) <= 4 and any(_TITLE_WORD.search(w) for w in bare) and resolve_organisation(text) is None


def _kind_of(text: str) -> str:
    if _DOTS.match(text):
        return "dots"
    if find_dates(text) and len(text.split()) <= 3 and not re.search(r"beslut", text, re.I):
        return "date"
    if _is_person_name(text):
        return "name"
    words = text.split()
    if _is_title(words, text):
        return "title"
    if re.match(r"^för\s+de(?:n)?\s+del", text, re.I):
        return "other"
    if _is_organisation(text):
        return "org"
    return "other"


def _kind(text: str) -> str:
    """What a cell of a signature block is. "För Region X" (on behalf of) heads the
    signature of that organisation."""
    m = re.match(r"^för\s+(?=[A-ZÅÄÖ])", text, re.I)
    if m and not re.match(r"^för\s+de(?:n)?\s+del", text, re.I) and _is_organisation(text[m.end():]):
        return "org"
    return _kind_of(text)


def _cells_by_geometry(line: Line) -> list[tuple[str, float]] | None:
    """(text, x0) per cell where every word has a box; None without geometry."""
    words = [w for w in line.words if w.bbox is not None]
    if not words or len(words) != len(line.words):
        return None
    heights = sorted(w.bbox.bottom - w.bbox.top for w in words)
    threshold = max(4.5, 0.55 * heights[len(heights) // 2])
    cells = [[words[0]]]
    for prev, w in zip(words, words[1:]):
        if w.bbox.x0 - prev.bbox.x1 > threshold:
            cells.append([])
        cells[-1].append(w)
    out = []
    for c in cells:
        if len(c) > 1 and all(_DOTS.match(w.text) for w in c):
            out.extend((w.text, w.bbox.x0) for w in c)  # two signature lines close together
        else:
            out.append((" ".join(w.text for w in c), c[0].bbox.x0))
    return out


def _split_pair(text: str) -> list[str]:
    """One cell holding two organisations or two titles side by side -> two cells."""
    words = text.split()
    if len(words) < 2:
        return [text]
    whole = resolve_organisation(text)
    for i in range(1, len(words)):
        left, right = " ".join(words[:i]), " ".join(words[i:])
        lm = resolve_organisation(left)
        rm = resolve_organisation(right)
        if lm and rm and lm.department is None and lm.score >= 95 and rm.score >= 90:
            if whole is None or whole.department is not None:
                return [left, right]
    title_starts = [i for i, w in enumerate(words) if _TITLE_WORD.search(w.strip(",.;:"))]
    if len(title_starts) >= 2 and title_starts[0] == 0:
        i = title_starts[1]
        return [" ".join(words[:i]), " ".join(words[i:])]
    return [text]


def _line_cells(ref: LineRef) -> list[tuple[str, float | None]]:
    """(text, x0 or None) per cell of one printed line, left to right."""
    geo = _cells_by_geometry(ref.line)
    if geo is not None and _DOTS.match(ref.line.text) and not all(_DOTS.match(t) for t, _ in geo):
        # Dotted signature lines Tesseract read as "EEEETEEE EEE" and cleanup repaired in the
        # line's text (pipeline/text/clean.py): its words are still the letters, each a line.
        geo = [("." * 10, x) for _, x in geo]
    if geo is None:
        cells = [(c, None) for c in re.split(r"\s{2,}|\t", ref.line.text.strip()) if c.strip()]
    else:
        cells = geo
    cells = [(_clean(c) or c.strip(), x) for c, x in cells if _clean(c) or _DOTS.match(c)]
    if geo is None and all(_DOTS.match(c) for c, _ in cells):
        cells = [(d, None) for c, _ in cells for d in c.split()]  # "……… ………": two lines
    if len(cells) == 1 and (geo is None or len(geo) == 1 and len(ref.line.words) > 1):
        text, x = cells[0]
        parts = _split_pair(text)
        cells = [(t, x if i == 0 else None) for i, t in enumerate(parts)]
    return cells


def _rows(ref: LineRef) -> list[list[tuple[str, float | None, int | None]]]:
    """The printed rows of one line as (text, x0, column) cells. A Word table row arrives
    as one line: cells apart by tabs, each cell's paragraphs by newlines; it becomes one
    row per paragraph index, the column given by the table cell."""
    text = ref.line.text
    if "\n" not in text.strip():
        return [[(t, x, None) for t, x in _line_cells(ref)]]
    table = [[p.strip() for p in cell.split("\n") if p.strip()] for cell in text.split("\t")]
    rows = []
    for i in range(max((len(c) for c in table), default=0)):
        rows.append([(_clean(cell[i]) or cell[i], None, j) for j, cell in enumerate(table) if i < len(cell)])
    return rows


def signature_block(doc: DocumentText, segment: Segment) -> list[LineRef]:
    lines = list(segment_lines(doc, segment))
    starts = [i for i, r in enumerate(lines) if _BLOCK_START.search(r.text)]
    if not starts:
        return []
    start = starts[-1] + 1
    out = []
    for r in lines[start:start + 80]:
        if _BLOCK_END.match(r.text):
            break
        out.append(r)
    return out


def block_columns(block: list[LineRef]) -> list[list[Cell]]:
    """Cells per column, top to bottom. Where the text layer gives positions, a cell goes
    to the column whose left edge (from the rows printing every column) is nearest, so a
    row where only the right-hand party prints something still lands on the right."""
    rows = [(ref, row) for ref in block for row in _rows(ref)]
    xs: dict[int, list[float]] = {}
    for _, row in rows:
        # A row none of whose cells reads as part of a signature (OCR noise from a dotted
        # line: "PPS T PEPE STELT ...") says nothing about where the columns are.
        if len(row) >= 2 and all(x is not None for _, x, _ in row) and any(_kind(t) != "other" for t, _, _ in row):
            for j, (_, x, _) in enumerate(row):
                xs.setdefault(j, []).append(x)
    edges = [sorted(v)[len(v) // 2] for _, v in sorted(xs.items())]
    columns: list[list[Cell]] = []
    for ref, row in rows:
        prev = -1
        for j, (text, x, col) in enumerate(row):
            if col is None:
                col = j
                if x is not None and len(edges) >= 2:
                    col = min(range(len(edges)), key=lambda e: abs(edges[e] - x))
            col = max(col, prev + 1)
            prev = col
            while len(columns) <= col:
                columns.append([])
            for part in _name_and_title(text):
                columns[col].append(Cell(part, _kind(part), ref))
    return columns


ON_BEHALF = re.compile(r"^för\s+(?=[A-ZÅÄÖ])", re.I)  # "För Region X": on behalf of Region X
_NAME_COMMA_TITLE = re.compile(r"^(?P<name>[^,]{3,60}),\s*(?P<title>[^,]{3,80})$")


def _name_and_title(text: str) -> list[str]:
    """"Olle Berg, kommundirektör" -> the name and the title, as if printed on two lines."""
    m = _NAME_COMMA_TITLE.match(text)
    if m and _is_person_name(m.group("name")) and _is_title(m.group("title").split(), m.group("title")):
        return [m.group("name"), m.group("title")]
    return [text]


def signatories_of_column(column: list[Cell]) -> list[tuple[Cell | None, str | None, Cell | None, object]]:
    """(name cell, title, organisation cell, signed date) per signature in one column; the
    name cell is None for an organisation whose signature line carries no name.

    A person's organisation, in this order:
    1. the organisation line right after the name ("Peter Vigren / Umeå kommun");
    2. the organisation right above the name, over its dotted line or a department line
       ("Järfälla kommun / ...... / Carina Karlsson", "Region Jönköpings län / Psykiatri
       och rehabilitering / Micael Edblom"), unless a signer above already ended on it;
    3. the organisation after the name's title lines ("Rickard Holm / Arbetsmarknadschef /
       Norråsa kommun"), unless a name follows it directly: then it heads that name;
    4. the last organisation above that heads a name ("Jenny Wilhelmsson" under Järfälla).
    An organisation no name claims, standing at a dotted signature line (just above or
    below one), is a signature without a name.
    """
    items = [c for c in column if c.kind != "dots"]
    pos = {id(c): i for i, c in enumerate(column)}

    def next_raw(cell: Cell, skip: set[str]) -> Cell | None:
        for c in column[pos[id(cell)] + 1:]:
            if c.kind not in skip:
                return c
        return None

    def prev_raw(cell: Cell, skip: set[str]) -> Cell | None:
        for c in reversed(column[:pos[id(cell)]]):
            if c.kind not in skip:
                return c
        return None

    trailing: set[int] = set()  # organisations that end a signature (not a heading)
    heading: set[int] = set()
    found: list[tuple[int, Cell | None, str | None, Cell | None, object]] = []
    last_date = None
    last_heading: Cell | None = None
    for k, cell in enumerate(items):
        if cell.kind == "date":
            hits = find_dates(cell.text)
            last_date = hits[0][0] if hits else last_date
            continue
        if cell.kind != "name":
            continue
        j = k + 1
        titles: list[str] = []
        org: Cell | None = None
        if j < len(items) and items[j].kind == "org":
            org = items[j]
            trailing.add(id(org))
        else:
            while j < len(items) and items[j].kind == "title":
                titles.append(items[j].text)
                j += 1
            above = prev_raw(cell, {"dots", "other"})
            after = items[j] if j < len(items) and items[j].kind == "org" else None
            if above is not None and above.kind == "org" and id(above) not in trailing:
                org = above
                heading.add(id(org))
                last_heading = org
            elif after is not None and (nxt := next_raw(after, {"dots"})) is not None and nxt.kind == "name":
                org = last_heading  # `after` heads the next name
            elif after is not None:
                org = after
                trailing.add(id(org))
            else:
                org = last_heading
        found.append((k, cell, " ".join(titles) or None, org, last_date))
    used = trailing | heading | {id(o) for _, _, _, o, _ in found if o is not None}
    last_date = None
    for k, cell in enumerate(items):
        if cell.kind == "date":
            hits = find_dates(cell.text)
            last_date = hits[0][0] if hits else last_date
        if cell.kind != "org" or id(cell) in used:
            continue
        before, after = prev_raw(cell, set()), next_raw(cell, set())
        at_line = (before is not None and before.kind == "dots") or (after is not None and after.kind == "dots")
        # Without its dotted line (lost to OCR): the name below it has its own organisation
        # right after it ("Umeå kommun / Mikael Broman / Försäkringskassan").
        below = items[k + 1] if k + 1 < len(items) else None
        over_named = (below is not None and below.kind == "name" and k + 2 < len(items)
                      and items[k + 2].kind == "org" and id(items[k + 2]) in trailing)
        if at_line or over_named:
            found.append((k, None, None, cell, last_date))
    return [(n, t, o, d) for _, n, t, o, d in sorted(found, key=lambda f: f[0])]
