"""Agendas (kallelse / föredragningslista): the meeting, every item, every proposal.

An item is "N. Title – Kind (bilaga ...)" followed by a description that may name the
presenters ("Mikael Holmlund föredrar ...") and a "Förslag till beslut: ..." block. A
title may wrap onto the next line ("... som varken arbetar" / "eller studerar (UVAS) –
Information/diskussion"). OCR sometimes prints a run of item numbers as one block
("10." "11." "12." "13.") with the titles after it: those are paired by order when the
count of titles leaves no doubt (the number missing before the block included), and
otherwise kept with a warning instead of a guess.

Proposals are `Decision` records with decision_kind "forslag_till_beslut": an agenda
proposes, only minutes decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from dataclasses import dataclass, field

from extractors import extractor
from extractors._meeting import (
    PersonIndex,
    clean_title,
    is_kind_only,
    join_lines,
    presenters_in,
)
from models import AgendaItem, Decision, DocumentText, MeetingInfo, Record, Segment
from pipeline.sv.chars import DASH, DASHES
from pipeline.sv.dates import find_dates
from pipeline.text.textview import LineRef, TextStream, provenance, segment_lines, segment_stream

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_ITEM_RE = re.compile(r"^\s*(\d{1,2})\s*[.)]\s+(\S.*)$")
_NUM_ONLY_RE = re.compile(r"^\s*(\d{1,2})\s*[.);:,]?\s*$")  # OCR: "11;" "12:"
# A line ending in a word that a number follows: "enligt bilaga" + "3." on the next line.
_REFERS_ON_RE = re.compile(r"\b(?:bilaga|bilagorna|bilagor|bil\.|punkt|punkterna|ärende|nr|§|sidan|sid\.)\s*$", re.I)
_PROPOSAL_RE = re.compile(r"^\s*f[oöé]rslag\s+till\s+beslut\s*:?\s*(?P<rest>.*)$", re.I)
_LABEL_RE = re.compile(r"^\s*[A-ZÅÄÖ][\wåäöé ]{2,60}:(?:\s|$)")
_TIME_RE = re.compile(
    rf"(?:klockan|kl\.?|tid:?|tid\b)\s*(\d{{1,2}}(?:[.:]\d{{2}})?)\s*(?:{DASH}+|till)\s*(\d{{1,2}}(?:[.:]\d{{2}})?)", re.I
)

_TIME_START_RE = re.compile(r"(?:klockan|kl\.?)\s*(\d{1,2}[.:]\d{2})", re.I)
_PLACE_RE = re.compile(r"^\s*(?:lokal|plats|m[oöé]tesplats)\s*:?\s+(?P<place>.+)$", re.I)
_BODY_RE = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]+?)s\s+(?:sammantr\w+|m[oöé]te)\b")


@dataclass
class _Item:
    number: int
    title_refs: list[LineRef] = field(default_factory=list)
    body_refs: list[LineRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _title_like(text: str) -> bool:
    """A line that can be an item title (not a sentence of a description)."""
    t = text.strip()
    if not t or len(t) > 95 or t.endswith((".", ":", ",")):
        return False
    if not (t[0].isupper() or t[0].isdigit()):
        return False
    if _PROPOSAL_RE.match(t) or _LABEL_RE.match(t):
        return False
    return True


def _continues_title(text: str) -> bool:
    t = text.strip()
    return bool(t) and (t[0] == "(" or t[0].islower() or is_kind_only(t))


def _pair_block(numbers: list[int], lines: list[LineRef], last: int) -> list[_Item]:
    """Items for a block of bare numbers and the title/description lines printed after it."""
    groups: list[_Item] = []
    for ref in lines:
        if groups and _continues_title(ref.text) and not groups[-1].body_refs:
            groups[-1].title_refs.append(ref)
        elif _title_like(ref.text):
            groups.append(_Item(0, [ref]))
        elif groups:
            groups[-1].body_refs.append(ref)
    gap = list(range(last + 1, numbers[0])) if numbers and numbers[0] > last + 1 else []
    note = f"item numbers {numbers[0]}-{numbers[-1]} were printed apart from their titles; paired by order"
    if gap and len(groups) == len(gap) + len(numbers):
        out = []
        for num, g in zip(gap + numbers, groups, strict=True):
            g.number = num
            g.warnings.append(note)
            if num in gap:
                g.warnings.append(f"item number {num} is not printed; inferred from the numbers around it")
            out.append(g)
        return out
    if len(groups) == len(numbers):
        for num, g in zip(numbers, groups, strict=True):
            g.number = num
            g.warnings.append(note)
        return groups
    # The order does not settle it: keep each number, with no title, and say so.
    titles = "; ".join(" ".join(r.text for r in g.title_refs) for g in groups)
    msg = (
        f"item number printed apart from its title; {len(numbers)} numbers and {len(groups)} "
        f"candidate titles cannot be paired unambiguously (titles: {titles})"
    )
    return [_Item(num, [], [], [msg]) for num in numbers]


def parse_items(refs: list[LineRef]) -> tuple[list[LineRef], list[_Item]]:
    """(header lines, items) of an agenda's lines."""
    header: list[LineRef] = []
    items: list[_Item] = []
    pending: list[int] = []  # a block of bare numbers awaiting titles
    block: list[LineRef] = []
    current: _Item | None = None

    def last_number() -> int:
        return items[-1].number if items else 0

    def flush_block() -> None:
        nonlocal pending, block, current
        if pending:
            paired = _pair_block(pending, block, last_number())
            items.extend(paired)
            current = paired[-1] if paired else current
        pending, block = [], []

    prev: LineRef | None = None
    for ref in refs:
        text = ref.text
        num_only = _NUM_ONLY_RE.match(text)
        m = _ITEM_RE.match(text)
        if num_only and not pending and prev is not None and _REFERS_ON_RE.search(prev.text):
            # "... enligt bilaga" / "3.": the number ends the sentence above, it is no item.
            num_only = None
        prev = ref
        if num_only and (items or pending):
            n = int(num_only.group(1))
            if block:  # a second block: settle the first
                flush_block()
            if not pending or n == pending[-1] + 1:
                pending.append(n)
                current = None
                continue
        if m and not pending:
            n = int(m.group(1))
            plausible = last_number() < n <= last_number() + 3 or not items
            if plausible or (_title_like(m.group(2)) and (ref.line.bold is not False or len(text) < 70)):
                item = _Item(n, [ref])
                if items and n <= last_number():
                    seen = {it.number for it in items}
                    item.warnings.append(
                        f"item number {n} repeated" if n in seen else f"item {n} follows item {last_number()}: out of order"
                    )
                items.append(item)
                current = item
                continue
        if m and pending:
            n = int(m.group(1))
            if n > pending[-1]:
                flush_block()
                items.append(_Item(n, [ref]))
                current = items[-1]
                continue
        if pending:
            block.append(ref)
            continue
        if current is None:
            header.append(ref)
            continue
        if not current.body_refs and len(current.title_refs) < 3 and _continues_title(text):
            joined = " ".join(r.text for r in current.title_refs)
            if clean_title(joined)[1] is None or text.strip().startswith("("):
                current.title_refs.append(ref)
                continue
        current.body_refs.append(ref)
    flush_block()
    return header, items


