"""Goals of agreements and plans: övergripande mål, effektmål, strategiskt mål, individmål,
indikator (and plain "mål"), with the theme they stand under and a target where given.

A goal area opens at a goal heading ("Övergripande mål", "7.1. Effektmal", "Strategiska
mål", "Individmål för ...", "§ 4 VERKSAMHETENS MÅL", "4. Målsättningar") and closes at the
next heading that is not about goals. Inside it: short headings are themes ("Ohälsa");
"Mål" / "Indikatorer" sub-headings switch what the bullets under them are; "Mål: ..." and
"Indikator: ..." lines are goals of their own; other statements are goals of the area's
type. Lines are joined into statements up to a full stop or the next bullet. OCR-damaged
words ("Effektmal", "Strategiska mal") are compared after fuzzy normalisation.

Sub-headings inside an area retype what follows ("4. Mål" / "Effektmål" / "Mål för de
gemensamma insatserna"). "Det övergripande målet är att X." is a goal of its own; "De
konkreta målen är att" leads a list (bullets, or plain lines in Word); a line holding both
is split at the full stop. Targets: a percentage or a count of people ("Minst 40
deltagare"); on OCR'd pages also a "%" the OCR read as digits ("5024 av deltagarna").
Provenance: the first page of the statement, its lines' box and character span (narrowed
to the sentence when the line was split).

Initiative lists: outside any goal area, a bare "Mål" / "Mål:" heading followed by bullets
(a samverkansinitiativ in a verksamhetsplan: "Aktivitet", "Nuläge", "Mål", "Indikatorer",
"Sammankallande: ...") opens a list of its own. Its goals are plain "mål" (the model has no
initiative goal type; "mål" is the type the heading names, and effektmål/strategiskt mål
would claim a level the document does not give them); the bullets under the following
"Indikatorer" are "indikator". Only list items count there: bullets, a bullet's wrapped
lines (even when a wrapped line opens with a name, "Krami. Ett förslag ..."), and in Word
list-styled paragraphs (the bullet glyph is numbering, not text). The list ends at a field
line ("Sammankallande: Försäkringskassan", "Analysgruppens bedömning ...:"), a numbered
title or any other paragraph; bare page numbers inside it are skipped. The heading of these
goals is the initiative's numbered title ("1.Unga med aktivitetsersättning" -> "Unga med
aktivitetsersättning"). An indicator bullet that lost the bullet of the next one runs two
indicators together ("... (statistik från Umeå och krans) Antalet unga ..."): a capitalised
"Antal"/"Andel" inside it starts the next. Repeated statements are dropped only under the
same heading, so an initiative may repeat an indicator of the agreement's own list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from collections.abc import Iterator
from decimal import Decimal

from extractors import extractor
from models import DocumentText, Goal, Provenance, Segment
from pipeline.text.clean import strip_word_noise
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.numbers import parse_swedish_number
from pipeline.text.textview import LineRef, provenance, segment_lines, segment_stream

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_PREFIX = r"^(?:\d+\s+)*"  # "§ 4", "7.1." after normalisation: "4 ", "7 1 "
_AREA_HEADINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_PREFIX + r"(?:det\s+)?overgripande\s+mal(?:et)?$"), "övergripande mål"),
    (re.compile(_PREFIX + r"effektmal(?:en)?$"), "effektmål"),
    (re.compile(_PREFIX + r"strategiska?\s+mal(?:en)?$"), "strategiskt mål"),
    (re.compile(_PREFIX + r"individmal(?:en)?(?:\s+\w+\s+.*)?$"), "individmål"),
    (re.compile(r"^(?:\d+\s+)+mal$"), "mål"),  # "7. Mål"
    (re.compile(_PREFIX + r"(?:verksamhetens\s+mal|malsattningar|mal\s+och\s+indikatorer|samverkansmal(?:\s+och\s+indikatorer)?"
                r"|sociala\s+mal(?:\s+\w+\s+.*)?|resultatmal|mal\s+for\s+(?!\d).+)$"), "mål"),  # "Mål för verksamheten"
    # "§ 6 Insatsens mål", "Projektets målsättning": the goal of what the agreement funds.
    (re.compile(_PREFIX + r"(?:insatsens|insatsernas|projektets|verksamhetens|forbundets)\s+mal(?:sattning(?:ar)?)?$"), "mål"),
]
_INDICATOR_HEADING = re.compile(r"^indikator(?:er(?:na)?)?$")
_GOAL_SUBHEADING = re.compile(r"^mal$")
_INLINE = re.compile(r"^(?P<kind>m[aå]l|indikator(?:er)?)\s*:\s*(?P<text>.+)$", re.I)
_INTRO = re.compile(
    r"^(?:det\s+(?P<adj>overgripande|konkreta|langsiktiga|forsta|andra)?\s*malet"
    r"|de\s+(?P<adjs>overgripande|konkreta|langsiktiga)?\s*malen"
    r"|(?P<bare>malet|malen)(?=\s+(?:for\s+.{1,60}?\s+)?(?:ar|blir)\b))\b"
)
# A list lead: "... är att" / "... är följande:" (the statements follow as bullets or lines).
_LIST_LEAD = re.compile(r"\b(?:ar|blir)\s+(?:att|foljande)$")
# Where a line holds two sentences and the second opens a goal statement or list
# ("... egen försörjning. De konkreta målen är att").
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=(?:Det|De|Målet|Målen)\s)")
_STOP_WORDS = re.compile(
    r"\b(?:organisering|organisation|malgrupp\w*|vision|syfte|parter|parternas|uppfoljning|budget|bilaga|bilagor|"
    r"styrelsen|lagar|personal|kommunikation|period|ersattning|underskrifter|varaktighet|inledning)\b"
)
_NUMBERED_HEADING = re.compile(r"^\s*(?:§\s*\d+|\d+(?:\.\d+)*\.?)\s+[A-ZÅÄÖÉ]")
# Bullets as printed and as OCR reads them ("»", "«", "◦", "▪", "●", "➢", "+ ").
_BULLET = re.compile(r"^\s*(?:[-•·*–»«◦▪■●➢]|[v+]\s)\s*")
_FOOTNOTE_LINE = re.compile(r"^\s*\d\s+[A-ZÅÄÖ]")
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")
# An initiative's numbered title ("1.Unga med aktivitetsersättning", "9. Motverka långa ...").
_TITLE = re.compile(r"^\s*\d{1,2}\.\s*(?P<title>[A-ZÅÄÖ][^.:;]{2,90}?)\s*$")
# A field line that ends an initiative's lists ("Sammankallande: Försäkringskassan", "Ansvar: ...").
_FIELD = re.compile(r"^[A-ZÅÄÖ][\w/ -]{1,40}:(?:\s|$)")
# Two indicators run together where the bullet of the second was lost.
_RUN_ON_INDICATOR = re.compile(r"(?<=[\wåäö)])\s+(?=(?:Antal|Andel)(?:et|en)?(?:\s|$))")
_TARGET = re.compile(
    r"(?:(?P<qual>minst|högst|hogst|max(?:imalt)?|över|mer\s+än|under)\s+)?(?P<value>\d{1,3}(?:,\d+)?)\s*(?P<unit>%|procent)",
    re.I,
)
# A count target: "Minst 40 deltagare ska ...", "högst 12 personer". Only people (and
# placements) count; "16–24 år", "12 mån" and years are not targets.
_COUNT_TARGET = re.compile(
    r"(?<![\d–-])(?P<value>\d{1,3}(?:[ \u00a0]\d{3})*|\d+)\s+(?P<unit>deltagare|personer|individer|ungdomar|unga|elever"
    r"|anställningar|platser|praktikplatser|arbetsgivare)\b",
    re.I,
)


# A statement is a goal when it says what shall be reached ("ska", a share) or names
# itself one ("Insatsens målsättning är att ...", "Målet är att ...").
_STATES_GOAL = re.compile(r"\b(?:ska|skall|ska\w*)\b|%|\b(?:malsattning(?:en)?|malet)\s+ar\s+att\b")
# A lead whose list names what the organisation shall achieve ("Vi ska bidra till det
# goda livet genom:", "Förbundets mål är:"); "genom att:" leads activities, not goals.
_LIST_LEAD_COLON = re.compile(
    r"\b(?:ska|skall)\s+(?:bidra\s+till|uppnå|nå|verka\s+för)\b[^.:\n]{0,120}?\bgenom\s*:"
    r"|\b(?:[Vv]åra|[Ff]örbundets|[Vv]erksamhetens)\s+(?:mål|målsättningar)\s+(?:är|för\s+\d{4}\s+är)\s*:"
)
# Items of such a list run together when a page is flattened: each opens with a capital.
_ITEM_START = re.compile(r"(?<!\s)\s+(?=[A-ZÅÄÖ][a-zåäö])")  # from the start of a run only: linear


def lead_list_goals(doc: DocumentText, segment: Segment) -> list[Goal]:
    """The items after a goal lead ending in a colon, one per line or run together on a
    flattened page; the list ends at a sentence (a full stop, a figure, many words)."""
    stream = segment_stream(doc, segment)
    out: list[Goal] = []
    for lead in _LIST_LEAD_COLON.finditer(stream.text):
        pos = lead.end()
        window = stream.text[pos: pos + 1500]
        bullet_free = re.sub(r"(?m)^\s*(?:[-•·*–»◦▪■●➢])\s*", "", window)
        items, offset = [], pos
        for piece in _ITEM_START.split(bullet_free.strip()):
            text = " ".join(piece.split())
            words = text.split()
            if not 2 <= len(words) <= 12 or re.search(r"\d|[.;:!?]$", text):
                break  # a sentence, a figure or a long run: the list is over
            items.append(text)
            if len(items) >= 15:
                break
        if len(items) < 2:
            continue  # one item is no list
        for text in items:
            start = stream.text.find(text.split()[0], offset)
            start = start if start >= 0 else pos
            offset = start + 1
            out.append(Goal(goal_type="mål", text=text, heading=None, segment_id=segment.segment_id,
                            provenance=stream.provenance(doc, start, start + len(text))))
    return out


def _clean(text: str) -> str:
    text = strip_word_noise(text)  # footnote markers that survive in table cells
    text = re.sub(r"(?<=[.)])\s*\d{1,2}\s*$", "", text)  # footnote marker after a full stop: "minska.2"
    text = re.sub(r"(?<=[a-zåäö])\d$", "", text)  # "lösning3"
    return " ".join(text.split())


# OCR reads "%" as "96", "24", "26" or "90" ("5024 av deltagarna", "90 26 av de som",
# "minst 1 90."). On OCR'd lines only, and only where a share is certain from the words
# around it: "<n><misread> av de(ltagarna)..." or "minst/högst <n> <misread>" ending the sentence.
_OCR_PERCENT = re.compile(
    r"(?:^|(?<=\s))(?<!under )(?<!ar )(?<!år )(?P<value>\d{1,3}?)\s?(?:96|24|26|90|9o|%o)\s+av\s+de(?:ltagarna)?\b"
    r"|\b(?:minst|högst|hogst)\s+(?P<value2>\d{1,3})\s(?:96|24|26|90|9o)\s*[.)]?$",
    re.I,
)


def _target(text: str, ocr: bool = False) -> tuple[Decimal | None, str | None, list[str]]:
    """The stated target: a percentage ("50% av deltagarna", "minst 1 %") or a count of
    people ("Minst 40 deltagare"), whichever comes first; with a warning when the "%" was
    recovered from OCR digits."""
    found = [m for m in (_TARGET.search(text), _COUNT_TARGET.search(text)) if m]
    if not found and ocr:
        m = _OCR_PERCENT.search(text)
        if m:
            value = parse_swedish_number(m.group("value") or m.group("value2"))
            if value is not None and 0 < value <= 100:
                return value, "%", [f"target {m.group(0).strip()!r} read as {value} % (OCR misread '%' as digits)"]
    if not found:
        return None, None, []
    m = min(found, key=lambda m: m.start())
    unit = "%" if m.re is _TARGET else m.group("unit").lower()
    return parse_swedish_number(m.group("value")), unit, []


def _area_type(key: str) -> str | None:
    for pattern, goal_type in _AREA_HEADINGS:
        if pattern.match(key):
            return goal_type
    return None


def _pieces(doc: DocumentText, segment: Segment) -> Iterator[tuple[LineRef, str]]:
    """The segment's lines; a line that goes on after a full stop with a goal sentence
    ("... egen försörjning. De konkreta målen är att") is split there."""
    for ref in segment_lines(doc, segment):
        parts = _SENTENCE_SPLIT.split(ref.text)
        head = parts[0]
        for part in parts[1:]:
            if _INTRO.match(normalize_for_match(part)):
                yield ref, head
                head = part
            else:
                head = f"{head} {part}"
        yield ref, head


def _narrow(prov: Provenance, pieces: list[tuple[LineRef, str]]) -> None:
    """Character span of the statement alone when it is only part of its first or last
    line (a split line)."""
    first, first_text = pieces[0]
    if first.line.start is not None and prov.char_start == first.line.start:
        offset = first.text.find(first_text)
        if offset > 0:
            prov.char_start = first.line.start + offset
    last, last_text = pieces[-1]
    if last.page.number == first.page.number and last.line.start is not None and prov.char_end == last.line.end:
        offset = last.text.rfind(last_text)
        if offset >= 0 and offset + len(last_text) < len(last.text.rstrip()):
            prov.char_end = last.line.start + offset + len(last_text)


class _State:
    def __init__(self) -> None:
        self.area: str | None = None
        self.heading: str | None = None
        self.list_type: str | None = None
        self.bullets_ok = False  # bullets are goals only under a "Mål"/"Indikatorer" list or an "är att" intro
        self.buffer: list[tuple[LineRef, str]] = []  # (line, the part of it that belongs to the statement)
        self.buffer_type: str | None = None
        self.idle = 0
        self.list_only = False  # an initiative's "Mål"/"Indikatorer" lists: list items only
        self.title: str | None = None  # the last numbered title ("1.Unga med aktivitetsersättning")
        self.just_opened = False  # nothing read yet under a bare "Mål" heading


def extract_goals_from(doc: DocumentText, segment: Segment) -> list[Goal]:
    out: list[Goal] = []
    seen: set[tuple[str, str]] = set()
    st = _State()

    def flush() -> None:
        if not st.buffer:
            return
        text = _clean(" ".join(t for _, t in st.buffer))
        text = _BULLET.sub("", text, count=1).strip()
        text = re.sub(r"^(?:m[aå]l|indikator(?:er)?)\s*:\s*", "", text, flags=re.I)
        key = normalize_for_match(text)
        goal_type = st.buffer_type or st.area or "mål"
        is_listed = (st.list_only or bool(_BULLET.match(st.buffer[0][1]))
                     or bool(_INLINE.match(_clean(st.buffer[0][1]))))
        pieces = st.buffer
        refs = [r for r, _ in pieces]
        st.buffer, st.buffer_type = [], None
        if len(key) < 12 or re.search(r"\bmalen\b|redovisas|\bse bilaga\b$", key):
            return
        if goal_type == "mål" and not _STATES_GOAL.search(key + " " + text) and not is_listed:
            return
        if (goal_type, st.heading, key) in seen:
            return
        seen.add((goal_type, st.heading, key))
        page = refs[0].page
        value, unit, target_warnings = _target(text, ocr=page.method == "ocr")
        prov = provenance(doc, page, lines=list({id(r.line): r.line for r in refs if r.page.number == page.number}.values()))
        _narrow(prov, pieces)
        out.append(
            Goal(
                goal_type=goal_type,
                text=text,
                target_value=value,
                target_unit=unit,
                heading=st.heading,
                segment_id=segment.segment_id,
                provenance=prov,
                warnings=target_warnings,
            )
        )
        st.idle = 0

    for ref, piece in _pieces(doc, segment):
        raw = _clean(piece)
        if not raw:
            continue
        key = normalize_for_match(raw)
        looks_like_heading = len(key.split()) <= 8 and not raw.endswith((".", ",", ";")) and (
            raw[:1].isupper() or raw[:1] in "§0123456789")
        area = _area_type(key) if looks_like_heading else None
        if looks_like_heading and _GOAL_SUBHEADING.match(key):
            flush()
            if st.area is not None:
                st.list_type = st.area  # "Mål" list under a theme: goals of the area's type
                st.bullets_ok = True
            else:  # an initiative's own "Mål" list
                st.area = st.list_type = "mål"
                st.list_only, st.bullets_ok, st.idle = True, True, 0
                st.heading = st.title
                st.just_opened = True
            continue
        if area:
            flush()
            st.list_only = False
            st.area, st.heading, st.list_type = area, None, None
            st.bullets_ok = True  # "4. Mål" + bullets; a theme heading below turns this off again
            st.idle = 0
            continue
        if st.list_only:
            if _PAGE_NUMBER.match(raw):
                continue
            if _INDICATOR_HEADING.match(key):
                flush()
                st.list_type = "indikator"
                continue
            is_item = bool(_BULLET.match(piece)) or bool(ref.line.style and re.search(r"list", ref.line.style, re.I))
            opened, st.just_opened = st.just_opened, False
            if (opened and not is_item and not _FIELD.match(raw) and not _TITLE.match(raw)
                    and re.match(r"(?:malet|malsattningen|malen)\s+(?:for\s+\S+(?:\s+\S+){0,6}\s+)?(?:ar|blir)\b", key)):
                # "Mål" / "Målet är att minst 40 procent ...": a goal stated as one, not a list
                # (a plain paragraph under an initiative's "Mål" is no goal of its own).
                st.buffer_type = "mål"
                st.buffer.append((ref, piece))
                if raw.endswith((".", "!", "?")):
                    flush()
                    st.area, st.heading, st.list_type, st.list_only, st.bullets_ok = None, None, None, False, False
                continue
            if is_item or (st.buffer and not _FIELD.match(raw) and not _TITLE.match(raw)):
                if is_item:
                    flush()
                    st.buffer_type = st.list_type
                parts = _RUN_ON_INDICATOR.split(piece) if st.list_type == "indikator" else [piece]
                for i, part in enumerate(parts):
                    if i:
                        flush()
                        st.buffer_type = st.list_type
                    st.buffer.append((ref, part))
                if raw.endswith((".", "!", "?")):
                    flush()
                continue
            flush()  # a field line, a title or a paragraph: the lists are over
            st.area, st.heading, st.list_type, st.list_only, st.bullets_ok = None, None, None, False, False
        title = _TITLE.match(raw)
        if title:
            st.title = title.group("title").strip()
        if st.area is None:
            # Outside a goal area only "Det övergripande/konkreta målet ..." opens one ("Målet
            # med Krami är att ..." in a description of an activity does not).
            intro = _INTRO.match(key)
            if not intro or intro.group("bare"):
                continue
            st.area = "mål"
        if _NUMBERED_HEADING.match(raw) or (len(key.split()) <= 6 and _STOP_WORDS.search(key) and not raw.endswith(".")):
            flush()
            st.area, st.heading, st.list_type = None, None, None
            continue
        if _FOOTNOTE_LINE.match(raw):
            flush()
            continue
        if _INDICATOR_HEADING.match(key):
            flush()
            st.list_type, st.bullets_ok = "indikator", True
            continue
        if raw.endswith(":") and not _INLINE.match(raw):
            flush()  # a field label ("Nuläge juni 2023:"): what follows is not a goal list
            st.list_type, st.bullets_ok = None, False
            st.heading = raw.rstrip(":")
            continue
        if st.buffer and raw[:1].isupper() and not re.search(r"(?:,|-|\boch|\bsamt)$", st.buffer[-1][1].strip()):
            flush()  # a new capitalised line after an unfinished statement starts something new
        inline = _INLINE.match(raw)
        if inline:
            flush()
            kind = "indikator" if inline.group("kind").lower().startswith("indikator") else None
            st.buffer = [(ref, piece)]
            st.buffer_type = kind or ("mål" if st.area == "mål" else st.area)
            # "Mål: ..." lines are followed by their measures.
            if kind is None:
                st.list_type = "indikator"
            if raw.endswith((".", ")")):
                flush()
            continue
        intro = _INTRO.match(key)
        if intro:
            flush()
            adj = intro.group("adj") or intro.group("adjs")
            goal_type = "övergripande mål" if adj == "overgripande" else "mål"
            if _LIST_LEAD.search(key) or raw.endswith(":"):
                st.list_type = goal_type  # "Det konkreta målet för Enter är att" + bullets
                st.bullets_ok = True
                continue
            st.buffer, st.buffer_type = [(ref, piece)], goal_type
            if raw.endswith("."):
                flush()
            continue
        is_bullet = bool(_BULLET.match(piece))
        short_heading = (
            not is_bullet and not st.buffer and len(key.split()) <= 6 and not raw.endswith((".", ",", ";", ")"))
            and raw[:1].isupper()
        )
        if short_heading:
            st.heading, st.list_type = raw.rstrip(":"), None
            st.bullets_ok = st.area not in ("mål", "strategiskt mål")
            continue
        if is_bullet:
            flush()
            if not st.bullets_ok:
                continue
            st.buffer, st.buffer_type = [(ref, piece)], st.list_type or st.area
        else:
            if not st.buffer:
                st.buffer_type = st.list_type or st.area
            st.buffer.append((ref, piece))
        if raw.endswith((".", "!", "?")):
            flush()
        st.idle += 1
        if st.idle > 40:
            flush()
            st.area = None
    flush()
    return out


@extractor
def extract_goals(ctx: ExtractionContext, segment: Segment) -> list[Goal]:
    # Goals only where a text states them: under a goal heading, after "Det övergripande
    # målet ...", or as the list of a goal lead; any document type may hold one.
    goals = extract_goals_from(ctx.doc, segment)
    seen = {normalize_for_match(g.text) for g in goals}
    for goal in lead_list_goals(ctx.doc, segment):
        if normalize_for_match(goal.text) not in seen:
            goals.append(goal)
    return goals
