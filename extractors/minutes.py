"""Minutes (protokoll): the meeting, who attended, every § and every decision.

The head of a protokoll holds the Sammanträdesdatum, "Plats och tid", the attendance
(Beslutande / Ersättare / Övriga deltagare, one person a line: name, organisation or
role, and the § attended when limited: "§ 52-58", OCR'd "$ 47-54"), the signatures
(Sekreterare, Ordförande, Justerare) and the anslag box (justeringsdatum, the dates the
notice went up and came down). Then every § ("§ 47 Mötets öppnande", OCR'd "§52", "$ 47",
"8 47"), with its text. Decisions are the "Beslut:" blocks and, outside them, sentences
in which the board decides or approves ("Styrelsen beslutar att ...", "Styrelsen
godkände rapporten"), each linked to its §.

Persons are found in attendance lines with the rule-based spaCy pipeline (pipeline.sv.nlp),
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
from models import Decision, DocumentText, MeetingInfo, Paragraph, Record, Segment
from pipeline.sv.chars import DASH
from pipeline.sv.dates import find_dates
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.nlp import entities
from extractors._agenda_stream import AGENDA_HEADING_RE, Marker, capitalised_break, hard_breaks, has_minutes_structure, longest_run
from pipeline.sv.paragraph_refs import find_paragraph_headings, parse_paragraph_heading
from pipeline.text.textview import LineRef, TextStream, provenance, segment_lines, segment_stream

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_PLACE_TIME_RE = re.compile(r"^\s*plats(?:\s+och\s+tid)?\s*:?\s*(?P<rest>.+)$", re.I)
_TIME_RE = re.compile(rf"(?:,\s*)?(?:klockan|kl\.?|tid)\s*(?P<t>\d{{1,2}}(?:[.:]\d{{2}})?\s*{DASH}+\s*\d{{1,2}}(?:[.:]\d{{2}})?)", re.I)
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


_LIMIT_BEFORE_RE = re.compile(r"(?:t\.?\s?o\.?\s?m|fr\.?\s?o\.?\s?m|till\s+och\s+med|fr[aå]n\s+och\s+med)\.?\s*$", re.I)


def split_paragraphs(refs: list[LineRef]) -> tuple[list[LineRef], list[_Para]]:
    header: list[LineRef] = []
    prev_text: str | None = None
    paras: list[_Para] = []
    for ref in refs:
        # "8 47 Title" is the OCR's § only on OCR'd pages: in a text layer "87 Ola Nilsson" is a number.
        h = parse_paragraph_heading(ref.text, allow_ocr_signs=ref.page.method == "ocr")
        if h is not None and prev_text is not None and _LIMIT_BEFORE_RE.search(prev_text):
            h = None  # "t.o.m." / "§ 54": the limit of someone's attendance, not a heading
        prev_text = ref.text
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
        elif not cur.body and head_title is not None and not strip_dnr(head_title.title) and len(cur.title_refs) == 1:
            cur.title_refs.append(ref)  # "§ 47" alone, the title on the next line
        else:
            cur.body.append(ref)
    return header, paras


def _para_title(p: _Para) -> str:
    texts = [r.text for r in p.title_refs]
    h = parse_paragraph_heading(texts[0])
    texts[0] = strip_dnr(h.title) if h else texts[0]
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
    # "Beslut" alone on its line, "X:s förslag till beslut i kommunfullmäktige ...", "X utses att justera ...".
    body = "\n".join(r.text for r in p.body)
    starts, pos = [], 0
    for r in p.body:
        starts.append(pos)
        pos += len(r.text) + 1
    for a, b, text in stream_decisions(body, 0, len(body)):
        if not text or any(text[:40] in d.text or d.text[:40] in text for d in out):
            continue
        used = [r for r, st in zip(p.body, starts, strict=True) if st < b and st + len(r.text) > a] or [p.heading]
        in_block.update(id(r) for r in used)
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


def _stream_records(doc: DocumentText, stream: TextStream, paras: list[_StreamPara], meeting_date) -> list[Record]:
    text = stream.text
    records: list[Record] = []
    date_warning = [] if meeting_date else ["meeting date not found"]
    for p in paras:
        title = join_lines(text[p.title_span[0] : p.title_span[1]].split("\n")).strip().rstrip(" .")
        title = clean_title(title)[0] if title else title
        warnings = list(p.warnings) + date_warning
        if not title:
            warnings.append("§ title not found")
        records.append(Paragraph(
            provenance=stream.provenance(doc, p.start, p.title_span[1]), meeting_date=meeting_date,
            paragraph_number=p.number, title=title,
            text=join_lines(text[p.body_span[0] : p.body_span[1]].split("\n")), warnings=warnings,
        ))
        for a, b, dtext in stream_decisions(text, *p.body_span):
            if dtext:
                records.append(Decision(
                    provenance=stream.provenance(doc, a, b), meeting_date=meeting_date, paragraph_number=p.number,
                    decision_kind="beslut", text=dtext, warnings=list(date_warning),
                ))
    return records


def minutes_records(doc: DocumentText, segment: Segment, index: PersonIndex) -> list[Record]:
    refs = list(segment_lines(doc, segment))
    if not refs:
        return []
    header, paras = split_paragraphs(refs)
    stream = segment_stream(doc, segment)
    flat = stream_paragraphs(stream)
    if len(flat) > len(paras):
        # The § headings do not stand at line starts (a flattened transcript): read the text as a stream.
        first = stream.refs(flat[0].start, flat[0].start + 1)[0]
        header = [r for r in refs if (r.page.number, r.index) <= (first.page.number, first.index)]
        paras = []
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
                time_ = re.sub(rf"\s*{DASH}+\s*", "–", tm.group("t"))
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
    if not paras and flat and len(flat) > 0:
        return records + _stream_records(doc, stream, flat, meeting_date)
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


# --- minutes in text without layout -------------------------------------------------------

_DNR_PREFIX_RE = re.compile(r"^\s*(?:Dnr|Diarienr)\.?\s*[.:]?\s*(?:[A-ZÅÄÖ][A-Za-zåäö]{0,3}\s+)?(?:[\w.]*\d[\w./:-]*)?\s*")
# A number that may open a § whose sign was lost: "106 Val av ...", "17. Mötets öppnande".
_BARE_RE = re.compile(r"(?<![\w.,:;/§$()\-])(?P<num>\d{1,3})(?!\d)(?P<dot>\.)?\s+(?=[A-ZÅÄÖ][a-zåäöé])")
_NOT_BEFORE_BARE_RE = re.compile(r"\b(?:t\.o\.m|fr\.o\.m|tom|from|kl|sid|sida|den|nr|blad|§)\.?\s*$", re.I)
_PARA_TITLE_END_RE = re.compile(
    r"\.{3,}|…|\.\s+(?=[A-ZÅÄÖ])|\.\s*$|\s(?=(?:Beslut|[ÄA]rendebeskrivning|Sammanfattning|Bakgrund|Yrkande|Beslutsunderlag)\b)"
)
_SECTION_LABEL_RE = re.compile(
    r"\b(?:Sammanfattning(?:\s+av\s+[äa]rendet)?|[ÄA]rendebeskrivning|Bakgrund|Beslutsunderlag|Yrkande\w*|Reservation\w*|"
    r"Protokollsanteckning\w*|Skickas\s+till|Expedieras|Beslutet\s+skickas\s+till|Ordf[oö]randes\s+sign|Justerandes\s+sign|"
    r"Utdragsbestyrkande|Beslutsg[aå]ng|Propositionsordning)\b"
)
# "Beslut:" run in, or "Beslut" alone on its line; "Förslag till beslut:" is no decision.
_STREAM_BESLUT_RE = re.compile(r"(?:^|\n)[ \t]*Beslut[ \t]*\n|(?<!till\s)\bBeslut\w{0,2}\s*:", re.I)
_PROPOSAL_TO_RE = re.compile(r"\bf[oö]rslag\s+till\s+beslut\s+i\b", re.I)
_PROPOSER_RE = re.compile(r"(?:[A-ZÅÄÖ][\wåäö]{0,40}-\s{1,3}och\s{1,3})?[A-ZÅÄÖ][\wåäö-]{0,40}s\s{0,5}$")
_RUN_IN_DECISION_RE = re.compile(
    r"\b(?:utses|utser)\b.{0,120}\b(?:justera|signera)\b|"
    r"\bdagordningen\s+(?:faststalls|faststalldes|godkanns|godkandes)\b|"
    r"\bparagrafen\s+forklaras\s+omedelbart\s+justerad\b|\bmotet\s+forklarades\s+oppnat\b|"
    # The formulas minutes decide in: "Protokollet läggs till handlingarna", "Till
    # mötesordförande utses X", "att fastställa dagordningen" (an att-sats), present passives.
    r"\b(?:laggs|lades)\s+till\s+handlingarna\b|\btill\s+\w+\s+utses\b|^att\s+[a-z]+a\b|"
    r"^(?:\w+\s+){0,6}?(?<!ska )(?<!skall )(?<!bor )(?<!kan )(?<!far )(?<!maste )(?<!att )(?<!kommer )"
    r"(?:godkanns|faststalls|antas|beviljas|bifalls|avslas|aterremitteras|bordlaggs)\b"
)


def strip_dnr(title: str) -> str:
    """A § title without the "Dnr 2023KS133" printed before it."""
    return _DNR_PREFIX_RE.sub("", title, count=1) if re.match(r"\s*(?:Dnr|Diarienr)\b", title) else title


def _cut_para_title(text: str, start: int, end: int, breaks: set[int]) -> int:
    stop = min(end, start + 250)
    m = _PARA_TITLE_END_RE.search(text, start, stop)
    if m is not None and m.start() > start:
        stop = m.start()
    restated = _restated_decision(text, start, stop)
    if restated is not None:
        stop = restated
    for b in breaks:
        if start < b < stop and text[start:b].strip():
            stop = b
    return capitalised_break(text, start, stop)


_ATT_CLAUSE_RE = re.compile(r"(?<!\s)\s{1,3}att\s{1,3}([a-zåäö]{3,})\b")


def _restated_decision(text: str, start: int, stop: int) -> int | None:
    """Where an att-sats that restates the title begins: "Fastställande av dagordning att
    fastställa dagordningen" is the title, then its decision."""
    for m in _ATT_CLAUSE_RE.finditer(text, start, stop):
        verb = normalize_for_match(m.group(1))[:6]
        if len(verb) >= 4 and any(normalize_for_match(w)[:6] == verb for w in text[start:m.start()].split()):
            return m.start()
    return None