def _item_title(title_refs: list[LineRef]) -> tuple[str, str | None, list[int]]:
    """(title, kind, attachments) of an item's title lines, without its number."""
    texts = [r.text for r in title_refs]
    if texts:
        m = _ITEM_RE.match(texts[0])
        if m:
            texts[0] = m.group(2)
    kind_line = None
    if len(texts) > 1 and is_kind_only(texts[-1]):
        kind_line = texts.pop()  # "Information/diskussion" alone on the line below
    text = join_lines(texts)
    if not text:
        return "", None, []
    title, kind, attachments = clean_title(text)
    if kind_line is not None and kind is None:
        title = title.rstrip(" .")
        kind = clean_title("x - " + kind_line.strip(" " + DASHES))[1]
    return title, kind, attachments


def _proposal(body: list[LineRef]) -> tuple[str | None, list[LineRef]]:
    for k, ref in enumerate(body):
        m = _PROPOSAL_RE.match(ref.text)
        if not m:
            continue
        parts = [m.group("rest")]
        used = [ref]
        for nxt in body[k + 1 :]:
            if _LABEL_RE.match(nxt.text) or _PROPOSAL_RE.match(nxt.text):
                break
            parts.append(nxt.text)
            used.append(nxt)
        text = join_lines(parts).strip()
        return (text or None), used
    return None, []


