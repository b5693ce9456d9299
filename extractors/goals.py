"""Goals of agreements and plans: övergripande mål, effektmål, strategiskt mål, individmål,
indikator (and plain "mål"), with the theme they stand under and a target where given.

A goal area opens at a goal heading ("Övergripande mål", "7.1. Effektmal", "Strategiska
mål", "Individmål för ...", "§ 4 VERKSAMHETENS MÅL", "4. Målsättningar") and closes at the
next heading that is not about goals. Inside it: short headings are themes ("Ohälsa");
"Mål" / "Indikatorer" sub-headings switch what the bullets under them are; "Mål: ..." and
"Indikator: ..." lines are goals of their own; other statements are goals of the area's
type. Lines are joined into statements up to a full stop or the next bullet. OCR-damaged
words ("Effektmal", "Strategiska mal") are compared after fuzzy normalisation.
"""

from __future__ import annotations

import re
from decimal import Decimal

from extractors import register
from models import DocType, DocumentText, Goal, Segment
from pipeline.clean import strip_word_noise
from pipeline.fuzzy import normalize_for_match
from pipeline.numbers import parse_swedish_number
from pipeline.textview import LineRef, provenance, segment_lines

_PREFIX = r"^(?:\d+\s+)*"  # "§ 4", "7.1." after normalisation: "4 ", "7 1 "
_AREA_HEADINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_PREFIX + r"(?:det\s+)?overgripande\s+mal(?:et)?$"), "övergripande mål"),
    (re.compile(_PREFIX + r"effektmal(?:en)?$"), "effektmål"),
    (re.compile(_PREFIX + r"strategiska?\s+mal(?:en)?$"), "strategiskt mål"),
    (re.compile(_PREFIX + r"individmal(?:en)?(?:\s+\w+\s+.*)?$"), "individmål"),
    (re.compile(r"^(?:\d+\s+)+mal$"), "mål"),  # "7. Mål"
    (re.compile(_PREFIX + r"(?:verksamhetens\s+mal|malsattningar|mal\s+och\s+indikatorer|samverkansmal(?:\s+och\s+indikatorer)?"
                r"|sociala\s+mal(?:\s+\w+\s+.*)?|resultatmal)$"), "mål"),
]
_INDICATOR_HEADING = re.compile(r"^indikator(?:er(?:na)?)?$")
_GOAL_SUBHEADING = re.compile(r"^mal$")
_INLINE = re.compile(r"^(?P<kind>m[aå]l|indikator(?:er)?)\s*:\s*(?P<text>.+)$", re.I)
_INTRO = re.compile(r"^det\s+(?P<adj>overgripande|konkreta|langsiktiga|forsta|andra)?\s*malet\b")
_STOP_WORDS = re.compile(
    r"\b(?:organisering|organisation|malgrupp\w*|vision|syfte|parter|parternas|uppfoljning|budget|bilaga|bilagor|"
    r"styrelsen|lagar|personal|kommunikation|period|ersattning|underskrifter|varaktighet|inledning)\b"
)
_NUMBERED_HEADING = re.compile(r"^\s*(?:§\s*\d+|\d+(?:\.\d+)*\.?)\s+[A-ZÅÄÖÉ]")
# Bullets as printed and as OCR reads them ("»", "«", "◦", "▪", "●", "➢").
_BULLET = re.compile(r"^\s*(?:[-•·*–»«◦▪■●➢]|v\s)\s*")
_FOOTNOTE_LINE = re.compile(r"^\s*\d\s+[A-ZÅÄÖ]")
_TARGET = re.compile(
    r"(?:(?P<qual>minst|högst|hogst|max(?:imalt)?|över|mer\s+än|under)\s+)?(?P<value>\d{1,3}(?:,\d+)?)\s*(?P<unit>%|procent)",
    re.I,
)


def _clean(text: str) -> str:
    text = strip_word_noise(text)  # footnote markers that survive in table cells
    text = re.sub(r"(?<=[.)])\s*\d{1,2}\s*$", "", text)  # footnote marker after a full stop: "minska.2"
    text = re.sub(r"(?<=[a-zåäö])\d$", "", text)  # "lösning3"
    return " ".join(text.split())


