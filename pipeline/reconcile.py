"""Reconciliation: what does not add up, inside a document and across documents and years.

`reconcile(documents)` runs every rule in `RULES` and returns `Flag`s. Each rule is a
small function with a stable rule_id and severity; messages are Swedish (for the kansli),
evidence lists the values compared with their provenance (file, page).

Precision matters as much as recall: tkr tables round each line, so sums tolerate one
printed unit (1 tkr) per summed line; a later plan that differs from an earlier one is
`info`, not an error, unless the later document claims to carry the figure over.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz

from extractors.budget import names_a_share
from models import BudgetLine, DocType, Document, Flag, Record
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.numbers import format_swedish_number, parse_swedish_number
from pipeline.sv.orgnr import is_valid_org_number
from pipeline.resolve import (
    PLAN_TYPES, OrgResolver, Unit, agreement_chains, all_units, has_name, line_key, match_meetings,
    party_keys, resolve_budget_lines, resolve_orgs, same_org, same_person,
)

# --- flags and evidence ---------------------------------------------------------------------


def money(value: Decimal | int | None, factor: int = 1) -> str:
    if value is None:
        return "–"
    if factor >= 1000:
        return f"{format_swedish_number(Decimal(value) / 1000, decimals=0 if Decimal(value) % 1000 == 0 else 1)} tkr"
    return f"{format_swedish_number(Decimal(value))} kr"


def sv_date(d: date | None) -> str:
    return d.isoformat() if d else "–"


def evidence(unit: Unit, what: str, value: Any, record: Record | None = None, year: int | None = None,
             display: str | None = None, key: str | None = None) -> dict[str, Any]:
    """One value compared, with where it stands (file, page) and, when it was read by OCR,
    the page's OCR confidence (the report then says to check the figure against the page)."""
    prov = record.provenance if record is not None else unit.segment.provenance
    ocr_confidence = None
    if prov.method == "ocr":
        page = next((p for p in unit.doc.pages if p.number == prov.page), None)
        ocr_confidence = (page.ocr_confidence if page is not None and page.ocr_confidence is not None
                          else prov.ocr_confidence)
    return {
        "key": key or f"{unit.doc_id[:16]}|{unit.segment.segment_id}|{what}|{year or ''}",
        "what": what,
        "year": year,
        "value": None if value is None else str(value),
        "display": display if display is not None else (str(value) if value is not None else "–"),
        "doc_id": unit.doc_id,
        "file": unit.doc.file_name,
        "path": unit.doc.current_path,
        "page": prov.page,
        "record_id": record.record_id if record is not None else None,
        "method": prov.method,
        "ocr_confidence": None if ocr_confidence is None else round(float(ocr_confidence), 1),
    }


def make_flag(rule_id: str, severity: str, message: str, items: list[dict[str, Any]], year: int | None = None) -> Flag:
    keys = sorted({e["key"] for e in items})
    digest = hashlib.sha256("|".join([rule_id, *keys]).encode("utf-8")).hexdigest()[:16]
    doc_ids: list[str] = []
    for e in items:
        if e["doc_id"] not in doc_ids:
            doc_ids.append(e["doc_id"])
    return Flag(flag_id=f"{rule_id}-{digest}", rule_id=rule_id, severity=severity, message=message,
                doc_ids=doc_ids, year=year, evidence=items)


# --- rule registry ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Rule:
    rule_id: str
    severity: str  # the usual severity; some rules lower or raise it with a reason
    scope: str  # "document" or "corpus"
    fn: Callable[..., list[Flag]]
    description: str


RULES: list[Rule] = []


def rule(rule_id: str, severity: str, scope: str, description: str):
    def deco(fn):
        RULES.append(Rule(rule_id, severity, scope, fn, description))
        return fn

    return deco


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


def merge_repeated(flags: list[Flag]) -> list[Flag]:
    """One flag for the same finding in several files.

    The same document often arrives twice (the PDF sent with a kallelse, later the signed
    scan): every rule then fires once per copy with the very same message. Such flags are
    one finding with the evidence of every copy, so the kansli reads it once.
    """
    groups: dict[tuple, list[Flag]] = {}
    for f in flags:
        groups.setdefault((f.rule_id, f.severity, f.year, f.message), []).append(f)
    out: list[Flag] = []
    for (rule_id, severity, year, message), same in groups.items():
        if len(same) == 1:
            out.append(same[0])
            continue
        items = [e for f in same for e in f.evidence]
        files: list[str] = []
        for e in items:
            if e.get("file") and e["file"] not in files:
                files.append(e["file"])
        note = f" Samma avvikelse i {len(files)} filer: {', '.join(files)}." if len(files) > 1 else ""
        out.append(make_flag(rule_id, severity, message + note, items, year))
    return out


