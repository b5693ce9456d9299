"""Split a file into documents (segments) and classify each.

A file is often a bundle: kallelse/föredragningslista, the previous meeting's protokoll,
a verksamhetsplan, a budget, a letter, run on one after another, often mid-page. The
splitter walks the body lines of the whole file in reading order and cuts where

* a document title starts a meeting document: "KALLELSE", "FÖREDRAGNINGSLISTA",
  "PROTOKOLL" (also as OCR prints them: "FOREDRAGNINGSLISTA", "Sammantradesdatum");
* a meeting document closes: the agenda item or § "Mötets avslutande" / "Mötet
  avslutas" (and the sentence that follows it in minutes);
* an unnumbered "Budget" heading is followed by a row of years or "tkr" (a numbered
  "13. Budget" is a chapter of the plan around it, not a document of its own); the
  budget ends after its last row of figures;
* a meeting plan ("Förslag mötesplan för styrelsen 2021") or a letter ("Hej alla ...,")
  starts.

What lies between cuts and is not a meeting document is classified by what it says
about itself: its title lines first ("Överenskommelse om samverkan ...", "UPPDRAGSAVTAL"),
then how it refers to itself in the text ("denna överenskommelse", "den här
verksamhetsplanen"). A title page that lists what a document contains ("Överenskommelse
... Samt i tillämpliga delar Verksamhetsplan ... Samt budget") is classified by its first
title (the överenskommelse) and not split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from models import DocType, DocumentText, Segment
from pipeline.dates import find_dates, parse_validity
from pipeline.fuzzy import normalize_for_match
from pipeline.textview import page_provenance


@dataclass(frozen=True)
class FlatLine:
    """One non-blank body line of the file, in reading order."""

    page: int
    index: int  # index in Page.lines
    text: str
    norm: str  # normalize_for_match(text)
    bold: bool | None


def flatten(doc: DocumentText) -> list[FlatLine]:
    out = []
    for page in doc.pages:
        for i, line in enumerate(page.lines):
            if line.kind != "body" or not line.text.strip():
                continue
            out.append(FlatLine(page.number, i, line.text.strip(), normalize_for_match(line.text), line.bold))
    return out


# --- markers ------------------------------------------------------------------------

# Patterns run on normalize_for_match text: lower case, å/ä/ö folded, OCR digits read.
_AGENDA_RE = re.compile(
    r"^(?:kallelse(?: (?:och|samt) foredragningslista)?|foredragningslista|dagordning)"
    r"(?: (?:for|till) .{0,40})?$"
)
_PROTOCOL_RE = re.compile(r"^(?:sammantradesprotokoll|motesprotokoll|protokoll|protokollsutdrag)(?: .{0,40})?$")
_MEETING_DATE_LABEL_RE = re.compile(r"^sammantrades ?datum\b")
_BUDGET_RE = re.compile(r"^budget(?: (?:for |)(?:ar |)(?:19|20)\d\d.{0,20})?$")
_YEARS_ROW_RE = re.compile(r"(?:19|20)\d\d\D{1,6}(?:19|20)\d\d")
_PLAN_RE = re.compile(r"^(?:forslag (?:till |pa |)|)(?:motesplan|sammantradesplan|sammantradestider|motesplanering)\b.{0,60}$")
_LETTER_RE = re.compile(r"^(?:hej|hejsan|kära|kara)\b.{0,50},$")
# A kallelse signs off after its last item: "Välkomna!", then who calls (names, titles).
_SIGNOFF_RE = re.compile(r"^(?:hjartligt |varmt |)(?:valkomna|valkommen)\b|^(?:med )?vanliga? halsningar?\b|^halsningar\b")
_CLOSING_RE = re.compile(r"\b(?:motets? (?:avslut\w*|slut)|avslutande|motet avslutas|avslutas)\s*$")
_ITEM_RE = re.compile(r"^\s*(\d{1,2})\s*[.)]\s+(\S.*)$")
_NUMBERED_RE = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s")
_NUMBER_ROW_RE = re.compile(r"-?\d[\d ]*\d?\s*$")
_DATE_ONLY_RE = re.compile(r"^\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2} \w+ \d{4})\s*$")


def _short(line: FlatLine, limit: int = 60) -> bool:
    return len(line.text) <= limit


def _is_agenda_marker(line: FlatLine) -> bool:
    return _short(line) and bool(_AGENDA_RE.match(line.norm))


def _is_protocol_marker(lines: list[FlatLine], i: int) -> bool:
    line = lines[i]
    if _short(line) and _PROTOCOL_RE.match(line.norm):
        return True
    return False


def _is_budget_marker(lines: list[FlatLine], i: int) -> bool:
    line = lines[i]
    if not _short(line, 40) or not _BUDGET_RE.match(line.norm):
        return False
    for nxt in lines[i + 1 : i + 4]:
        if _YEARS_ROW_RE.search(nxt.norm) or re.search(r"\b(?:tkr|mnkr|tusental kronor)\b", nxt.norm):
            return True
    return False


def _is_plan_marker(line: FlatLine) -> bool:
    # A title, not a sentence: "Förslag till sammanträdesplan presenterades." in a § is not one.
    return _short(line, 80) and bool(_PLAN_RE.match(line.norm)) and not line.text.rstrip().endswith(".")


def _is_letter_marker(line: FlatLine) -> bool:
    return bool(_LETTER_RE.match(line.text.strip().lower()))


def _is_number_row(line: FlatLine) -> bool:
    """A table row of figures: ends in at least one number ("- Vännäs -440 -450 -460")."""
    tail = re.findall(r"(?<![\w,.])-?\d{1,3}(?: \d{3})*(?![\w,])", line.text)
    return bool(tail) and bool(re.search(r"\d\s*\)?\s*$", line.text))


def _title_names_budget(lines: list[FlatLine], start: int) -> bool:
    """Whether the title of the document starting at `start` announces a budget in it.

    "Verksamhetsplan 2024 / samt budget 2024–2026": its budget table is a part of the plan,
    not a document of its own. The title is the first line and the lower-case lines that
    continue it.
    """
    head = [lines[start]]
    for nxt in lines[start + 1 : start + 3]:
        if not nxt.text[:1].islower():
            break
        head.append(nxt)
    return any(re.search(r"\bbudget\b", ln.norm) for ln in head) and not _BUDGET_RE.match(head[0].norm)


_SIGNOFF_LINES = 8  # names, titles and a footer under "Välkomna!"


# --- the walk --------------------------------------------------------------------------


@dataclass
class _Cut:
    start: int  # index into the flat lines
    kind: str  # "agenda" | "protocol" | "budget" | "plan" | "letter" | "free"
    warnings: list[str] = field(default_factory=list)


def _pull_back(lines: list[FlatLine], i: int, floor: int) -> int:
    """Include a meeting document's masthead above its title (org name, a date, KALLELSE)."""
    j = i
    while j - 1 >= floor and i - (j - 1) <= 3:
        prev = lines[j - 1]
        if _DATE_ONLY_RE.match(prev.text) or _is_agenda_marker(prev) or (
            _short(prev, 40) and prev.text.upper() == prev.text and any(c.isalpha() for c in prev.text)
        ):
            j -= 1
        else:
            break
    return j


