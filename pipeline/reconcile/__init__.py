"""Reconciliation: what does not add up, inside a document and across documents and years.

units (one segment of one document with its records) -> resolve (the same organisation,
person, budget line, meeting, agreement across documents) -> the rules by theme
(rules_budget, rules_meetings, rules_parties, rules_agreements, over budget_structure and
evidence) -> registry (every rule with its Swedish title; `reconcile`).
"""

from pipeline.reconcile.registry import reconcile

__all__ = ["reconcile"]