# --- budget tables ------------------------------------------------------------------------

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
    extractor; for records written before it was, derived from the raw cells."""
    scales = Counter(b.scale for b in lines if b.scale)
    if scales:
        return scales.most_common(1)[0][0]
    factors: Counter[int] = Counter()
    for b in lines:
        if b.raw and b.amount_sek:
            n = parse_swedish_number(b.raw.replace("tkr", "").replace("kr", ""))
            if n:
                f = abs(b.amount_sek / n)
                if f in (1, 1000, 1000000):
                    factors[int(f)] += 1
    if factors:
        return factors.most_common(1)[0][0]
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
        return Decimal(self.factor * max(n, 1))


# --- rules inside a document ----------------------------------------------------------------


def _sum(lines: list[BudgetLine]) -> Decimal:
    return sum((b.amount_sek for b in lines if b.amount_sek is not None), Decimal(0))


def _budget_sum_flags(unit: Unit, ctx: Context, rule_id: str, kind: str) -> list[Flag]:
    flags = []
    for year in unit.budget_years:
        t = ctx.table(unit, year)
        for check in (t.line_checks if kind == "lines" else t.total_checks):
            total = check.what.amount_sek
            s = _sum(check.parts)
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


@rule("budget-line-sum", "error", "document", "Budget lines do not add up to their subtotal (beyond 1 tkr per line).")
def budget_line_sum(unit: Unit, ctx: Context) -> list[Flag]:
    return _budget_sum_flags(unit, ctx, "budget-line-sum", "lines")


@rule("budget-subtotal-sum", "error", "document", "Subtotals do not add up to the total.")
def budget_subtotal_sum(unit: Unit, ctx: Context) -> list[Flag]:
    return _budget_sum_flags(unit, ctx, "budget-subtotal-sum", "subtotals")


@rule("budget-result", "error", "document", "Income - costs + financial items differs from RESULTAT.")
def budget_result(unit: Unit, ctx: Context) -> list[Flag]:
    flags = []
    for year in unit.budget_years:
        t = ctx.table(unit, year)
        if t.result is None or t.income is None or not t.costs:
            continue
        costs = _sum(t.costs)
        fin = _sum(t.fin)
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


@rule("equity-roll", "error", "document", "Opening equity + result differs from closing equity in a year.")
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


@rule("share-sum", "error", "document", "Percentage shares (e.g. of the kommuner's contribution) do not sum to 100.")
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
        tol = Decimal("0.05") * len(shares) + Decimal("0.001")
        if abs(total - 100) <= tol:
            continue
        listed = ", ".join(f"{_short_label(b.label)} {_pct(b.share_percent)} %" for b in shares)
        msg = f"Andelarna i procent ({listed}) summerar till {_pct(total)} %, inte 100 %."
        items = [evidence(unit, f"andel {_short_label(b.label)}", b.share_percent, b, year, f"{_pct(b.share_percent)} %")
                 for b in shares]
        flags.append(make_flag("share-sum", "error", msg, items, year))
    return flags


def _short_label(label: str) -> str:
    return re.sub(r"^[\s\-\u2013\u2212•]+", "", re.sub(r",.*$", "", label)).strip()


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def _series_flags(unit: Unit, rule_id: str, numbers: list[tuple[int, Record]], noun: str, start_at_one: bool) -> list[Flag]:
    if len(numbers) < 2:
        return []
    counts = Counter(n for n, _ in numbers)
    values = sorted(counts)
    low = 1 if start_at_one and values[0] > 1 and values[0] <= 3 else values[0]
    missing = [n for n in range(low, values[-1] + 1) if n not in counts]
    # a repeated number counts when it repeats in sequence ("5, 6, 6, 7"); one far out of order
    # ("..., 7, 3, 8") is a numbered list inside an item, not a second item 3
    order = [n for n, _ in numbers]
    dupes = sorted({b for a, b in zip(order, order[1:]) if a == b})
    flags = []
    if missing:
        nums = ", ".join(str(n) for n in missing)
        msg = f"Numreringen av {noun} har en lucka: {nums} saknas (numren går från {low} till {values[-1]})."
        items = [evidence(unit, f"{noun} {n}", n, rec, key=f"{unit.doc_id[:16]}|{unit.segment.segment_id}|{noun}|{n}")
                 for n, rec in numbers if n in {m - 1 for m in missing} | {m + 1 for m in missing}]
        items.append(evidence(unit, f"saknas: {nums}", None, None, key=f"{unit.doc_id[:16]}|{unit.segment.segment_id}|{noun}|missing|{nums}",
                              display="saknas"))
        flags.append(make_flag(rule_id, "warning", msg, items))
    if dupes:
        nums = ", ".join(str(n) for n in sorted(dupes))
        msg = f"Numreringen av {noun} har dubbletter: {nums} förekommer mer än en gång."
        items = [evidence(unit, f"{noun} {n}", n, rec, key=f"{unit.doc_id[:16]}|{unit.segment.segment_id}|{noun}|{n}|{rec.record_id}")
                 for n, rec in numbers if n in dupes]
        flags.append(make_flag(rule_id, "warning", msg, items))
    return flags


@rule("numbering-agenda", "warning", "document", "Agenda item numbers with gaps or duplicates.")
def numbering_agenda(unit: Unit, ctx: Context) -> list[Flag]:
    return _series_flags(unit, "numbering-agenda", [(a.item_number, a) for a in unit.agenda_items],
                         "dagordningspunkter", start_at_one=True)


@rule("numbering-paragraphs", "warning", "document", "Minutes § numbers with gaps or duplicates.")
def numbering_paragraphs(unit: Unit, ctx: Context) -> list[Flag]:
    return _series_flags(unit, "numbering-paragraphs", [(p.paragraph_number, p) for p in unit.paragraphs],
                         "paragrafer (§)", start_at_one=False)


@rule("numbering-initiatives", "warning", "document", "Numbered initiatives with gaps or duplicates.")
def numbering_initiatives(unit: Unit, ctx: Context) -> list[Flag]:
    nums = [(int(f.value), f) for f in unit.facts if f.kind == "initiative" and f.value and f.value.isdigit()]
    return _series_flags(unit, "numbering-initiatives", nums, "samverkansinitiativ", start_at_one=True)


@rule("date-order-meeting", "error", "document", "Justering before the meeting, or the notice posted before justering / taken down before posted.")
def date_order_meeting(unit: Unit, ctx: Context) -> list[Flag]:
    flags = []
    for m in unit.meetings:
        meeting = m.meeting_date or unit.meeting_date
        pairs = [
            ("sammanträdesdatum", meeting, "justeringsdatum", m.justeringsdatum, "Protokollet justerades före sammanträdet"),
            ("justeringsdatum", m.justeringsdatum, "anslag uppsatt", m.anslag_uppsatt, "Anslaget sattes upp före justeringen"),
            ("anslag uppsatt", m.anslag_uppsatt, "anslag nedtaget", m.anslag_nedtaget, "Anslaget togs ned innan det sattes upp"),
        ]
        for name_a, a, name_b, b, text in pairs:
            if a and b and b < a:
                msg = f"{text}: {name_b} {sv_date(b)} ligger före {name_a} {sv_date(a)}."
                items = [evidence(unit, name_a, a.isoformat(), m, a.year), evidence(unit, name_b, b.isoformat(), m, b.year)]
                flags.append(make_flag("date-order-meeting", "error", msg, items, a.year))
    return flags


@rule("date-order-validity", "error", "document", "Validity end before validity start.")
def date_order_validity(unit: Unit, ctx: Context) -> list[Flag]:
    start, end = unit.valid_from, unit.valid_to
    if not (start and end) or end >= start:
        return []
    rec_a = unit.fact("valid_from") or unit.segment
    rec_b = unit.fact("valid_to") or unit.segment
    msg = f"Giltighetstiden slutar före den börjar: gäller från {sv_date(start)} till {sv_date(end)}."
    items = [evidence(unit, "gäller från", start.isoformat(), rec_a, start.year),
             evidence(unit, "gäller till", end.isoformat(), rec_b, end.year)]
    return [make_flag("date-order-validity", "error", msg, items, start.year)]


@rule("orgnr-invalid", "error", "document", "An organisationsnummer with a wrong check digit or form.")
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


_PART_OF = re.compile(r"\bav beloppet\b|\bvarav\b|\bfordelas\b|\bdelbelopp|\bresterande del\b|\bav ramen\b")


def _yearly(a) -> Decimal:
    return a.amount_sek * 12 if a.per == "month" else a.amount_sek


def _part_text(a) -> str:
    who = f"{a.recipient} " if a.recipient else ""
    if a.per == "month":
        return f"{who}12 × {money(a.amount_sek)} = {money(a.amount_sek * 12)}"
    return f"{who}{money(a.amount_sek)}"


@rule("amount-exceeds-max", "error", "document", "Parts of an amount add up to more than its stated maximum total.")
def amount_exceeds_max(unit: Unit, ctx: Context) -> list[Flag]:
    maxima = [a for a in unit.amounts if a.is_maximum and a.per == "total" and not a.recipient]
    if not maxima:
        return []
    flags = []
    for cap in maxima:
        parts: dict[str, Any] = {}
        for a in unit.amounts:
            if a is cap or a.is_maximum and not a.recipient:
                continue
            is_part = bool(a.recipient) or bool(_PART_OF.search(_N(a.context)))
            if not is_part or (cap.year and a.year and a.year != cap.year):
                continue
            if a.per == "month" and not cap.year:
                continue  # a monthly part of a total over an unknown period cannot be added up
            parts.setdefault(f"{normalize_for_match(a.recipient or '')}|{a.amount_sek}|{a.per}", a)
        if not parts:
            continue
        total = sum((_yearly(a) for a in parts.values()), Decimal(0))
        if total <= cap.amount_sek + len(parts):
            continue
        msg = (f"Delbeloppen ({', '.join(_part_text(a) for a in parts.values())}) "
               f"summerar till {money(total)}, mer än det angivna maxbeloppet {money(cap.amount_sek)}.")
        items = [evidence(unit, f"maxbelopp ({cap.raw})", cap.amount_sek, cap, cap.year, money(cap.amount_sek))]
        items += [evidence(unit, f"delbelopp {a.recipient or a.raw}", _yearly(a), a, a.year, _part_text(a)) for a in parts.values()]
        flags.append(make_flag("amount-exceeds-max", "error", msg, items, cap.year))
    return flags


@rule("signature-missing-name", "warning", "document", "A signature block names an organisation but no person.")
def signature_missing_name(unit: Unit, ctx: Context) -> list[Flag]:
    missing = [s for s in unit.signatories if s.organisation and not has_name(s.person_name)]
    if not missing:
        return []
    orgs = ", ".join(s.organisation for s in missing)
    msg = f"Underskriftsblocket saknar namn för: {orgs}."
    items = [evidence(unit, f"underskrift {s.organisation}", s.person_name or "", s, display="(inget namn)") for s in missing]
    return [make_flag("signature-missing-name", "warning", msg, items, unit.plan_year)]


# --- rules across documents and years --------------------------------------------------------


def _forbund(unit: Unit) -> str | None:
    return unit.segment.organisation or unit.doc.organisation


def looks_like_person(name: str | None) -> bool:
    """A signer's name, not an organisation read into the name column."""
    if not has_name(name):
        return False
    return not re.search(r"kommun|region|kassan|formedling|forbund|landsting|kriminalvard|myndighet|skola",
                         _N(name))


