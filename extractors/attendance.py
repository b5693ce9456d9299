"""Attendance: who took part in a meeting, in which group and role, and for which §.

The head of a protokoll lists Beslutande / Ersättare / Övriga deltagare, one person a
line: name, organisation or role, and the § attended when limited ("§ 52-58", OCR'd
"$ 47-54"). Persons are found with the rule-based spaCy pipeline (pipeline.sv.nlp), names
resolved against the other spellings in the same document, organisations against the
gazetteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from extractors import extractor
from extractors._meeting import PersonIndex
from models import Attendance, DocumentText, Segment
from pipeline.config import IDENTITY
from pipeline.sv.chars import DASH
from pipeline.sv.identity import same_person
from pipeline.sv.nlp import entities, list_person_names
from pipeline.sv.paragraph_refs import find_paragraph_ranges
from pipeline.text.textview import TextStream, segment_stream

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


def _fold(words: str) -> str:
    """A regex for label words that tolerates folded/OCR'd Swedish letters and any spacing."""
    classes = {"ä": "[äaåéd]", "ö": "[öo6ó]", "å": "[åaäé]", " ": r"\s+"}
    return "".join(classes.get(c, re.escape(c) if not c.isalnum() else c) for c in words)


# (kind, role implied by the label, pattern); longest forms first
_LABELS: list[tuple[str, str | None, str]] = [
    ("absent", None, _fold("frånvarande ledamöter") + "|" + _fold("frånvarande") + "|" + _fold("ej närvarande")
     + "|" + _fold("anmält förhinder")),
    ("ersattare", "ersättare", "(?:ej|icke|inte) " .replace(" ", r"\s+") + r"(?:tj[äa]nstg[öo]rande|beslutande)\s+ers[äa]ttare"),
    ("ersattare", "ersättare", _fold("närvarande ersättare") + "|" + _fold("övriga ersättare")
     + "|" + _fold("ersättare") + r"\s*:|" + _fold("suppleanter")),
    ("beslutande", "tjänstgörande ersättare", _fold("tjänstgörande ersättare")),
    ("ovriga", None, _fold("närvarande tjänste") + r"\w*|" + _fold("dessutom närvarande") + "|"
     + _fold("övriga deltagare") + "|" + _fold("övriga deltagande") + "|" + _fold("övriga närvarande")
     + "|" + _fold("tjänstemän") + "|" + _fold("tjänsteman") + "|" + _fold("tjänstepersoner")
     + "|" + _fold("övriga") + r"\s*:|" + _fold("övriga") + r"(?=(?-i:\s+[A-ZÅÄÖÉ][a-zåäöé])|\s*\n|\s*$)"),
    ("beslutande", None, _fold("beslutande") + r"(?:\s+(?:ledam[öo]ter|ledamot|\w*representanter|politiker))?"
     + "|" + _fold("närvarande ledamöter") + "|" + _fold("ordinarie ledamöter") + "|" + _fold("ledamöter") + r"\s*:"
     + "|" + _fold("närvarande") + r"\s*:?(?:\s*ande\s*:)?"),
    ("ersattare", "ersättare", _fold("ersättare") + r"(?=(?-i:\s+[A-ZÅÄÖÉ][a-zåäöé])|\s*\n)"),
    # Non-voting participants and the office's staff, as a heading over names.
    ("ovriga", None, r"adjungerade?|adjungerande|" + _fold("närvarande adjungerade")),
    ("ovriga", None, r"(?:sekretariatet|kansliet|f[öo]rvaltningen)(?=(?-i:\s+[A-ZÅÄÖÉ][a-zåäöé]+\s+[A-ZÅÄÖÉ])|\s*:|\s*\n)"),
]
ATTENDANCE_LABEL_RE = _LABEL_RE = re.compile("|".join(f"(?P<L{i}>{p})" for i, (_, _, p) in enumerate(_LABELS)), re.I)
_STOP_STREAM_RE = re.compile(
    r"\b\w*juster\w*|\butses\s+att\b|\bunder-?\s*skrift\w*|\bparagraf(?:er|erna)?\b|\bprotokollet\s+inneh"
    r"|\banslag\w*|\bbevis\b|\binneh[åa]llsf[öo]rteckning|\b[äa]rendelista|\b(?:uts[äa]nd\s+)?f[öo]redragningslista"
    r"|\bdagordning|\bm[öo]tesprotokoll|\bse\s+[äa]ven\s+n[äa]sta\s+sida"
    r"|(?:(?<=\n)|^)[ \t]{0,20}(?:\d{1,3}[ \t]+)?(?-i:Sekreterare|Ordf[öo]rande|SEKRETERARE|ORDF[ÖO]RANDE)\b|\b(?:sekreterare|ordf[öo]rande)\s*(?=[:.…])"
    r"|\b\d{1,3}\.?\s+(?:val\s+av|m[öo]tets|sammantr[äa]dets|upprop|fastst[äa]llande|godk[äa]nnande)\b"
    r"|(?:(?<=\n)|^)[ \t]*§\s*\d",
    re.I,
)
_COMMA_BEFORE_RE = re.compile(r",\s*$")
_PARTY_RE = re.compile(r"^\s*(?:,\s*)?(?:\(\s*(?P<p1>[A-ZÅÄÖ]{1,4}|[a-zåäö]{1,4})\s*\)|(?P<p2>[a-zåäö]{1,3}|[A-ZÅÄÖ]{1,3})(?=\s*(?:,|$)|\s+[A-ZÅÄÖ][a-zåäö]))")
_REPLACES_RE = re.compile(r"(?:\bers[äa]tter|\bi\s*st[äa]llet\s+f[öo]r|\bf[öo]r)\s*$", re.I)
_SUBSTITUTE_FOR = re.compile(r"\b(?:ers[äa]tter|i\s*st[äa]llet\s+f[öo]r)\b", re.I)
_UNTIL_RE = re.compile(r"\bt\.?\s*o\.?\s*m\.?\s*(?:§\s*)?(\d{1,3})", re.I)
_FROM_RE = re.compile(r"\bfr\.?\s*o\.?\s*m\.?\s*(?:§\s*)?(\d{1,3})", re.I)
_RANGE_BARE_RE = re.compile(rf"(?<![\d:.])(\d{{1,3}})\s*{DASH}\s*(\d{{1,3}})(?![\d:.])")
_NUMBER_RE = re.compile(r"(?<![\w:.,§-])(\d{1,3})(?![\w:.-])")
_PARAGRAFER_RE = re.compile(rf"paragraf(?:er|erna)?\s*:?\s*(?:§+\s*)?(\d{{1,3}})\s*{DASH}+\s*(\d{{1,3}})", re.I)

