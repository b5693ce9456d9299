"""What kind of document a stretch of text is."""

from __future__ import annotations

import re

from models import DocType
from pipeline.fuzzy import normalize_for_match
from pipeline.segment.boundaries import FlatLine, _NUMBERED_RE, _is_agenda_marker, _is_protocol_marker

# --- classification of free text ------------------------------------------------------

# A draft is titled as one: "Förslag till verksamhetsplan 2025".
_DRAFT = r"^(?:forslag (?:till|pa) )?"
_TITLE_WORDS: list[tuple[DocType, re.Pattern[str]]] = [
    (DocType.UPPDRAGSAVTAL, re.compile(_DRAFT + r"uppdragsavtal\b")),
    (DocType.OVERENSKOMMELSE, re.compile(_DRAFT + r"(?:overenskommelse|samverkansoverenskommelse|avtal om samverkan)\b")),
    (DocType.VERKSAMHETSPLAN, re.compile(_DRAFT + r"verksamhetsplan\b")),
    (DocType.BUDGET, re.compile(_DRAFT + r"budget\b")),
    (DocType.PROTOKOLL, re.compile(r"^protokoll\b")),
    (DocType.FOREDRAGNINGSLISTA, re.compile(r"^(?:foredragningslista|kallelse)\b")),
]
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


def classify_lines(lines: list[FlatLine]) -> tuple[DocType, float, FlatLine | None]:
    """(type, confidence, title line) of a stretch of text that is not a meeting document."""
    for line in lines[:25]:
        if len(line.text) > 120 or _NUMBERED_RE.match(line.text):
            continue
        for doc_type, pattern in _TITLE_WORDS:
            if pattern.match(line.norm):
                return doc_type, 0.9, line
    counts: dict[DocType, int] = {}
    for line in lines:
        for m in _SELF_REF_RE.finditer(line.norm):
            word = m.group(1)
            for prefix, t in _SELF_REF_TYPE.items():
                if word.startswith(prefix):
                    counts[t] = counts.get(t, 0) + 1
                    break
    if counts:
        best = max(counts, key=lambda t: counts[t])
        return best, 0.7, None
    return DocType.OTHER, 0.5, None


def classify_text(text: str) -> DocType:
    """The type of a text read as one document (kept for callers that have only text)."""
    lines = [
        FlatLine(1, i, t.strip(), normalize_for_match(t), None) for i, t in enumerate(text.splitlines()) if t.strip()
    ]
    if lines and _is_agenda_marker(lines[0]):
        return DocType.FOREDRAGNINGSLISTA
    for k in range(min(len(lines), 15)):
        if _is_agenda_marker(lines[k]):
            return DocType.FOREDRAGNINGSLISTA
        if _is_protocol_marker(lines, k):
            return DocType.PROTOKOLL
    return classify_lines(lines)[0]

