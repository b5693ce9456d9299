"""Segment metadata, worked out once: organisation, body, meeting date, validity, title.

Extractors read these from the Segment; none works them out again.
"""

from __future__ import annotations

import re
from datetime import date

from models import DocType, Segment
from pipeline.sv.dates import Validity, find_dates, parse_validity
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.gazetteer import find_organisations, resolve_organisation
from pipeline.segment.classify import fold
from pipeline.segment.boundaries import FlatLine, _DATE_ONLY_RE, _short
from pipeline.config import EXTRACTION

# --- metadata -------------------------------------------------------------------------

_FORBUND_RE = re.compile(
    r"(?i:samordningsf\w{0,3}rbundet)\s+(?:(?i:i)\s+)?([A-ZÅÄÖ][\wåäöéÅÄÖÉ-]+(?:\s+[A-ZÅÄÖ][\wåäöé-]+)?)"
)
_BODY_RE = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]+?)s\s+(?:sammantr\w+|m[oöé]te)\b")


def body_named(text: str) -> str | None:
    """The body whose meeting a line names: "Styrelsens sammanträde" -> "Styrelsen"."""
    m = _BODY_RE.search(text)
    if m is None:
        return None
    return m.group(1) if m.group(1).endswith("n") else m.group(1) + "n"


# The minutes' "Organ" field names the body: "Organ Styrelsen, Samordningsförbundet X".
_ORGAN_RE = re.compile(r"^\s*Organ\s*:?\s+([A-ZÅÄÖ][\wåäöé-]+)(?=\s*(?:,|$|\s+f[oö]r\b))")


def _organ_label(lines: list[FlatLine]) -> str | None:
    for ln in lines:
        m = _ORGAN_RE.match(ln.text)
        if m:
            return m.group(1)
    return None


def _resolve(name: str, min_score: float = 0.0):
    hit = resolve_organisation(name)
    return hit if hit is not None and hit.score >= min_score else None


def _resolve_org(name: str) -> str:
    hit = _resolve(name)
    return hit.canonical_name if hit else name


_NAME_PREFIXES = {"sodra", "norra", "ostra", "vastra", "centrala", "mellersta", "nedre", "ovre", "sydvastra", "nordvastra"}


def _forbund_name(match: re.Match[str]) -> str:
    """Canonical name of "Samordningsförbundet X [Y]": the gazetteer's if it knows it."""
    words = match.group(1).split()
    candidates = [" ".join(words[:k]) for k in range(len(words), 0, -1)]
    for cand in candidates:
        hit = _resolve("Samordningsförbundet " + cand, min_score=85)
        if hit is not None and hit.party_type == "samordningsförbund":
            return hit.canonical_name
    keep = words if len(words) > 1 and normalize_for_match(words[0]) in _NAME_PREFIXES else words[:1]
    return _resolve_org("Samordningsförbundet " + " ".join(keep))


def find_organisation(lines: list[FlatLine]) -> str | None:
    """The förbund a stretch of text speaks for: "Samordningsförbundet X", or a masthead."""
    for line in lines[:5]:
        if _short(line, 40) and line.text.isupper() and len(line.text) > 4 and not _DATE_ONLY_RE.match(line.text):
            # A masthead: "UMEAREGIONEN" for Samordningsförbundet Umeåregionen.
            for cand in (line.text.title(), "Samordningsförbundet " + line.text.title()):
                hit = _resolve(cand, min_score=88)
                if hit is not None:
                    return hit.canonical_name
    for line in lines[:40]:
        m = _FORBUND_RE.search(line.text)
        if m:
            return _forbund_name(m)
    return _head_organisation(lines)


# A body the gazetteer may not know, named as one: "Västra Mälardalens Myndighetsförbund",
# "Södertörns brandförsvarsförbund", "Nerikes Brandkår", "Kommunförbundet Norrbotten".
_GENERIC_BODY_RE = re.compile(
    r"\b(?:(?:[A-ZÅÄÖ][\wåäöé-]+\s+){1,3}(?:[A-ZÅÄÖ]?[a-zåäö]*förbund(?:et)?|[Bb]randkår|[Kk]ommunalförbund)"
    r"|(?:Kommunförbundet|Räddningstjänstförbundet|Kommunalförbundet)\s+[A-ZÅÄÖ][\wåäö-]+"
    r"|[A-ZÅÄÖ][\wåäö-]+\s+[Kk]ommun|Region\s+[A-ZÅÄÖ][\wåäö-]+)\b"
)
_TYPE_WORD_RE = re.compile(r"(?i)kommun|region|landsting|förbund|stad\b|kassan|förmedlingen|verket|myndighet|staten")


