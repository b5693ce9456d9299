"""Where one document of a file ends and the next begins.

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

from models import DocumentText
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.config import EXTRACTION

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
# A numbered agenda item: "3. Val av justerare", "12) Övriga frågor".
AGENDA_ITEM_RE = re.compile(r"^\s*(\d{1,2})\s*[.)]\s+(\S.*)$")
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
                current, closed, signoff_left = "signoff", False, EXTRACTION.signoff_lines
            else:
                cuts.append(_Cut(i, "free"))
                current, closed = "free", False
        # --- does the open segment end after this line?
        if current == "agenda":
            m = AGENDA_ITEM_RE.match(line.text)
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


