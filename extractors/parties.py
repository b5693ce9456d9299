"""Parties of an agreement: name as written, canonical name, organisationsnummer, type, role.

The party passage is the text under a "Parter" heading ("§ 1 PARTER", "1. Parter",
"Parter") or a sentence "Parterna för denna överenskommelse är ..." / "Mellan ... har
följande avtal tecknats". It is cut into names at commas, "och", "samt", "tillsammans
med", "bestående av"; each name keeps the organisationsnummer printed with it (never one
from elsewhere) and is resolved against the gazetteer. Role words in the passage
("verksamhetsansvariga", "övriga samarbetsparter") set the role of the names after them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from extractors import extractor
from models import DocType, DocumentText, Party, Segment
from pipeline.gazetteer import resolve_organisation
from pipeline.orgnr import find_org_numbers
from pipeline.textview import LineRef, provenance, segment_lines

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_HEADING = re.compile(r"^\s*(?:§\s*\d+\s*|\d+\.\s*)?parter(?:na)?\s*:?\s*$", re.I)
_NEXT_HEADING = re.compile(r"^\s*(?:§\s*\d+|\d+\.\s+[A-ZÅÄÖ]|[A-ZÅÄÖ][a-zåäö]+\s*$)")
_SENTENCE = re.compile(r"(?:parterna\s+(?:för|i|till)\s+denna\s+\S+\s+är|^\s*mellan\s)", re.I)
_OTHER_PARTIES = re.compile(r"(?:övriga|ovriga)\s+parter\s+som|viktiga\s+att\s+samverka", re.I)
_SEPARATORS = re.compile(
    r",|;|\n|\bsamt\b|\btillsammans\s+med\b|\bbestående\s+av\b|\bbestaende\s+av\b|\boch\b(?!\s+rehabilitering)",
    re.I,
)
_ROLE_MARKERS = [
    (re.compile(r"verksamhets-?\s*ansvarig\w*", re.I), "verksamhetsansvarig"),
    (re.compile(r"samarbetspart\w*|samverkanspart\w*", re.I), "samarbetspart"),
]
_NOISE = re.compile(
    r"\((?:nedan|härefter|hadanefter)[^)]*\)|\bnedan\s+kallad\w*\s+\S+|^\s*mellan\s+|^.*?\b(?:är|ar)\s+(?=[A-ZÅÄÖ])"
    r"|\bhar\s+följande\b.*$|\bövriga\b|\bovriga\b|\borg\.?\s*-?\s*n(?:umme)?r\.?\s*:?|\borganisationsnummer\s*:?",
    re.I | re.S,
)


def _passages(doc: DocumentText, segment: Segment) -> list[list[LineRef]]:
    lines = list(segment_lines(doc, segment))
    out: list[list[LineRef]] = []
    i = 0
    while i < len(lines):
        text = lines[i].text
        if _HEADING.match(text) or _SENTENCE.search(text):
            start = i + 1 if _HEADING.match(text) else i
            run: list[LineRef] = []
            j = start
            while j < len(lines) and len(run) < 12:
                t = lines[j].text
                if j > start and _NEXT_HEADING.match(t) and not find_org_numbers(t) and resolve_organisation(t) is None:
                    break
                if _OTHER_PARTIES.search(t):
                    cut = _OTHER_PARTIES.search(t).start()
                    if t[:cut].strip():
                        run.append(lines[j])
                    break
                run.append(lines[j])
                if re.search(r"\bhar\s+följande\b|\.\s*$", t) and not _HEADING.match(text):
                    break
                j += 1
            if run:
                out.append(run)
            i = max(i, j) + 1
        else:
            i += 1
    return out


def _passage_text(run: list[LineRef]) -> str:
    text = "\n".join(r.text for r in run)
    m = _OTHER_PARTIES.search(text)
    if m:
        text = text[: m.start()]
    # Rejoin words hyphenated across lines ("verksamhets-\nansvariga").
    return re.sub(r"(\w)-\n(\w)", r"\1\2", text)


def parties_in_text(text: str) -> list[tuple[str, str | None, bool | None, str, bool]]:
    """(name as written, org number, number valid, role, number rejoined from an OCR split)
    for each party named in `text`."""
    out: list[list] = []
    role = "part"
    text = re.sub(r"\((?:nedan|härefter|hadanefter)[^)]*\)", " ", text, flags=re.I | re.S)
    pos = 0
    pieces = []
    for m in _SEPARATORS.finditer(text):
        pieces.append(text[pos:m.start()])
        pos = m.end()
    pieces.append(text[pos:])
    for piece in pieces:
        number = valid = None
        split = False
        numbers = find_org_numbers(piece)
        if numbers:
            number, valid, split = numbers[0].number, numbers[0].valid, numbers[0].ocr_split
            piece = piece[: numbers[0].start] + piece[numbers[0].end:]
        piece_role = None
        for pattern, marker_role in _ROLE_MARKERS:
            if pattern.search(piece):
                piece_role = marker_role
                piece = pattern.sub(" ", piece)
        if piece_role == "samarbetspart":
            role = "samarbetspart"
        name = _NOISE.sub(" ", piece)
        name = re.sub(r"\(\s*\)", " ", name)
        name = " ".join(name.split()).strip(" ,.;:()–-")
        if not name:
            # "Järfälla kommun, org. nr. 212000–0043": the number stands apart from its name.
            if number and out and out[-1][1] is None:
                out[-1][1], out[-1][2], out[-1][4] = number, valid, split
            continue
        out.append([name, number, valid, piece_role or role, split])
    return [tuple(p) for p in out]


def extract_parties_from(doc: DocumentText, segment: Segment) -> list[Party]:
    parties: list[Party] = []
    seen: set[str] = set()
    for run in _passages(doc, segment):
        text = _passage_text(run)
        if re.match(r"^\s*mellan\s", run[0].text, re.I) and not re.search(r"avtal|tecknat|överenskomm", text, re.I):
            continue  # "... en överenskommelse mellan A och B" in running text names no parties of this document
        prov_lines = [r.line for r in run if r.page.number == run[0].page.number]
        prov = provenance(doc, run[0].page, lines=prov_lines)
        for name, number, valid, role, split in parties_in_text(text):
            match = resolve_organisation(name)
            if match is None and number is None:
                continue  # not an organisation we know, and no number says it is one
            canonical = match.canonical_name if match else None
            key = canonical or name.lower()
            if key in seen:
                continue
            seen.add(key)
            warnings = []
            if number and not valid:
                warnings.append(f"organisationsnummer {number} has a wrong check digit")
            if split:
                warnings.append(f"organisationsnummer {number} rejoined from OCR text with a stray space")
            if match is None:
                warnings.append("party name not in the gazetteer")
            elif not match.known:
                warnings.append("party name not in the gazetteer; its name as written is kept")
            elif match.score < 95:
                warnings.append(f"name resolved fuzzily to {canonical} (score {match.score})")
            parties.append(
                Party(
                    name=name,
                    canonical_name=canonical,
                    org_number=number,
                    org_number_valid=valid if number else None,
                    party_type=match.party_type if match else "other",
                    role=role,
                    segment_id=segment.segment_id,
                    provenance=prov,
                    warnings=warnings,
                )
            )
    return parties


@extractor
def extract_parties(ctx: ExtractionContext, segment: Segment) -> list[Party]:
    if segment.doc_type not in (DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN):
        return []
    return extract_parties_from(ctx.doc, segment)