@dataclass
class _StreamPara:
    number: int
    start: int
    title_span: tuple[int, int]
    body_span: tuple[int, int]
    warnings: list[str] = field(default_factory=list)


def _explicit_headings(text: str) -> list[tuple[int, int, int, list[str]]]:
    hits = find_paragraph_headings(text)
    real = {h.number for h in hits if not h.toc}
    out = []
    for h in hits:
        if h.toc and h.number in real:
            continue  # the table of contents repeats a § printed later
        warnings = ["§ sign not printed; number read after the organ's abbreviation"] if h.form == "organ" else []
        if h.form == "dnr":
            warnings = ["§ sign not printed; number read before the diarienummer"]
        out.append((h.number, h.start, h.title_start, warnings))
    return out


def _bare_headings(text: str) -> list[tuple[int, int, int, list[str]]]:
    """§ numbers whose sign was lost, trusted only as a consecutive run of headings with decisions."""
    markers = []
    for m in _BARE_RE.finditer(text):
        if _NOT_BEFORE_BARE_RE.search(text, max(0, m.start() - 8), m.start()):
            continue
        markers.append(Marker(int(m.group("num")), None, m.start(), m.end(), bool(m.group("dot"))))
    run = longest_run(markers)
    run = [m for m in run if m.label is None]
    if len(run) < 2 or any(b.number != a.number + 1 for a, b in zip(run, run[1:], strict=False)):
        return []
    if AGENDA_HEADING_RE.search(text, max(0, run[0].start - 40), run[0].start):
        return []  # the agenda printed in the minutes
    bodies = [text[a.title_start : b.start] for a, b in zip(run, run[1:], strict=False)] + [text[run[-1].title_start :]]
    if not any(_STREAM_BESLUT_RE.search(b) or _RUN_IN_DECISION_RE.search(normalize_for_match(b)) for b in bodies):
        return []
    form = "numbered item" if run[0].dotted else "number"
    note = f"§ sign not printed; {form} taken as § in a consecutive run of headings"
    return [(m.number, m.start, m.title_start, [note]) for m in run]


