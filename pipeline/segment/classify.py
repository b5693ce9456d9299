"""What kind of document a stretch of text is, from evidence over the whole stretch.

Evidence of two strengths, each kept as a short reason on the Segment:

* a **title** in the head: the type's word as the first word of one of the first lines
  ("UPPDRAGSAVTAL", "Överenskommelse om ..."), also behind a page number, a running
  head or an all-capitals masthead ("1 RONNEBY KOMMUN SAMMANTRÄDESPROTOKOLL 1 (29)"),
  letter-spaced ("K U N G Ö R E L S E") or as a variant of the type ("Protokollsutdrag",
  "Utdrag ur protokoll", "Dagordning", "Förbundsordning", "Detaljbudget"). A title
  decides, since a document says what it is there;
* **structure** anywhere in the stretch, counted when no title decides: § headings and
  the labels of minutes (Beslutande, Närvarande, Justerare, Utdragsbestyrkande,
  "Protokollet är justerat"), a numbered agenda (Val av justerare, Fastställande av
  dagordning, "Förslag till beslut"), the parts of an agreement (Parter, Uppdragsgivare,
  Insatsägare, Avtalstid, Underskrifter), budget tables (tkr, Intäkter, Kostnader, year
  columns), a plan's chapters (Mål, Prioriterade insatser, Uppföljning).

A förbundsordning is the members' agreement (`overenskommelse`); an årsredovisning, a
verksamhetsberättelse or an ägardirektiv is `other`, whatever tables it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models import DocType
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.segment.boundaries import FlatLine, _NUMBERED_RE
from pipeline.config import EXTRACTION


@dataclass
class Classification:
    doc_type: DocType
    confidence: float
    title_line: FlatLine | None = None
    evidence: list[str] = field(default_factory=list)


# --- titles ---------------------------------------------------------------------------

# A draft is titled as one: "Förslag till verksamhetsplan 2025". Patterns run on
# normalize_for_match text (lower case, å/ä/ö folded).
_DRAFT = r"(?:(?:forslag|utkast) (?:till |pa |)|utkast |reviderad |)"
_TITLE_WORDS: list[tuple[DocType, re.Pattern[str]]] = [
    (DocType.UPPDRAGSAVTAL, re.compile(_DRAFT + r"(?:uppdragsavtal|uppdragsbeskrivning|uppdragsoverenskommelse)\b")),
    (DocType.OVERENSKOMMELSE, re.compile(
        _DRAFT + r"(?:\w{0,12}overenskommelse|samverkansavtal|avtal om samverkan|samarbetsavtal|"
        r"avsiktsforklaring|forbundsordning|reglemente for samverkan|konsortialavtal)\b")),
    (DocType.VERKSAMHETSPLAN, re.compile(_DRAFT + r"(?:verksamhetsplan|verksamhetsinriktning)\b")),
    (DocType.BUDGET, re.compile(_DRAFT + r"(?:budget|detaljbudget|budgetforslag|internbudget|mal och budget|"
                                r"flerarsplan|ekonomisk plan)\b")),
    (DocType.PROTOKOLL, re.compile(
        r"(?:sammantradesprotokoll|motesprotokoll|protokollsutdrag|beslutsprotokoll|protokoll|"
        r"utdrag ur (?:\w+ )?protokoll|justerat protokoll|minnesanteckningar|motesanteckningar)\b")),
    (DocType.FOREDRAGNINGSLISTA, re.compile(
        r"(?:foredragningslista|kallelse|dagordning|kungorelse|underrattelse|arendelista|"
        r"forslag till dagordning)\b")),
    # Documents of their own kind that finsam has no type for: never a plan or a budget.
    (DocType.OTHER, re.compile(
        r"(?:arsredovisning|verksamhetsberattelse|arsberattelse|delarsrapport|delarsbokslut|"
        r"agardirektiv|revisionsberattelse|granskningsrapport|revisionsrapport|tjansteskrivelse|"
        r"tjansteutlatande|missiv)\b")),
]
# Running heads and mastheads a title may stand behind: page numbers ("1", "1 (29)",
# "Sida 2 (6)", "2(36)"), all-capitals words ("RONNEBY KOMMUN").
_PAGE_NO_RE = re.compile(r"^(?:sida\s+)?\d{1,3}(?:\s*\(\s*\d{1,3}\s*\))?(?:\s*/\s*\d{1,3})?\s+")
_LETTER_SPACED_RE = re.compile(r"\b(?:[A-ZÅÄÖ] ){3,}[A-ZÅÄÖ]\b")


def _unspace_letters(text: str) -> str:
    """"K U N G Ö R E L S E" -> "KUNGÖRELSE"."""
    return _LETTER_SPACED_RE.sub(lambda m: m.group(0).replace(" ", ""), text)


def _title_starts(text: str) -> list[str]:
    """The places a title may start in a head line: the line itself, behind a page
    number, and behind up to five all-capitals words of a masthead."""
    text = _unspace_letters(text.strip())
    starts = [text]
    m = _PAGE_NO_RE.match(text)
    if m:
        text = text[m.end():]
        starts.append(text)
    words = text.split()
    for k in range(1, min(EXTRACTION.masthead_words, len(words) - 1) + 1):
        if not all(w.isupper() and any(c.isalpha() for c in w) for w in words[:k]):
            break
        starts.append(" ".join(words[k:]))
    return starts


def title_type(line: FlatLine) -> DocType | None:
    """The type a head line names as its title, if it names one."""
    if _NUMBERED_RE.match(line.text) and not _PAGE_NO_RE.match(line.text):
        return None  # "3. Budget" is a chapter, not a title
    for start in _title_starts(line.text):
        norm = normalize_for_match(start)
        for doc_type, pattern in _TITLE_WORDS:
            if pattern.match(norm):
                return doc_type
    return None


# --- structure --------------------------------------------------------------------------

# (type, weight, pattern, reason). Patterns run on the stretch's text folded to lower
# case with å/ä -> a, ö -> o (punctuation kept: "§", "Beslut:"), lines joined by spaces.
_STRUCTURE: list[tuple[DocType, int, re.Pattern[str], str]] = [
    (DocType.PROTOKOLL, 3, re.compile(r"\bbeslutande(?:\s+ledamoter|\s+kommunrepresentanter)?\b"), "Beslutande"),
    (DocType.PROTOKOLL, 2, re.compile(r"\bnarvarande(?:\s+ledamoter)?\b"), "Närvarande"),
    (DocType.PROTOKOLL, 2, re.compile(r"\btjanstgorande\s+ersattare\b"), "tjänstgörande ersättare"),
    # "Val av justerare" is an agenda item (of agendas and minutes alike), not a justering.
    (DocType.PROTOKOLL, 2, re.compile(r"\b(?<!val av )(?:justerare|justerande|justeringens\s+plats)\b|"
                                      r"\b(?:utses|utsags|valdes|valjs)\s+att\s+(?:jamte\s+\w+\s+)?justera\b"), "justering"),
    (DocType.PROTOKOLL, 3, re.compile(r"\b(?:utdragsbestyrkande|protokollet\s+ar\s+justerat|anslag\s*/\s*bevis)\b"), "anslag/justerat"),
    (DocType.PROTOKOLL, 2, re.compile(r"\bparagrafer\b|\bprotokollet\s+innehaller\b"), "Paragrafer"),
    (DocType.PROTOKOLL, 2, re.compile(r"(?:^|\s)[§$]\s*\d{1,3}\b.{1,2000}?(?:^|\s)[§$]\s*\d{1,3}\b", re.S), "§ headings"),
    (DocType.PROTOKOLL, 2, re.compile(r"\bbeslut\s*:"), "Beslut:"),
    (DocType.PROTOKOLL, 1, re.compile(r"\bsammantrades\s?datum\b"), "Sammanträdesdatum"),
    (DocType.FOREDRAGNINGSLISTA, 2, re.compile(r"\bforslag\s+till\s+beslut\b"), "Förslag till beslut"),
    (DocType.FOREDRAGNINGSLISTA, 2, re.compile(r"\b(?:val\s+av\s+(?:protokoll)?justera\w*|upprop)\b"), "Val av justerare"),
    (DocType.FOREDRAGNINGSLISTA, 2, re.compile(r"\bfaststallande\s+av\s+(?:dagordning|foredragningslista)\w*"), "Fastställande av dagordning"),
    (DocType.FOREDRAGNINGSLISTA, 2, re.compile(r"\b(?:arenden|sammantrader)\b"), "Ärenden / sammanträder"),
    (DocType.FOREDRAGNINGSLISTA, 1, re.compile(r"\bplats\s+och\s+tid\b|\bklockan\b|\bkl\s+\d"), "Plats och tid"),
    (DocType.UPPDRAGSAVTAL, 3, re.compile(r"\b(?:uppdragsgivar|uppdragstagar|insatsagar|utforar|bestallar)(?:e|en|na)\b"),
     "Uppdragsgivare / Beställare"),
    (DocType.UPPDRAGSAVTAL, 1, re.compile(r"\b(?:uppdraget|insats\w*|samverkansmedel)\b"), "uppdraget/insatsen"),
    (DocType.OVERENSKOMMELSE, 2, re.compile(r"\bparter(?:na)?\b"), "Parter"),
    (DocType.OVERENSKOMMELSE, 2, re.compile(r"\b(?:forbundsmedlemmar|medlemmar\s+i\s+(?:kommunal)?forbundet|har\s+kommit\s+overens)\b"), "medlemmar / överens"),
    (DocType.OVERENSKOMMELSE, 1, re.compile(r"\b(?:avtalstid|avtalsperiod|underskrifter|uppsagning)\b"), "Avtalstid"),
    (DocType.BUDGET, 2, re.compile(r"\b(?:tkr|mnkr|tusental\s+kronor|belopp\s+i)\b"), "tkr"),
    (DocType.BUDGET, 1, re.compile(r"\b(?:intakter|kostnader|medlemsavgift\w*|medlemsbidrag|resultat)\b"), "Intäkter/Kostnader"),
    (DocType.VERKSAMHETSPLAN, 2, re.compile(r"\bprioriterade\s+(?:insatser|omraden|mal)\b"), "prioriterade insatser"),
    (DocType.VERKSAMHETSPLAN, 1, re.compile(r"\b(?:mal|malgrupp|uppfoljning|insatser|verksamhetsstruktur)\b"), "Mål/Insatser"),
    (DocType.VERKSAMHETSPLAN, 1, re.compile(r"\b(?:ekonomisk\s+sammanstallning|styrning(?:\s+och|,)\s+ledning|handlingsplan)\b"), "plan chapters"),
]


def fold(text: str) -> str:
    """Lower case, å/ä -> a, ö -> o, é -> e; punctuation kept."""
    return text.lower().translate(_FOLD)


_FOLD = str.maketrans("åäöéü", "aaoeu")
_AGREEMENT_TITLE_RE = re.compile(r"^(?:\d{1,3} )?avtal(?: (?:avseende|om|for|mellan)\b.*)?$")
_CAPS_WORD_RE = re.compile(r"\b[A-ZÅÄÖ]{6,}\b")
_ATTENDANCE_CUES = {"Beslutande", "Närvarande", "tjänstgörande ersättare"}  # below this, structure is too thin to name a type


def _structure_scores(text: str) -> dict[DocType, tuple[int, list[str]]]:
    scores: dict[DocType, tuple[int, list[str]]] = {}
    for doc_type, weight, pattern, reason in _STRUCTURE:
        if pattern.search(text):
            total, reasons = scores.get(doc_type, (0, []))
            scores[doc_type] = (total + weight, reasons + [reason])
    return scores


_SELF_REF_RE = re.compile(
    r"\b(?:denna|detta|den har|det har|foreliggande)(?: \w+){0,2}? "
    r"(uppdragsavtal\w*|overenskommelse\w*|verksamhetsplan\w*|avtal\w*)"
)
_SELF_REF_TYPE = {
    "uppdragsavtal": DocType.UPPDRAGSAVTAL,
    "overenskommelse": DocType.OVERENSKOMMELSE,
    "verksamhetsplan": DocType.VERKSAMHETSPLAN,
    "avtal": DocType.UPPDRAGSAVTAL,
}


def classify_lines(lines: list[FlatLine]) -> Classification:
    """The type of a stretch of text that no meeting title cut out."""
    # 1. A title decides: the first head line that names a type.
    for line in lines[:EXTRACTION.title_head_lines]:
        doc_type = title_type(line)
        if doc_type is not None:
            return Classification(doc_type, 0.9, line, [f"title: {line.text[:60]}"])
        if _AGREEMENT_TITLE_RE.match(line.norm):
            # "AVTAL", "Avtal avseende ...": an agreement; its parts tell which kind.
            scores = _structure_scores(fold(" ".join(ln.text for ln in lines))[:EXTRACTION.structure_chars])
            commission = scores.get(DocType.UPPDRAGSAVTAL, (0, []))[0]
            collaboration = scores.get(DocType.OVERENSKOMMELSE, (0, []))[0]
            doc_type = DocType.UPPDRAGSAVTAL if commission >= collaboration else DocType.OVERENSKOMMELSE
            return Classification(doc_type, 0.8, line, [f"title: {line.text[:60]}",
                                                        f"structure: uppdrag {commission} vs samverkan {collaboration}"])
    for line in lines[EXTRACTION.title_head_lines:25]:
        # Further down, only a line that is itself a title (the seeds' cover pages).
        if len(line.text) <= 120 and not _NUMBERED_RE.match(line.text):
            for doc_type, pattern in _TITLE_WORDS:
                if pattern.match(line.norm) and doc_type != DocType.OTHER:
                    return Classification(doc_type, 0.85, line, [f"title: {line.text[:60]}"])
    # A report of its own kind named in capitals in the head ("ÅRSREDOVISNING med
    # tillhörande VERKSAMHETSBERÄTTELSE 2010"): not a plan, whatever it holds.
    for line in lines[:3]:
        for word in _CAPS_WORD_RE.findall(line.text):
            if _TITLE_WORDS[-1][1].match(normalize_for_match(word)):
                return Classification(DocType.OTHER, 0.8, line, [f"title in capitals: {word}"])
    # 2. Structure over the whole stretch.
    scores = _structure_scores(fold(" ".join(ln.text for ln in lines))[:EXTRACTION.structure_chars])
    if scores:
        ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
        best, (score, reasons) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0
        top_two = {t for t, _ in ranked[:2]}
        if score == runner_up and top_two == {DocType.PROTOKOLL, DocType.FOREDRAGNINGSLISTA} \
                and _ATTENDANCE_CUES & set(scores[DocType.PROTOKOLL][1]):
            # Minutes list the same items an agenda does; an attendance list is theirs alone.
            best, (score, reasons) = DocType.PROTOKOLL, scores[DocType.PROTOKOLL]
            runner_up = score - 1
        if score >= EXTRACTION.min_structure_score and score > runner_up:
            confidence = round(min(0.85, 0.5 + 0.05 * (score - runner_up)), 2)
            return Classification(best, confidence, None, [f"structure: {', '.join(reasons)} ({score} vs {runner_up})"])
    # 3. How the text refers to itself: "denna överenskommelse".
    counts: dict[DocType, int] = {}
    for line in lines:
        for m in _SELF_REF_RE.finditer(line.norm):
            for prefix, t in _SELF_REF_TYPE.items():
                if m.group(1).startswith(prefix):
                    counts[t] = counts.get(t, 0) + 1
                    break
    if counts:
        best = max(counts, key=lambda t: counts[t])
        return Classification(best, 0.7, None, [f"refers to itself as {best.value} ({counts[best]}x)"])
    return Classification(DocType.OTHER, 0.5, None, ["no title or structure of a known type"])
