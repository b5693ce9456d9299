"""Shared pieces of the agenda and minutes parsers: titles, kinds, attachments, people.

Not an extractor module (the leading underscore keeps `load_all` from importing it as one).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from models import DocType, DocumentText
from pipeline.sv.chars import DASH, DASH_MEMBERS, DASHES
from pipeline.sv.fuzzy import best_match, normalize_for_match
from pipeline.sv.nlp import entities

# Item kinds as printed at the end of a title ("– Beslut", "— information/diskussion").
_KINDS = [
    ("Information/diskussion", r"information\s*(?:/|och|&)\s*diskussion"),
    ("Beslut", r"beslut"),
    ("Information", r"information"),
    ("Diskussion", r"diskussion"),
    ("other", r"avst[aä]mning|rapport|f[oö]r k[aä]nnedom|val|dialog"),
]
# White space is bounded ({0,8}): an unbounded \s* before the dash makes a search over a
# long run of spaces quadratic.
_KIND_TAIL_RE = re.compile(
    rf"[ \t]{{0,8}}[{DASH_MEMBERS}:]{{1,3}}[ \t]{{0,8}}(?P<kind>{'|'.join(f'(?:{p})' for _, p in _KINDS)})[ \t]{{0,8}}[.]?\s*$", re.I
)
_KIND_ONLY_RE = re.compile(rf"^\s*(?:{DASH}\s*)?(?P<kind>{'|'.join(f'(?:{p})' for _, p in _KINDS[:4])})\s*$", re.I)
_ATTACH_RE = re.compile(
    rf"\(?\s{{0,3}}\b(?:bilag(?:a|or|e)|bil\.)\s{{0,3}}(?P<nums>\d{{1,2}}(?:\s{{0,3}}(?:[{DASH_MEMBERS},]|och|&)\s{{0,3}}\d{{1,2}})*)\s{{0,3}}\)?", re.I
)


def kind_of(text: str) -> str:
    for name, pattern in _KINDS:
        if re.fullmatch(pattern, text.strip(), re.I):
            return name
    return "other"


def split_kind(title: str) -> tuple[str, str | None]:
    """("Verksamhetsplan och budget", "Beslut") from "Verksamhetsplan och budget — Beslut"."""
    m = _KIND_TAIL_RE.search(title)
    if not m:
        return title.strip(), None
    return title[: m.start()].strip(" " + DASHES), kind_of(m.group("kind"))


def is_kind_only(line: str) -> bool:
    return bool(_KIND_ONLY_RE.match(line))


def attachments_in(text: str) -> list[int]:
    """Appendix numbers: "Bilaga 1-6" -> [1..6], "(bilaga 4 - 5)" -> [4, 5], "bilagor 2, 3 och 5"."""
    out: list[int] = []
    for m in _ATTACH_RE.finditer(text):
        parts = re.split(r"\s*(?:,|och|&)\s*", m.group("nums"))
        for part in parts:
            r = re.match(rf"(\d+)\s*{DASH}\s*(\d+)", part)
            if r:
                a, b = int(r.group(1)), int(r.group(2))
                nums = list(range(a, b + 1)) if a <= b and b - a <= 30 else [a, b]
            else:
                nums = [int(x) for x in re.findall(r"\d+", part)]
            for n in nums:
                if n not in out:
                    out.append(n)
    return out


def strip_attachments(title: str) -> str:
    return re.sub(r"\s{2,}", " ", _ATTACH_RE.sub(" ", title)).strip(" " + DASHES)


def clean_title(title: str) -> tuple[str, str | None, list[int]]:
    """(title, kind, attachments) of an item or § heading as printed."""
    attachments = attachments_in(title)
    bare = strip_attachments(title)
    bare, kind = split_kind(bare)
    bare = strip_attachments(bare)
    return bare.strip(" " + DASHES), kind, attachments


def join_lines(parts: list[str]) -> str:
    """Lines of running text joined, hyphenation at line ends undone."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if out.endswith("-") and p[:1].islower() and len(out) > 1 and out[-2].isalpha():
            out = out[:-1] + p
        else:
            out = f"{out} {p}" if out else p
    return out


# --- people -----------------------------------------------------------------------------

_PRESENTER_RE = re.compile(
    r"\b(?:f[oöé]redra\w*|inleder|presenterar|redovisar|informerar|rapporterar|"
    r"ger en (?:kort )?(?:sammanfattning|l[aä]gesrapport|rapport|information|bakgrund))\b",
    re.I,
)
_FIRST_NAME_VERB_RE = re.compile(
    r"(?:^|[.!?]\s+)([A-ZÅÄÖ][a-zåäöé]+)\s+(?:f[oöé]redra\w*|inleder|presenterar|redovisar|informerar|ger)\b"
)


def _quality(name: str) -> tuple[int, int]:
    """Prefer spellings with Swedish letters and without OCR marks ("é" for "å")."""
    swedish = sum(name.count(c) for c in "åäöÅÄÖ")
    damage = sum(name.count(c) for c in "é&0123456789$§")
    return (swedish - 2 * damage, -damage)


class PersonIndex:
    """The persons named in a document, for resolving OCR-damaged spellings."""

    def __init__(self, names: list[str]) -> None:
        self.counts = Counter(n for n in names if n)

    def canonical(self, name: str) -> str | None:
        """The best-attested spelling of `name` among the persons of the document."""
        if not name:
            return None
        variants = [v for v in self.counts if best_match(name, [v], score_cutoff=85) is not None]
        if not variants:
            return name
        return max(variants, key=lambda v: (self.counts[v] + (1 if v == name else 0), _quality(v)))

    def by_first_name(self, first: str) -> str | None:
        """The one full name of the document that starts with this first name, if unique."""
        key = normalize_for_match(first)
        hits = {self.canonical(n) for n in self.counts if normalize_for_match(n.split()[0]) == key}
        return hits.pop() if len(hits) == 1 else None


_MEETING_TYPES = (DocType.FOREDRAGNINGSLISTA, DocType.PROTOKOLL)


def build_person_index(doc: DocumentText, segments) -> PersonIndex:
    """Persons named in the meeting documents among `segments` (agendas, minutes)."""
    from pipeline.text.textview import segment_lines

    names: list[str] = []
    for seg in segments:
        if seg.doc_type not in _MEETING_TYPES:
            continue
        for ref in segment_lines(doc, seg):
            if any(c.isupper() for c in ref.text[1:]):
                names += [e.text for e in entities(ref.text) if e.label == "PER"]
    return PersonIndex(names)


def presenters_in(text: str, index: PersonIndex | None = None) -> list[str]:
    """Who presents an item: "Mikael Holmlund föredrar", "X och Y föredragande"."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if not _PRESENTER_RE.search(sentence):
            continue
        for e in entities(sentence):
            if e.label == "PER" and e.text not in out:
                out.append(e.text)
        m = _FIRST_NAME_VERB_RE.search(" " + sentence if not sentence[:1].isupper() else sentence)
        if m and index is not None and not any(p.split()[0] == m.group(1) for p in out):
            full = index.by_first_name(m.group(1))
            if full and full not in out:
                out.append(full)
    return out


def meeting_date_near(lines: list[str]) -> date | None:
    from pipeline.sv.dates import find_dates

    for text in lines:
        hits = find_dates(text)
        if hits:
            return hits[0][0]
    return None
