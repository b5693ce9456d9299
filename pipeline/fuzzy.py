"""OCR-aware fuzzy lookup of names (organisations, people) with rapidfuzz.

OCR of these documents loses or confuses diacritics ("Forsékringskassan", "Umeé",
"Region Visterbotten", "6vergripande"), so names are compared after
`normalize_for_match`: casefolded, å/ä/ö/é folded to plain letters (é to "a", as OCR
most often prints é for å or ä), digits inside words read as the letters they stand
for, punctuation to spaces, spaces collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from rapidfuzz import fuzz, process

# OCR prints these for Swedish letters; mapped before diacritics are stripped.
_OCR_LETTERS = str.maketrans({"é": "a", "è": "a", "É": "a", "È": "a", "&": "a"})
# Digits OCR prints for letters, when they stand inside a word.
_DIGIT_AS_LETTER = {"6": "o", "0": "o", "1": "i", "5": "s", "8": "s"}
_DIGIT_IN_WORD = re.compile(r"(?<=[a-z])[01568]|[01568](?=[a-z]{2})")


def normalize_for_match(text: str) -> str:
    """A comparison key for a name: "Försäkringskassan" and "Forsékringskassan" agree."""
    if not text:
        return ""
    s = text.translate(_OCR_LETTERS).casefold()
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _DIGIT_IN_WORD.sub(lambda m: _DIGIT_AS_LETTER[m.group(0)], s)
    s = re.sub(r"[^\w]+", " ", s)
    s = s.replace("_", " ")
    return " ".join(s.split())


Scorer = Callable[..., float]


def best_match(
    query: str,
    choices: Iterable[str],
    score_cutoff: float = 85.0,
    scorer: Scorer = fuzz.ratio,
) -> tuple[str, float] | None:
    """The choice closest to `query` after normalisation, with its score (0-100), or None.

    Returns the choice as given (not normalised). `scorer` is a rapidfuzz scorer:
    `fuzz.ratio` (default, whole string), `fuzz.token_sort_ratio` for names whose word
    order varies.
    """
    q = normalize_for_match(query)
    if not q:
        return None
    originals = list(choices)
    keys = [normalize_for_match(c) for c in originals]
    hit = process.extractOne(q, keys, scorer=scorer, score_cutoff=score_cutoff)
    if hit is None:
        return None
    _, score, index = hit
    return originals[index], float(score)