def find_cuts(lines: list[FlatLine]) -> list[_Cut]:
    cuts: list[_Cut] = []
    current: str | None = None  # kind of the open segment
    closed = True  # the open segment ended (a new one starts at the next line)
    floor = 0  # first line not yet claimed by a closed segment
    closing_tail = 0  # minutes: lines still to take after "§ N Mötet avslutas"
    signoff_left = 0  # kallelse: sign-off lines still to take after "Välkomna!"
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_agenda_marker(line) and current != "agenda":
            start = _pull_back(lines, i, floor)
            cuts.append(_Cut(start, "agenda"))
            current, closed = "agenda", False
        elif _is_protocol_marker(lines, i) and current != "protocol":
            cuts.append(_Cut(i, "protocol"))
            current, closed = "protocol", False
        elif (
            _MEETING_DATE_LABEL_RE.match(line.norm) and current not in ("protocol", "agenda")
            and not any(_is_protocol_marker(lines, k) for k in range(max(0, i - 3), i))
        ):
            # Minutes whose "PROTOKOLL" title was lost: the Sammanträdesdatum box.
            cuts.append(_Cut(i, "protocol", ["minutes title not found; started at 'Sammanträdesdatum'"]))
            current, closed = "protocol", False
        elif (
            _is_budget_marker(lines, i) and current != "budget" and not _NUMBERED_RE.match(line.text)
            and not (current == "free" and _title_names_budget(lines, cuts[-1].start))
        ):
            cuts.append(_Cut(i, "budget"))
            current, closed = "budget", False
        elif _is_plan_marker(line) and current != "plan":
            cuts.append(_Cut(i, "plan"))
            current, closed = "plan", False
        elif _is_letter_marker(line) and current != "letter":
            start = i
            if i - 1 >= floor and _short(lines[i - 1], 80) and current in (None, "plan", "budget") and closed:
                start = i - 1  # a subject line above the greeting
            cuts.append(_Cut(start, "letter"))
            current, closed = "letter", False
        elif closed:
            if cuts and cuts[-1].kind == "agenda" and _SIGNOFF_RE.match(line.norm) and lines[i - 1].page == line.page:
                # "Välkomna!" and who signs the kallelse: still the kallelse, not a document.
                current, closed, signoff_left = "signoff", False, _SIGNOFF_LINES
            else:
                cuts.append(_Cut(i, "free"))
                current, closed = "free", False
        # --- does the open segment end after this line?
        if current == "agenda":
            m = _ITEM_RE.match(line.text)
            title = m.group(2) if m else line.text
            if _short(line, 80) and _CLOSING_RE.search(normalize_for_match(title)):
                closed, floor, current = True, i + 1, None
        elif current == "protocol":
            if closing_tail:
                closing_tail -= 1
                if line.text.rstrip().endswith(".") or closing_tail == 0:
                    closed, floor, current, closing_tail = True, i + 1, None, 0
            elif re.match(r"^\s*[§$8S]\s*\d{1,3}\b", line.text) and _CLOSING_RE.search(line.norm):
                closing_tail = 2
        elif current == "signoff":
            signoff_left -= 1
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if (
                not signoff_left or nxt is None or nxt.page != line.page or not _short(nxt, 100)
                or nxt.text.rstrip().endswith(".")
            ):
                closed, floor, current = True, i + 1, None
        elif current == "budget":
            rest = lines[i + 1 : i + 4]
            if _is_number_row(line) and rest and not any(_is_number_row(x) for x in rest):
                closed, floor, current = True, i + 1, None
        i += 1
    return cuts