def same_forbund(a: Unit, b: Unit) -> bool:
    fa, fb = _forbund(a), _forbund(b)
    return not fa or not fb or same_org(fa, fb)


def _plans_with_budgets(ctx: Context) -> list[Unit]:
    plans = [u for u in ctx.units if u.budget_lines]
    return sorted(plans, key=lambda u: (u.plan_year or 0, u.doc_id))


def _carry_claim(unit: Unit, pattern: str) -> Record | None:
    """A carry-over claim in the unit, else elsewhere in the same file: a plan's sentence
    ("Beloppen för 2025 är oförändrade ...") covers the budget segment printed after it."""
    facts = [*unit.facts, *(f for f in unit.doc.records.facts if f not in unit.facts)]
    return next((f for f in facts if f.kind == "carry_over" and re.search(pattern, _N(f.text))), None)


@rule("equity-continuity", "error", "corpus",
      "Closing equity of year N differs from opening equity of N+1 (same plan: error; a later plan: info unless it claims to carry it over).")
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
            if abs(diff) <= factor:
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


@rule("budget-line-changed", "warning", "corpus",
      "The same budget line and year with different amounts in different documents (a later plan: info).")
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
                if abs(diff) <= factor:
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


@rule("finsam-split", "error", "corpus",
      "Members' contributions break the Finsam split: Försäkringskassan 1/2, region 1/4, kommuner together 1/4.")
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
            fk, region, kommuner = (_sum(roles[k]) for k in ("fk", "region", "kommun"))
            total = fk + region + kommuner
            n_lines = len(roles["fk"]) + len(roles["region"]) + len(roles["kommun"])
            tol = Decimal(t.factor) * Decimal(n_lines + 1) / 2
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


