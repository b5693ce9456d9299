"""Rules on agreements and plans: validity periods (in order, no gap or overlap between
consecutive agreements), parts of an amount over its stated maximum, the board's stated
size between plans."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from models import DocType, Flag
from pipeline.config import RECONCILE
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.reconcile.context import Context
from pipeline.reconcile.evidence import evidence, make_flag
from pipeline.reconcile.formatting import money, sv_date
from pipeline.reconcile.resolve import same_forbund
from pipeline.reconcile.units import PLAN_TYPES, Unit

_N = normalize_for_match


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


_PART_OF = re.compile(r"\bav beloppet\b|\bvarav\b|\bfordelas\b|\bdelbelopp|\bresterande del\b|\bav ramen\b")


def _yearly(a) -> Decimal:
    return a.amount_sek * 12 if a.per == "month" else a.amount_sek


def _part_text(a) -> str:
    who = f"{a.recipient} " if a.recipient else ""
    if a.per == "month":
        return f"{who}12 × {money(a.amount_sek)} = {money(a.amount_sek * 12)}"
    return f"{who}{money(a.amount_sek)}"


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
        if total <= cap.amount_sek + len(parts) * RECONCILE.amount_part_rounding_kr:
            continue
        msg = (f"Delbeloppen ({', '.join(_part_text(a) for a in parts.values())}) "
               f"summerar till {money(total)}, mer än det angivna maxbeloppet {money(cap.amount_sek)}.")
        items = [evidence(unit, f"maxbelopp ({cap.raw})", cap.amount_sek, cap, cap.year, money(cap.amount_sek))]
        items += [evidence(unit, f"delbelopp {a.recipient or a.raw}", _yearly(a), a, a.year, _part_text(a)) for a in parts.values()]
        flags.append(make_flag("amount-exceeds-max", "error", msg, items, cap.year))
    return flags


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