# Role words after a name, in order of precedence.
_TAIL_ROLES: list[tuple[str, re.Pattern[str]]] = [
    ("vice ordförande", re.compile(r"\b(?:\d:e\s+|f[öo]rste\s+|andre\s+)?(?:vice|v\.?)\s+ordf", re.I)),
    ("ordförande", re.compile(r"\bordf[öo]rande\b|\bordf\b", re.I)),
    ("tjänstgörande ersättare", re.compile(r"\btj[äa]nstg[öo]rande\s+ers|\btjg\.?\s+ers|\bers[äa]tter\b", re.I)),
    ("ersättare", re.compile(r"\bers[äa]ttare\b|\bsuppleant", re.I)),
    ("ledamot", re.compile(r"\bledamot\b", re.I)),
    ("sekreterare", re.compile(r"\b(?:n[äa]mnd|m[öo]tes|protokolls?|styrelse)?sekreterare\b|\bsekr\b", re.I)),
]
# Titles of officials (tjänstepersoner) when the role vocabulary has no own name for them.
# Bounded word prefixes (\w{0,30}): an unbounded \w* before the stem is quadratic on long words.
_OFFICIAL_RE = re.compile(
    r"\b\w{0,30}?(?:chef|direkt[öo]r|sekreterare|controller|strateg|sakkunnig|ekonom|planerare|handl[äa]ggare"
    r"|assistent|administrat[öo]r|samordnare|ledare|utredare|jurist|sjuksk[öo]terska|koordinator"
    r"|tj[äa]nste(?:man|person)|kansliet|revisor|r[åa]dgivare|specialist|analytiker|arkitekt|ingenj[öo]r|kommunikat[öo]r)\b",
    re.I,
)
_POLITICIAN_RE = re.compile(r"\b\w{0,30}?r[åa]d\b|\bpolitiker\b|\bobservat[öo]r", re.I)


