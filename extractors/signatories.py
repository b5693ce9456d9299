"""Signatories: person, title and organisation from the signature block of an agreement.

The block starts at "Underskrifter" / "Digitalt signerat av ..." (the last such line of
the segment: a table of contents also names "Underskrifter") and runs to "Bilagor", a
budget header or the segment's end. Each line is cut into cells: two-column blocks print
two organisations, two names, two titles side by side. Cells come from the x gaps between
words where there is geometry (text layer, OCR), from runs of spaces in plain text, and
otherwise by splitting where two organisations or two titles meet ("Samordningsförbundet
Södra Vätterbygden AMA i Jönköpings kommun", "Områdeschef Enhetschef Arbetsförmedlingen").
Cell j of every line belongs to column j; a column is then read top to bottom.

Within a column a person's organisation is the organisation line right after the name
("Peter Vigren / Umeå kommun") or, when a title follows the name, the last organisation
above it ("Arbetsförmedlingen / ...... / Jan Karlsson, / Enhetschef"). Dotted signature
lines are never people; an organisation with no name under it has no signatory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors import register
from models import DocType, DocumentText, Line, Segment, Signatory
from pipeline.dates import find_dates
from pipeline.gazetteer import resolve_organisation
from pipeline.textview import LineRef, provenance, segment_lines

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
    return resolve_organisation(text) is None


def _kind(text: str) -> str:
    if _DOTS.match(text):
        return "dots"
    if find_dates(text) and len(text.split()) <= 3 and not re.search(r"beslut", text, re.I):
        return "date"
    if _is_person_name(text):
        return "name"
    words = text.split()
    if words and _TITLE_WORD.search(words[0]) or (len(words) <= 4 and any(_TITLE_WORD.search(w) for w in words)
                                                   and resolve_organisation(text) is None):
        return "title"
    if re.match(r"^för\s+de(?:n)?\s+del", text, re.I):
        return "other"
    if len(words) <= 7 and resolve_organisation(text) is not None:
        return "org"
    return "other"


def _cells_by_geometry(line: Line) -> list[str] | None:
    words = [w for w in line.words if w.bbox is not None]
    if len(words) < 2 or len(words) != len(line.words):
        return None
    heights = sorted(w.bbox.bottom - w.bbox.top for w in words)
    threshold = max(4.5, 0.55 * heights[len(heights) // 2])
    cells = [[words[0].text]]
    for prev, w in zip(words, words[1:]):
        if w.bbox.x0 - prev.bbox.x1 > threshold:
            cells.append([])
        cells[-1].append(w.text)
    return [" ".join(c) for c in cells]


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
    title_starts = [i for i, w in enumerate(words) if _TITLE_WORD.search(w)]
    if len(title_starts) >= 2 and title_starts[0] == 0:
        i = title_starts[1]
        return [" ".join(words[:i]), " ".join(words[i:])]
    return [text]


def _line_cells(ref: LineRef) -> list[str]:
    cells = _cells_by_geometry(ref.line)
    if cells is None:
        cells = [c for c in re.split(r"\s{2,}|\t", ref.line.text.strip()) if c.strip()]
    cells = [_clean(c) for c in cells if _clean(c) or _DOTS.match(c)]
    if len(cells) == 1:
        cells = _split_pair(cells[0])
    return cells


def _block(doc: DocumentText, segment: Segment) -> list[LineRef]:
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


def _columns(block: list[LineRef]) -> list[list[Cell]]:
    columns: list[list[Cell]] = []
    for ref in block:
        cells = _line_cells(ref)
        for j, text in enumerate(cells):
            while len(columns) <= j:
                columns.append([])
            columns[j].append(Cell(text, _kind(text), ref))
    return columns


def signatories_of_column(column: list[Cell]) -> list[tuple[Cell, str | None, Cell | None, object]]:
    """(name cell, title, organisation cell, signed date) per person in one column."""
    out = []
    last_org: Cell | None = None
    last_date = None
    items = [c for c in column if c.kind != "dots"]
    used_orgs: set[int] = set()
    for k, cell in enumerate(items):
        if cell.kind == "date":
            hits = find_dates(cell.text)
            last_date = hits[0][0] if hits else last_date
        if cell.kind == "org":
            last_org = cell
            continue
        if cell.kind != "name":
            continue
        nxt = items[k + 1] if k + 1 < len(items) else None
        title_parts: list[str] = []
        org: Cell | None = None
        if nxt is not None and nxt.kind == "org" and id(nxt) not in used_orgs:
            org = nxt  # "Peter Vigren / Umeå kommun"
            j = k + 2
        else:
            org = last_org if last_org is not None and id(last_org) not in used_orgs else last_org
            j = k + 1
        while j < len(items) and items[j].kind == "title":
            title_parts.append(items[j].text)
            j += 1
        if org is not None:
            used_orgs.add(id(org))
        out.append((cell, " ".join(title_parts) or None, org, last_date))
    return out


def extract_signatories_from(doc: DocumentText, segment: Segment) -> list[Signatory]:
    block = _block(doc, segment)
    if not block:
        return []
    out: list[Signatory] = []
    seen: set[str] = set()
    for column in _columns(block):
        for name, title, org, signed in signatories_of_column(column):
            key = name.text.lower()
            if key in seen:
                continue
            seen.add(key)
            match = resolve_organisation(org.text) if org else None
            warnings = []
            if org is None:
                warnings.append("no organisation found for the signatory")
            lines = [name.line.line] + ([org.line.line] if org and org.line.page.number == name.line.page.number else [])
            out.append(
                Signatory(
                    person_name=name.text,
                    title=title,
                    organisation=org.text if org else None,
                    canonical_organisation=match.canonical_name if match else None,
                    signed_date=signed,
                    segment_id=segment.segment_id,
                    provenance=provenance(doc, name.line.page, lines=lines),
                    warnings=warnings,
                )
            )
    return out


@register(DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN)
def extract_signatories(doc: DocumentText, segment: Segment) -> list[Signatory]:
    return extract_signatories_from(doc, segment)
