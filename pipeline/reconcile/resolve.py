"""Resolution across documents: the same organisation, person, budget line, meeting and
agreement found in several files, before the reconciliation rules compare them.

- Organisations: by organisationsnummer first; then by who the name is, as
  `pipeline.sv.identity` decides it once for every stage ("Lidköpings kommun" and
  "Linköpings kommun" are two kommuner however alike they are spelled; OCR variants
  "Forsékringskassan" / "Försäkringskassan" and forms "Umeå" / "Umeå kommun" agree).
- Persons: signatories and attendees by name, OCR variants included (`same_person`).
- Budget lines: by section and label across budgets of different years ("Kanslipersonal"
  in 2021 and 2024), fuzzy within a section; share text ("83,7% av arb-bef.") ignored.
- Meetings: an agenda and the minutes of the same body and date.
- Agreements: consecutive versions with (mostly) the same parties, ordered by year.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from models import BudgetLine, DocType, Party
from pipeline.config import IDENTITY, RECONCILE
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.identity import org_identity, org_key, same_org
from pipeline.reconcile.units import AGREEMENT_TYPES, Unit

# --- organisations across documents ----------------------------------------------------


@dataclass
class OrgEntity:
    key: str
    identity: str | None = None  # the gazetteer's canonical name, when the organisation is known
    names: list[str] = field(default_factory=list)
    org_numbers: dict[str, list[Party]] = field(default_factory=lambda: defaultdict(list))

    @property
    def display(self) -> str:
        # the most common spelling with diacritics (OCR'd spellings lose them)
        return max(self.names, key=lambda n: (sum(1 for x in self.names if x == n), any(c in n for c in "åäöÅÄÖ"), len(n)))


class OrgResolver:
    """Clusters organisation mentions: org number first, then canonical name."""

    def __init__(self) -> None:
        self.entities: list[OrgEntity] = []
        self._by_number: dict[str, OrgEntity] = {}

    def resolve(self, name: str | None, org_number: str | None = None) -> OrgEntity | None:
        if not name and not org_number:
            return None
        entity = self._by_number.get(org_number) if org_number else None
        identity = org_identity(name) if name else None
        if entity is None and identity:
            entity = next((e for e in self.entities if e.identity == identity), None)
        if entity is None and name:
            key = org_key(name)
            entity = next((e for e in self.entities if e.key == key and _compatible(e.identity, identity)), None)
            if entity is None and key:
                # Fuzzy only where the gazetteer cannot tell: two known organisations never merge by spelling.
                candidates = [e for e in self.entities if _compatible(e.identity, identity)]
                best = max(candidates, key=lambda e: fuzz.token_sort_ratio(e.key, key), default=None)
                if best is not None and fuzz.token_sort_ratio(best.key, key) >= IDENTITY.org_match_cutoff:
                    entity = best
        if entity is None:
            entity = OrgEntity(key=org_key(name) if name else f"orgnr {org_number}", identity=identity)
            self.entities.append(entity)
        elif entity.identity is None and identity:
            entity.identity = identity
        if name:
            entity.names.append(name)
        if org_number and org_number not in self._by_number:
            self._by_number[org_number] = entity
        return entity

    def add_party(self, party: Party) -> OrgEntity | None:
        entity = self.resolve(party.canonical_name or party.name, None)
        if entity is not None and party.org_number:
            entity.org_numbers[party.org_number].append(party)
            self._by_number.setdefault(party.org_number, entity)
        return entity


def _compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def resolve_orgs(units: list[Unit]) -> OrgResolver:
    resolver = OrgResolver()
    for u in units:
        for p in u.parties:
            resolver.add_party(p)
    return resolver


def same_forbund(a: Unit, b: Unit) -> bool:
    """Two parts from the same förbund, or from one whose förbund is not stated."""
    fa, fb = a.organisation, b.organisation
    return not fa or not fb or same_org(fa, fb)


# --- budget lines -------------------------------------------------------------------------

_SHARE_TAIL = re.compile(r",?\s{0,3}\d{1,6}(?:[.,]\d{1,4})?\s{0,3}%.*$")  # bounded: linear on any label


def line_key(label: str) -> str:
    """A budget label's comparison key: no leading dash, no share text, OCR-folded."""
    s = _SHARE_TAIL.sub("", label or "")
    s = re.sub(r"^[\s\-\u2013\u2212•]+", "", s)
    return org_key(s) if re.search(r"kommun|region|kassan|formedling", normalize_for_match(s)) else normalize_for_match(s)