@dataclass
class _Group:
    kind: str  # beslutande | ersattare | ovriga | absent
    role: str | None
    start: int
    end: int
    warnings: list[str]


def attendance_groups(text: str) -> list[_Group]:
    """The attendance groups of a meeting head, each with the span of its entries."""
    markers: list[tuple[int, int, str, str | None]] = []  # (start, end, kind|"stop", role)
    for m in _LABEL_RE.finditer(text):
        if not (m.group(0)[:1].isupper()):
            continue
        if _COMMA_BEFORE_RE.search(text[max(0, m.start() - 3):m.start()]) and not m.group(0).rstrip().endswith(":"):
            continue  # ", Tjänstgörande ersättare": the role of the entry before
        i = next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)
        kind, role, _ = _LABELS[i]
        markers.append((m.start(), m.end(), kind, role))
    for m in _STOP_STREAM_RE.finditer(text):
        markers.append((m.start(), m.end(), "stop", None))
    markers.sort()
    groups: list[_Group] = []
    for k, (start, end, kind, role) in enumerate(markers):
        if kind == "stop":
            continue
        nxt = next((s for s, _, _, _ in markers[k + 1:] if s >= end), len(text))
        groups.append(_Group(kind, role, end, nxt, []))
    # Two column headers printed together ("Beslutande Övriga deltagande Anna ..."): the
    # entries follow the second label but belong to both columns; read them as the first
    # group's, officials recognised by their titles.
    merged: list[_Group] = []
    for g in groups:
        prev = merged[-1] if merged else None
        if prev is not None and prev.kind == "beslutande" and g.kind == "ovriga" and not text[prev.start:prev.end].strip():
            prev.end = g.end
            prev.warnings.append("column headers printed together; officials told apart by their titles")
            continue
        merged.append(g)
    return [g for g in merged if text[g.start:g.end].strip() and _list_follows(text, g)]


def _list_follows(text: str, group: _Group) -> bool:
    """A label opens a list only when a name follows it without prose in between ("Beslutande
    organ ska vara ...", "Övriga mål se bilaga" are sentences). Page furniture such as
    "Page 1 of 14 SAMMANTRÄDESPROTOKOLL" may stand between."""
    names = list_person_names(text[group.start:group.end])
    if not names:
        return False
    before = _LABEL_RE.sub(" ", text[group.start:group.start + names[0].start])
    return not re.search(r"(?<![\w-])[a-zåäö]{3,}(?![\w-])", before)


@dataclass
class _Entry:
    name: str
    start: int
    end: int
    tail: str  # what follows the name up to the next entry, line breaks as spaces
    own_line: bool  # the name starts a printed line
    tail_lines: list[str]  # the tail's non-empty lines after its first


def _entries(text: str, start: int, end: int) -> list[_Entry]:
    """Persons of one group's span; a person named after "ersätter"/"för" is the one
    replaced, not an attendee."""
    span = text[start:end]
    names = list_person_names(span)
    kept = []
    for k, n in enumerate(names):
        before = span[(names[k - 1].end if k else 0):n.start]
        if _REPLACES_RE.search(before):
            continue
        name_text, name_start = n.text, n.start
        words = name_text.split()
        # "(s), Arjeplog Inge Andersson": a place printed after the previous entry's comma
        # runs into the next name.
        if (len(words) >= 3 and k and re.fullmatch(r"\s*,?\s*(?:\([^()\n]{1,4}\)|[a-zåäö]{1,3}|[A-ZÅÄÖ]{1,3})\s*,\s*", before)
                and sum(1 for w in words[1:] if len(w) > 2) >= 2):
            name_text = " ".join(words[1:])
            name_start = n.start + span[n.start:].index(words[1], len(words[0]))
        kept.append((name_text, name_start, n.end))
    out = []
    for k, (name, s, e) in enumerate(kept):
        tail_end = kept[k + 1][1] if k + 1 < len(kept) else len(span)
        tail = span[e:tail_end]
        lines = tail.split("\n")
        own_line = s == 0 or "\n" in span[:s][-3:] or not span[:s].strip()
        out.append(_Entry(name, start + s, start + e, " ".join(tail.split()), own_line,
                          [ln.strip() for ln in lines[1:] if ln.strip()]))
    return out


def _paragraph_bounds(text: str) -> tuple[int, int] | None:
    """The § range the protokoll covers ("Paragrafer 26-38", "Paragraf 46–58")."""
    m = _PARAGRAFER_RE.search(text)
    if m and int(m.group(1)) <= int(m.group(2)):
        return int(m.group(1)), int(m.group(2))
    return None


def _qualifiers(tail: str, bounds: tuple[int, int] | None) -> tuple[list[int], list[str]]:
    """The § attended and notes from an entry's tail: "§ 52-58", "1-12", "t.o.m. § 54",
    "fr.o.m. § 55", a bare "87", "delvis"."""
    paragraphs: list[int] = []
    warnings: list[str] = []
    rest = tail
    for r in find_paragraph_ranges(tail):
        paragraphs += [n for n in r.numbers if n not in paragraphs]
    rest = _PARTY_RE.sub(" ", rest, count=1)
    until, since = _UNTIL_RE.search(rest), _FROM_RE.search(rest)
    if until or since:
        first = int(since.group(1)) if since else (bounds[0] if bounds else None)
        last = int(until.group(1)) if until else (bounds[1] if bounds else None)
        if first is not None and last is not None and first <= last <= first + 200:
            paragraphs = list(range(first, last + 1))
        else:
            warnings.append(f"attended only part of the meeting ({(until or since).group(0)}), the protokoll's § range is not printed")
    elif not paragraphs:
        m = _RANGE_BARE_RE.search(rest)
        if m and int(m.group(1)) <= int(m.group(2)):
            paragraphs = list(range(int(m.group(1)), int(m.group(2)) + 1))
        else:
            paragraphs = [int(n) for n in _NUMBER_RE.findall(re.sub(r"\d+:e\b", " ", rest))][:5]
            if paragraphs:
                warnings.append("a bare number after the entry read as the § attended")
    if re.search(r"\bdelvis\b|\bfr[åa]n\s+(?:och\s+med\s+)?(?:klockan|kl)\b|\btill\s+(?:klockan|kl)\b|\bfrom\s+klockan", rest, re.I):
        warnings.append("attended part of the meeting")
    return paragraphs, warnings


def _tail_role(tail: str) -> str | None:
    for role, pattern in _TAIL_ROLES:
        if pattern.search(tail):
            return role
    # the role vocabulary, matched fuzzily: OCR'd "ordférande", "Bitrddande forbundschef"
    for e in entities(tail) if tail.strip() else []:
        if e.label == "ROLE" and e.canonical is not None:
            return e.canonical
    if _POLITICIAN_RE.search(tail):
        return "övrig"
    if _OFFICIAL_RE.search(tail):
        return "tjänsteperson"
    return None


def _party(tail: str) -> str | None:
    m = _PARTY_RE.match(tail)
    if not m:
        return None
    party = (m.group("p1") or m.group("p2") or "").upper()
    if party == "X":
        return None  # a tick in a "Närvarande" column, not a party letter
    return party or None