# --- classification of free text ------------------------------------------------------

# A draft is titled as one: "Förslag till verksamhetsplan 2025".
_DRAFT = r"^(?:forslag (?:till|pa) )?"
_TITLE_WORDS: list[tuple[DocType, re.Pattern[str]]] = [
    (DocType.UPPDRAGSAVTAL, re.compile(_DRAFT + r"uppdragsavtal\b")),
    (DocType.OVERENSKOMMELSE, re.compile(_DRAFT + r"(?:overenskommelse|samverkansoverenskommelse|avtal om samverkan)\b")),
    (DocType.VERKSAMHETSPLAN, re.compile(_DRAFT + r"verksamhetsplan\b")),
    (DocType.BUDGET, re.compile(_DRAFT + r"budget\b")),
    (DocType.PROTOKOLL, re.compile(r"^protokoll\b")),
    (DocType.FOREDRAGNINGSLISTA, re.compile(r"^(?:foredragningslista|kallelse)\b")),
]
_SELF_REF_RE = re.compile(
    r"\b(?:denna|detta|den har|det har|foreliggande)(?: \w+){0,2}? "
    r"(uppdragsavtal\w*|overenskommelse\w*|verksamhetsplan\w*|avtal\w*)"
)
_SELF_REF_TYPE = {
    "uppdragsavtal": DocType.UPPDRAGSAVTAL,
    "overenskommelse": DocType.OVERENSKOMMELSE,
    "verksamhetsplan": DocType.VERKSAMHETSPLAN,
    "avtal": DocType.UPPDRAGSAVTAL,
}


