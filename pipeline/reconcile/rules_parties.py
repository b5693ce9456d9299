"""Rules on parties and signatories: organisationsnummer (check digit, one number per
organisation), unnamed signatures, parties and signers that change between consecutive
agreements."""

from __future__ import annotations

import re

from models import Flag
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.orgnr import is_valid_org_number
from pipeline.reconcile.context import Context
from pipeline.reconcile.evidence import evidence, make_flag
from pipeline.reconcile.resolve import party_keys
from pipeline.sv.identity import has_name, same_person
from pipeline.reconcile.units import Unit

_N = normalize_for_match


def orgnr_invalid(unit: Unit, ctx: Context) -> list[Flag]:
    flags = []
    for p in unit.parties:
        if not p.org_number:
            continue
        valid = p.org_number_valid if p.org_number_valid is not None else is_valid_org_number(p.org_number)
        if valid:
            continue
        msg = (f"Organisationsnumret {p.org_number} för {p.name} är ogiltigt (kontrollsiffran stämmer inte "
               f"eller formen är fel). Kontrollera mot Bolagsverket.")
        flags.append(make_flag("orgnr-invalid", "error", msg,
                               [evidence(unit, f"org.nr {p.name}", p.org_number, p)]))
    return flags


def signature_missing_name(unit: Unit, ctx: Context) -> list[Flag]:
    missing = [s for s in unit.signatories if s.organisation and not has_name(s.person_name)]
    if not missing:
        return []
    orgs = ", ".join(s.organisation for s in missing)
    msg = f"Underskriftsblocket saknar namn för: {orgs}."
    items = [evidence(unit, f"underskrift {s.organisation}", s.person_name or "", s, display="(inget namn)") for s in missing]
    return [make_flag("signature-missing-name", "warning", msg, items, unit.plan_year)]


def looks_like_person(name: str | None) -> bool:
    """A signer's name, not an organisation read into the name column."""
    if not has_name(name):
        return False
    return not re.search(r"kommun|region|kassan|formedling|forbund|landsting|kriminalvard|myndighet|skola",
                         _N(name))


def parties_changed(ctx: Context) -> list[Flag]:
    flags = []
    for chain in ctx.chains:
        for a, b in zip(chain, chain[1:]):
            ka, kb = party_keys(a, ctx.orgs), party_keys(b, ctx.orgs)
            added, removed = kb - ka, ka - kb
            if not added and not removed:
                continue

            def named(unit: Unit, keys: set[str]):
                return [p for p in unit.parties if (e := ctx.orgs.resolve(p.canonical_name or p.name, p.org_number)) and e.key in keys]

            pa, pr = named(b, added), named(a, removed)
            bits = []
            if pr:
                bits.append("borttagna: " + ", ".join(sorted({p.name for p in pr})))
            if pa:
                bits.append("tillkomna: " + ", ".join(sorted({p.name for p in pa})))
            msg = (f"Parterna har ändrats mellan överenskommelsen för {a.plan_year} och den för {b.plan_year} "
                   f"({'; '.join(bits)}).")
            items = [evidence(a, f"part {p.name} ({a.plan_year})", p.name, p, a.plan_year, "fanns med") for p in pr]
            items += [evidence(b, f"part {p.name} ({b.plan_year})", p.name, p, b.plan_year, "ny") for p in pa]
            flags.append(make_flag("parties-changed", "warning", msg, items, b.plan_year))
    return flags


def orgnr_conflict(ctx: Context) -> list[Flag]:
    flags = []
    units_by_record = {p.record_id: u for u in ctx.units for p in u.parties}
    for entity in ctx.orgs.entities:
        numbers = {n: ps for n, ps in entity.org_numbers.items() if ps}
        if len(numbers) < 2:
            continue
        listed = ", ".join(f"{n} ({len({units_by_record[p.record_id].doc_id for p in ps})} dok.)" for n, ps in sorted(numbers.items()))
        msg = f"{entity.display} anges med olika organisationsnummer: {listed}."
        items = []
        for n, ps in sorted(numbers.items()):
            p = ps[0]
            u = units_by_record[p.record_id]
            items.append(evidence(u, f"org.nr {p.name}", n, p, u.plan_year, n, key=f"{entity.key}|{n}"))
        flags.append(make_flag("orgnr-conflict", "error", msg, items))
    return flags


def signatory_changed(ctx: Context) -> list[Flag]:
    flags = []
    for chain in ctx.chains:
        for a, b in zip(chain, chain[1:]):
            done: set[str] = set()
            for sb in b.signatories:
                if not sb.organisation or not looks_like_person(sb.person_name):
                    continue
                entity = ctx.orgs.resolve(sb.organisation)
                if entity is None or entity.key in done:
                    continue
                done.add(entity.key)
                before = [s for s in a.signatories if s.organisation and ctx.orgs.resolve(s.organisation) is entity
                          and looks_like_person(s.person_name)]
                after = [s for s in b.signatories if s.organisation and ctx.orgs.resolve(s.organisation) is entity
                         and looks_like_person(s.person_name)]
                gone = [s for s in before if not any(same_person(s.person_name, x.person_name) for x in after)]
                new = [s for s in after if not any(same_person(s.person_name, x.person_name) for x in before)]
                if not gone or not new:
                    continue  # nobody replaced (an unnamed block is the signature rule's business)
                sa, sb = gone[0], new[0]
                msg = (f"Ny undertecknare för {sb.organisation}: {sa.person_name} ({a.plan_year}) har ersatts av "
                       f"{sb.person_name} ({b.plan_year}).")
                items = [evidence(a, f"undertecknare {sa.organisation}", sa.person_name, sa, a.plan_year),
                         evidence(b, f"undertecknare {sb.organisation}", sb.person_name, sb, b.plan_year)]
                flags.append(make_flag("signatory-changed", "info", msg, items, b.plan_year))
    return flags
