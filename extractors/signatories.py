"""Signatories: person, title and organisation from the signature block of an agreement.

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

Within a column a person's organisation is the organisation line right after the name
("Peter Vigren / Umeå kommun"), the one right above it ("Arbetsförmedlingen / ...... /
Jan Karlsson, / Enhetschef"), or the one after the name's title lines ("Rickard Holm /
Arbetsmarknadschef / Norråsa kommun"); see `signatories_of_column`. Dotted signature lines
are never people. An organisation at a signature line that no name claims is a Signatory
with person_name "" and a warning: reconcile's `signature-missing-name` reports it, and
`signatory-changed` skips it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from dataclasses import dataclass

from extractors import extractor
from extractors.attendance import ATTENDANCE_LABEL_RE
from models import DocumentText, Line, Segment, Signatory
from pipeline.sv.dates import find_dates
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.gazetteer import resolve_organisation
from pipeline.sv.nlp import NameSpan, entities, list_person_names
from pipeline.text.textview import LineRef, TextStream, provenance, segment_lines, segment_stream

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

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
    """Cells per column, top to bottom. Where the text layer gives positions, a cell goes
    to the column whose left edge (from the rows printing every column) is nearest, so a
    row where only the right-hand party prints something still lands on the right."""
    rows = [(ref, row) for ref in block for row in _rows(ref)]
    xs: dict[int, list[float]] = {}
    for _, row in rows:
        if len(row) >= 2 and all(x is not None for _, x, _ in row):
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


_ON_BEHALF = re.compile(r"^för\s+(?=[A-ZÅÄÖ])", re.I)  # "För Region X": on behalf of Region X
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


def extract_signatories_from(doc: DocumentText, segment: Segment) -> list[Signatory]:
    block = _block(doc, segment)
    if not block:
        return []
    out: list[Signatory] = []
    seen: set[str] = set()
    for column in _columns(block):
        for name, title, org, signed in signatories_of_column(column):
            key = name.text.lower() if name is not None else f"(no name) {org.text.lower()}"
            if key in seen:
                continue
            seen.add(key)
            org_text = _ON_BEHALF.sub("", org.text) if org else None
            match = resolve_organisation(org_text) if org_text else None
            warnings = []
            if org is None:
                warnings.append("no organisation found for the signatory")
            if name is None:
                warnings.append(f"signature line for {org.text} carries no name")
            anchor = name if name is not None else org
            lines = [anchor.line.line]
            if org is not None and org is not anchor and org.line.page.number == anchor.line.page.number:
                lines.append(org.line.line)
            out.append(
                Signatory(
                    person_name=name.text if name is not None else "",
                    title=title,
                    organisation=org_text,
                    canonical_organisation=match.canonical_name if match else None,
                    signed_date=signed,
                    segment_id=segment.segment_id,
                    provenance=provenance(doc, anchor.line.page, lines=lines),
                    warnings=warnings,
                )
            )
    return out


# --- meeting signature blocks (protokoll, kallelse) --------------------------------------
#
# A protokoll is signed by its sekreterare, ordförande and justerare: "Underskrifter
# Sekreterare X Ordförande Y Justerare Z", "Sekreterare: X", dotted "Sekreterare......
# X", "X, sekreterare" under "Justerat den ...". A kallelse names its ordförande and
# sekreterare under the heading: "X (M) Ordförande Y Sekreterare". The block is read
# from the text stream (line breaks mean nothing in flattened transcripts): from its
# first marker to ANSLAG/BEVIS, a § heading or the list of items.

_SIG_ROLE_RE = re.compile(
    r"\b(?:(?P<sekreterare>sekreterare|sekr\.|protokollf[öo]rare)|(?P<ordforande>(?:m[öo]tes)?ordf[öo]rande|ordf\.)"
    r"|(?P<justerare>justerare|justerande))(?![\w-])",
    re.I,
)
_SIG_ROLE_NAMES = {"sekreterare": "sekreterare", "ordforande": "ordförande", "justerare": "justerare"}
# Labels that end a role's names without being a role ("Ers:" names the justerare's deputy).
_SIG_OTHER_RE = re.compile(
    r"\b(?:utses\s+att\s+justera|justerat\s+den|ers\s*:|underskrift(?:er)?|under-\s*skrifter|utdragsbestyrkande"
    r"|protokollet\s+inneh[åa]ller|plats\s+och\s+tid|sammantr[äa]desdatum|organ)\b",
    re.I,
)
# Printed between a role label and its name: dots, colons, "Paragrafer 26-38".
_SIG_JUNK_RE = re.compile(
    r"^(?:[\s.…_:·,]|paragraf(?:er|erna)?\s*:?\s*(?:§+\s*)?(?:\d{1,3}(?:\s*[-–]+\s*\d{1,3})?)?|justeringens\s+plats\s*(?:och\s+tid|/\s*tid)?)*",
    re.I,
)
_SIG_TRIGGER_RE = re.compile(
    r"\bunder-?\s*skrifter\b|\bjusterat\s+den\b|\bjusteringens\s+plats|\bprotokollet\s+inneh[åa]ller\s+paragraf"
    r"|\bparagraf(?:er)?\s*:?\s*§*\s*\d|\butses\s+att\s+justera"
    r"|(?:(?<=\n)|^)[ \t]*(?:\d{1,3}[ \t]+)?(?:sekreterare|ordf[öo]rande|justerare|justerande)\b"
    r"|\b(?:sekreterare|ordf[öo]rande|justerare|justerande)[ \t]*(?::|\.{2,}|…)",
    re.I,
)
_SIG_END_RE = re.compile(
    r"\banslag\w*|\bbevis\b|\bprotokollet\s+[äa]r\s+justerat|\binneh[åa]llsf[öo]rteckning|\b[äa]rendelista"
    r"|\buts[äa]nd\s+f[öo]redragningslista|\b[äa]rendebeskrivning|(?:(?<=\n)|^)\s*§\s*\d"
    r"|(?<![\d.,:-])\d{1,2}\.\s+[A-ZÅÄÖ][a-zåäö]+\s+[a-zåäö]",
    re.I,
)
# Lower-case words of running text between a label and a name: the name is not signed there.
_PROSE_RE = re.compile(r"(?<![\w-])[a-zåäö]{3,}(?![\w-])")
_NAME_ROLE_AFTER_RE = re.compile(r"^\s*(?:\([^)\n]{1,12}\)\s*)?,\s*(sekreterare|ordf[öo]rande|justerare)\b", re.I)
_PARTY_AFTER_RE = re.compile(r"^\s*(?:\([^)\n]{1,12}\))?\s*")


@dataclass(frozen=True)
class MeetingSignature:
    name: str
    role: str  # sekreterare | ordförande | justerare
    start: int  # span of the name in the text read
    end: int
    warnings: tuple[str, ...] = ()


def _role_of(m: re.Match[str]) -> str:
    return next(_SIG_ROLE_NAMES[k] for k, v in m.groupdict().items() if v is not None)


def _split_pairs(names: list[NameSpan], known: set[str]) -> list[NameSpan]:
    """"Karl Lind Ulla Berg", "Eva Ek Eva Ek": two names printed
    side by side (two signature lines) read as one run; cut where both halves are names
    the document prints on their own."""
    out = []
    for n in names:
        words = n.text.split()
        if len(words) == 4:
            left, right = " ".join(words[:2]), " ".join(words[2:])
            if left == right or (normalize_for_match(left) in known and normalize_for_match(right) in known):
                out += [NameSpan(left, n.start, n.start + len(words[0]) + 1 + len(words[1])),
                        NameSpan(right, n.end - len(words[2]) - 1 - len(words[3]), n.end)]
                continue
        out.append(n)
    return out


def _read_block(text: str, elected: list[str], name_first_only: bool = False, known: set[str] = frozenset()) -> list[MeetingSignature]:
    names = _split_pairs(list_person_names(text), known)
    out: list[MeetingSignature] = []
    consumed: list[tuple[int, int]] = []
    for n in names:  # "Robert Lindby, sekreterare"
        m = _NAME_ROLE_AFTER_RE.match(text[n.end:])
        if m:
            out.append(MeetingSignature(n.text, _SIG_ROLE_NAMES[normalize_role(m.group(1))], n.start, n.end))
            consumed.append((n.end + m.start(1), n.end + m.end(1)))
    if name_first_only and out:
        return []
    labels = [
        (m.start(), m.end(), _role_of(m)) for m in _SIG_ROLE_RE.finditer(text)
        if m.group(0)[:1].isupper() and not any(a <= m.start() < b for a, b in consumed)
    ]
    others = [(m.start(), m.end(), None) for m in _SIG_OTHER_RE.finditer(text)]
    markers = sorted(labels + others)
    free = [n for n in names if not any(o.start == n.start for o in out)]

    def name_after(pos: int) -> NameSpan | None:
        skip = _SIG_JUNK_RE.match(text[pos:]).end()
        return next((n for n in free if n.start == pos + skip), None)

    def name_before(pos: int) -> NameSpan | None:
        for n in reversed(free):
            if n.end <= pos:
                between = text[n.end:pos]
                return n if _PARTY_AFTER_RE.fullmatch(between) else None
        return None

    label_first = sum(1 for s, e, r in labels if name_after(e))
    name_first = sum(1 for s, e, r in labels if name_before(s))
    if name_first_only:
        if name_first < 2 or name_first <= label_first:
            return []
        label_first = -1
    if name_first > label_first:
        for s, e, role in labels:
            n = name_before(s)
            if n:
                out.append(MeetingSignature(n.text, role, n.start, n.end))
        return out
    for k, (s, e, role) in enumerate(markers):
        if role is None:
            continue
        stop = markers[k + 1][0] if k + 1 < len(markers) else len(text)
        in_span = []
        prev_end = e
        for n in free:
            if not (e <= n.start and n.end <= stop):
                continue
            if _PROSE_RE.search(text[prev_end:n.start]):
                break  # past the block: a name in running text ("... utses Ulf Olsson (S).")
            in_span.append(n)
            prev_end = n.end
        for i, n in enumerate(in_span):
            warnings: tuple[str, ...] = ()
            r = role
            if i and role != "justerare" and any(normalize_for_match(n.text) == normalize_for_match(x) for x in elected):
                r, warnings = "justerare", ("a second name under the label; elected to justera, so read as justerare",)
            out.append(MeetingSignature(n.text, r, n.start, n.end, warnings))
    return out


def normalize_role(word: str) -> str:
    from pipeline.sv.fuzzy import normalize_for_match as fold

    w = fold(word)
    return "ordforande" if w.startswith("ordf") else ("sekreterare" if w.startswith("sekr") else "justerare")


def meeting_signatures(text: str) -> list[MeetingSignature]:
    """Who signs a protokoll or kallelse, in the order printed (spans of `text`)."""
    elected = [n.text for n in elected_justerare(text)]
    known = {normalize_for_match(n.text) for n in list_person_names(text) if len(n.text.split()) <= 3}
    found: list[MeetingSignature] = []
    pos = 0
    while True:
        t = _SIG_TRIGGER_RE.search(text, pos)
        if t is None:
            break
        end_m = _SIG_END_RE.search(text, t.start())
        end = min(end_m.start() if end_m else len(text), t.start() + 900)
        # an attendance list after the block (a second page of the head) is not signed
        for lm in ATTENDANCE_LABEL_RE.finditer(text, t.end(), end):
            if lm.group(0)[:1].isupper():
                end = lm.start()
                break
        block = text[t.start():end]
        found += [MeetingSignature(s.name, s.role, s.start + t.start(), s.end + t.start(), s.warnings)
                  for s in _read_block(block, elected, known=known)]
        pos = max(end, t.end())
    if not any(s.role in ("sekreterare", "justerare") for s in found):
        # "Ordförande" alone is also an agreement signer's title: not a meeting's block
        found = []
    if not found:
        # a kallelse: "Anna Berg (M) Ordförande Per Ek Sekreterare" under the heading
        head = text[:1500]
        found = _read_block(head, elected, name_first_only=True)
    out: list[MeetingSignature] = []
    for s in found:
        if not any(normalize_for_match(s.name) == normalize_for_match(o.name) and s.role == o.role for o in out):
            out.append(s)
    return out


_ELECT_AFTER_RE = re.compile(r"\butses\s+att\s+justera\w*\s*:?", re.I)
_ELECT_BEFORE_RE = re.compile(
    r"\b(?:utses|utsågs|valdes|väljs)\s+(?:att|till)\s+(?:\w+\s+){0,4}?(?:justera|signera|justerare|protokollsjusterare)", re.I
)
_ELECT_UTSER_RE = re.compile(r"\butser\s+", re.I)


def elected_justerare(text: str) -> list[NameSpan]:
    """Persons elected to justera: "Utses att justera X", "X utses att justera",
    "Nämnden utser X att justera", "X valdes att jämte ordföranden signera"."""
    out: list[NameSpan] = []

    def add(n: NameSpan) -> None:
        if not any(normalize_for_match(n.text) == normalize_for_match(o.text) for o in out):
            out.append(n)

    for m in _ELECT_AFTER_RE.finditer(text):
        window = text[m.end():m.end() + 160]
        stop = re.search(r"\bers\s*[:.]|\bersättare\b|\bjusteringens\b|\bsekreterare\b|\bunderskrift|\bdag\b|\bprotokoll", window, re.I)
        window = window[:stop.start()] if stop else window
        for n in list_person_names(window):
            add(NameSpan(n.text, n.start + m.end(), n.end + m.end()))
    for m in _ELECT_BEFORE_RE.finditer(text):
        if m.group(0)[:1].isupper():
            continue  # "Utses att justera X": a label, the name follows
        lo = max(0, m.start() - 160)
        window = text[lo:m.start()]
        cut = max(window.rfind(". "), window.rfind("\n"), window.rfind(":"))
        window_start = lo + cut + 1
        names = list_person_names(text[window_start:m.start()])
        for n in names:
            after = text[window_start + n.end:window_start + n.end + 30]
            if re.match(r"\s*(?:\([^)]*\)\s*)?som\s+ers", after, re.I):
                continue
            add(NameSpan(n.text, n.start + window_start, n.end + window_start))
            break
    for m in _ELECT_UTSER_RE.finditer(text):
        names = list_person_names(text[m.end():m.end() + 60])
        if names and names[0].start == 0 and re.match(
            r"\s*(?:\([^)]*\)\s*)?(?:att|till)\s+(?:\w+\s+){0,3}?(?:justera|signera)", text[m.end() + names[0].end:], re.I
        ):
            add(NameSpan(names[0].text, names[0].start + m.end(), names[0].end + m.end()))
    return out


def meeting_signatories(doc: DocumentText, segment: Segment, stream: TextStream) -> list[Signatory]:
    out = []
    for s in meeting_signatures(stream.text):
        out.append(Signatory(
            person_name=s.name, title=s.role, organisation=segment.organisation,
            canonical_organisation=segment.organisation, segment_id=segment.segment_id,
            provenance=stream.provenance(doc, s.start, s.end), warnings=list(s.warnings),
        ))
    return out


@extractor
def extract_signatories(ctx: ExtractionContext, segment: Segment) -> list[Signatory]:
    """A meeting's signature block where one is printed; otherwise an agreement's."""
    meeting = meeting_signatories(ctx.doc, segment, segment_stream(ctx.doc, segment))
    if meeting:
        return meeting
    return extract_signatories_from(ctx.doc, segment)