def section_key(section: str | None) -> str:
    return normalize_for_match(section or "")


@dataclass
class LineEntity:
    section: str
    key: str
    label: str  # display label (first seen with diacritics)
    lines: list[tuple[Unit, BudgetLine]] = field(default_factory=list)


def resolve_budget_lines(units: list[Unit]) -> list[LineEntity]:
    """Budget lines of all units clustered by (section, fuzzy label)."""
    entities: list[LineEntity] = []
    index: dict[str, list[LineEntity]] = defaultdict(list)
    for u in units:
        for b in u.budget_lines:
            sec = section_key(b.section)
            key = line_key(b.label)
            if not key:
                continue
            candidates = index[sec]
            found = next((e for e in candidates if e.key == key), None)
            if found is None:
                best = max(candidates, key=lambda e: fuzz.ratio(e.key, key), default=None)
                if best is not None and fuzz.ratio(best.key, key) >= RECONCILE.budget_line_match_cutoff:
                    found = best
            if found is None:
                found = LineEntity(sec, key, _clean_label(b.label))
                candidates.append(found)
                entities.append(found)
            elif not any(c in found.label for c in "åäöÅÄÖ") and any(c in b.label for c in "åäöÅÄÖ"):
                found.label = _clean_label(b.label)
            found.lines.append((u, b))
    return entities


def _clean_label(label: str) -> str:
    """"- Umeå kommun, 83,7% av arb-bef." -> "Umeå kommun" (the share changes between years)."""
    return _SHARE_TAIL.sub("", re.sub(r"^[\s\-\u2013\u2212•]+", "", label)).strip()


# --- meetings -----------------------------------------------------------------------------


def same_body(a: str | None, b: str | None) -> bool:
    ka, kb = normalize_for_match(a or "styrelsen"), normalize_for_match(b or "styrelsen")
    return ka == kb or fuzz.partial_ratio(ka, kb) >= RECONCILE.body_match_cutoff


def match_meetings(units: list[Unit]) -> list[tuple[Unit, Unit]]:
    """(agenda, minutes) pairs of the same body and meeting date."""
    agendas = [u for u in units if u.doc_type == DocType.FOREDRAGNINGSLISTA and u.meeting_date]
    minutes = [u for u in units if u.doc_type == DocType.PROTOKOLL and u.meeting_date]
    return [(a, m) for a in agendas for m in minutes
            if a.meeting_date == m.meeting_date and same_body(a.body, m.body)]


# --- agreements ---------------------------------------------------------------------------


def party_keys(unit: Unit, resolver: OrgResolver) -> set[str]:
    keys = set()
    for p in unit.parties:
        e = resolver.resolve(p.canonical_name or p.name, p.org_number)
        if e is not None:
            keys.add(e.key)
    return keys


def _series(unit: Unit) -> str:
    """An uppdragsavtal (the förbund and one verksamhetsansvarig) follows uppdragsavtal; an
    överenskommelse and a verksamhetsplan (all members) may follow each other. Two series
    can share half their parties, so overlap alone would chain an uppdragsavtal to the
    överenskommelse of the next year."""
    return "uppdrag" if unit.doc_type == DocType.UPPDRAGSAVTAL else "plan"


def agreement_chains(units: list[Unit], resolver: OrgResolver) -> list[list[Unit]]:
    """Consecutive versions of the same agreement: units of agreement/plan types with at
    least two parties, grouped by party overlap (Jaccard >= RECONCILE.agreement_min_overlap), ordered by year."""
    min_overlap = RECONCILE.agreement_min_overlap
    candidates = [u for u in units if u.doc_type in AGREEMENT_TYPES and len(u.parties) >= 2 and u.plan_year]
    candidates.sort(key=lambda u: (u.plan_year, u.valid_from or date.min, u.doc_id))
    chains: list[list[Unit]] = []
    for u in candidates:
        keys = party_keys(u, resolver)
        best, best_score = None, 0.0
        for chain in chains:
            if _series(chain[-1]) != _series(u):
                continue
            last = party_keys(chain[-1], resolver)
            score = len(keys & last) / len(keys | last) if keys | last else 0.0
            if score > best_score:
                best, best_score = chain, score
        if best is not None and best_score >= min_overlap and best[-1].plan_year != u.plan_year:
            best.append(u)
        elif best is not None and best_score >= min_overlap:
            continue  # the same year twice (a copy): keep the first
        else:
            chains.append([u])
    return chains
