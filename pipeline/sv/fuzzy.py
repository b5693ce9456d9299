"""OCR-aware fuzzy lookup of names (organisations, people) with rapidfuzz.

OCR of these documents loses or confuses diacritics ("Forsékringskassan", "Umeé",
"Region Visterbotten", "6vergripande"), so names are compared after
`normalize_for_match`: casefolded, å/ä/ö/é folded to plain letters (é to "a", as OCR
most often prints é for å or ä), digits inside words read as the letters they stand
for, punctuation to spaces, spaces collapsed.

Whether one name is an OCR'd spelling of another is decided by `ocr_variant`: on the
normalised keys (spaces dropped, so split words cost nothing) an edit distance in which
the substitutions OCR makes for Swedish letters (i or d for ä, e for å ...) cost half, held
to a budget that grows with the length of the distinctive part of the name ("Norråsa" in
"Norråsa kommun"): a short name may differ by one letter, a long one by two or three. A
single global similarity score cannot do this: "Norråsa kommun" is 88 % like "Nora
kommun" because "kommun" is shared, yet "Norråsa" is not an OCR reading of "Nora".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

# OCR prints these for Swedish letters; mapped before diacritics are stripped.
_OCR_LETTERS = str.maketrans({"é": "a", "è": "a", "É": "a", "È": "a", "&": "a"})
# Digits OCR prints for letters, when they stand inside a word.
_DIGIT_AS_LETTER = {"6": "o", "0": "o", "1": "i", "5": "s", "8": "s"}
_DIGIT_IN_WORD = re.compile(r"(?<=[a-z])[01568]|[01568](?=[a-z]{2})")
_NON_WORD = re.compile(r"[^\w]+")


class _CombiningMarks(dict):
    """str.translate table deleting combining marks (accents after NFKD), filled as
    characters are first seen: a C-level lookup per character instead of a Python call."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_STRIP_MARKS = _CombiningMarks()


@lru_cache(maxsize=16384)
def normalize_for_match(text: str) -> str:
    """A comparison key for a name: "Försäkringskassan" and "Forsékringskassan" agree.

    Cached: extractors and the gazetteer key the same names over and over."""
    if not text:
        return ""
    s = text.translate(_OCR_LETTERS).casefold()
    s = unicodedata.normalize("NFKD", s).translate(_STRIP_MARKS)
    s = _DIGIT_IN_WORD.sub(lambda m: _DIGIT_AS_LETTER[m.group(0)], s)
    s = _NON_WORD.sub(" ", s)
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


# Substitutions OCR makes for the Swedish letters once they are folded (ä read as "i" in
# "Visterbotten", "Vinnis"; as "d" in "Forsdkringskassan"; å as "d" in "Umed"): half an edit.
_OCR_SUBSTITUTIONS = {frozenset(p) for p in ("ai", "ad", "ae", "od", "oe", "oa")}
# Words every name of a kind shares; they say nothing about which one is meant.
GENERIC_NAME_WORDS = frozenset({
    "kommun", "kommuner", "stad", "region", "regionen", "lan", "landsting", "landstinget",
    "samordningsforbundet", "samordningsforbund", "finsam", "i", "och", "for",
})


def name_core(key: str, generic: frozenset[str] = GENERIC_NAME_WORDS) -> str:
    """The distinctive letters of a normalised name: "norrasa kommun" -> "norrasa"."""
    words = [w for w in key.split() if w not in generic]
    return "".join(words) if words else key.replace(" ", "")


def ocr_budget(core_length: int) -> float:
    """How many edits an OCR'd spelling of a name with a core this long may carry."""
    if core_length <= 3:
        return 0.0
    if core_length <= 7:
        return 1.0
    if core_length <= 13:
        return 2.0
    return 3.0


def ocr_cost(a: str, b: str) -> float:
    """Edit cost between two normalised keys, spaces ignored, OCR substitutions at half."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    cost = 0.0
    for op in Levenshtein.editops(a, b):
        if op.tag == "replace" and frozenset((a[op.src_pos], b[op.dest_pos])) in _OCR_SUBSTITUTIONS:
            cost += 0.5
        else:
            cost += 1.0
    return cost


def ocr_variants(key: str, keys: list[str], spaceless: list[str] | None = None) -> list[tuple[int, float]]:
    """(index into `keys`, cost) of the keys that normalised `key` may be an OCR'd spelling of.

    Both sides are `normalize_for_match` keys. The cost must stay within the budget of the
    shorter of the two name cores. Only the cheapest are returned (more than one on a
    tie: the caller decides whether they name the same thing). `spaceless` is `keys` with
    the spaces removed (pass it when calling often with the same keys).
    """
    if not key:
        return []
    q = key.replace(" ", "")
    core = name_core(key)
    upper = ocr_budget(len(core))
    if upper <= 0:
        return []
    if spaceless is None:
        spaceless = [k.replace(" ", "") for k in keys]
    # Every edit costs at least half, so the unit-cost distance is at most twice the budget.
    hits = process.extract(q, spaceless, scorer=Levenshtein.distance, score_cutoff=int(2 * upper), limit=20)
    found: list[tuple[int, float]] = []
    for _, _, index in hits:
        cost = ocr_cost(q, spaceless[index])
        if cost <= ocr_budget(min(len(core), len(name_core(keys[index])))):
            found.append((index, cost))
    if not found:
        return []
    least = min(c for _, c in found)
    return [(i, c) for i, c in found if c == least]
