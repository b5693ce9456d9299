"""The organisations of the Finsam field, and resolving names as documents print them.

pipeline/data/organisations.json holds the 290 kommuner (by län, with their official
names: the genitive is irregular, "Falu kommun", "Laxå kommun", so it is stored, not
derived), the 21 regions also under their former landsting names, the state agencies and
national bodies of the field (Sveriges Kommuner och Regioner/Landsting, staten), regional
kommunalförbund and the samordningsförbund known so far; its `_sources` say where the lists
come from and when. It holds no organisationsnummer: a party's number only ever comes from a
document. A nämnd or utskott is a body of its organisation ("Arboga kommuns
kommunstyrelse", "Miljönämnden, Vännäs kommun", "Socialnämnden i Umeå kommun"): the
organisation resolves, the body is its department.

Identity: names are compared with å/ä/ö kept first ("Håbo" and "Habo", "Torsås" and
"Orsa" are different kommuner), folded only where no two organisations then collide.

`resolve_organisation(name)` turns a name as written ("Forsékringskassan", "Umeé
kommun", "Region Visterbotten", "Umeå", "AF", "AMA i Jönköpings kommun",
"Arbetsförmedlingen Stockholm Nordväst") into an `OrgMatch`: canonical name, party
type, score, and the department part of the name when there is one.

A name resolves to a known organisation only when it is that organisation's name or an
OCR'd spelling of it (`pipeline.sv.fuzzy.ocr_variants`: folded letters, a letter lost or
doubled, words split, within a budget set by the length of the distinctive part).
"Norråsa kommun" is not "Nora kommun". An unknown kommun, region or samordningsförbund
("Norråsa kommun", "Region Västmark", "Samordningsförbundet Norrådalen"), and likewise a
kommunalförbund ("X räddningstjänstförbund", "Kommunalförbundet X") or a city ("X stad"),
resolves to itself: its name as written is its canonical name, with the party type its
name states, a score of 70, and nothing else (no county).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz

from pipeline.sv.fuzzy import normalize_for_match, ocr_variants

PARTY_TYPES = ("kommun", "region", "statlig myndighet", "samordningsförbund", "other")


@dataclass(frozen=True)
class Organisation:
    canonical_name: str
    party_type: str
    county: str | None = None


@dataclass(frozen=True)
class OrgMatch:
    canonical_name: str
    party_type: str  # kommun | region | statlig myndighet | samordningsförbund | other
    score: float  # 0-100; 100 = exact after normalisation
    department: str | None = None  # "AMA" of "AMA i Jönköpings kommun", "Stockholm Nordväst"
    matched: str = ""  # the alias that matched
    known: bool = True  # False: a kommun/region/förbund not in the list, its name as written kept


def kommun_canonical_name(base: str, overrides: dict[str, str] | None = None) -> str:
    """The regular genitive: "Umeå" -> "Umeå kommun", "Vindeln" -> "Vindelns kommun", "Vännäs" ->
    "Vännäs kommun". Official names do not all follow it ("Falu kommun"): they come from
    organisations.json; this only adds the forms documents print besides them."""
    if overrides and base in overrides:
        return overrides[base]
    last = base[-1].lower()
    if last in "aeiouyåäöé" or last in "sxz":
        return f"{base} kommun"
    return f"{base}s kommun"


class Gazetteer:
    """Lookup tables built from organisations.json."""

    def __init__(self, data: dict) -> None:
        self.organisations: dict[str, Organisation] = {}
        # normalised alias -> canonical name. Full aliases may be followed by a department
        # ("Arbetsförmedlingen Stockholm Nordväst"); short ones ("Umeå", "AF") must stand alone.
        self.full_aliases: dict[str, str] = {}
        self.short_aliases: dict[str, str] = {}
        # Folding å/ä/ö (for OCR) makes "Håbo" and "Habo" one key: such keys are ambiguous,
        # and a name as printed is looked up unfolded first (`exact_key`).
        self.ambiguous: set[str] = set()
        self.exact: dict[str, str] = {}
        for county, kommuner in data["kommuner"].items():
            # {short name: official name}: the official genitive is irregular ("Falu kommun",
            # "Kalmar kommun", "Laxå kommun"), so it is stored, never derived.
            for base, canonical in kommuner.items():
                party_type = "region" if canonical.startswith("Region ") else "kommun"
                self._add(canonical, party_type, county)
                # Forms other kansli print: the regular genitive, the base form, "stad".
                genitive = kommun_canonical_name(base)[: -len(" kommun")]
                official = canonical.removesuffix(" kommun") if canonical.endswith(" kommun") else genitive
                for stem in dict.fromkeys((official, genitive, base)):
                    for head in ("kommun", "stad", "Stad"):
                        self._alias(f"{stem} {head}", canonical, full=True)
                self._alias(base, canonical, full=False)
        for key, party_type in (("regions", "region"), ("statliga_myndigheter", "statlig myndighet"),
                                ("samordningsforbund", "samordningsförbund"), ("kommunalforbund", "other"),
                                ("other", "other")):
            for entry in data.get(key, []):
                self._add(entry["name"], party_type, entry.get("county"))
                for alias in entry.get("aliases", []):
                    # Abbreviations (all caps or two letters) and lower-case words ("staten") only stand alone.
                    is_short = len(alias) <= 4 or alias.isupper() or alias[:1].islower()
                    self._alias(alias, entry["name"], full=not is_short)
                if party_type == "region":
                    # "Region Västerbotten" is also called "Västerbotten" in running text.
                    rest = entry["name"].removeprefix("Region ")
                    if rest != entry["name"]:
                        self._alias(rest, entry["name"], full=False)
        self._full_keys = list(self.full_aliases)
        self._short_keys = list(self.short_aliases)
        self._full_spaceless = [k.replace(" ", "") for k in self._full_keys]
        self._short_spaceless = [k.replace(" ", "") for k in self._short_keys]

    def _add(self, canonical: str, party_type: str, county: str | None = None) -> None:
        self.organisations[canonical] = Organisation(canonical, party_type, county)
        self._alias(canonical, canonical, full=True)

    def _alias(self, alias: str, canonical: str, full: bool) -> None:
        key = normalize_for_match(alias)
        if not key:
            return
        table = self.full_aliases if full else self.short_aliases
        if table.setdefault(key, canonical) != canonical:
            self.ambiguous.add(key)
        self.exact.setdefault(exact_key(alias), canonical)

    def lookup(self, written: str, short: bool = True) -> str | None:
        """Canonical name for a name exactly as an alias (case and spacing aside), with its
        å/ä/ö; else with them folded, unless that names two organisations. Short aliases
        ("Umeå", "AF") only when `short`."""
        hit = self.exact.get(exact_key(written))
        key = normalize_for_match(written)
        if hit is not None and (short or key in self.full_aliases):
            return hit
        if key in self.ambiguous:
            return None
        return self.full_aliases.get(key) or (self.short_aliases.get(key) if short else None)

    def by_canonical(self, canonical: str) -> Organisation | None:
        return self.organisations.get(canonical)

    def names_of_type(self, party_type: str) -> list[str]:
        return [o.canonical_name for o in self.organisations.values() if o.party_type == party_type]

    # --- resolution ----------------------------------------------------------------

    def _match(self, canonical: str, score: float, department: str | None, matched: str) -> OrgMatch:
        org = self.organisations[canonical]
        dept = department.strip(" ,.-–/()") if department else None
        return OrgMatch(org.canonical_name, org.party_type, round(score, 1), dept or None, matched)

    def ocr_spelling_of(self, key: str, short: bool = False) -> tuple[str, float, str] | None:
        """(canonical, score, alias) when normalised `key` is an OCR'd spelling of one name.

        None when it is no known name's, or equally close to names of two organisations.
        The score is the rapidfuzz ratio of the two keys (0-100).
        """
        keys, spaceless, table = (
            (self._short_keys, self._short_spaceless, self.short_aliases) if short
            else (self._full_keys, self._full_spaceless, self.full_aliases)
        )
        hits = ocr_variants(key, keys, spaceless)
        if len({table[keys[i]] for i, _ in hits}) != 1 or any(keys[i] in self.ambiguous for i, _ in hits):
            return None
        alias = keys[hits[0][0]]
        return table[alias], float(fuzz.ratio(key, alias)), alias

    def _whole(self, text: str, key: str, fuzzy: bool) -> tuple[str, float, str] | None:
        hit = self.lookup(text)
        if hit is not None:
            return hit, 100.0, key
        if key in self.ambiguous or not fuzzy or len(key) < 5:
            return None
        hit = self.ocr_spelling_of(key)
        if hit:
            return hit
        if len(key) >= 6:
            hit = self.ocr_spelling_of(key, short=True)
            if hit:
                return hit[0], hit[1] - 5, hit[2]
        return None

    def resolve(self, name: str) -> OrgMatch | None:
        if not name or not name.strip():
            return None
        text = re.sub(r"\s+", " ", name).strip(" \t,.;:-–•·")
        text = re.sub(r"\(\s*(?:nedan\s+kallad[^)]*)\)", "", text).strip()
        key = normalize_for_match(text)
        if not key:
            return None
        hit = self._whole(text, key, fuzzy=True)
        if hit:
            return self._match(hit[0], hit[1], None, hit[2])
        # "AMA i Jönköpings kommun", "Arbetsmarknadsavdelningen (AMA) i Jönköpings kommun"
        m = re.match(r"^(?P<dept>.+?)\s+i\s+(?P<org>.+)$", text)
        if m:
            inner = self.resolve(m.group("org"))
            if inner is not None and inner.department is None:
                return OrgMatch(inner.canonical_name, inner.party_type, inner.score, m.group("dept").strip(), inner.matched)
        # Longest leading run of words naming an organisation; the rest is a department.
        words = re.split(r"[\s/]+", text)
        for k in range(len(words) - 1, 0, -1):
            written = " ".join(words[:k]).strip(" ,;:")
            head = normalize_for_match(written)
            if not head:
                continue
            canonical = self.lookup(written, short=False)
            if canonical is not None:
                return self._match(canonical, 100.0, " ".join(words[k:]), head)
            # "Arboga kommuns kommunstyrelse", "Region Gävleborgs regionstyrelse": a body of its organisation.
            canonical = self.lookup(written[:-1], short=False) if written.endswith("s") else None
            if canonical is not None:
                return self._match(canonical, 100.0, " ".join(words[k:]), head[:-1])
            if len(head) >= 8 and head not in self.ambiguous:
                hit = self.ocr_spelling_of(head)
                if hit:
                    return self._match(hit[0], hit[1], " ".join(words[k:]), hit[2])
        # "Miljö- och bygglovsnämnden, Härryda kommun": a body, then its organisation.
        m = re.match(r"^(?P<dept>[^,]{3,80}),\s*(?P<org>[^,]{3,80})$", text)
        if m:
            inner = self.resolve(m.group("org"))
            if inner is not None and inner.department is None and _BODY_WORD.search(m.group("dept")):
                return OrgMatch(inner.canonical_name, inner.party_type, inner.score, m.group("dept").strip(),
                                inner.matched, inner.known)
        # A samordningsförbund not (yet) in the list: its name as written is its canonical name.
        m = re.match(r"^(samordningsf\S*rbundet|finsam)\s+(?P<rest>[A-ZÅÄÖ][\wåäöÅÄÖé\- ]+)$", text, re.I)
        if m:
            canonical = f"Samordningsförbundet {m.group('rest').strip()}"
            return OrgMatch(canonical, "samordningsförbund", 70.0, None, key, known=False)
        # Likewise a kommun or region the list does not hold ("Norråsa kommun", "Region Västmark").
        if _UNKNOWN_KOMMUN_RE.match(text):
            return OrgMatch(text, "kommun", 70.0, None, key, known=False)
        if _UNKNOWN_REGION_RE.match(text):
            return OrgMatch(text, "region", 70.0, None, key, known=False)
        # A kommunalförbund ("Nerikes räddningstjänstförbund", "Kommunalförbundet Sydnärke") or
        # a city outside the list ("Mariehamns stad") keeps its name as written too.
        if _UNKNOWN_FORBUND_RE.match(text):
            return OrgMatch(text, "other", 70.0, None, key, known=False)
        if _UNKNOWN_STAD_RE.match(text):
            return OrgMatch(text, "kommun", 70.0, None, key, known=False)
        return None


def exact_key(text: str) -> str:
    """A name's key with case, punctuation and spacing folded but å/ä/ö kept."""
    return " ".join(re.sub(r"[^\w]+", " ", unicodedata.normalize("NFC", text or "").casefold()).split())