@rule("parties-changed", "warning", "corpus", "Parties added or removed between consecutive agreements.")
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


@rule("orgnr-conflict", "error", "corpus", "The same organisation with different organisationsnummer.")
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


@rule("signatory-changed", "info", "corpus", "Another person signs for the same organisation than in the previous agreement.")
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


@rule("validity-gap-overlap", "warning", "corpus", "Gap or overlap between the validity periods of consecutive agreements.")
def validity_gap_overlap(ctx: Context) -> list[Flag]:
    flags = []
    for chain in ctx.chains:
        for a, b in zip(chain, chain[1:]):
            end, start = a.valid_to, b.valid_from
            if not end or not start or a.segment.valid_open_ended:
                continue
            if start == end + timedelta(days=1):
                continue
            if start > end:
                msg = (f"Glapp mellan överenskommelserna: den för {a.plan_year} gäller till {sv_date(end)}, "
                       f"nästa gäller först från {sv_date(start)} ({(start - end).days - 1} dagar utan giltig överenskommelse).")
            else:
                msg = (f"Överlapp mellan överenskommelserna: den för {a.plan_year} gäller till {sv_date(end)}, "
                       f"nästa gäller redan från {sv_date(start)}.")
            items = [evidence(a, "gäller till", end.isoformat(), a.fact("valid_to") or a.segment, end.year),
                     evidence(b, "gäller från", start.isoformat(), b.fact("valid_from") or b.segment, start.year)]
            flags.append(make_flag("validity-gap-overlap", "warning", msg, items, start.year))
    return flags