def _prov(doc: DocumentText, refs: list[LineRef]):
    first = refs[0]
    same_page = [r.line for r in refs if r.page.number == first.page.number]
    return provenance(doc, first.page, lines=same_page)


def meeting_info(doc: DocumentText, segment: Segment, header: list[LineRef]) -> MeetingInfo:
    warnings: list[str] = []
    texts = [r.text for r in header]
    meeting_date = segment.meeting_date
    if meeting_date is None:
        for t in texts:
            hits = find_dates(t)
            if hits and re.search(r"sammantr|m[oöé]te|datum", t, re.I):
                meeting_date = hits[0][0]
                break
    if meeting_date is None:
        # Flattened text wraps "sammanträder ... tisdagen den" / "22 april 2014" anywhere.
        joined = " ".join(texts)
        for m in re.finditer(r"sammantr\w*|m[oö]te\b|datum", joined, re.I):
            hits = find_dates(joined[m.end() : m.end() + 90])
            if hits:
                meeting_date = hits[0][0]
                break
    if meeting_date is None:
        warnings.append("meeting date not found")
    time_ = place = None
    body = segment.body
    for t in texts:
        if time_ is None:
            tm = _TIME_RE.search(t)
            if tm:
                time_ = f"{tm.group(1)}–{tm.group(2)}"
            else:
                ts = _TIME_START_RE.search(t)
                time_ = ts.group(1) if ts else None
        pm = _PLACE_RE.match(t)
        if pm and place is None:
            place = pm.group("place").strip()
        if body is None:
            bm = _BODY_RE.search(t)
            if bm:
                body = bm.group(1) if bm.group(1).endswith("n") else bm.group(1) + "n"
    refs = header or []
    prov = _prov(doc, refs) if refs else provenance(doc, doc.pages[segment.page_start - 1])
    return MeetingInfo(
        provenance=prov, meeting_date=meeting_date, time=time_, place=place, body=body, warnings=warnings,
    )


def agenda_records(doc: DocumentText, segment: Segment, index: PersonIndex | None = None) -> list[Record]:
    refs = list(segment_lines(doc, segment))
    if not refs:
        return []
    header, items = parse_items(refs)
    info = meeting_info(doc, segment, header)
    records: list[Record] = [info]
    if not items:
        info.warnings.append("no numbered agenda items found")
        return records
    date_warning = [] if info.meeting_date else ["meeting date not found"]
    for it in items:
        title, kind, attachments = _item_title(it.title_refs)
        body_text = join_lines([r.text for r in it.body_refs])
        for n in clean_title(body_text)[2] if "bilag" in body_text.lower() else []:
            if n not in attachments and re.search(rf"\(\s*bilag\w*[^)]*\b{n}\b", body_text, re.I):
                attachments.append(n)
        proposal, proposal_refs = _proposal(it.body_refs)
        described = [r for r in it.body_refs if r not in proposal_refs]
        presenters = presenters_in(join_lines([r.text for r in described]), index)
        src = it.title_refs or it.body_refs
        prov = _prov(doc, src) if src else info.provenance
        warnings = list(it.warnings) + date_warning
        if not title:
            warnings.append("item title not found")
        records.append(
            AgendaItem(
                provenance=prov, meeting_date=info.meeting_date, item_number=it.number, title=title,
                item_kind=kind, presenters=presenters, attachments=attachments,
                proposed_decision=proposal, warnings=warnings,
            )
        )
        if proposal:
            records.append(
                Decision(
                    provenance=_prov(doc, proposal_refs), meeting_date=info.meeting_date, item_number=it.number,
                    decision_kind="forslag_till_beslut", text=proposal, warnings=list(date_warning),
                )
            )
    return records