def _target(text: str) -> tuple[Decimal | None, str | None]:
    m = _TARGET.search(text)
    if not m:
        return None, None
    return parse_swedish_number(m.group("value")), "%"


def _area_type(key: str) -> str | None:
    for pattern, goal_type in _AREA_HEADINGS:
        if pattern.match(key):
            return goal_type
    return None


class _State:
    def __init__(self) -> None:
        self.area: str | None = None
        self.heading: str | None = None
        self.list_type: str | None = None
        self.bullets_ok = False  # bullets are goals only under a "Mål"/"Indikatorer" list or an "är att" intro
        self.buffer: list[LineRef] = []
        self.buffer_type: str | None = None
        self.idle = 0


def extract_goals_from(doc: DocumentText, segment: Segment) -> list[Goal]:
    out: list[Goal] = []
    seen: set[tuple[str, str]] = set()
    st = _State()

    def flush() -> None:
        if not st.buffer:
            return
        text = _clean(" ".join(r.text for r in st.buffer))
        text = _BULLET.sub("", text, count=1).strip()
        text = re.sub(r"^(?:m[aå]l|indikator(?:er)?)\s*:\s*", "", text, flags=re.I)
        key = normalize_for_match(text)
        goal_type = st.buffer_type or st.area or "mål"
        is_listed = bool(_BULLET.match(st.buffer[0].text)) or bool(_INLINE.match(_clean(st.buffer[0].text)))
        refs = st.buffer
        st.buffer, st.buffer_type = [], None
        if len(key) < 12 or re.search(r"\bmalen\b|redovisas|\bse bilaga\b$", key):
            return
        if goal_type == "mål" and not re.search(r"\b(?:ska|skall|ska\w*)\b|%", key + text) and not is_listed:
            return
        if (goal_type, key) in seen:
            return
        seen.add((goal_type, key))
        value, unit = _target(text)
        page = refs[0].page
        out.append(
            Goal(
                goal_type=goal_type,
                text=text,
                target_value=value,
                target_unit=unit,
                heading=st.heading,
                segment_id=segment.segment_id,
                provenance=provenance(doc, page, lines=[r.line for r in refs if r.page.number == page.number]),
            )
        )
        st.idle = 0

    for ref in segment_lines(doc, segment):
        raw = _clean(ref.text)
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
            continue
        if area:
            flush()
            st.area, st.heading, st.list_type = area, None, None
            st.bullets_ok = area != "mål"
            st.idle = 0
            continue
        if st.area is None:
            intro = _INTRO.match(key)
            if not intro:
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
        if st.buffer and raw[:1].isupper() and not re.search(r"(?:,|-|\boch|\bsamt)$", st.buffer[-1].text.strip()):
            flush()  # a new capitalised line after an unfinished statement starts something new
        inline = _INLINE.match(raw)
        if inline:
            flush()
            kind = "indikator" if inline.group("kind").lower().startswith("indikator") else None
            st.buffer = [ref]
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
            adj = intro.group("adj")
            goal_type = "övergripande mål" if adj == "overgripande" else "mål"
            if key.endswith("ar att") or key.endswith("att"):
                st.list_type = goal_type  # "Det konkreta målet för Enter är att" + bullets
                st.bullets_ok = True
                continue
            st.buffer, st.buffer_type = [ref], goal_type
            if raw.endswith("."):
                flush()
            continue
        is_bullet = bool(_BULLET.match(ref.text))
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
            st.buffer, st.buffer_type = [ref], st.list_type or st.area
        else:
            if not st.buffer:
                st.buffer_type = st.list_type or st.area
            st.buffer.append(ref)
        if raw.endswith((".", "!", "?")):
            flush()
        st.idle += 1
        if st.idle > 40:
            flush()
            st.area = None
    flush()
    return out


@register(DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN)
def extract_goals(doc: DocumentText, segment: Segment) -> list[Goal]:
    return extract_goals_from(doc, segment)