_NAME_WORD = r"[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ]?[a-zåäöé]+)?"
_UNKNOWN_KOMMUN_RE = re.compile(rf"^{_NAME_WORD}(?: {_NAME_WORD})? kommun$")
_UNKNOWN_REGION_RE = re.compile(rf"^Region {_NAME_WORD}(?: {_NAME_WORD}| län)?$")
_UNKNOWN_FORBUND_RE = re.compile(
    rf"^(?:{_NAME_WORD} ){{1,3}}[a-zåäö\-]*(?:kommunal|kommun|räddningstjänst|brandförsvars|myndighets)förbund(?:et)?$"
    rf"|^(?:Kommunalförbundet|Kommunförbundet) {_NAME_WORD}(?: {_NAME_WORD})?$"
)
_UNKNOWN_STAD_RE = re.compile(rf"^{_NAME_WORD} stad$")
# Words that make the first part of "X, Y kommun" a body of Y, not a second organisation.
_BODY_WORD = re.compile(r"(?:nämnd|styrelse|utskott|fullmäktige|förvaltning|avdelning|enhet|kontor|direktion"
                        r"|arbetsmarknad|socialtjänst)", re.I)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    raw = resources.files("pipeline").joinpath("data/organisations.json").read_text(encoding="utf-8")
    return Gazetteer(json.loads(raw))


