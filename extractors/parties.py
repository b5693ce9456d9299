"""Parties of an agreement (or of a förbund's own documents): name as written, canonical
name, organisationsnummer, type, role.

Where a text lists its parties:
- under a "Parter" heading ("§ 1 PARTER", "1. Parter", "Parter", also run into a flattened
  line: "1. PARTER A, , B, och C, har kommit överens"), as a list or as labelled entries
  ("Uppdragsgivare: X Organisationsnummer: 222000 - 3137", "Insatsägare: Y, Enhet ...");
- in a sentence "Parterna för denna överenskommelse är ..." / "Mellan ... har följande
  avtal tecknats";
- in a statement of membership or cooperation: "Medlemmar i kommunalförbundet är
  kommunerna A, B och C", "... är A, B och C kommuner (förbundsmedlemmar)", "Förbundets
  medlemmar är ...", "Samverkande parter är ...", the adopting councils of an ägardirektiv
  ("Antagna av kommunfullmäktige i A kommun, B kommun ..."), and in an agreement's own
  title "Överenskommelse mellan staten och ...".
A head noun shared by a list ("kommunerna A, B", "A, B och Cs kommuner") makes each bare
name a kommun. Names are cut at commas, "och" (not "hälso- och"), "samt"; each keeps the
organisationsnummer printed with it (never one from elsewhere) and is resolved against the
gazetteer. Organisations merely mentioned in running text are not parties, nor are the
organisations of a matter in minutes or an agenda ("Kommunfullmäktige godkänner
samverkansavtal mellan A och B"): there the statement forms are not read, only a "Parter"
heading. Role words in the passage ("verksamhetsansvariga", "övriga samarbetsparter",
"Insatsägare") set the role of the names after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import re

from extractors import extractor
from models import DocType, DocumentText, Party, Provenance, Segment
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.gazetteer import OrgMatch, resolve_organisation
from pipeline.sv.orgnr import find_org_numbers
from pipeline.text.textview import LineRef, TextStream, provenance, segment_lines, segment_stream

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

_HEADING = re.compile(r"^\s*(?:§\s*\d+\s*|\d+\.\s*)?parter(?:na)?\s*:?\s*$", re.I)
_NEXT_HEADING = re.compile(r"^\s*(?:§\s*\d+|\d+\.\s+[A-ZÅÄÖ]|[A-ZÅÄÖ][a-zåäö]+\s*$)")
_SENTENCE = re.compile(r"(?:parterna\s+(?:för|i|till)\s+denna\s+\S+\s+är|^\s*mellan\s)", re.I)
_OTHER_PARTIES = re.compile(r"(?:övriga|ovriga)\s+parter\s+som|viktiga\s+att\s+samverka", re.I)
# "och" joins two names, except in a suspended compound ("hälso- och sjukvård").
_SEPARATORS = re.compile(
    r",|;|\n|\bsamt\b|\btillsammans\s+med\b|\bbestående\s+av\b|\bbestaende\s+av\b"
    r"|(?<!-)(?<!- )\boch\b(?!\s+rehabilitering)",
    re.I,
)
_ROLE_MARKERS = [
    (re.compile(r"verksamhets-?\s*ansvarig\w*", re.I), "verksamhetsansvarig"),
    (re.compile(r"samarbetspart\w*|samverkanspart\w*", re.I), "samarbetspart"),
]
# Where an agreement's party passage ends: its operative verb ("har kommit överens om ...").
_AGREED = re.compile(r"\bhar\s+(?:följande|kommit\s+överens|ingått|träffat|tecknat|slutit)\b.*$", re.I | re.S)
_NOISE = re.compile(
    # "Detta avtal är upprättat mellan X": the verb phrase before the first party.
    r"^[^,;]{0,80}?\bmellan\s+(?=[A-ZÅÄÖ])|"
    r"\((?:nedan|härefter|hadanefter)[^)]*\)|\bnedan\s+kallad\w*\s+\S+|^\s*mellan\s+|^.*?\b(?:är|ar)\s+(?=[A-ZÅÄÖ])"
    r"|\bhar\s+(?:följande|kommit\s+överens|ingått|träffat|tecknat|slutit)\b.*$|\bövriga\b|\bovriga\b"
    r"|\borg\.?\s*-?\s*n(?:umme)?r\.?\s*:?|\borganisationsnummer\s*:?",
    re.I | re.S,
)
# A labelled party entry: "Uppdragsgivare: Samordningsförbundet X Organisationsnummer: ...".
_ROLE_LABEL = re.compile(
    r"(?:^|(?<=\s))(?P<label>uppdragsgivare|insatsägare|utförare|beställare|huvudman|leverantör|part\s*\d+"
    r"|part\s+[A-D])\s*:\s*",
    re.I,
)
_LABEL_ROLE = {"insatsägare": "verksamhetsansvarig", "utförare": "verksamhetsansvarig"}
# What follows a party's name in an entry and is not part of it.
_ENTRY_TAIL = re.compile(
    r"\b(?:org(?:anisations)?\.?\s*-?\s*n(?:umme)?r|organisationsnummer|kontaktperson\w*|telefon|tel\.|e-?post"
    r"|adress|postadress|besöksadress|företrädd|representerad|genom\s+[A-ZÅÄÖ])",
    re.I,
)
# "1. PARTER" / "§ 1 Parter" run into the text of a flattened page.
_INLINE_HEADING = re.compile(r"(?:§\s*\d+\s*|(?<![\d.])\d{1,2}\.?\s+)(?:PARTER(?:NA)?|Parter(?:na)?)\b[ \t]*:?[ \t]*(?=[A-ZÅÄÖ])")
_INLINE_END = re.compile(r"\s(?:§\s*\d+|\d{1,2}\.\s+[A-ZÅÄÖ]{2})|\.\s+[A-ZÅÄÖ]|\n\s*\n")
# Statements that list members or parties.
_STATEMENT = re.compile(
    r"\b(?:(?:förbunds)?medlemmar(?:na)?\s+i\s+(?:\w+)?förbundet|förbundets\s+medlemmar|förbundsmedlemmar(?:na)?"
    r"|samverkande\s+parter|parterna\s+i\s+(?:förbundet|samverkan|samarbetet)|samverkansparter(?:na)?"
    r")\s+är\s+"
    r"|\bantag(?:en|na|et)\s+av\s+(?:kommun|region|landstings)fullmäktige\s+i\s+(?=[A-ZÅÄÖ])",
    re.I,
)
# "Överenskommelse mellan staten och ...": the parties of the agreement this text is.
_BETWEEN = re.compile(r"\bmellan\s+(?=[A-ZÅÄÖa-zåäö])", re.I)
_AGREEMENT_WORD = re.compile(
    r"(?:överenskommelse|avtal|samordning|samverkan|samarbete|avsiktsförklaring)\w*(?:\s+\S+){0,4}\s*$", re.I)
_LIST_END = re.compile(r"\.(?=\s+(?:[A-ZÅÄÖ]|\d+\.?\s+[A-ZÅÄÖ])|\s*$)|\n\s*\n|:")
_KOMMUN_GROUP_OPEN = re.compile(r"^(?:kommunerna|medlemskommunerna|ägarkommunerna)\s+", re.I)
_KOMMUN_GROUP_CLOSE = re.compile(r"^(?P<name>.+?)\s{1,5}kommuner\b(?P<rest>.*)$", re.I | re.S)
_BARE_NAME = re.compile(r"^[A-ZÅÄÖ][\wåäöé]+(?:[ -][A-ZÅÄÖ][\wåäöé]+)?$")
# An organisation's name under a "Parter" heading that the gazetteer does not hold
# ("Ålands landskapsregering"): capitalised, a few words, no digits.
_ORG_LIKE = re.compile(r"^[A-ZÅÄÖ][\wåäöéÅÄÖ-]*(?:\s+[\wåäöéÅÄÖ-]+){1,5}$")
# A group, not one organisation: "Umeåregionens kommuner", "övriga myndigheter".
_COLLECTIVE = re.compile(r"\b(?:kommuner(?:na)?|regioner(?:na)?|myndigheter(?:na)?|parter(?:na)?|organisationer(?:na)?"
                         r"|förbunden|landstingen|aktörer(?:na)?)\b", re.I)
_MEETING_TYPES = (DocType.PROTOKOLL, DocType.FOREDRAGNINGSLISTA)
_AGREEMENT_TYPES = (DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE)


@dataclass
class _Found:
    name: str
    number: str | None = None
    valid: bool | None = None
    role: str = "part"
    split: bool = False
    match: OrgMatch | None = None
    warnings: list[str] = field(default_factory=list)


def _passages(doc: DocumentText, segment: Segment) -> list[tuple[list[LineRef], bool]]:
    """Party passages on their own lines: (lines, whether they stand under a "Parter" heading)."""
    lines = list(segment_lines(doc, segment))
    out: list[tuple[list[LineRef], bool]] = []
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
                out.append((run, bool(_HEADING.match(text))))
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


def labelled_entries(text: str) -> list[_Found]:
    """Labelled party entries ("Uppdragsgivare: X Organisationsnummer: 222000 - 3137
    Kontaktperson ...", "Insatsägare: Y Kommun, Arbetsmarknad och Integration ..."): the
    name runs from the label to its organisationsnummer or contact details."""
    labels = list(_ROLE_LABEL.finditer(text))
    out: list[_Found] = []
    for k, m in enumerate(labels):
        entry = text[m.end(): labels[k + 1].start() if k + 1 < len(labels) else len(text)]
        tail = _ENTRY_TAIL.search(entry)
        name = entry[: tail.start()] if tail else entry.split("\n")[0]
        name = " ".join(name.split("\n")[0].split()).strip(" ,.;:()–-")
        numbers = find_org_numbers(entry)
        if not name:
            continue
        found = _Found(name, role=_LABEL_ROLE.get(m.group("label").lower(), "part"))
        if numbers:
            found.number, found.valid, found.split = numbers[0].number, numbers[0].valid, numbers[0].ocr_split
        out.append(found)
    return out


def _leading_organisation(item: str, kommun_group: bool) -> tuple[str, OrgMatch | None, str]:
    """(name as written, its match, the rest) for the organisation an item of a list opens
    with: "Strömstad ÅRSREDOVISNING ..." -> "Strömstad"; "Östersunds kommun den 1 januari" ->
    "Östersunds kommun". In a list of kommuner a bare name is read as a kommun."""
    words = item.split()
    for k in range(min(len(words), 7), 0, -1):
        written = " ".join(words[:k]).strip(" ,.;:()")
        if re.search(r"[.;:]\s", written):
            continue  # a name does not run over a sentence end
        if not written or not written[:1].isupper() and not written.startswith("staten"):
            continue
        rest = " ".join(words[k:])
        if kommun_group and _BARE_NAME.match(written):
            match = resolve_organisation(f"{written} kommun")
            if match is not None and match.party_type == "kommun" and match.department is None:
                return written, match, rest
        match = resolve_organisation(written)
        if match is not None and match.department is None:
            return written, match, rest
    return "", None, item


def _list_pieces(text: str) -> list[str]:
    """The items of a list cut at its separators, except where a name holds "och"
    ("Sveriges Kommuner och Landsting", "Inspektionen för vård och omsorg")."""
    spans, pos = [], 0
    for m in _SEPARATORS.finditer(text):
        spans.append((pos, m.start(), m.group(0).strip().lower()))
        pos = m.end()
    spans.append((pos, len(text), ""))
    pieces, i = [], 0
    while i < len(spans):
        j_best = i
        for j in range(min(i + 3, len(spans) - 1), i, -1):
            if all(spans[k][2] == "och" for k in range(i, j)):
                joined = text[spans[i][0]: spans[j][1]].strip()
                match = resolve_organisation(_leading_words(joined))
                if match is not None and match.known and match.department is None and " och " in match.canonical_name + " " + joined:
                    if normalize_for_match(match.matched).count(" och ") >= 1 or " och " in match.canonical_name:
                        j_best = j
                        break
        pieces.append(text[spans[i][0]: spans[j_best][1]].strip())
        i = j_best + 1
    return pieces


def _leading_words(text: str) -> str:
    """A joined candidate without what follows the name ("Landsting 2015" -> "Landsting")."""
    words = text.split()
    while words and not words[-1][:1].isalpha():
        words.pop()
    return " ".join(words)


def list_items(text: str) -> list[_Found]:
    """The organisations of a list statement, in order, until the list ends: "kommunerna
    A, B och C", "A, B och Cs kommuner, Arbetsförmedlingen och Försäkringskassan"."""
    pieces = _list_pieces(" ".join(re.sub(r"(\w)-\n(\w)", r"\1\2", text).split()))
    out: list[_Found] = []
    kommun_group = False
    pending: list[_Found] = []  # bare names that a closing "... kommuner" may make kommuner
    for piece in pieces:
        if not piece:
            continue
        number = valid = None
        split = False
        numbers = find_org_numbers(piece)
        if numbers:
            number, valid, split = numbers[0].number, numbers[0].valid, numbers[0].ocr_split
            piece = (piece[: numbers[0].start] + piece[numbers[0].end:]).strip()
        piece = re.sub(r"\(\s*\)|\borg\.?\s*-?\s*n(?:umme)?r\.?\s*:?|\borganisationsnummer\s*:?", " ", piece, flags=re.I).strip()
        opened = _KOMMUN_GROUP_OPEN.match(piece)
        if opened:
            kommun_group = True
            piece = piece[opened.end():]
        written, match, rest = _leading_organisation(piece, kommun_group)
        closed = _KOMMUN_GROUP_CLOSE.match(piece)
        if closed and match is not None and match.known and "kommuner" in match.canonical_name.casefold():
            closed = None  # "Sveriges Kommuner och Landsting" is a name, not a list's head noun
        if closed and _BARE_NAME.match(closed.group("name").strip()):
            name = closed.group("name").strip()
            match = resolve_organisation(f"{name} kommun")
            if not pending and (match is None or not match.known):
                continue  # "Umeåregionens kommuner": the kommuner of an area, named one by one elsewhere
            for bare in pending:  # "Strömstad, Tanum och Lysekils kommuner": the head noun is shared
                if bare.match is None or bare.match.party_type != "kommun":
                    bare.match = resolve_organisation(f"{bare.name} kommun")
            pending = []
            out.append(_Found(name, number, valid, split=split, match=match))
            kommun_group = False
            if closed.group("rest").strip(" ()") and not closed.group("rest").strip().startswith("("):
                break
            continue
        if match is None and _BARE_NAME.match(piece) and len(piece.split()) <= 2:
            found = _Found(piece, number, valid, split=split)  # an unknown name; a later "kommuner" may place it
            pending.append(found)
            out.append(found)
            continue
        if match is None:
            break
        found = _Found(written, number, valid, split=split, match=match)
        out.append(found)
        if match.party_type == "kommun" and _BARE_NAME.match(written):
            pending.append(found)
        elif match.party_type != "kommun":
            kommun_group = False
            pending = []
        if rest.strip(" ,.;:()"):
            break  # the list ended inside this piece ("Strömstad ÅRSREDOVISNING ...")
    return [f for f in out if f.match is not None]


def _statement_lists(stream: TextStream, segment: Segment) -> list[tuple[int, int, list[_Found]]]:
    """List statements of members or parties, with their spans in the stream."""
    text = stream.text
    out = []
    starts = [m.end() for m in _STATEMENT.finditer(text)]
    if segment.doc_type in _AGREEMENT_TYPES:
        for m in _BETWEEN.finditer(text):
            if _AGREEMENT_WORD.search(text[max(0, m.start() - 80): m.start()]):
                starts.append(m.end())
    for start in sorted(starts):
        end_match = _LIST_END.search(text, start, min(len(text), start + 600))
        end = end_match.start() if end_match else min(len(text), start + 600)
        items = list_items(text[start:end])
        if items:
            out.append((start, end, items))
    return out


def _inline_passages(stream: TextStream) -> list[tuple[int, int, str]]:
    """A "1. PARTER" heading run into a flattened line, and the text up to the next heading,
    the operative verb or the end of the sentence."""
    out = []
    for m in _INLINE_HEADING.finditer(stream.text):
        limit = min(len(stream.text), m.end() + 800)
        end_match = _INLINE_END.search(stream.text, m.end(), limit)
        end = end_match.start() if end_match else limit
        agreed = _AGREED.search(stream.text, m.end(), end)
        if agreed:
            end = agreed.start()
        out.append((m.start(), end, stream.text[m.end():end]))
    return out


def _passage_parties(text: str, under_heading: bool) -> list[_Found]:
    if _ROLE_LABEL.search(text):
        return labelled_entries(text)
    out = []
    for name, number, valid, role, split in parties_in_text(text):
        found = _Found(name, number, valid, role, split, resolve_organisation(name))
        if found.match is None and number is None:
            if not (under_heading and _ORG_LIKE.match(name) and not _COLLECTIVE.search(name)):
                continue  # not an organisation we know, and no number says it is one
        out.append(found)
    return out


def _party(found: _Found, segment: Segment, prov: Provenance) -> Party:
    match = found.match if found.match is not None else resolve_organisation(found.name)
    canonical = match.canonical_name if match else None
    warnings = list(found.warnings)
    if found.number and not found.valid:
        warnings.append(f"organisationsnummer {found.number} has a wrong check digit")
    if found.split:
        warnings.append(f"organisationsnummer {found.number} rejoined from OCR text with a stray space")
    if match is None:
        warnings.append("party name not in the gazetteer")
    elif not match.known:
        warnings.append("party name not in the gazetteer; its name as written is kept")
    elif match.score < 95:
        warnings.append(f"name resolved fuzzily to {canonical} (score {match.score})")
    return Party(
        name=found.name,
        canonical_name=canonical,
        org_number=found.number,
        org_number_valid=found.valid if found.number else None,
        party_type=match.party_type if match else "other",
        role=found.role,
        segment_id=segment.segment_id,
        provenance=prov,
        warnings=warnings,
    )


def extract_parties_from(doc: DocumentText, segment: Segment) -> list[Party]:
    parties: dict[str, Party] = {}

    def add(found: _Found, prov: Provenance) -> None:
        party = _party(found, segment, prov)
        key = party.canonical_name or party.name.lower()
        seen = parties.get(key)
        if seen is None:
            parties[key] = party
        elif seen.org_number is None and party.org_number:
            parties[key] = party  # the same party listed again with its number

    for run, under_heading in _passages(doc, segment):
        text = _passage_text(run)
        if re.match(r"^\s*mellan\s", run[0].text, re.I) and not re.search(r"avtal|tecknat|överenskomm", text, re.I):
            continue  # "... en överenskommelse mellan A och B" in running text names no parties of this document
        prov_lines = [r.line for r in run if r.page.number == run[0].page.number]
        prov = provenance(doc, run[0].page, lines=prov_lines)
        for found in _passage_parties(text, under_heading):
            add(found, prov)
    stream = segment_stream(doc, segment)
    for start, end, text in _inline_passages(stream):
        prov = stream.provenance(doc, start, end)
        for found in _passage_parties(re.sub(r"(\w)-\n(\w)", r"\1\2", text), under_heading=True):
            add(found, prov)
    if segment.doc_type not in _MEETING_TYPES:
        for start, end, items in _statement_lists(stream, segment):
            prov = stream.provenance(doc, start, end)
            for found in items:
                add(found, prov)
    return list(parties.values())


@extractor
def extract_parties(ctx: ExtractionContext, segment: Segment) -> list[Party]:
    return extract_parties_from(ctx.doc, segment)