_PLAN_WORDS = ("verksamhetsplan", "budget", "overenskommelse", "handlingsplan")


def _plan_words(unit: Unit) -> set[str]:
    """What a decision on this document must name: the kinds of plan its title and type say it is."""
    text = _N(f"{unit.segment.title or ''} {unit.doc.title or ''} {unit.doc_type}")
    words = {w for w in _PLAN_WORDS if w in text}
    return words or set(_PLAN_WORDS)


def _decides_plan(unit: Unit, words: set[str]) -> Record | None:
    pattern = re.compile("|".join(sorted(words)))
    for d in unit.decisions:
        if d.decision_kind == "beslut" and pattern.search(_N(d.text)):
            return d
    for p in unit.paragraphs:
        if pattern.search(_N(p.title)) and re.search(r"\bbeslut\b|faststall|\bantar\b|\banta\b", _N(p.text)):
            return p
    return None


@rule("deadline-missed", "warning", "corpus",
      "A stated deadline for a decision with no matching decision in the minutes present by then.")
def deadline_missed(ctx: Context) -> list[Flag]:
    flags = []
    minutes = [u for u in ctx.units if u.doc_type == DocType.PROTOKOLL and u.meeting_date]
    for u in ctx.units:
        for fact in (f for f in u.facts if f.kind == "deadline" and f.fact_date):
            deadline = fact.fact_date
            window = [m for m in minutes if deadline - timedelta(days=365) < m.meeting_date <= deadline and same_forbund(m, u)]
            if not window:
                continue  # the minutes of the period are not here: nothing to say
            if any(_decides_plan(m, _plan_words(u)) for m in window):
                continue
            dates = ", ".join(sorted(sv_date(m.meeting_date) for m in window))
            msg = (f"Dokumentet anger att beslut ska tas senast {sv_date(deadline)} (”{fact.text}”), men inget "
                   f"sådant beslut finns i protokollen från perioden ({dates}).")
            items = [evidence(u, "sista dag för beslut", deadline.isoformat(), fact, deadline.year, fact.text,
                              key=f"{u.doc_id[:16]}|deadline|{deadline.isoformat()}")]
            items += [evidence(m, f"protokoll {sv_date(m.meeting_date)}", m.meeting_date.isoformat(), m.segment,
                               m.meeting_date.year, "inget beslut om planen") for m in window]
            flags.append(make_flag("deadline-missed", "warning", msg, items, deadline.year))
    return flags


