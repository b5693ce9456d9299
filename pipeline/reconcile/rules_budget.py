"""Rules on budgets: lines, subtotals, result and equity inside one budget, shares that sum to
100 %, and across plans and years (equity carried over, the same line with another amount,
the Finsam split 50/25/25).

tkr tables round each line, so sums tolerate one printed unit (1 tkr) per summed line; a
later plan that differs from an earlier one is `info`, not an error, unless the later
document claims to carry the figure over.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from extractors.budget import names_a_share
from models import BudgetLine, Flag, Record
from pipeline.config import RECONCILE
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.reconcile.budget_structure import line_kind, sum_amounts
from pipeline.reconcile.context import Context
from pipeline.reconcile.evidence import evidence, make_flag
from pipeline.reconcile.formatting import money, percent
from pipeline.reconcile.resolve import line_key, resolve_budget_lines, same_forbund
from pipeline.reconcile.units import Unit

_N = normalize_for_match


def _budget_sum_flags(unit: Unit, ctx: Context, rule_id: str, kind: str) -> list[Flag]:
    flags = []
    for year in unit.budget_years:
        t = ctx.table(unit, year)
        for check in (t.line_checks if kind == "lines" else t.total_checks):
            total = check.what.amount_sek
            s = sum_amounts(check.parts)
            if abs(s - total) <= t.tolerance(len(check.parts)):
                continue
            f = t.factor
            noun = "Budgetraderna" if kind == "lines" else "Delsummorna"
            label = check.what.label.strip()
            msg = (f"{noun} under ”{label}” {year} summerar till {money(s, f)}, men summan i dokumentet är "
                   f"{money(total, f)} (skillnad {money(s - total, f)}).")
            items = [evidence(unit, label, total, check.what, year, money(total, f))]
            items += [evidence(unit, p.label.strip(), p.amount_sek, p, year, money(p.amount_sek, f)) for p in check.parts]
            flags.append(make_flag(rule_id, "error", msg, items, year))
    return flags


def budget_line_sum(unit: Unit, ctx: Context) -> list[Flag]:
    return _budget_sum_flags(unit, ctx, "budget-line-sum", "lines")


def budget_subtotal_sum(unit: Unit, ctx: Context) -> list[Flag]:
    return _budget_sum_flags(unit, ctx, "budget-subtotal-sum", "subtotals")


def budget_result(unit: Unit, ctx: Context) -> list[Flag]:
    flags = []
    for year in unit.budget_years:
        t = ctx.table(unit, year)
        if t.result is None or t.income is None or not t.costs:
            continue
        costs = sum_amounts(t.costs)
        fin = sum_amounts(t.fin)
        expected = t.income.amount_sek + (costs if costs <= 0 else -costs) + fin
        n = 1 + len(t.costs) + len(t.fin)
        if abs(expected - t.result.amount_sek) <= t.tolerance(n):
            continue
        f = t.factor
        msg = (f"Resultatet {year} stämmer inte: intäkter {money(t.income.amount_sek, f)} − kostnader "
               f"{money(abs(costs), f)} + finansiella poster {money(fin, f)} = {money(expected, f)}, "
               f"men RESULTAT anges till {money(t.result.amount_sek, f)}.")
        items = [evidence(unit, t.result.label.strip(), t.result.amount_sek, t.result, year, money(t.result.amount_sek, f)),
                 evidence(unit, t.income.label.strip(), t.income.amount_sek, t.income, year, money(t.income.amount_sek, f))]
        items += [evidence(unit, c.label.strip(), c.amount_sek, c, year, money(c.amount_sek, f)) for c in t.costs + t.fin]
        flags.append(make_flag("budget-result", "error", msg, items, year))
    return flags


def equity_roll(unit: Unit, ctx: Context) -> list[Flag]:
    flags = []
    for year in unit.budget_years:
        t = ctx.table(unit, year)
        if not (t.equity_open and t.equity_close and t.result):
            continue
        expected = t.equity_open.amount_sek + t.result.amount_sek
        if abs(expected - t.equity_close.amount_sek) <= t.tolerance(2):
            continue
        f = t.factor
        msg = (f"Eget kapital {year}: ingående {money(t.equity_open.amount_sek, f)} + resultat "
               f"{money(t.result.amount_sek, f)} = {money(expected, f)}, men eget kapital vid årets slut "
               f"anges till {money(t.equity_close.amount_sek, f)}.")
        items = [evidence(unit, b.label.strip(), b.amount_sek, b, year, money(b.amount_sek, f))
                 for b in (t.equity_open, t.result, t.equity_close)]
        flags.append(make_flag("equity-roll", "error", msg, items, year))
    return flags


def share_sum(unit: Unit, ctx: Context) -> list[Flag]:
    flags = []
    seen: set[tuple] = set()
    for year in unit.budget_years:
        shares = [b for b in unit.budget_lines if b.year == year and b.share_percent is not None]
        if len(shares) < 2:
            continue
        if any(b.share_percent is None and names_a_share(b.label) for b in unit.budget_lines if b.year == year):
            continue  # a share the scan lost: the sum of the rest says nothing
        signature = tuple((line_key(b.label), b.share_percent) for b in shares)
        if signature in seen:
            continue  # the same shares printed for every year: one flag
        seen.add(signature)
        total = sum((b.share_percent for b in shares), Decimal(0))
        # each share is rounded to its printed decimals: half a unit of the last decimal each
        tol = RECONCILE.share_rounding_percent * len(shares) + Decimal("0.001")
        if abs(total - 100) <= tol:
            continue
        listed = ", ".join(f"{_short_label(b.label)} {percent(b.share_percent)} %" for b in shares)
        msg = f"Andelarna i procent ({listed}) summerar till {percent(total)} %, inte 100 %."
        items = [evidence(unit, f"andel {_short_label(b.label)}", b.share_percent, b, year, f"{percent(b.share_percent)} %")
                 for b in shares]
        flags.append(make_flag("share-sum", "error", msg, items, year))
    return flags


def _short_label(label: str) -> str:
    return re.sub(r"^[\s\-\u2013\u2212•]+", "", re.sub(r",.*$", "", label)).strip()


def _plans_with_budgets(ctx: Context) -> list[Unit]:
    plans = [u for u in ctx.units if u.budget_lines]
    return sorted(plans, key=lambda u: (u.plan_year or 0, u.doc_id))


def _carry_claim(unit: Unit, pattern: str) -> Record | None:
    """A carry-over claim in the unit, else elsewhere in the same file: a plan's sentence
    ("Beloppen för 2025 är oförändrade ...") covers the budget segment printed after it."""
    facts = [*unit.facts, *(f for f in unit.doc.records.facts if f not in unit.facts)]
    return next((f for f in facts if f.kind == "carry_over" and re.search(pattern, _N(f.text))), None)


def equity_continuity(ctx: Context) -> list[Flag]:
    flags = []
    plans = _plans_with_budgets(ctx)
    closing: dict[int, list[tuple[Unit, BudgetLine, int]]] = defaultdict(list)
    for u in plans:
        for y in u.budget_years:
            t = ctx.table(u, y)
            if t.equity_close:
                closing[y].append((u, t.equity_close, t.factor))
    for later in plans:
        for y in later.budget_years:
            t = ctx.table(later, y)
            if not t.equity_open:
                continue
            candidates = [(u, b, f) for u, b, f in closing.get(y - 1, []) if same_forbund(u, later)
                          and (u is later or (u.plan_year or 0) < (later.plan_year or 0))]
            if not candidates:
                continue
            same = [c for c in candidates if c[0] is later]
            earlier, close, factor = same[0] if same else max(candidates, key=lambda c: (c[0].plan_year or 0))
            if not same and ctx.table(later, y - 1).equity_close is not None:
                continue  # the later plan states year N itself; its own roll is checked there
            diff = t.equity_open.amount_sek - close.amount_sek
            if abs(diff) <= factor * RECONCILE.rounding_units_per_line:
                continue
            claim = _carry_claim(later, r"kapital|ingaende|overfor")
            if same:
                severity = "error"
                msg = (f"Eget kapital vid årets slut {y - 1} ({money(close.amount_sek, factor)}) är inte samma som "
                       f"eget kapital vid årets början {y} ({money(t.equity_open.amount_sek, factor)}) i samma budget.")
            else:
                severity = "error" if claim else "info"
                msg = (f"Eget kapital vid årets början {y} i den senare planen ({money(t.equity_open.amount_sek, factor)}) "
                       f"skiljer sig från eget kapital vid årets slut {y - 1} i planen för {earlier.plan_year} "
                       f"({money(close.amount_sek, factor)}), skillnad {money(diff, factor)}.")
                msg += (" Planen anger att beloppet förs över, så det borde vara samma." if claim else
                        " En senare plan får avvika från en tidigare prognos; kontrollera mot bokslutet.")
            items = [evidence(earlier, f"{close.label.strip()} {y - 1}", close.amount_sek, close, y - 1, money(close.amount_sek, factor)),
                     evidence(later, f"{t.equity_open.label.strip()} {y}", t.equity_open.amount_sek, t.equity_open, y,
                              money(t.equity_open.amount_sek, factor))]
            if claim and not same:
                items.append(evidence(later, "anger överföring", claim.text, claim, y, claim.text))
            flags.append(make_flag("equity-continuity", severity, msg, items, y))
    return flags


def budget_line_changed(ctx: Context) -> list[Flag]:
    flags = []
    for entity in resolve_budget_lines(ctx.units):
        by_year: dict[int, list[tuple[Unit, BudgetLine]]] = defaultdict(list)
        for u, b in entity.lines:
            if b.amount_sek is None or line_kind(b) != "line":
                continue
            if any(x is u for x, _ in by_year[b.year]):
                continue  # one value per document part and year
            by_year[b.year].append((u, b))
        for year, entries in sorted(by_year.items()):
            entries.sort(key=lambda e: (e[0].plan_year or 0, e[0].doc_id))
            for (ua, ba), (ub, bb) in zip(entries, entries[1:]):
                if not same_forbund(ua, ub):
                    continue
                factor = max(ctx.table(ua, year).factor, ctx.table(ub, year).factor)
                diff = bb.amount_sek - ba.amount_sek
                if abs(diff) <= factor * RECONCILE.rounding_units_per_line:
                    continue
                claim = _carry_claim(ub, r"budget|belopp|ram|oforandr|foregaende|fastst")
                if ua.plan_year == ub.plan_year:
                    severity, why = "warning", "Två dokument för samma år anger olika belopp."
                elif claim:
                    severity, why = "error", "Den senare planen anger att beloppen förs över oförändrade."
                else:
                    severity, why = "info", "En senare plan får ändra beloppet; kontrollera att ändringen är beslutad."
                msg = (f"”{entity.label}” {year}: {money(ba.amount_sek, factor)} i {ua.label} men "
                       f"{money(bb.amount_sek, factor)} i {ub.label} (skillnad {money(diff, factor)}). {why}")
                items = [evidence(ua, entity.label, ba.amount_sek, ba, year, money(ba.amount_sek, factor)),
                         evidence(ub, entity.label, bb.amount_sek, bb, year, money(bb.amount_sek, factor))]
                if claim:
                    items.append(evidence(ub, "anger överföring", claim.text, claim, year, claim.text))
                flags.append(make_flag("budget-line-changed", severity, msg, items, year))
    return flags


def _finsam_role(b: BudgetLine) -> str | None:
    label = _N(re.sub(r",.*$", "", b.label))
    if "forsakringskassan" in label:
        return "fk"
    if re.search(r"\bregion\b|landsting", label):
        return "region"
    if "kommun" in label:
        return "kommun"
    return None


def finsam_split(ctx: Context) -> list[Flag]:
    flags = []
    for u in ctx.units:
        for year in u.budget_years:
            t = ctx.table(u, year)
            roles: dict[str, list[BudgetLine]] = defaultdict(list)
            for b in t.income_lines:
                role = _finsam_role(b)
                if role and b.amount_sek is not None:
                    roles[role].append(b)
            if not (roles["fk"] and roles["region"] and roles["kommun"]):
                continue
            fk, region, kommuner = (sum_amounts(roles[k]) for k in ("fk", "region", "kommun"))
            total = fk + region + kommuner
            n_lines = len(roles["fk"]) + len(roles["region"]) + len(roles["kommun"])
            tol = Decimal(t.factor) * Decimal(n_lines + 1) * RECONCILE.finsam_split_units_per_line
            expected = {"fk": total / 2, "region": total / 4, "kommun": total / 4}
            actual = {"fk": fk, "region": region, "kommun": kommuner}
            broken = [k for k in expected if abs(actual[k] - expected[k]) > tol]
            if not broken:
                continue
            f = t.factor
            names = {"fk": "Försäkringskassan", "region": "regionen", "kommun": "kommunerna tillsammans"}
            share = {"fk": "hälften", "region": "en fjärdedel", "kommun": "en fjärdedel"}
            parts = "; ".join(f"{names[k]} {money(actual[k], f)} (ska vara {share[k]}: {money(expected[k].quantize(Decimal(1)), f)})"
                              for k in ("fk", "region", "kommun"))
            msg = f"Finsam-fördelningen {year} stämmer inte: medlemsbidrag totalt {money(total, f)}; {parts}."
            items = [evidence(u, b.label.strip(), b.amount_sek, b, year, money(b.amount_sek, f))
                     for k in ("fk", "region", "kommun") for b in roles[k]]
            flags.append(make_flag("finsam-split", "error", msg, items, year))
    return flags