# A listed person who did not come: "Anmält förhinder", "frånvarande", "ej närvarande".
# (Not "Frånvarande": after the last name of a group that is the label of the next.)
_ABSENT_AFTER_RE = re.compile(r"[\s,]{0,10}(?:[xX]\s{1,5})?(?:anm[äa]l\w*\s+f[öo]rhinder|f[öo]rhinder)\b", re.I)
_ABSENT_TAIL_RE = re.compile(r"\banm[äa]l\w*\s+f[öo]rhinder|\bf[öo]rhinder\b|\bfr[åa]nvarande\b|\bej\s+n[äa]rvarande\b", re.I)


def _organisation(tail: str) -> str | None:
    """An organisation printed after the name ("Umeå kommun", "Försäkringskassan")."""
    bare = _PARTY_RE.sub(" ", tail, count=1)
    orgs = [e for e in entities(bare) if e.label == "ORG"] if bare.strip() else []
    return orgs[0].text if orgs else None


def _record(
    entry: _Entry, tail: str, group: _Group, doc: DocumentText, stream: TextStream, meeting_date: date | None,
    index: PersonIndex, bounds: tuple[int, int] | None, extra_warnings: list[str],
) -> Attendance:
    warnings = list(group.warnings) + list(extra_warnings)
    paragraphs, notes = _qualifiers(tail, bounds)
    warnings += notes
    role = _tail_role(tail)
    replaced = _SUBSTITUTE_FOR.search(tail) or re.match(r"\s*(?:\([^)]*\)\s*)?,?\s*f[öo]r\s+[A-ZÅÄÖ]", tail)
    if replaced and role in (None, "ersättare", "ledamot"):
        role = "tjänstgörande ersättare"
    if role is None:
        role = group.role or {"beslutande": "ledamot", "ersattare": "ersättare"}.get(group.kind)
        if role is None and group.kind == "ovriga" and _party(tail):
            role = "övrig"
    party = _party(tail)
    org = _organisation(tail)
    canonical_org = None
    if org:
        from pipeline.sv.gazetteer import resolve_organisation

        hit = resolve_organisation(org)
        canonical_org = hit.canonical_name if hit else None
    group_kind = {"beslutande": "beslutande", "ersattare": "ersattare", "ovriga": "ovriga"}[group.kind]
    if role == "tjänstgörande ersättare":
        group_kind = "beslutande"
    return Attendance(
        provenance=stream.provenance(doc, entry.start, entry.end), meeting_date=meeting_date,
        person_name=entry.name, canonical_person_name=index.canonical(entry.name),
        organisation=org or party, canonical_organisation=canonical_org, role=role, group=group_kind,
        paragraphs=paragraphs, warnings=warnings,
    )


def _group_records(
    text: str, group: _Group, doc: DocumentText, stream: TextStream, meeting_date: date | None,
    index: PersonIndex, bounds: tuple[int, int] | None,
) -> list[Attendance]:
    entries = _entries(text, group.start, group.end)
    out: list[Attendance] = []
    run: list[_Entry] = []
    # "Jörgen Ek Anmält förhinder": a listed person who did not come (the note may also
    # have been read as the label of an absent group right after the name).
    entries = [e for e in entries
               if not _ABSENT_TAIL_RE.search(e.tail) and not _ABSENT_AFTER_RE.match(text, e.end)]
    for entry in entries:
        one_a_line = entry.own_line and (not run or all(e.own_line and not e.tail_lines for e in run))
        if not one_a_line:
            for e in run:
                out.append(_record(e, e.tail, group, doc, stream, meeting_date, index, bounds, []))
            run = []
        run.append(entry)
        if not entry.tail_lines:
            continue
        # One name a line, then lines that hold no name: qualifiers or titles printed in
        # a column of their own, serialised after the names. Paired by order when the
        # counts agree.
        lines = entry.tail_lines
        if len(lines) != len(run):
            lines = [ln for ln in lines if not re.fullmatch(r"\d{1,3}", ln)]
        own = entry.tail.split(entry.tail_lines[0])[0] if entry.tail_lines else entry.tail
        if len(run) >= 2 and entry.own_line and len(lines) == len(run):
            for e, ln in zip(run, lines):
                tail = (own if e is entry else e.tail) + " " + ln
                out.append(_record(e, tail, group, doc, stream, meeting_date, index, bounds,
                                   ["qualifier paired with the name by order (columns printed apart)"]))
        elif len(run) >= 2 and entry.own_line and len(lines) >= 2:
            note = f"{len(lines)} qualifiers printed apart from {len(run)} names could not be paired"
            for e in run:
                out.append(_record(e, own if e is entry else e.tail, group, doc, stream, meeting_date, index, bounds, [note]))
        else:
            for e in run:
                out.append(_record(e, e.tail, group, doc, stream, meeting_date, index, bounds, []))
        run = []
    for e in run:
        out.append(_record(e, e.tail, group, doc, stream, meeting_date, index, bounds, []))
    return out