# --- agendas in text without layout ---------------------------------------------------------
#
# Flattened transcripts run the items together ("Ärenden 1. Upprop ... 2. Information från
# X (sid 1). 3. ..."), print them as bullets ("•   1" / "Val av justerare"), without the
# full stop ("1 Justering av dagens protokoll"), with added items labelled "4 ½" or "4 a",
# or lose the numbers altogether ("Föredragningslista Sid 173 Kungörelse ... Bilaga ...").
# The items are the longest run of consecutive numbers that start a capitalised title.

_AGENDA_HEADING_RE = re.compile(
    r"\b(?:f[oö]redragningslista|dagordning|[aä]renden|[aä]rendelista|[aä]rendef[oö]rteckning)\s*:?\s*"
    r"(?:(?:sid|sida)\.?\s*\d{1,4}\s+)?(?=\S)",
    re.I,
)
_AGENDA_TITLE_RE = re.compile(r"\b(?:f[oö]redragningslista|dagordning|kallelse|kung[oö]relse)\b", re.I)
_MARKER_RE = re.compile(
    r"(?<![\w.,:;/§$()\-])(?P<num>\d{1,2})(?!\d)(?P<label>\s?½|\s?[a-c](?=\s))?(?P<dot>[.)](?!\d))?"
    r"(?=\s+[A-ZÅÄÖ])"
)
# Where an item's title stops and its description begins.
_TITLE_END_RE = re.compile(
    r"\(\s*sid\b|\.{3,}|…|\.\s+(?=[A-ZÅÄÖ(])|\.\s*$|\s(?=(?:Muntlig\s+)?[Ii]nformation\s+(?:av|fr[aå]n)\s+[A-ZÅÄÖ])"
    r"|\s(?=Bilag(?:a|or)\b)|\s(?=F[oö]rslag\s+till\s+beslut\b)|\s(?=F[oö]redragande\b)|\s(?=Handlingar\b)"
)
# "ang. Inrättande", "bl.a. Region": a full stop that ends an abbreviation, not the title.
_ABBREVIATION_RE = re.compile(r"\b(?:ang|bl\.a|m\.fl|t\.ex|resp|enl|nr|kap|jfr|dvs|ca|st|m\.m|inkl|exkl|avs)$", re.I)
_INFO_RE = re.compile(r"\binformation\b|\bf[oö]r\s+k[aä]nnedom\b|\binformerar\b", re.I)
_AGENDA_WORDS_RE = re.compile(
    r"juster|dagordning|f[oö]redragningslista|upprop|m[oö]tets\s+[oö]ppnande|protokoll|\bval\s+av\b|"
    r"anm[aä]lningar|meddelanden|delegationsbeslut|[oö]vriga\s+fr[aå]gor|avslut",
    re.I,
)
_MINUTES_MARKERS_RE = re.compile(
    r"(?i:sammantr[aä]desprotokoll|protokollsutdrag|m[oö]tesprotokoll|protokoll\s+f[oö]rt\s+vid|utses\s+att\s+justera|"
    r"justerandes\s+sign|ordf[oö]randes\s+sign|utdragsbestyrkande|sammantr[aä]desdatum)"
    r"|\b(?:Justerare|Justerande|Paragrafer|PROTOKOLL|Protokoll)\b|\bParagraf\s+\d"
)


def has_minutes_structure(text: str) -> bool:
    """Whether a text carries the marks of minutes (protokoll heading, justering, paragraf range)."""
    return _MINUTES_MARKERS_RE.search(text) is not None


