"""The reconciliation rules, each once: its id, usual severity, scope, function, Swedish title
(for the kansli's report) and what it checks; and `reconcile(documents)`, which runs them all.

A "document" rule runs on each unit (one segment of one document); a "corpus" rule on all
units together, across documents and years. Messages are Swedish (for the kansli);
evidence lists the values compared with their provenance (file, page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models import Document, Flag
from pipeline.reconcile.context import Context
from pipeline.reconcile.evidence import merge_repeated
from pipeline.reconcile.resolve import agreement_chains, resolve_orgs
from pipeline.reconcile.rules_agreements import (
    amount_exceeds_max, board_size_changed, date_order_validity, validity_gap_overlap,
)
from pipeline.reconcile.rules_budget import (
    budget_line_changed, budget_line_sum, budget_result, budget_subtotal_sum, equity_continuity, equity_roll,
    finsam_split, share_sum,
)
from pipeline.reconcile.rules_meetings import (
    agenda_decision_missing, date_order_meeting, deadline_missed, numbering_agenda, numbering_initiatives,
    numbering_paragraphs,
)
from pipeline.reconcile.rules_parties import (
    orgnr_conflict, orgnr_invalid, parties_changed, signatory_changed, signature_missing_name,
)
from pipeline.reconcile.units import all_units


@dataclass(frozen=True)
class Rule:
    rule_id: str
    severity: str  # the usual severity; some rules lower or raise it with a reason
    scope: str  # "document" or "corpus"
    fn: Callable[..., list[Flag]]
    title: str  # Swedish, as the report names the check
    description: str


# In this order in the report's list of checks: inside a document first, then across documents.
RULES: list[Rule] = [
    Rule("budget-line-sum", "error", "document", budget_line_sum, "Budgetrader mot delsumma",
         "Budget lines do not add up to their subtotal (beyond 1 tkr per line)."),
    Rule("budget-subtotal-sum", "error", "document", budget_subtotal_sum, "Delsummor mot totalsumma",
         "Subtotals do not add up to the total."),
    Rule("budget-result", "error", "document", budget_result, "Intäkter − kostnader + finansiella poster mot resultat",
         "Income - costs + financial items differs from RESULTAT."),
    Rule("equity-roll", "error", "document", equity_roll, "Eget kapital: ingående + resultat mot utgående",
         "Opening equity + result differs from closing equity in a year."),
    Rule("share-sum", "error", "document", share_sum, "Procentandelar summerar inte till 100",
         "Percentage shares (e.g. of the kommuner's contribution) do not sum to 100."),
    Rule("numbering-agenda", "warning", "document", numbering_agenda, "Numrering av dagordningspunkter",
         "Agenda item numbers with gaps or duplicates."),
    Rule("numbering-paragraphs", "warning", "document", numbering_paragraphs, "Numrering av paragrafer",
         "Minutes § numbers with gaps or duplicates."),
    Rule("numbering-initiatives", "warning", "document", numbering_initiatives, "Numrering av samverkansinitiativ",
         "Numbered initiatives with gaps or duplicates."),
    Rule("date-order-meeting", "error", "document", date_order_meeting, "Datum i protokoll i fel ordning",
         "Justering before the meeting, or the notice posted before justering / taken down before posted."),
    Rule("date-order-validity", "error", "document", date_order_validity, "Giltighetstid i fel ordning",
         "Validity end before validity start."),
    Rule("orgnr-invalid", "error", "document", orgnr_invalid, "Ogiltigt organisationsnummer",
         "An organisationsnummer with a wrong check digit or form."),
    Rule("amount-exceeds-max", "error", "document", amount_exceeds_max, "Delbelopp över maxbelopp",
         "Parts of an amount add up to more than its stated maximum total."),
    Rule("signature-missing-name", "warning", "document", signature_missing_name, "Underskrift utan namn",
         "A signature block names an organisation but no person."),
    Rule("equity-continuity", "error", "corpus", equity_continuity, "Eget kapital mellan år",
         "Closing equity of year N differs from opening equity of N+1 (same plan: error; a later plan: info unless it claims to carry it over)."),
    Rule("budget-line-changed", "warning", "corpus", budget_line_changed, "Samma budgetrad, olika belopp",
         "The same budget line and year with different amounts in different documents (a later plan: info)."),
    Rule("finsam-split", "error", "corpus", finsam_split, "Finsam-fördelningen 50/25/25",
         "Members' contributions break the Finsam split: Försäkringskassan 1/2, region 1/4, kommuner together 1/4."),
    Rule("parties-changed", "warning", "corpus", parties_changed, "Parter har ändrats",
         "Parties added or removed between consecutive agreements."),
    Rule("orgnr-conflict", "error", "corpus", orgnr_conflict, "Olika organisationsnummer för samma organisation",
         "The same organisation with different organisationsnummer."),
    Rule("signatory-changed", "info", "corpus", signatory_changed, "Ny undertecknare",
         "Another person signs for the same organisation than in the previous agreement."),
    Rule("validity-gap-overlap", "warning", "corpus", validity_gap_overlap, "Glapp eller överlapp i giltighetstid",
         "Gap or overlap between the validity periods of consecutive agreements."),
    Rule("deadline-missed", "warning", "corpus", deadline_missed, "Utlovat beslut saknas i protokollen",
         "A stated deadline for a decision with no matching decision in the minutes present by then."),
    Rule("agenda-decision-missing", "warning", "corpus", agenda_decision_missing, "Beslutspunkt utan beslut i protokollet",
         "An agenda item of kind Beslut with no decision in the minutes of that meeting."),
    Rule("board-size-changed", "info", "corpus", board_size_changed, "Styrelsens storlek har ändrats",
         "The board's stated size changes between plans."),
]
RULE_TITLES: dict[str, str] = {r.rule_id: r.title for r in RULES}


def reconcile(documents: list[Document]) -> list[Flag]:
    """Every flag the rules raise on these documents, ordered by severity, rule, then id."""
    units = all_units(documents)
    orgs = resolve_orgs(units)
    ctx = Context(units=units, orgs=orgs, chains=agreement_chains(units, orgs))
    flags: dict[str, Flag] = {}
    for r in RULES:
        produced = [f for u in units for f in r.fn(u, ctx)] if r.scope == "document" else r.fn(ctx)
        for f in produced:
            flags.setdefault(f.flag_id, f)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(merge_repeated(list(flags.values())), key=lambda f: (order[f.severity], f.rule_id, f.year or 0, f.flag_id))
