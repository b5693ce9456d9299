"""A page-level score of how much a text layer looks like real Swedish text.

Used to decide, per page, whether to trust a PDF's text layer or OCR the page:
scans often carry no layer, or a garbage one ("(cid:12)", private-use glyphs,
letters without vowels).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]{2,}")
_VOWELS = set("aeiouyåäöéüAEIOUYÅÄÖÉÜ")
_OK_CHARS = re.compile(r"[\wÅÄÖåäö\s.,;:!?()\[\]{}§%&/\-–—+*=\"'’”“«»<>@#$€£…•·|\\_]")


def text_quality(text: str) -> float:
    """0..1: share of plausible characters times share of word-like tokens."""
    stripped = text.strip()
    if not stripped:
        return 0.0
    if "(cid:" in stripped:
        return 0.0
    chars = [c for c in stripped if not c.isspace()]
    if not chars:
        return 0.0
    plausible = sum(1 for c in chars if _OK_CHARS.match(c)) / len(chars)
    tokens = stripped.split()
    words = [t for t in tokens if _WORD.search(t)]
    if not tokens:
        return 0.0
    wordish = sum(1 for t in words if any(c in _VOWELS for c in t)) / len(tokens)
    # Numbers-only pages (a budget table) are fine: digits count as word-like there.
    numeric = sum(1 for t in tokens if re.fullmatch(r"[-−–]?[\d\s.,%]+", t)) / len(tokens)
    return round(plausible * min(1.0, wordish + numeric), 3)


def char_error_rate(hypothesis: str, reference: str) -> float:
    """Levenshtein distance / reference length, on whitespace-collapsed text."""
    from rapidfuzz.distance import Levenshtein

    hyp = " ".join(hypothesis.split())
    ref = " ".join(reference.split())
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(hyp, ref) / len(ref)
