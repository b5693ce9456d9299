"""Minutes (protokoll): the meeting, who attended, every § and every decision.

The head of a protokoll holds the Sammanträdesdatum, "Plats och tid", the attendance
(Beslutande / Ersättare / Övriga deltagare, one person a line: name, organisation or
role, and the § attended when limited: "§ 52-58", OCR'd "$ 47-54"), the signatures
(Sekreterare, Ordförande, Justerare) and the anslag box (justeringsdatum, the dates the
notice went up and came down). Then every § ("§ 47 Mötets öppnande", OCR'd "§52", "$ 47",
"8 47"), with its text. Decisions are the "Beslut:" blocks and, outside them, sentences
in which the board decides or approves ("Styrelsen beslutar att ...", "Styrelsen
godkände rapporten"), each linked to its §.

Persons are found in attendance lines with the rule-based spaCy pipeline (pipeline.nlp),
which separates "Harriet Hedlund" from "Region Visterbotten" and "Bitrddande
forbundschef" even in OCR'd text; names are resolved against the other spellings in the
same document, organisations against the gazetteer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from dataclasses import dataclass, field
from datetime import date

from extractors import extractor
from extractors._meeting import PersonIndex, clean_title, join_lines
from extractors.attendance import STOP_RE, group_of
from models import Decision, DocType, DocumentText, MeetingInfo, Paragraph, Record, Segment
from pipeline.dates import find_dates
from pipeline.fuzzy import normalize_for_match
from pipeline.nlp import entities
from pipeline.paragraph_refs import parse_paragraph_heading
from pipeline.textview import LineRef, provenance, segment_lines

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_PLACE_TIME_RE = re.compile(r"^\s*plats(?:\s+och\s+tid)?\s*:?\s*(?P<rest>.+)$", re.I)
_TIME_RE = re.compile(r"(?:,\s*)?(?:klockan|kl\.?|tid)\s*(?P<t>\d{1,2}(?:[.:]\d{2})?\s*[-\u2013\u2014]+\s*\d{1,2}(?:[.:]\d{2})?)", re.I)
_BESLUT_RE = re.compile(r"^\s*beslut\w{0,2}\s*[:;_.]+[\s_]*(?P<rest>.*)$", re.I)
_APPROVAL_RE = re.compile(
    r"\b(?:styrelsen|namnden|forbundet|direktionen|motet)\b(?:\s+\w+){0,10}?\s+"
    r"(?:beslutar|beslutade|beslot|godk\w{0,3}n(?:de|ner)|faststa\w{0,2}ll(?:de|er)|antar|antog|uppdrar|uppdrog)\b"
)
_LABEL_RE = re.compile(r"^\s*(?:reservation|protokollsanteckning|yrkande|beslutsg[aå]ng|jav)\w*\s*:", re.I)


@dataclass
class _Para:
    number: int
    heading: LineRef
    title_refs: list[LineRef]
    body: list[LineRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _date_after(text: str, label: re.Pattern[str]) -> date | None:
    m = label.search(text)
    if not m:
        return None
    hits = find_dates(text[m.end() : m.end() + 40])
    return hits[0][0] if hits else None


_JUST_DATE = re.compile(r"justeringsdatum|justerat\s+den|justering\s+har\s+skett", re.I)
_UP_DATE = re.compile(
    r"anslag\w*\s+upps\w+|upps\w+\s+av\s+anslag|anslaget\s+(?:s[aä]tt(?:e)?s\s+upp|sattes\s+upp|anslogs)", re.I
)
_DOWN_DATE = re.compile(r"anslag\w*\s+nedtag\w+|nedtag\w+\s+av\s+anslag|anslaget\s+tas\s+ned", re.I)


def split_paragraphs(refs: list[LineRef]) -> tuple[list[LineRef], list[_Para]]:
    header: list[LineRef] = []
    paras: list[_Para] = []
    for ref in refs:
        h = parse_paragraph_heading(ref.text)
        if h is not None:
            last = paras[-1].number if paras else None
            trusted = h.sign in "§$" or last is None or last < h.number <= last + 3
            if trusted and (h.title or h.sign in "§$"):
                p = _Para(h.number, ref, [ref])
                if last is not None and h.number <= last:
                    seen = {x.number for x in paras}
                    p.warnings.append(f"§ {h.number} repeated" if h.number in seen else f"§ {h.number} follows § {last}: out of order")
                if h.sign_is_ocr_guess:
                    p.warnings.append(f"section sign read as '{h.sign}' by OCR")
                paras.append(p)
                continue
        if not paras:
            header.append(ref)
            continue
        cur = paras[-1]
        head_title = parse_paragraph_heading(cur.heading.text)
        title_so_far = " ".join(r.text for r in cur.title_refs)
        if (
            not cur.body and len(cur.title_refs) < 3 and ref.text[:1].islower()
            and not title_so_far.rstrip().endswith(".") and head_title is not None
        ):
            cur.title_refs.append(ref)
        elif not cur.body and head_title is not None and not head_title.title and len(cur.title_refs) == 1:
            cur.title_refs.append(ref)  # "§ 47" alone, the title on the next line
        else:
            cur.body.append(ref)
    return header, paras


def _para_title(p: _Para) -> str:
    texts = [r.text for r in p.title_refs]
    h = parse_paragraph_heading(texts[0])
    texts[0] = h.title if h else texts[0]
    return clean_title(join_lines(texts))[0]


def _prov(doc: DocumentText, refs: list[LineRef]):
    first = refs[0]
    return provenance(doc, first.page, lines=[r.line for r in refs if r.page.number == first.page.number])


def _decisions(doc: DocumentText, p: _Para, meeting_date: date | None) -> list[Decision]:
    out: list[Decision] = []
    in_block: set[int] = set()
    for k, ref in enumerate(p.body):
        m = _BESLUT_RE.match(ref.text)
        if not m:
            continue
        used = [ref]
        parts = [m.group("rest")]
        for nxt in p.body[k + 1 :]:
            if _BESLUT_RE.match(nxt.text) or _LABEL_RE.match(nxt.text):
                break
            parts.append(nxt.text)
            used.append(nxt)
        in_block.update(id(r) for r in used)
        text = join_lines(parts).strip(" _")
        if text:
            out.append(Decision(
                provenance=_prov(doc, used), meeting_date=meeting_date, paragraph_number=p.number,
                decision_kind="beslut", text=text,
            ))
    # Decisions written into the running text: "Styrelsen godkände rapporten."
    rest = [r for r in p.body if id(r) not in in_block]
    text = join_lines([r.text for r in rest])
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if _APPROVAL_RE.search(normalize_for_match(sentence)) and not re.search(
            r"\bhar\s+beslutat\b|\brekommenderar\b", sentence, re.I
        ):
            src = [r for r in rest if sentence[:25] in r.text or r.text[:25] in sentence] or rest or [p.heading]
            out.append(Decision(
                provenance=_prov(doc, src[:1]), meeting_date=meeting_date, paragraph_number=p.number,
                decision_kind="beslut", text=sentence.strip(),
            ))
    return out


def _justerare(header: list[LineRef], paras: list[_Para], index: PersonIndex) -> list[str]:
    names: list[str] = []
    for k, ref in enumerate(header):
        norm = normalize_for_match(ref.text)
        if re.match(r"^(?:justerare|justerande|utses att justera)\b", norm):
            candidates = [ref.text]
            for nxt in header[k + 1 : k + 3]:
                # The name may stand on the next line, but not past the next label
                # ("Sekreterare ... Therese Lundin" is not the justerare).
                if STOP_RE.match(normalize_for_match(nxt.text)) or group_of(normalize_for_match(nxt.text))[0]:
                    break
                candidates.append(nxt.text)
            for c in candidates:
                for e in entities(c):
                    if e.label == "PER":
                        names.append(index.canonical(e.text) or e.text)
                if names:
                    break
    for p in paras:
        text = join_lines([r.text for r in p.body])
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if re.search(r"\b(?:valdes|väljs|utsågs|utses)\b.*\bjusterare\b|\bjusterare\b.*\b(?:valdes|utsågs)\b", sentence, re.I):
                for e in entities(sentence):
                    if e.label == "PER":
                        names.append(index.canonical(e.text) or e.text)
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def minutes_records(doc: DocumentText, segment: Segment, index: PersonIndex) -> list[Record]:
    refs = list(segment_lines(doc, segment))
    if not refs:
        return []
    header, paras = split_paragraphs(refs)
    header_text = "\n".join(r.text for r in header)
    meeting_date = segment.meeting_date
    info_warnings: list[str] = []
    if meeting_date is None:
        meeting_date = _date_after(header_text, re.compile(r"sammantr\w*datum", re.I))
    if meeting_date is None:
        info_warnings.append("meeting date not found")
    place = time_ = None
    for k, ref in enumerate(header):
        m = _PLACE_TIME_RE.match(ref.text)
        if m:
            rest = m.group("rest")
            tm = _TIME_RE.search(rest)
            if tm is None and k + 1 < len(header) and re.search(r"\b(?:klockan|kl\.?|tid)\s*$", rest, re.I):
                # "..., Norråsa, klockan" / "09.00–11.30": the time wrapped to the next line.
                rest = f"{rest} {header[k + 1].text.strip()}"
                tm = _TIME_RE.search(rest)
            if tm:
                time_ = re.sub(r"\s*[-\u2013\u2014]+\s*", "–", tm.group("t"))
                rest = rest[: tm.start()]
            place = rest.strip(" ,") or None
            break
    info = MeetingInfo(
        provenance=_prov(doc, header[:1] or refs[:1]),
        meeting_date=meeting_date, time=time_, place=place, body=segment.body,
        justerare=_justerare(header, paras, index),
        justeringsdatum=_date_after(header_text, _JUST_DATE),
        anslag_uppsatt=_date_after(header_text, _UP_DATE),
        anslag_nedtaget=_date_after(header_text, _DOWN_DATE),
        warnings=info_warnings,
    )
    records: list[Record] = [info]
    date_warning = [] if meeting_date else ["meeting date not found"]
    if not paras:
        info.warnings.append("no § found")
    for p in paras:
        title = _para_title(p)
        warnings = list(p.warnings) + date_warning
        if not title:
            warnings.append("§ title not found")
        records.append(Paragraph(
            provenance=_prov(doc, p.title_refs), meeting_date=meeting_date, paragraph_number=p.number,
            title=title, text=join_lines([r.text for r in p.body]), warnings=warnings,
        ))
        for d in _decisions(doc, p, meeting_date):
            d.warnings += date_warning
            records.append(d)
    return records


@extractor
def extract_minutes(ctx: ExtractionContext, segment: Segment) -> list[Record]:
    if segment.doc_type != DocType.PROTOKOLL:
        return []
    return minutes_records(ctx.doc, segment, ctx.persons)