def stream_paragraphs(stream: TextStream) -> list[_StreamPara]:
    text = stream.text
    heads = _explicit_headings(text) or _bare_headings(text)
    breaks = hard_breaks(stream)
    out: list[_StreamPara] = []
    for k, (num, start, title_start, warnings) in enumerate(heads):
        end = heads[k + 1][1] if k + 1 < len(heads) else len(text)
        t_end = _cut_para_title(text, title_start, end, breaks)
        p = _StreamPara(num, start, (title_start, t_end), (t_end, end), list(warnings))
        if out and num <= out[-1].number:
            seen = {x.number for x in out}
            p.warnings.append(f"§ {num} repeated" if num in seen else f"§ {num} follows § {out[-1].number}: out of order")
        out.append(p)
    return out


def _stop_of_block(text: str, start: int, end: int) -> int:
    m = _SECTION_LABEL_RE.search(text, start, end)
    b = _STREAM_BESLUT_RE.search(text, start, end)
    stop = min([x.start() for x in (m, b) if x is not None] + [end, start + 1500])
    return stop


def stream_decisions(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(start, end, text) of the decisions in the body text[start:end] of one §."""
    spans: list[tuple[int, int]] = []
    for m in _STREAM_BESLUT_RE.finditer(text, start, end):
        stop = _stop_of_block(text, m.end(), end)
        if text[m.end() : stop].strip(" _\n"):
            spans.append((m.end(), stop))
    for m in _PROPOSAL_TO_RE.finditer(text, start, end):
        if any(a <= m.start() < b for a, b in spans):
            continue
        who = _PROPOSER_RE.search(text, max(start, m.start() - 60), m.start())
        a = who.start() if who else m.start()
        spans.append((a, _stop_of_block(text, m.end(), end)))
    out = [(a, b, join_lines(text[a:b].split("\n")).strip(" _")) for a, b in spans]
    # Decisions written as sentences: "Nämnden utser X att justera ...", "Dagordningen fastställs ...".
    for s in re.finditer(r"[^.!?]+[.!?]?", text[start:end]):
        a, b = start + s.start(), start + s.end()
        if any(x <= a < y or x < b <= y for x, y in spans):
            continue
        sentence = join_lines(s.group(0).split("\n")).strip()
        lab = _SECTION_LABEL_RE.match(sentence)
        if lab:
            sentence = sentence[lab.end() :].strip()
        norm = normalize_for_match(sentence)
        if (len(sentence) <= 300 and _RUN_IN_DECISION_RE.search(norm)) or (
            _APPROVAL_RE.search(norm) and not re.search(r"\bhar\s+beslutat\b|\brekommenderar\b", sentence, re.I)
        ):
            out.append((a, b, sentence))
    return sorted(out)


@extractor
def extract_minutes(ctx: ExtractionContext, segment: Segment) -> list[Record]:
    """Minutes wherever they are printed: a protokoll, or an utdrag bundled with other documents."""
    refs = list(segment_lines(ctx.doc, segment))
    if not refs or not has_minutes_structure("\n".join(r.text for r in refs)):
        return []
    return minutes_records(ctx.doc, segment, ctx.persons)
