"""Document-level facts of plans and agreements that the reconciliation rules compare.

- the board's stated size: "Styrelsen består av 9 ledamöter och 9 ersättare"
  (also OCR'd: "en styrelse som bestdr av 5 ledamdter och 8§ erséttare")
- a stated deadline: "Beslut om uppdatering inför 2024 tas senast den 30 november 2023"
- numbered initiatives: rows of a "Nr Initiativ ..." table, or "Initiativ 3: ..." lines
- a claim that a figure is carried over: "Ingående eget kapital överförs från bokslut 2022",
  "oförändrad jämfört med föregående plan"
- validity as written ("gäller från och med A till B", even when B is before A) and
  "Beslutdatum 2022-11-25".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from extractors import extractor
from models import DocumentText, Page, Provenance, Record, Segment, StatedFact
from pipeline.sv.dates import find_dates, find_validities
from pipeline.text.textview import segment_pages, segment_span

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_NUMBER_WORDS = {
    "en": 1, "ett": 1, "två": 2, "tva": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7,
    "åtta": 8, "atta": 8, "nio": 9, "tio": 10, "elva": 11, "tolv": 12, "tretton": 13,
    "fjorton": 14, "femton": 15, "sexton": 16,
}
_NUM = r"(\d{1,2}|[a-zåäö]{2,7})\S?"
_BOARD = re.compile(
    rf"styrelse\w*[^.\n]{{0,60}}?best\S{{0,3}}\s+av\s+{_NUM}\s+ledam\S*\s+(?:och|samt)\s+(?:{_NUM}|(lika\s+m\S+))\s+ers\S*",
    re.I,
)
# "... beslut ... senast (den) <date>". The sentence start is found by looking back from
# "beslut" (rfind), not by a leading [^.\n]* in the pattern: that made every position of a
# long paragraph without a full stop scan to its end (quadratic: 49 s on 76 KB).
_DEADLINE = re.compile(r"\bbeslut[^.]{0,120}?\bsenast\s+(?:den\s+)?([^.]{6,40})", re.I)
_INFOR_YEAR = re.compile(r"\binf[öo]r\s+((?:19|20)\d\d)\b", re.I)
_TABLE_HEADER = re.compile(r"^\s*(?:Nr|Nummer)\s+(?:Samverkans)?initiativ\b", re.I)
_TABLE_ROW = re.compile(r"^\s*(\d{1,2})\s+([A-ZÅÄÖ][^\n]{2,})$")
_INITIATIVE_LINE = re.compile(r"^\s*(?:Samverkans)?[Ii]nitiativ\s+(?:nr\.?\s*)?(\d{1,2})\s*[:.\u2013\-]\s*(\S[^\n]*)$")
_DETAIL_HEADING = re.compile(r"^\s*\d{1,2}\.\S")
_CARRY_WORDS = (
    r"(?:\böverförs\b|\bförs\s+över\b|\boverfors\b|\boförändrad\w*|\boforandrad\w*|"
    r"\bi\s+enlighet\s+med\s+(?:föregående|fastställd|tidigare)\b|"
    r"\benligt\s+(?:bokslut|årsredovisning|fastställd\s+budget|föregående\s+(?:års\s+)?(?:plan|budget|verksamhetsplan)))"
)
_CARRY = re.compile(r"[^.\n]{0,200}" + _CARRY_WORDS + r"[^.]{0,200}", re.I)
_CARRY_WORD = re.compile(_CARRY_WORDS, re.I)
_CARRY_SUBJECT = re.compile(r"eget\s+kapital|budget|belopp|ram|siffr|intäkt|kostnad|bidrag", re.I)
# A stated range counts when the sentence says it is the document's validity ("... gäller
# från och med A till B"); the dates are read by pipeline.sv.dates.
_GALLER_BEFORE = re.compile(r"g[äa]ller\s+$", re.I)
_DECISION_DATE = re.compile(r"beslut\w*datum\s*:?\s*(\d{4}-\d{2}-\d{2})", re.I)


def _number(word: str) -> int | None:
    w = word.lower()
    if w.isdigit():
        return int(w)
    return _NUMBER_WORDS.get(w)


def _prov(doc: DocumentText, page: Page, start: int, end: int) -> Provenance:
    return Provenance(
        doc_id=doc.doc_id, file_name=doc.file_name, page=page.number, char_start=start, char_end=end,
        method=page.method, ocr_confidence=page.ocr_confidence,
    )


def _sentence(text: str) -> str:
    return " ".join(text.split())


def _first_date(fragment: str):
    hits = find_dates(fragment)
    return hits[0][0] if hits else None


def board_size(doc: DocumentText, page: Page) -> list[Record]:
    out: list[Record] = []
    for m in _BOARD.finditer(page.text):
        members = _number(m.group(1))
        deputies = members if m.group(3) else _number(m.group(2))  # "och lika många ersättare"
        text = _sentence(m.group(0))
        prov = _prov(doc, page, m.start(), m.end())
        if members:
            out.append(StatedFact(kind="board_members", value=str(members), text=text, provenance=prov))
        if deputies:
            out.append(StatedFact(kind="board_deputies", value=str(deputies), text=text, provenance=prov))
    return out


def deadlines(doc: DocumentText, page: Page) -> list[Record]:
    out: list[Record] = []
    text = page.text
    floor = 0  # matches never overlap: a sentence start is never before the previous match's end
    for m in _DEADLINE.finditer(text):
        # Searched back only to the previous match: linear over the page in all.
        start = max(floor, text.rfind(".", floor, m.start()) + 1, text.rfind("\n", floor, m.start()) + 1)
        floor = m.end()
        when = _first_date(m.group(1))
        if when is None:
            continue
        sentence = _sentence(text[start:m.end()])
        subject = _INFOR_YEAR.search(sentence)
        out.append(StatedFact(
            kind="deadline", fact_date=when, value=subject.group(1) if subject else None,
            year=int(subject.group(1)) if subject else when.year, text=sentence,
            provenance=_prov(doc, page, start, m.end()),
        ))
    return out


def initiatives(doc: DocumentText, page: Page) -> list[Record]:
    out: list[Record] = []
    lines = page.text.splitlines()
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    in_table = False
    for i, ln in enumerate(lines):
        if _TABLE_HEADER.match(ln):
            in_table = True
            continue
        if in_table and _DETAIL_HEADING.match(ln):
            in_table = False
        m = _TABLE_ROW.match(ln) if in_table else None
        if m is None:
            m = _INITIATIVE_LINE.match(ln)
        if m:
            out.append(StatedFact(
                kind="initiative", value=str(int(m.group(1))), text=_sentence(m.group(2))[:200],
                provenance=_prov(doc, page, offsets[i], offsets[i] + len(ln)),
            ))
    return out


def _carry_matches(text: str):
    """_CARRY.finditer(text), without trying the pattern at every position: its leading
    [^.\n]{0,200} made each position scan up to 200 characters for every phrase (a fifth
    of all extraction time). A match starts at the first position from which a phrase is
    reachable: at most 200 characters before the next phrase and after the last full stop
    or line break in between; the pattern itself is then matched there."""
    pos = 0
    while (word := _CARRY_WORD.search(text, pos)) is not None:
        k = word.start()
        start = max(pos, k - 200, text.rfind(".", pos, k) + 1, text.rfind("\n", pos, k) + 1)
        m = _CARRY.match(text, start) or _CARRY.search(text, pos)  # the search: never reached
        if m is None:
            return
        yield m
        pos = m.end()


def carry_over(doc: DocumentText, page: Page) -> list[Record]:
    out: list[Record] = []
    for m in _carry_matches(page.text):
        sentence = _sentence(m.group(0))
        if not _CARRY_SUBJECT.search(sentence):
            continue
        years = [int(y) for y in re.findall(r"\b(20\d\d)\b", sentence)]
        out.append(StatedFact(kind="carry_over", text=sentence, year=years[0] if years else None,
                              provenance=_prov(doc, page, m.start(), m.end())))
    return out


def validity(doc: DocumentText, page: Page) -> list[Record]:
    out: list[Record] = []
    # Reversed ranges are kept as written: reconcile flags them (date-order-validity).
    for v in find_validities(page.text, allow_reversed=True, kinds=("range",)):
        before = _GALLER_BEFORE.search(page.text[max(0, v.span[0] - 12): v.span[0]])
        if before is None:
            continue
        start = v.span[0] - (len(before.group(0)))
        text = _sentence(page.text[start: v.span[1]])
        prov = _prov(doc, page, start, v.span[1])
        a, b = v.valid_from, v.valid_to
        out.append(StatedFact(kind="valid_from", fact_date=a, year=a.year, text=text, provenance=prov))
        out.append(StatedFact(kind="valid_to", fact_date=b, year=b.year, text=text, provenance=prov))
    for m in _DECISION_DATE.finditer(page.text):
        d = _first_date(m.group(1))
        if d:
            out.append(StatedFact(kind="decision_date", fact_date=d, year=d.year, text=_sentence(m.group(0)),
                                  provenance=_prov(doc, page, m.start(), m.end())))
    return out


_FINDERS = (board_size, deadlines, initiatives, carry_over, validity)


@extractor
def extract_plan_facts(ctx: ExtractionContext, segment: Segment) -> list[Record]:
    """The facts a text states (board size, deadlines, initiatives, carry-over, validity),
    in whatever segment they stand: a plan, an agreement, an årsredovisning, minutes."""
    doc = ctx.doc
    records: list[Record] = []
    for page in segment_pages(doc, segment):
        # Finders read whole pages; keep only what stands inside this segment, or a page
        # shared by two documents of a bundle would give both of them its facts.
        lo, hi = segment_span(segment, page)
        for finder in _FINDERS:
            records.extend(r for r in finder(doc, page)
                           if r.provenance.char_start is None or lo <= r.provenance.char_start < hi)
    # one fact per (kind, value, date): a sentence repeated on a later page is the same fact
    seen: set[tuple] = set()
    unique = []
    for r in records:
        key = (r.kind, r.value, r.fact_date, r.text if r.kind in ("carry_over", "initiative") else None)
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique
