"""Rules on meetings: numbering of agenda items, paragraphs and initiatives, the order of a
meeting's dates, agenda decision items with no decision in the minutes, and a stated
deadline for a decision with no such decision in the minutes of the period."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from rapidfuzz import fuzz

from models import DocType, Document, Flag, Record
from pipeline.config import RECONCILE
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.reconcile.context import Context
from pipeline.reconcile.evidence import evidence, make_flag
from pipeline.reconcile.formatting import sv_date
from pipeline.reconcile.resolve import match_meetings, same_forbund
from pipeline.reconcile.units import Unit

_N = normalize_for_match


def _series_flags(unit: Unit, rule_id: str, numbers: list[tuple[int, Record]], noun: str, start_at_one: bool) -> list[Flag]:
    if len(numbers) < 2:
        return []
    counts = Counter(n for n, _ in numbers)
    values = sorted(counts)
    low = 1 if start_at_one and 1 < values[0] <= RECONCILE.numbering_gap_at_start_max else values[0]
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


def numbering_agenda(unit: Unit, ctx: Context) -> list[Flag]:
    return _series_flags(unit, "numbering-agenda", [(a.item_number, a) for a in unit.agenda_items],
                         "dagordningspunkter", start_at_one=True)


def numbering_paragraphs(unit: Unit, ctx: Context) -> list[Flag]:
    return _series_flags(unit, "numbering-paragraphs", [(p.paragraph_number, p) for p in unit.paragraphs],
                         "paragrafer (§)", start_at_one=False)


def numbering_initiatives(unit: Unit, ctx: Context) -> list[Flag]:
    nums = [(int(f.value), f) for f in unit.facts if f.kind == "initiative" and f.value and f.value.isdigit()]
    return _series_flags(unit, "numbering-initiatives", nums, "samverkansinitiativ", start_at_one=True)


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


def deadline_missed(ctx: Context) -> list[Flag]:
    flags = []
    minutes = [u for u in ctx.units if u.doc_type == DocType.PROTOKOLL and u.meeting_date]
    for u in ctx.units:
        for fact in (f for f in u.facts if f.kind == "deadline" and f.fact_date):
            deadline = fact.fact_date
            since = deadline - timedelta(days=RECONCILE.deadline_window_days)
            window = [m for m in minutes if since < m.meeting_date <= deadline and same_forbund(m, u)]
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
        if fuzz.token_set_ratio(key, _title_key(p.title)) < RECONCILE.agenda_title_match_cutoff:
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