def classify_lines(lines: list[FlatLine]) -> tuple[DocType, float, FlatLine | None]:
    """(type, confidence, title line) of a stretch of text that is not a meeting document."""
    for line in lines[:25]:
        if len(line.text) > 120 or _NUMBERED_RE.match(line.text):
            continue
        for doc_type, pattern in _TITLE_WORDS:
            if pattern.match(line.norm):
                return doc_type, 0.9, line
    counts: dict[DocType, int] = {}
    for line in lines:
        for m in _SELF_REF_RE.finditer(line.norm):
            word = m.group(1)
            for prefix, t in _SELF_REF_TYPE.items():
                if word.startswith(prefix):
                    counts[t] = counts.get(t, 0) + 1
                    break
    if counts:
        best = max(counts, key=lambda t: counts[t])
        return best, 0.7, None
    return DocType.OTHER, 0.5, None


def classify_text(text: str) -> DocType:
    """The type of a text read as one document (kept for callers that have only text)."""
    lines = [
        FlatLine(1, i, t.strip(), normalize_for_match(t), None) for i, t in enumerate(text.splitlines()) if t.strip()
    ]
    if lines and _is_agenda_marker(lines[0]):
        return DocType.FOREDRAGNINGSLISTA
    for k in range(min(len(lines), 15)):
        if _is_agenda_marker(lines[k]):
            return DocType.FOREDRAGNINGSLISTA
        if _is_protocol_marker(lines, k):
            return DocType.PROTOKOLL
    return classify_lines(lines)[0]


# --- metadata -------------------------------------------------------------------------

_FORBUND_RE = re.compile(
    r"(?i:samordningsf\w{0,3}rbundet)\s+(?:(?i:i)\s+)?([A-ZÅÄÖ][\wåäöéÅÄÖÉ-]+(?:\s+[A-ZÅÄÖ][\wåäöé-]+)?)"
)
_BODY_RE = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]+?)s\s+(?:sammantr\w+|m[oöé]te)\b")


# The minutes' "Organ" field names the body: "Organ Styrelsen, Samordningsförbundet X".
_ORGAN_RE = re.compile(r"^\s*Organ\s*:?\s+([A-ZÅÄÖ][\wåäöé-]+)(?=\s*(?:,|$|\s+f[oö]r\b))")


def _organ_label(lines: list[FlatLine]) -> str | None:
    for ln in lines:
        m = _ORGAN_RE.match(ln.text)
        if m:
            return m.group(1)
    return None


def _resolve(name: str, min_score: float = 0.0):
    try:
        from pipeline.gazetteer import resolve_organisation
    except ImportError:
        return None
    try:
        hit = resolve_organisation(name)
    except Exception:  # noqa: BLE001 - an odd name must not stop segmentation
        return None
    return hit if hit is not None and hit.score >= min_score else None


def _resolve_org(name: str) -> str:
    hit = _resolve(name)
    return hit.canonical_name if hit else name


_NAME_PREFIXES = {"sodra", "norra", "ostra", "vastra", "centrala", "mellersta", "nedre", "ovre", "sydvastra", "nordvastra"}