def resolve_organisation(name: str) -> OrgMatch | None:
    """Canonical organisation for a name as written, or None when it names none we know."""
    return gazetteer().resolve(name)


@dataclass(frozen=True)
class OrgMention:
    match: OrgMatch
    written: str  # the name as it stands in the text
    start: int
    end: int


_WORD = re.compile(r"[A-Za-zÅÄÖåäöÉé][\wÅÄÖåäöÉé\-]*")


def _sentence_start(text: str, start: int) -> bool:
    """Whether the word at `start` opens the text, a sentence, a line or a list item."""
    j = start - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] in ".!?:•-\n"


def find_organisations(text: str, max_words: int = 5) -> list[OrgMention]:
    """Organisations named in a running text, longest name first, without overlaps.

    Full names ("Försäkringskassan", "Region Jönköpings län", "Umeå kommun") count
    anywhere; short forms ("Umeå", "AF") only when capitalised and not the first word
    of the text, so ordinary words ("vara", "mark") are not read as kommuner.
    """
    g = gazetteer()
    words = list(_WORD.finditer(text))
    out: list[OrgMention] = []
    i = 0
    while i < len(words):
        found = None
        for k in range(min(max_words, len(words) - i), 0, -1):
            start, end = words[i].start(), words[i + k - 1].end()
            written = text[start:end]
            key = normalize_for_match(written)
            canonical = g.lookup(written, short=False)
            if canonical is None and words[i].group(0)[:1].isupper() and (not _sentence_start(text, start) or words[i].group(0).isupper()):
                short = g.lookup(written)
                if short and (len(key) >= 4 or written.isupper()):
                    canonical = short
            if canonical is None and k >= 2 and len(key) >= 10:
                # In running text both: an OCR'd spelling, and 92 % alike.
                hit = g.ocr_spelling_of(key)
                if hit and hit[1] >= 92:
                    canonical = hit[0]
            if canonical:
                org = g.organisations[canonical]
                found = (OrgMention(OrgMatch(org.canonical_name, org.party_type, 100.0, None, key), written, start, end), k)
                break
        if found:
            out.append(found[0])
            i += found[1]
        else:
            i += 1
    return out