def _head_organisation(lines: list[FlatLine]) -> str | None:
    """An organisation named in the head: one the gazetteer knows ("RONNEBY KOMMUN",
    "Region Jönköpings län"), else a förbund named as one, as printed. A name in an
    enumeration ("mellan Ale kommun, Härryda kommun och ...") is a party, not the issuer."""
    head = " ".join(ln.text for ln in lines[:6])[:EXTRACTION.head_org_chars]  # the masthead and title
    # A bare place name ("Anna Berg" -> Bergs kommun) is no mention: the type must be printed.
    known = [(m.start, m.match.canonical_name) for m in find_organisations(head)
             if m.match.known and not _in_enumeration(head, m.start, m.end) and _TYPE_WORD_RE.search(m.written)]
    text = re.sub(r"\b[A-ZÅÄÖ]{2,}\b", lambda w: w.group(0).capitalize(), head)  # "RONNEBY KOMMUN" -> "Ronneby Kommun"
    generic = [(m.start(), _as_printed(m.group(0))) for m in _GENERIC_BODY_RE.finditer(text)
               if not _in_enumeration(text, m.start(), m.end()) and m.group(0).split()[0] not in _LABEL_WORDS]
    found = sorted(known + generic)
    return found[0][1] if found else None


_LABEL_WORDS = {"Plats", "Tid", "Datum", "Organ", "Lokal", "Sida", "Från", "Till"}


def _in_enumeration(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 12):start], text[end:end + 3]
    return bool(re.search(r"\b(?:mellan|och|samt)\s+$|,\s*$", before) or re.match(r"\s*,\s*\S", after))


def _as_printed(name: str) -> str:
    words = name.split()
    if all(w.isupper() for w in words if w[:1].isalpha()):
        words = [w.capitalize() for w in words]
    if len(words) > 1 and words[-1] == "Kommun":
        words[-1] = "kommun"
    return " ".join(words)


# The body that meets, as a document's head names it.
_HEAD_BODY_RE = re.compile(
    r"\b(?:Kommunstyrelsens arbetsutskott|Kommunstyrelsens \w+utskott|Kommunfullmäktige|Regionfullmäktige|"
    r"Förbundsfullmäktige|Kommunstyrelsen|Regionstyrelsen|Förbundsstyrelsen|Förbundsdirektion(?:en)?|Direktionen|"
    r"Styrelsen|Arbetsutskottet|Verkställande utskottet|Nämnd(?:en)? för [a-zåäö,]+(?: [a-zåäö,]+){0,5}?(?=\s+[A-ZÅÄÖ0-9]|\s*$)|"
    r"[A-ZÅÄÖ][a-zåäö]+(?:-|-? och [a-zåäö]+)?nämnden)\b"
)


def head_body(lines: list[FlatLine]) -> str | None:
    """The body whose meeting this is, as named in the head ("Kommunstyrelsens
    arbetsutskott", "Miljö- och bygglovsnämnden", "Nämnden för funktionshindrade")."""
    text = " ".join(ln.text for ln in lines[:60])[:EXTRACTION.organ_chars]
    organ = re.search(r"\bOrgan\s*:?\s+", text)  # the anslag box names it: "Organ Kommunstyrelsens arbetsutskott"
    m = _HEAD_BODY_RE.match(text, organ.end()) if organ else None
    if m is None:
        m = _HEAD_BODY_RE.search(text[:EXTRACTION.head_body_chars])
    if m is None:
        return None
    words = m.group(0).strip(" ,").split()
    while len(words) > 2 and (normalize_for_match(words[-1]) in _MONTHS or words[-1].isdigit()):
        words.pop()  # "Nämnden för fritid april 2015": the date of a page title
    return " ".join(words)


