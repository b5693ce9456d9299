"""What the report shows, apart from its wording: the summary (documents, years, förbund,
counts), the year-over-year table of budget lines, the parties of consecutive agreements,
and where each piece of evidence's file is now (with a link to its page)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from models import Document, Flag
from pipeline.reconcile.budget_structure import line_kind
from pipeline.reconcile.resolve import agreement_chains, party_keys, resolve_budget_lines, resolve_orgs
from pipeline.reconcile.units import Unit, all_units
from pipeline.sv.identity import org_key


@dataclass
class Summary:
    documents: list[Document]
    years: list[int]
    forbund: list[str]
    counts: Counter


def summarize(documents: list[Document], flags: list[Flag]) -> Summary:
    units = all_units(documents)
    years = sorted({y for u in units for y in u.budget_years} | {u.plan_year for u in units if u.plan_year}
                   | {u.meeting_date.year for u in units if u.meeting_date})
    forbund = sorted({u.organisation for u in units if u.organisation})
    return Summary(documents, years, forbund, Counter(f.severity for f in flags))


def budget_table(documents: list[Document], flags: list[Flag]) -> tuple[list[int], list[dict]]:
    """Rows of budget lines that appear in more than one document part or that a flag
    names, with their amount per year and document."""
    units = [u for u in all_units(documents) if u.budget_lines]
    orgs = resolve_orgs(units)  # OCR variants of a förbund's name are the same förbund
    flagged = {e.get("record_id") for f in flags for e in f.evidence}
    rows = []
    years: set[int] = set()
    for entity in resolve_budget_lines(units):
        # Years are compared within one förbund: the same label in two förbund's budgets is
        # two rows, never one row whose "difference" is between organisations.
        by_org: dict[str, list[tuple[Unit, object]]] = defaultdict(list)
        for u, b in entity.lines:
            if b.amount_sek is not None:
                by_org[_org_key(u, orgs)].append((u, b))
        for plain in by_org.values():
            in_units = {id(u) for u, _ in plain}
            if len(in_units) < 2 and not any(b.record_id in flagged for _, b in plain):
                continue
            cells: dict[int, list[tuple[Unit, object]]] = defaultdict(list)
            for u, b in plain:
                cells[b.year].append((u, b))
                years.add(b.year)
            rows.append({"label": entity.label, "section": entity.section, "cells": cells,
                         "organisation": plain[0][0].organisation, "kind": line_kind(plain[0][1]),
                         "flagged": {b.record_id for _, b in plain if b.record_id in flagged}})
    rows.sort(key=lambda r: r["organisation"] or "")  # stable: each förbund's rows together, in order
    return sorted(years), rows


def _org_key(u: Unit, orgs) -> str:
    name = u.organisation
    entity = orgs.resolve(name) if name else None
    return f"entity:{entity.key}" if entity is not None else org_key(name or "")


def party_table(documents: list[Document]) -> list[dict]:
    """Per chain of consecutive agreements: which parties (and org numbers) each has."""
    units = all_units(documents)
    orgs = resolve_orgs(units)
    out = []
    for chain in agreement_chains(units, orgs):
        if len(chain) < 2:
            continue
        keys = sorted(set().union(*(party_keys(u, orgs) for u in chain)))
        rows = []
        for key in keys:
            entity = next(e for e in orgs.entities if e.key == key)
            cells = []
            for u in chain:
                found = [p for p in u.parties if (e := orgs.resolve(p.canonical_name or p.name, p.org_number)) and e.key == key]
                signer = next((s.person_name for s in u.signatories if s.organisation
                               and orgs.resolve(s.organisation) is entity), None)
                cells.append({"present": bool(found), "org_number": found[0].org_number if found else None, "signer": signer})
            rows.append({"name": entity.display, "cells": cells})
        out.append({"units": chain, "rows": rows})
    return out


def file_link(path: str | None, page: int | None) -> str:
    if not path:
        return ""
    p = Path(path).resolve()
    return "file://" + quote(str(p)) + (f"#page={page}" if page else "")


def doc_label(doc: Document) -> str:
    return doc.title.strip()[:80] if doc.title else doc.file_name


def evidence_path(e: dict, by_id: dict[str, Document]) -> str | None:
    """Where the evidence's file is now (archived since the flag was made, say)."""
    doc = by_id.get(e.get("doc_id") or "")
    return doc.current_path if doc is not None else e.get("path")
