"""What every rule sees: the units of all documents, the organisations resolved across them,
the chains of consecutive agreements, and each budget's parsed tables (parsed once)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.reconcile.budget_structure import BudgetTable
from pipeline.reconcile.resolve import OrgResolver
from pipeline.reconcile.units import Unit


@dataclass
class Context:
    units: list[Unit]
    orgs: OrgResolver
    chains: list[list[Unit]]
    tables: dict[tuple[str, str], dict[int, BudgetTable]] = field(default_factory=dict)

    def table(self, unit: Unit, year: int) -> BudgetTable:
        key = (unit.doc_id, unit.segment.segment_id)
        if key not in self.tables:
            self.tables[key] = {y: BudgetTable.parse(unit, y) for y in unit.budget_years}
        return self.tables[key].get(year) or BudgetTable.parse(unit, year)
