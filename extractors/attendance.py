"""Attendance: who took part in a meeting, in which group and role, and for which §.

The head of a protokoll lists Beslutande / Ersättare / Övriga deltagare, one person a
line: name, organisation or role, and the § attended when limited ("§ 52-58", OCR'd
"$ 47-54"). Persons are found with the rule-based spaCy pipeline (pipeline.nlp), names
resolved against the other spellings in the same document, organisations against the
gazetteer.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from extractors import extractor
from extractors._meeting import PersonIndex
from models import Attendance, DocType, DocumentText, Provenance, Segment
from pipeline.fuzzy import normalize_for_match
from pipeline.nlp import entities
from pipeline.paragraph_refs import find_paragraph_ranges
from pipeline.textview import LineRef, provenance, segment_lines

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

# Group labels at the start of an attendance line (on normalize_for_match text).
_GROUPS: list[tuple[str, re.Pattern[str]]] = [
    ("ersattare", re.compile(r"^(?:narvarande |tjanstgorande |icke tjanstgorande )?ersattare\b")),
    ("beslutande", re.compile(r"^beslutande(?: ledamoter)?\b")),
    ("ovriga", re.compile(r"^(?:ovriga (?:deltagare|narvarande)|ovriga|tjanstepersoner|narvarande tjanstepersoner|dessutom narvarande)\b")),
]
STOP_RE = re.compile(
    r"^(?:sekreterare|ordforande|justerare|justerande|underskrifter|bevis|anslag|utses att justera|"
    r"justeringens|paragrafer|protokollet)\b"
)

def group_of(norm: str) -> tuple[str | None, int]:
    """(group, length of the label in the normalised line) when the line opens a group."""
    for group, pattern in _GROUPS:
        m = pattern.match(norm)
        if m:
            return group, m.end()
    return None, 0


def _strip_label(text: str, words: int) -> str:
    return " ".join(text.split()[words:])


def _attendance_line(
    text: str, group: str | None, index: PersonIndex, prov: Provenance, meeting_date: date | None
) -> Attendance | None:
    """Fields of one attendance line (the group label already removed)."""
    warnings: list[str] = []
    paragraphs: list[int] = []
    cleaned = text
    for r in reversed(find_paragraph_ranges(text)):
        paragraphs = r.numbers + [n for n in paragraphs if n not in r.numbers]
        cleaned = cleaned[: r.start] + cleaned[r.end :]
    cleaned = cleaned.strip(" ,;")
    if not cleaned:
        return None
    ents = entities(cleaned)
    persons = [e for e in ents if e.label == "PER"]
    orgs = [e for e in ents if e.label == "ORG"]
    roles = [e for e in ents if e.label == "ROLE"]
    if not persons:
        return None
    person = persons[0].text
    org = orgs[0].text if orgs else None
    role = roles[0].canonical or roles[0].text.lower() if roles else None
    if role is None:
        role = {"beslutande": "ledamot", "ersattare": "ersättare"}.get(group or "")
    canonical_org = None
    if org:
        from pipeline.gazetteer import resolve_organisation

        hit = resolve_organisation(org)
        canonical_org = hit.canonical_name if hit else None
        if hit is None:
            warnings.append(f"organisation '{org}' not in the gazetteer")
        elif not hit.known:
            warnings.append(f"organisation '{org}' not in the gazetteer; its name as written is kept")
    canonical_person = index.canonical(person)
    if len(persons) > 1:
        warnings.append("more than one name on the attendance line: " + ", ".join(p.text for p in persons))
    return Attendance(
        provenance=prov, meeting_date=meeting_date, person_name=person, canonical_person_name=canonical_person, organisation=org,
        canonical_organisation=canonical_org, role=role, group=group, paragraphs=paragraphs,
        warnings=warnings,
    )


def _attendance(doc: DocumentText, header: list[LineRef], meeting_date: date | None, index: PersonIndex) -> list[Attendance]:
    out: list[Attendance] = []
    group: str | None = None
    for ref in header:
        norm = normalize_for_match(ref.text)
        g, _ = group_of(norm)
        text = ref.text
        if g is not None:
            group = g
            label_words = {"beslutande": 1, "ersattare": 1, "ovriga": 2}[g]
            first_norm = normalize_for_match(text.split()[0]) if text.split() else ""
            if g == "ersattare" and first_norm != "ersattare":
                label_words = 2
            if g == "beslutande" and re.match(r"^beslutande ledamoter", norm):
                label_words = 2
            if g == "ovriga" and not re.match(r"^ovriga \w", norm):
                label_words = 1
            text = _strip_label(text, label_words)
        elif group is None:
            continue
        if STOP_RE.match(norm) or re.match(r"^plats\b|^sammantrades", norm):
            group = None
            continue
        rec = _attendance_line(text, group, index, provenance(doc, ref.page, line=ref.line), meeting_date)
        if rec is not None:
            out.append(rec)
    return out



@extractor
def extract_attendance(ctx: ExtractionContext, segment: Segment) -> list[Attendance]:
    if segment.doc_type != DocType.PROTOKOLL:
        return []
    from extractors.minutes import split_paragraphs

    refs = list(segment_lines(ctx.doc, segment))
    header, _ = split_paragraphs(refs)
    return _attendance(ctx.doc, header, segment.meeting_date, ctx.persons)