def _forbund_name(match: re.Match[str]) -> str:
    """Canonical name of "Samordningsförbundet X [Y]": the gazetteer's if it knows it."""
    words = match.group(1).split()
    candidates = [" ".join(words[:k]) for k in range(len(words), 0, -1)]
    for cand in candidates:
        hit = _resolve("Samordningsförbundet " + cand, min_score=85)
        if hit is not None and hit.party_type == "samordningsförbund":
            return hit.canonical_name
    keep = words if len(words) > 1 and normalize_for_match(words[0]) in _NAME_PREFIXES else words[:1]
    return _resolve_org("Samordningsförbundet " + " ".join(keep))


def find_organisation(lines: list[FlatLine]) -> str | None:
    """The förbund a stretch of text speaks for: "Samordningsförbundet X", or a masthead."""
    for line in lines[:5]:
        if _short(line, 40) and line.text.isupper() and len(line.text) > 4 and not _DATE_ONLY_RE.match(line.text):
            # A masthead: "UMEAREGIONEN" for Samordningsförbundet Umeåregionen.
            for cand in (line.text.title(), "Samordningsförbundet " + line.text.title()):
                hit = _resolve(cand, min_score=88)
                if hit is not None:
                    return hit.canonical_name
    for line in lines[:40]:
        m = _FORBUND_RE.search(line.text)
        if m:
            return _forbund_name(m)
    return None


def _first_date(lines: list[FlatLine]) -> date | None:
    for line in lines:
        hits = find_dates(line.text)
        if hits:
            return hits[0][0]
    return None


def _meeting_date(lines: list[FlatLine], kind: str) -> tuple[date | None, list[str]]:
    head = lines[:12]
    for k, line in enumerate(head):
        if re.search(r"sammantr|motesdatum|\bmote\b|datum", line.norm):
            d = _first_date(head[k : k + 3])
            if d:
                return d, []
    d = _first_date(head)
    if d:
        return d, ["meeting date taken from the first date in the heading, not from a labelled field"]
    return None, ["meeting date not found"]


def _validity(lines: list[FlatLine], title: str | None) -> tuple[date | None, date | None, bool, list[str]]:
    best = None
    for k, line in enumerate(lines):
        if not re.search(r"gall|giltig|varaktighet|period|tills? ?vidare", line.norm):
            continue
        v = parse_validity(line.text + " " + (lines[k + 1].text if k + 1 < len(lines) else ""))
        if v is None or not find_dates(v.raw):
            continue  # "under 2020 har ...": a year in running text is not a validity
        if v.valid_from and (v.valid_to or v.open_ended):
            return v.valid_from, v.valid_to, v.open_ended, []
        best = best or v
    if best is not None:
        return best.valid_from, best.valid_to, best.open_ended, []
    if title:
        v = parse_validity(title)
        if v is not None and (v.valid_from or v.valid_to):
            return v.valid_from, v.valid_to, v.open_ended, ["validity inferred from the year in the title"]
    return None, None, False, []


def _budget_years(lines: list[FlatLine]) -> tuple[date | None, date | None]:
    for line in lines[:6]:
        years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", line.text)]
        if len(years) >= 2 and years == sorted(years):
            return date(years[0], 1, 1), date(years[-1], 12, 31)
    return None, None


def _title_of(lines: list[FlatLine], title_line: FlatLine | None) -> str | None:
    if title_line is None:
        title_line = next((ln for ln in lines[:5] if len(ln.text) <= 120), lines[0] if lines else None)
        if title_line is None:
            return None
    k = lines.index(title_line)
    parts = [title_line.text]
    for nxt in lines[k + 1 : k + 4]:
        if nxt.text[:1].islower() and len(nxt.text) <= 120:
            parts.append(nxt.text)
        else:
            break
    return " ".join(parts)


# Documents a förbund issues itself: they inherit the förbund named elsewhere in the file.
_FORBUND_DOCS = {DocType.FOREDRAGNINGSLISTA, DocType.PROTOKOLL, DocType.VERKSAMHETSPLAN, DocType.BUDGET}