def _head_end(stream: TextStream) -> int:
    """Offset of the first § heading line ("§ 46 Protokollsjusterare"): attendance stands
    before it. Only a printed § sign counts: "87 Anders Jansson" in a list is not "§ 7"."""
    from pipeline.sv.paragraph_refs import parse_paragraph_heading

    for k, ref in enumerate(stream.lines):
        h = parse_paragraph_heading(ref.text)
        if h is not None and h.sign in "§$":
            return stream.starts[k]
    return len(stream.text)


def _with_signers(
    records: list[Attendance], text: str, doc: DocumentText, stream: TextStream, meeting_date: date | None,
    index: PersonIndex,
) -> list[Attendance]:
    """Persons who sign as ordförande/sekreterare/justerare, or are elected justerare, take
    part in that role: an ordinary member's role becomes ordförande; a sekreterare or
    justerare gets an entry of their own beside the one of the list."""
    from extractors._meeting_signatures import elected_justerare, meeting_signatures

    signed = [(s.name, s.role, s.start, s.end) for s in meeting_signatures(text)]
    signed += [(n.text, "justerare", n.start, n.end) for n in elected_justerare(text)]
    out = list(records)
    for name, role, start, end in signed:
        listed = [r for r in out if same_person(r.person_name, name, cutoff=IDENTITY.signer_match_cutoff)]
        if any(r.role == role for r in listed):
            continue
        if role == "ordförande" and listed and listed[0].role in (None, "ledamot"):
            listed[0].role = "ordförande"
            listed[0].warnings.append("role ordförande from the signature block")
            continue
        if role == "ordförande" and any(r.role == "vice ordförande" for r in listed):
            continue
        base = listed[0] if listed else None
        out.append(Attendance(
            provenance=stream.provenance(doc, start, end), meeting_date=meeting_date, person_name=name,
            canonical_person_name=index.canonical(name),
            organisation=base.organisation if base else None,
            canonical_organisation=base.canonical_organisation if base else None,
            role=role, group=base.group if base else ("beslutande" if role != "sekreterare" else "ovriga"),
            warnings=[f"attends as {role}: named in the signature block or elected to justera"],
        ))
    return out


def attendance_from_stream(
    doc: DocumentText, stream: TextStream, meeting_date: date | None, index: PersonIndex
) -> list[Attendance]:
    text = stream.text
    head = text[:_head_end(stream)]
    groups = attendance_groups(head)
    bounds = _paragraph_bounds(text)
    records: list[Attendance] = []
    for g in groups:
        if g.kind == "absent":
            continue
        records += _group_records(head, g, doc, stream, meeting_date, index, bounds)
    if not records:
        return []
    return _with_signers(records, text, doc, stream, meeting_date, index)


@extractor
def extract_attendance(ctx: ExtractionContext, segment: Segment) -> list[Attendance]:
    """Wherever a segment lists who attended (group labels followed by names)."""
    return attendance_from_stream(ctx.doc, segment_stream(ctx.doc, segment), segment.meeting_date, ctx.persons)