def hard_breaks(stream: TextStream) -> set[int]:
    """Offsets in `stream.text` of the line breaks that the author made (not a wrap).

    A line that stops well short of the right margin ends a heading or a paragraph; a
    line filled to the margin was wrapped by the PDF. Without boxes every break counts.
    """
    lines = stream.lines
    rights: dict[int, tuple[float, float]] = {}
    for r in lines:
        b = r.line.bbox
        if b is None:
            continue
        lo, hi = rights.get(r.page.number, (b.x0, b.x1))
        rights[r.page.number] = (min(lo, b.x0), max(hi, b.x1))
    out: set[int] = set()
    for k, r in enumerate(lines[:-1]):
        at = stream.starts[k] + len(r.text)
        b = r.line.bbox
        if b is None or r.page.number not in rights:
            out.add(at)
            continue
        lo, hi = rights[r.page.number]
        if b.x1 < hi - 0.15 * max(hi - lo, 1.0) or lines[k + 1].page.number != r.page.number:
            out.add(at)
    return out


# Small words after which a capitalised word still belongs to the title ("Revidering av Västra ...").
_LINKS = {
    "av", "för", "i", "till", "om", "med", "från", "och", "på", "mellan", "inom", "enligt", "samt", "vid", "under",
    "över", "mot", "hos", "ur", "utan", "efter", "eller", "avseende", "gällande", "angående", "rörande", "inför",
}
_WORD_RE = re.compile(r"\S+")


def capitalised_break(text: str, start: int, stop: int, phrase: bool = False) -> int:
    """Where a title run into its body ends: "Val av protokollsjusterare Nämnden utser ..." -> before "Nämnden".

    The body starts at a capitalised word after a lower-case word that does not link to it
    ("Revidering av Västra ..." continues; "förbundsordning Västra ..." does not).
    """
    prev = None
    for w in _WORD_RE.finditer(text, start, stop):
        word = w.group(0)
        if prev is not None and re.fullmatch(r"[A-ZÅÄÖ][a-zåäöé]+[:,.]?", word):
            p = prev.group(0)
            if (re.fullmatch(r"[a-zåäöé][\w-]*", p) or re.fullmatch(r"[A-ZÅÄÖ]+-[a-zåäöé]+", p)) and p not in _LINKS:
                # With `phrase`, only where a phrase starts ("Förteckning över"), not a place ("Kalvsvik 11:341").
                nxt = _WORD_RE.search(text, w.end(), stop)
                if not phrase or (nxt is not None and re.fullmatch(r"[a-zåäöé]+", nxt.group(0))):
                    return w.start()
        prev = w
    return stop


@dataclass
class _Marker:
    number: int
    label: str | None  # "4 ½", "4 a": an item added between the numbered ones
    start: int
    title_start: int
    dotted: bool


def _markers(text: str) -> list[_Marker]:
    out = []
    for m in _MARKER_RE.finditer(text):
        label = m.group("label")
        num = int(m.group("num"))
        title_start = m.end() + len(text[m.end() : m.end() + 20]) - len(text[m.end() : m.end() + 20].lstrip())
        if not m.group("dot") and _AGENDA_HEADING_RE.match(text, title_start):
            continue  # "2 Föredragningslista Sid 173 ...": a page number before the heading
        out.append(_Marker(num, f"{num} {label.strip()}" if label else None, m.start(), title_start, bool(m.group("dot"))))
    return out


def _longest_run(markers: list[_Marker]) -> list[_Marker]:
    """The longest chain of increasing item numbers in text order (gaps of one or two allowed)."""
    plain = [m for m in markers if m.label is None]
    best: dict[int, tuple[int, int]] = {}  # number -> (score, index in plain) of the best chain ending there
    back: list[int | None] = []
    scores: list[int] = []
    for k, m in enumerate(plain):
        score, prev = 10, None
        for gap, penalty in ((1, 0), (2, 6), (3, 8)):
            if m.number - gap in best:
                s, idx = best[m.number - gap]
                if plain[idx].dotted == m.dotted and s + 10 - penalty > score:
                    score, prev = s + 10 - penalty, idx
        back.append(prev)
        scores.append(score)
        if score >= best.get(m.number, (0, 0))[0]:
            best[m.number] = (score, k)
    if not scores:
        return []
    k: int | None = max(range(len(plain)), key=lambda i: (scores[i], -i))
    chain = []
    while k is not None:
        chain.append(plain[k])
        k = back[k]
    chain.reverse()
    # Added items ("4 ½") between two members of the chain belong to it.
    added = [m for m in markers if m.label is not None and chain[0].start < m.start < chain[-1].start + 1]
    return sorted(chain + added, key=lambda m: m.start)


