"""How amounts, dates and percent shares are written in the Swedish flag messages and the
kansli's report (one spelling of "2 090 tkr" for both)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pipeline.sv.numbers import format_swedish_number


def money(value: Decimal | int | None, factor: int = 1) -> str:
    if value is None:
        return "–"
    if factor >= 1000:
        return f"{format_swedish_number(Decimal(value) / 1000, decimals=0 if Decimal(value) % 1000 == 0 else 1)} tkr"
    return f"{format_swedish_number(Decimal(value))} kr"


def sv_date(d: date | None) -> str:
    return d.isoformat() if d else "–"


def percent(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")
