"""Who is who, once: when two names written in documents are the same organisation or person.

Organisations: the gazetteer's identity first (`org_identity`: "Lidköpings kommun" and
"Linköpings kommun" are two kommuner however alike they are spelled, and so are the förbund
named after them); only where the gazetteer does not know a name, a comparison key
(`org_key`: casefolded, OCR-folded, without the words that vary between mentions) and
rapidfuzz. Persons: the same, by name. Extractors, resolution across documents
(pipeline/reconcile/resolve.py) and the reconciliation rules all ask here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from pipeline.config import IDENTITY
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.gazetteer import OrgMatch, resolve_organisation

# --- organisations ----------------------------------------------------------------------

_ORG_ALIASES = {
    "fk": "forsakringskassan",
    "af": "arbetsformedlingen",
    "ams": "arbetsformedlingen",
    "ama": "ama",
}
_ORG_DROP = {"kommun", "kommuns", "kommunen", "lans", "lan", "och", "samt", "the"}


def org_key(name: str | None) -> str:
    """A comparison key for an organisation name: casefolded, OCR-folded, without the
    words that vary between mentions ("Umeå kommun" = "Umeå" = "Umea kommun")."""
    s = normalize_for_match(name or "")
    s = re.sub(r"\bregion(en)?\b", "region", s)
    s = re.sub(r"\blandsting(et)?\b", "region", s)
    words = [w for w in s.split() if w not in _ORG_DROP]
    # "Vindelns" / "Nordmalings" (genitive in "Vindelns kommun") -> "vindeln" / "nordmaling"
    words = [w[:-1] if len(w) > 5 and w.endswith("s") and w not in {"forsakringskassans"} and not w.endswith("ss") else w
             for w in words]
    words = [_ORG_ALIASES.get(w, w) for w in words]
    key = " ".join(words)
    # "Arbetsförmedlingen Stockholm Nordväst" is Arbetsförmedlingen; "Kriminalvården/Frivården" is Kriminalvården
    for agency in ("arbetsformedlingen", "forsakringskassan", "kriminalvarden"):
        if key.startswith(agency):
            return agency
    if key.startswith("samordningsforbund"):
        return "samordningsforbund " + " ".join(key.split()[1:])
    return key


@lru_cache(maxsize=4096)
def org_identity(name: str | None) -> str | None:
    """The gazetteer's canonical name when `name` is a known organisation (or a body of one:
    "Arboga kommuns kommunstyrelse" is Arboga kommun), else None. Two known names are the
    same organisation only when this agrees: "Lidköpings kommun" and "Linköpings kommun"
    are 88 % alike as strings but two kommuner."""
    match = resolve_organisation(name or "")
    if match is None:
        return None
    return match.canonical_name if match.known else _forbund_of_a_kommun(match)


_FORBUND = "Samordningsförbundet "


def _forbund_of_a_kommun(match: OrgMatch) -> str | None:
    """A samordningsförbund the gazetteer does not list but named after one known kommun
    ("Samordningsförbundet Lidköping", OCR'd "... Lidkoplng"): the förbund of that kommun,
    so that "Samordningsförbundet Linköping", spelled alike, stays another förbund."""
    if match.party_type != "samordningsförbund" or not match.canonical_name.startswith(_FORBUND):
        return None
    kommun = resolve_organisation(f"{match.canonical_name[len(_FORBUND):]} kommun")
    if kommun is None or not kommun.known or kommun.department:
        return None
    return f"{_FORBUND}({kommun.canonical_name})"


def same_org(a: str | None, b: str | None) -> bool:
    ia, ib = org_identity(a), org_identity(b)
    if ia and ib:
        return ia == ib
    ka, kb = org_key(a), org_key(b)
    if not ka or not kb:
        return False
    return ka == kb or fuzz.token_sort_ratio(ka, kb) >= IDENTITY.org_match_cutoff


# --- persons ------------------------------------------------------------------------------


def person_key(name: str | None) -> str:
    return normalize_for_match(re.sub(r"\[|\]|\(#\)", " ", name or ""))


def same_person(a: str | None, b: str | None, cutoff: float | None = None) -> bool:
    """Two written names of one person (OCR variants allowed). `cutoff` defaults to
    IDENTITY.person_match_cutoff; within one list a stricter one keeps namesakes apart."""
    ka, kb = person_key(a), person_key(b)
    if not ka or not kb:
        return False
    limit = IDENTITY.person_match_cutoff if cutoff is None else cutoff
    return ka == kb or fuzz.token_sort_ratio(ka, kb) >= limit


def has_name(person_name: str | None) -> bool:
    """A signature line with letters in it (not only dots, dashes or blanks)."""
    return bool(re.search(r"[A-Za-zÅÄÖåäöéü]{2,}", person_name or ""))