def _cut_title(text: str, start: int, end: int, breaks: set[int]) -> int:
    """Where the title that starts at `start` ends (before `end`)."""
    stop = end
    for m in _TITLE_END_RE.finditer(text, start, end):
        if m.start() > start and not _ABBREVIATION_RE.search(text, max(start, m.start() - 6), m.start()):
            stop = m.start()
            break
    for b in breaks:
        if start < b < stop and text[start:b].strip():
            stop = b
    return min(stop, start + 250)


@dataclass
class _StreamItem:
    number: int
    label: str | None
    title: str
    title_span: tuple[int, int]
    body: str
    body_span: tuple[int, int]
    warnings: list[str] = field(default_factory=list)


def _unnumbered_items(text: str, heading: re.Match) -> list[_StreamItem]:
    """Titles separated by "Bilaga" markers after an agenda heading whose numbers were lost."""
    out: list[_StreamItem] = []
    pos = heading.end()
    for m in re.finditer(r"[.\s]*\bBilaga\b\s*|$", text[pos:]):
        a, b = pos, heading.end() + m.start()
        chunk = text[a:b].strip()
        pos = heading.end() + m.end()
        if not chunk:
            continue
        if len(chunk) > 250:
            break
        # Titles without a "Bilaga" between them run together: "... i framtiden Förteckning över ...".
        while a < b:
            cut = capitalised_break(text, a, b, phrase=True)
            title = join_lines(text[a:cut].split("\n")).strip().rstrip(" .")
            if title:
                out.append(_StreamItem(
                    len(out) + 1, None, title, (a, cut), "", (cut, cut),
                    ["item number not printed; numbered by its place in the list"],
                ))
            a = cut
        if m.group(0) == "":
            break
    return out


def stream_items(stream: TextStream, minutes: bool) -> list[_StreamItem]:
    """Agenda items of a segment read as running text; [] when it has no agenda structure."""
    text = stream.text
    # "26 Dnr KS 2018/14 ...": an Ärendelista of minutes, whose numbers are § numbers.
    markers = [m for m in _markers(text) if not text[m.title_start : m.title_start + 8].lstrip().startswith("Dnr")]
    run = _longest_run(markers)
    headings = list(_AGENDA_HEADING_RE.finditer(text))
    headed = bool(run) and any(0 <= run[0].start - h.end() <= 2 for h in headings)
    if run and not minutes and not headed:
        # "FÖREDRAGNINGSLISTA" / "KALLELSE" and a line or two (the body, the date) above item 1.
        headed = run[0].number <= 1 and _AGENDA_TITLE_RE.search(text, max(0, run[0].start - 300), run[0].start) is not None
    plain = [m for m in run if m.label is None]
    if not headed:
        if minutes or len(plain) < 3 or plain[0].number != 1:
            run = []
    breaks = hard_breaks(stream)
    if run and not headed:
        ends = [m.start for m in run[1:5]] + [len(text)]
        titles = [text[m.title_start : _cut_title(text, m.title_start, e, breaks)] for m, e in zip(run[:4], ends)]
        # The opening items of an agenda are its formalities (justerare, dagordning, ...):
        # two of them among the first four, so a numbered list of sections does not pass.
        if sum(1 for t in titles if _AGENDA_WORDS_RE.search(t)) < 2:
            run = []
    if not run:
        for h in headings:
            if not _MARKER_RE.match(text, h.end()) and len(re.findall(r"\bBilaga\b", text[h.end() : h.end() + 3000])) >= 3:
                return _unnumbered_items(text, h)
        return []
    items: list[_StreamItem] = []
    for k, m in enumerate(run):
        end = run[k + 1].start if k + 1 < len(run) else len(text)
        if k + 1 == len(run):
            end = min(end, m.title_start + 3000)
        t_end = _cut_title(text, m.title_start, end, breaks)
        title = join_lines(text[m.title_start : t_end].split("\n")).strip().rstrip(" .")
        body_start = t_end
        body = text[body_start:end]
        warnings = []
        if m.label:
            warnings.append(f"item printed as '{m.label}'; the number field holds {m.number}")
        prev = [x for x in run[:k] if x.label is None]
        if m.label is None and prev and m.number > prev[-1].number + 1:
            warnings.append(f"item {m.number} follows item {prev[-1].number}: numbers between are not printed")
        if not title:
            continue
        items.append(_StreamItem(m.number, m.label, title, (m.title_start, t_end), body, (body_start, end), warnings))
    return items