def _file_organisation(lines: list[FlatLine]) -> str | None:
    """The förbund the file names most often (at least twice), or None."""
    counts: dict[str, int] = {}
    for ln in lines:
        for m in _FORBUND_RE.finditer(ln.text):
            name = _forbund_name(m)
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= 2 else None


def segment_document(doc: DocumentText) -> list[Segment]:
    lines = flatten(doc)
    if not lines:
        if not doc.pages:
            return []
        page = doc.pages[0]
        return [
            Segment(
                segment_id=f"{doc.doc_id[:12]}-s1", provenance=page_provenance(doc, page.number),
                doc_type=DocType.OTHER, page_start=doc.pages[0].number, page_end=doc.pages[-1].number,
                classification_confidence=0.0, warnings=["no text to segment"],
            )
        ]
    cuts = find_cuts(lines)
    file_org = _file_organisation(lines)
    segments: list[Segment] = []
    for n, cut in enumerate(cuts):
        end = cuts[n + 1].start - 1 if n + 1 < len(cuts) else len(lines) - 1
        part = lines[cut.start : end + 1]
        if not part:
            continue
        warnings = list(cut.warnings)
        meeting_date = document_date = valid_from = valid_to = None
        open_ended = False
        body = None
        title_line = None
        if cut.kind == "agenda":
            doc_type, conf = DocType.FOREDRAGNINGSLISTA, 0.95
            title_line = next((ln for ln in part if _is_agenda_marker(ln)), None)
            meeting_date, w = _meeting_date(part[part.index(title_line) if title_line else 0 :], cut.kind)
            warnings += w
            before = part[: part.index(title_line)] if title_line else []
            document_date = _first_date([ln for ln in before if _DATE_ONLY_RE.match(ln.text)])
        elif cut.kind == "protocol":
            doc_type, conf = DocType.PROTOKOLL, 0.95 if not cut.warnings else 0.7
            title_line = part[0]
            meeting_date, w = _meeting_date(part, cut.kind)
            warnings += w
        elif cut.kind == "budget":
            doc_type, conf = DocType.BUDGET, 0.9
            title_line = part[0]
            valid_from, valid_to = _budget_years(part)
        elif cut.kind in ("plan", "letter"):
            doc_type, conf = DocType.OTHER, 0.8
            title_line = part[0]
        else:
            doc_type, conf, title_line = classify_lines(part)
            if doc_type in (DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN):
                title = _title_of(part, title_line)
                valid_from, valid_to, open_ended, w = _validity(part, title)
                warnings += w
            head_dates = [ln for ln in part[:15] if _DATE_ONLY_RE.match(ln.text) or re.match(r"^datum\b", ln.norm)]
            document_date = _first_date(head_dates)
        if cut.kind in ("agenda", "protocol"):
            for ln in part[:8]:
                m = _BODY_RE.search(ln.text)
                if m:
                    body = m.group(1) + "n" if not m.group(1).endswith("n") else m.group(1)
                    break
            if body is None:
                body = _organ_label(part[:30])
        title = _title_of(part, title_line)
        organisation = find_organisation(part)
        if organisation is None and file_org and doc_type in _FORBUND_DOCS:
            organisation = file_org
            warnings.append("organisation not named in this document; taken from the rest of the file")
        first, last = part[0], part[-1]
        segments.append(
            Segment(
                segment_id=f"{doc.doc_id[:12]}-s{len(segments) + 1}",
                provenance=page_provenance(doc, first.page),
                doc_type=doc_type,
                title=title,
                organisation=organisation,
                body=body,
                meeting_date=meeting_date,
                document_date=document_date,
                valid_from=valid_from,
                valid_to=valid_to,
                valid_open_ended=open_ended,
                page_start=first.page,
                page_end=last.page,
                line_start=first.index,
                line_end=last.index,
                classification_confidence=conf,
                warnings=warnings,
            )
        )
    return segments
