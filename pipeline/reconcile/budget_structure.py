"""The structure of a budget table: what kind each line is (line, subtotal, result, equity),
the table's printed unit, and which lines each (sub)total sums, year by year."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from models import BudgetLine
from pipeline.config import RECONCILE
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.reconcile.units import Unit

_N = normalize_for_match


def line_kind(b: BudgetLine) -> str:
    """equity_open / equity_close / result / subtotal / line."""
    label = _N(b.label)
    if "eget kapital" in label or "kapital vid" in label:
        # "b.rjan": seed 004's text reads "vid arets bérjan" (OCR'd with the wrong language)
        if re.search(r"b.rjan|ingaende|ib\b", label):
            return "equity_open"
        if re.search(r"slut|utgaende|ub\b", label):
            return "equity_close"
    if re.match(r"(arets |budgeterat )?resultat\b", label) or label in {"resultat", "arets resultat"}:
        return "result"
    if b.is_total or re.match(r"(summa|totalt|total)\b", label) or re.search(r"\btotalt?$", label):
        return "subtotal"
    return "line"


def total_kind(b: BudgetLine) -> str:
    label = _N(b.label) + " " + _N(b.section)
    if "finansiell" in label:
        return "fin"
    if "intakt" in label:
        return "income"
    return "cost"


def unit_factor(lines: list[BudgetLine]) -> int:
    """SEK per printed unit of the table (1000 for tkr): the lines' `scale`, set by the budget
    extractor from the table's header; the raw cells are not read again. Records written
    before it was (pipeline version < 0.2.1) have no scale: their table counts as tkr when
    every amount is whole thousands."""
    scales = Counter(b.scale for b in lines if b.scale)
    if scales:
        return scales.most_common(1)[0][0]
    amounts = [b.amount_sek for b in lines if b.amount_sek]
    return 1000 if amounts and all(a % 1000 == 0 for a in amounts) else 1


@dataclass
class Check:
    what: BudgetLine
    parts: list[BudgetLine]
    kind: str  # lines | subtotals


@dataclass
class BudgetTable:
    """One year of one budget, walked in print order: which lines each (sub)total sums."""

    unit: Unit
    year: int
    factor: int
    line_checks: list[Check] = field(default_factory=list)
    total_checks: list[Check] = field(default_factory=list)
    income: BudgetLine | None = None
    income_lines: list[BudgetLine] = field(default_factory=list)
    costs: list[BudgetLine] = field(default_factory=list)  # a grand total, or the cost subtotals
    fin: list[BudgetLine] = field(default_factory=list)  # a financial subtotal, or its lines
    result: BudgetLine | None = None
    equity_open: BudgetLine | None = None
    equity_close: BudgetLine | None = None

    @classmethod
    def parse(cls, unit: Unit, year: int) -> BudgetTable:
        all_lines = unit.budget_lines
        table = cls(unit, year, unit_factor(all_lines))
        group: list[BudgetLine] = []
        group_broken = False
        subs: list[tuple[BudgetLine, str]] = []
        grand_cost: BudgetLine | None = None
        fin_lines: list[BudgetLine] = []
        fin_total: BudgetLine | None = None
        for b in (x for x in all_lines if x.year == year):
            kind = line_kind(b)
            if b.amount_sek is None:
                if b.raw:  # a cell is there but unreadable: the group cannot be checked
                    group_broken = True
                continue
            if kind == "equity_open":
                table.equity_open = b
            elif kind == "equity_close":
                table.equity_close = b
            elif kind == "result":
                table.result = b
            elif kind == "line":
                group.append(b)
                if total_kind(b) == "fin":
                    fin_lines.append(b)
            else:
                tk = total_kind(b)
                if group:
                    if not group_broken:
                        table.line_checks.append(Check(b, list(group), "lines"))
                    if tk == "income" and table.income is None:
                        table.income, table.income_lines = b, [g for g in group if total_kind(g) != "fin"]
                    subs.append((b, tk))
                else:
                    parts: list[BudgetLine] = []
                    while subs and subs[-1][1] == tk:
                        parts.insert(0, subs.pop()[0])
                    if parts:
                        table.total_checks.append(Check(b, parts, "subtotals"))
                    subs.append((b, tk))
                    if tk == "cost":
                        grand_cost = b
                    if tk == "income" and table.income is None:
                        table.income = b
                if tk == "fin":
                    fin_total = b
                group, group_broken = [], False
        if table.income is None and group and all(total_kind(g) == "income" for g in group):
            table.income_lines = group
        table.costs = [grand_cost] if grand_cost else [s for s, k in subs if k == "cost"]
        table.fin = [fin_total] if fin_total else fin_lines
        return table

    def tolerance(self, n: int) -> Decimal:
        """How far a figure may differ from the sum of n printed (rounded) lines."""
        return Decimal(self.factor * max(n, 1) * RECONCILE.rounding_units_per_line)


def sum_amounts(lines: list[BudgetLine]) -> Decimal:
    return sum((b.amount_sek for b in lines if b.amount_sek is not None), Decimal(0))