_STREAM_PROPOSAL_RE = re.compile(r"\bf[oö]rslag\s+till\s+beslut\b\s*:?\s*", re.I)


def _stream_kind(item: _StreamItem, proposal: str | None) -> str:
    if proposal:
        return "Beslut"
    if _INFO_RE.search(item.title) or re.match(r"\s*(?:muntlig\s+)?information\s+(?:av|fr[aå]n)\b", item.body, re.I):
        return "Information"
    return "other"


def stream_agenda_records(doc: DocumentText, segment: Segment, stream: TextStream, items: list[_StreamItem],
                          meeting_date) -> list[Record]:
    records: list[Record] = []
    date_warning = [] if meeting_date else ["meeting date not found"]
    for it in items:
        proposal = None
        pm = _STREAM_PROPOSAL_RE.search(it.body)
        if pm:
            rest = it.body[pm.end():]
            stop = re.search(r"_{3,}|\n\s*(?:[ÄA]rendedokument|L[aä]s\s+dokument)\b", rest)
            proposal = join_lines(rest[: stop.start() if stop else 1500].split("\n")).strip() or None
        attachments = [n for n in clean_title(it.title)[2]]
        title = clean_title(it.title)[0] if attachments else it.title
        records.append(AgendaItem(
            provenance=stream.provenance(doc, *it.title_span), meeting_date=meeting_date, item_number=it.number,
            title=title, item_kind=_stream_kind(it, proposal), attachments=attachments,
            proposed_decision=proposal, warnings=list(it.warnings) + date_warning,
        ))
        if proposal:
            a = it.body_span[0] + pm.start()
            records.append(Decision(
                provenance=stream.provenance(doc, a, a + len(proposal)), meeting_date=meeting_date,
                item_number=it.number, decision_kind="forslag_till_beslut", text=proposal, warnings=list(date_warning),
            ))
    return records


@extractor
def extract_agenda(ctx: ExtractionContext, segment: Segment) -> list[Record]:
    """Items of an agenda wherever one is printed: a kallelse, or the agenda inside minutes."""
    stream = segment_stream(ctx.doc, segment)
    if not stream.text.strip():
        return []
    minutes = has_minutes_structure(stream.text)
    items = stream_items(stream, minutes)
    if not items:
        first = stream.lines[0].text.strip()
        if not minutes and len(first) < 60 and _AGENDA_TITLE_RE.match(first):
            # Titled as an agenda, yet no item can be read: say so rather than stay silent.
            info = meeting_info(ctx.doc, segment, list(stream.lines[:8]))
            info.warnings.append("no numbered agenda items found")
            return [info]
        return []
    if not minutes and not any(it.label for it in items):
        # One item a line: the layout-aware parser reads presenters, kinds and number blocks.
        _, line_items = parse_items(list(stream.lines))
        if len(line_items) >= len(items):
            return agenda_records(ctx.doc, segment, ctx.persons)
    first = stream.refs(items[0].title_span[0], items[0].title_span[0] + 1)
    # The line of the first item is kept: flattened text prints the date on it.
    header = [r for r in stream.lines if first and (r.page.number, r.index) <= (first[0].page.number, first[0].index)]
    records: list[Record] = []
    meeting_date = segment.meeting_date
    if not minutes:  # minutes give their own MeetingInfo
        info = meeting_info(ctx.doc, segment, header)
        meeting_date = info.meeting_date
        records.append(info)
    return records + stream_agenda_records(ctx.doc, segment, stream, items, meeting_date)