_MONTHS = {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"}


def _first_date(lines: list[FlatLine]) -> date | None:
    for line in lines:
        hits = find_dates(line.text)
        if hits:
            return hits[0][0]
    return None


# Labels of a meeting's date, strongest first. Matched on folded text (lower case,
# å/ä -> a, ö -> o) so OCR'd "Sammantradesdatum" counts too.
_MEETING_DATE_LABELS = [
    re.compile(r"\b(?:sammantrades ?datum|motesdatum|sammantradesdag)\b"),
    re.compile(r"\b(?:plats och tid|tid och plats|sammantrader|sammantradet|sammantrade|mote)\b"),
    re.compile(r"\bdatum\b"),
]
# A date that these words stand just before is another date of the minutes, not the meeting's.
_OTHER_DATE_RE = re.compile(
    r"(?:justera\w*|justering\w*|anslag\w*|overklag\w*|nedtag\w*|uppsatt\w*|upprattad\w*|"
    r"skrivelse|utlatande|senast|till och med|t ?o ?m)\W*(?:\w+\W+){0,3}$"
)


def find_meeting_date(lines: list[FlatLine]) -> tuple[date | None, list[str]]:
    """The meeting date of an agenda or minutes, read from the head as one stream.

    A date after a label ("Sammanträdesdatum 2023-04-18", "Plats och tid Måndagen den 7
    juni 2010", "sammanträder ... tisdagen den 22 april 2014 kl") or just before one
    ("2015-04-16 Datum:", the two columns of a table serialised); else the first date of
    the head that is not a justering, anslag or appeal date, with a warning.
    """
    head = " ".join(ln.text for ln in lines[:40])[:EXTRACTION.meeting_head_chars]
    folded = fold(head)
    dates = find_dates(head)
    if not dates:
        return None, ["meeting date not found"]
    for label in _MEETING_DATE_LABELS:
        for m in label.finditer(folded):
            for d, start, end in dates:
                if m.end() <= start <= m.end() + EXTRACTION.meeting_date_after_label and not _OTHER_DATE_RE.search(folded[m.end() : start]):
                    return d, []
                if 0 <= m.start() - end <= 3:
                    return d, []
    for d, start, _end in dates:
        if not _OTHER_DATE_RE.search(folded[max(0, start - 40) : start]):
            return d, ["meeting date taken from the first date in the heading, not from a labelled field"]
    return None, ["meeting date not found"]


# Words that introduce a validity statement: on folded text (the first pass), and as printed
# (the second pass, which also knows "avtalstid" and "avtalsperiod").
_VALIDITY_WORDS = re.compile(r"gall|giltig|varaktighet|period|tills? ?vidare")
_VALIDITY_CUE = re.compile(r"gäller|galler|giltig|avtalstid|avtalsperiod|varaktighet|period", re.I)


def _dated_validity(texts: list[str]) -> Validity | None:
    """A validity with real dates on a line that names validity (and the line after it),
    a complete one (start and end, or open-ended) before the first partial one."""
    best = None
    for k, text in enumerate(texts):
        if not _VALIDITY_WORDS.search(normalize_for_match(text)):
            continue
        v = parse_validity(text + " " + (texts[k + 1] if k + 1 < len(texts) else ""))
        if v is None or not find_dates(v.raw):
            continue  # "under 2020 har ...": a year in running text is not a validity
        if v.valid_from and (v.valid_to or v.open_ended):
            return v
        best = best or v
    return best


def _stated_validity(texts: list[str]) -> Validity | None:
    """A validity sentence that is more than a bare year ("Överenskommelsen gäller fr.o.m.
    2023-01-01 och tillsvidare"), else "år 2023" in the first lines ("Verksamheten Enter år 2023")."""
    for i, t in enumerate(texts):
        if _VALIDITY_CUE.search(t):
            validity = parse_validity(" ".join(texts[i:i + 2]))
            if validity and validity.valid_to is None and not validity.open_ended and "år" in validity.raw:
                validity = None
            if validity:
                return validity
    for t in texts[:6]:
        validity = parse_validity(t)
        if validity and validity.raw.lower().startswith(("år", "ar")):
            return validity
    return None


def find_validity(texts: list[str], title: str | None) -> tuple[date | None, date | None, bool, list[str]]:
    """(valid_from, valid_to, open_ended, warnings) an agreement or plan states, strongest first:
    a dated validity on a line that names it, else the year in the title (with a warning);
    while that leaves no start and no open end, a validity sentence or "år 2023" replaces it."""
    v = _dated_validity(texts)
    warnings: list[str] = []
    if v is None and title:
        v = parse_validity(title)
        if v is not None and (v.valid_from or v.valid_to):
            warnings.append("validity inferred from the year in the title")
        else:
            v = None
    if v is None or not (v.valid_from or v.open_ended):
        v = _stated_validity(texts) or v
    if v is None:
        return None, None, False, warnings
    return v.valid_from, v.valid_to, v.open_ended, warnings


def _budget_years(lines: list[FlatLine]) -> tuple[date | None, date | None]:
    for line in lines[:6]:
        years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", line.text)]
        if len(years) >= 2 and years == sorted(years):
            return date(years[0], 1, 1), date(years[-1], 12, 31)
    return None, None


def _title_of(lines: list[FlatLine], title_line: FlatLine | None) -> str | None:
    if title_line is None:
        title_line = next((ln for ln in lines[:5] if len(ln.text) <= 120), lines[0] if lines else None)
        if title_line is None:
            return None
    k = lines.index(title_line)
    parts = [title_line.text]
    for nxt in lines[k + 1 : k + 4]:
        if nxt.text[:1].islower() and len(nxt.text) <= 120:
            parts.append(nxt.text)
        else:
            break
    return " ".join(parts)


# Documents a förbund issues itself: they inherit the förbund named elsewhere in the file.
_FORBUND_DOCS = {DocType.FOREDRAGNINGSLISTA, DocType.PROTOKOLL, DocType.VERKSAMHETSPLAN, DocType.BUDGET}


def _file_organisation(lines: list[FlatLine]) -> str | None:
    """The förbund the file names most often (at least twice), or None."""
    counts: dict[str, int] = {}
    for ln in lines:
        for m in _FORBUND_RE.finditer(ln.text):
            name = _forbund_name(m)
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= 2 else None


# --- agreements: validity, decision date, diarienummer, activity ------------------------

_DECISION = re.compile(r"beslut(?:sdatum|datum|at|ad)?\b\s*:?\s*(?:den\s+)?", re.I)
_DIARIENUMMER = re.compile(
    r"(?:diarienummer|diarienr|dnr|dnr\.|vår\s+beteckning|ärendenummer)\s*:?\s*"
    r"(?P<dnr>[A-Za-zÅÄÖ]{0,6}[-\s]?\d{1,4}[/:\-.]\d+(?:[ /:\-]\d+)*)",
    re.I,
)
_DATE_LABEL = re.compile(r"^\s*(?:datum|daterad|upprättad)\s*:?\s*$", re.I)
_ACTIVITY = re.compile(
    r"^\s*(?:verksamheten|verksamhet|projektet|insatsen|avser\s+verksamheten)\s+(?P<name>.+?)"
    r"(?:\s+(?:år|ar|för|for)\s+\d{4}|\s+\d{4}(?:\s*[-–]\s*\d{4})?)?\s*$",
    re.I,
)


def enrich_agreement_segment(segment: Segment, texts: list[str]) -> None:
    """Fill the agreement fields of `segment` that its text states and that are still empty:
    the decision date, diarienummer, document date and the activity the agreement concerns.
    (Validity is the segmenter's, `find_validity`.)
    """
    warnings: list[str] = []

    if segment.decision_date is None:
        for t in texts:
            m = _DECISION.search(t)
            if m and re.match(r"beslut(?:sdatum|datum)", m.group(0), re.I):
                hits = find_dates(t[m.end():])
                if hits:
                    segment.decision_date = hits[0][0]
                    break

    if segment.diarienummer is None:
        for t in texts[:40]:
            m = _DIARIENUMMER.search(t)
            if m and re.match(r"\s*(?:diarienummer|diarienr|vår|ärende)", t[m.start():], re.I) or (m and m.start() == 0):
                segment.diarienummer = " ".join(m.group("dnr").split())
                break

    if segment.document_date is None:
        for i, t in enumerate(texts[:15]):
            if _DATE_LABEL.match(t) and i + 1 < len(texts):
                hits = find_dates(" ".join(texts[i:i + 3]))
                if hits:
                    segment.document_date = hits[0][0]
                    break
            stripped = t.strip()
            hits = find_dates(stripped, compact=False)
            if hits and hits[0][1] == 0 and hits[0][2] == len(stripped):
                segment.document_date = hits[0][0]
                break

    if segment.activity is None:
        for t in texts[:8]:
            m = _ACTIVITY.match(t)
            if m and len(m.group("name").split()) <= 6:
                segment.activity = m.group("name").strip(" ,.")
                break

    if segment.valid_from and segment.valid_to and segment.valid_to < segment.valid_from:
        warnings.append("validity ends before it starts")
    segment.warnings.extend(w for w in warnings if w not in segment.warnings)