def _kind_is_decision(kind: str | None, title: str) -> bool:
    return bool(re.search(r"\bbeslut\b", _N(kind or ""))) or bool(re.search(r"\bbeslut\s*$", _N(title)))


@rule("agenda-decision-missing", "warning", "corpus", "An agenda item of kind Beslut with no decision in the minutes of that meeting.")
def agenda_decision_missing(ctx: Context) -> list[Flag]:
    flags = []
    for agenda, minutes in match_meetings(ctx.units):
        for item in agenda.agenda_items:
            if not _kind_is_decision(item.item_kind, item.title):
                continue
            if _has_decision(item, minutes):
                continue
            msg = (f"Punkt {item.item_number} ”{item.title}” står som beslutspunkt i föredragningslistan för "
                   f"{sv_date(agenda.meeting_date)}, men protokollet från mötet har inget beslut i ärendet.")
            items = [evidence(agenda, f"punkt {item.item_number}", item.title, item, agenda.meeting_date.year),
                     evidence(minutes, f"protokoll {sv_date(minutes.meeting_date)}", None, minutes.segment,
                              minutes.meeting_date.year, "inget beslut")]
            flags.append(make_flag("agenda-decision-missing", "warning", msg, items, agenda.meeting_date.year))
    return flags


def _title_key(title: str) -> str:
    t = _N(title)
    t = re.sub(r"\b(beslut|information|diskussion|bilaga \d+( \d+)?|bilagor?)\b", " ", t)
    return " ".join(t.split())


def _has_decision(item, minutes: Unit) -> bool:
    if any(d.item_number == item.item_number and d.decision_kind == "beslut" for d in minutes.decisions):
        return True
    key = _title_key(item.title)
    for p in minutes.paragraphs:
        if fuzz.token_set_ratio(key, _title_key(p.title)) < 80:
            continue
        if any(d.paragraph_number == p.paragraph_number and d.decision_kind == "beslut" for d in minutes.decisions):
            return True
        if re.search(r"\bbeslut\b|\bbeslutar\b|\bfaststall|\bantar\b", _N(p.text)):
            return True
        if re.search(r"\bBeslut\s*:", _paragraph_block(minutes.doc, p.paragraph_number)):
            return True
    return False


def _paragraph_block(doc: Document, number: int) -> str:
    """The text of "§ N" up to the next §, from the whole file (a § whose text the minutes
    extractor did not keep still shows its "Beslut:" here)."""
    text = "\n".join(p.text for p in doc.pages)
    m = re.search(rf"§\s*{number}\b(.*?)(?=§\s*\d+\b|\Z)", text, re.S)
    return m.group(1) if m else ""


@rule("board-size-changed", "info", "corpus", "The board's stated size changes between plans.")
def board_size_changed(ctx: Context) -> list[Flag]:
    flags = []
    for kind, noun in (("board_members", "ledamöter"), ("board_deputies", "ersättare")):
        stated = [(u, f) for u in ctx.units if u.doc_type in PLAN_TYPES | {DocType.UPPDRAGSAVTAL}
                  for f in u.facts if f.kind == kind and u.plan_year]
        stated.sort(key=lambda e: (e[0].plan_year, e[0].doc_id))
        for (ua, fa), (ub, fb) in zip(stated, stated[1:]):
            if fa.value == fb.value or ua.plan_year == ub.plan_year or not same_forbund(ua, ub):
                continue
            msg = (f"Styrelsens storlek har ändrats: {fa.value} {noun} i planen för {ua.plan_year}, "
                   f"{fb.value} {noun} i planen för {ub.plan_year}.")
            items = [evidence(ua, f"antal {noun}", fa.value, fa, ua.plan_year, f"{fa.value} ({fa.text})"),
                     evidence(ub, f"antal {noun}", fb.value, fb, ub.plan_year, f"{fb.value} ({fb.text})")]
            flags.append(make_flag("board-size-changed", "info", msg, items, ub.plan_year))
    return flags
