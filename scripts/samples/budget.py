"""The förbund's multi-year budget, 2024-2028, in exact SEK; plans show three-year windows.

Every plan prints the same underlying model (later plans carry earlier figures over
unchanged), rounded to tkr line by line: subtotals are rounded from exact sums, so
printed lines may legitimately miss their printed subtotal by a tkr or two (the rounding
the rules must tolerate). Planted errors are applied as printed-value overrides per plan,
or as a change to the model itself (the Finsam split), so that everything else around
them stays consistent.
"""

from __future__ import annotations

from decimal import Decimal as D

from samples.world import AF, FK, KOMMUNER, REGION, SHARES, pct_text, tkr_round, tkr_text

YEARS = [2024, 2025, 2026, 2027, 2028]
FK_CONTRIB = {2024: 4_200_000, 2025: 4_300_000, 2026: 4_300_000, 2027: 4_400_000, 2028: 4_400_000}
OPENING_2024 = D(2_350_400)

KANSLI = {
    "Arvoden till styrelsen": [182_400, 186_300, 190_600, 194_400, 198_300],
    "Arvoden till revisorer": [64_600, 66_200, 67_800, 69_500, 71_200],
    "Kanslipersonal": [1_842_400, 1_897_600, 1_954_500, 2_013_200, 2_073_600],
    "Ekonomihantering": [311_300, 318_500, 325_700, 333_100, 340_600],
    "Lokalhyra": [118_400, 121_300, 124_200, 127_100, 130_100],
    "Konferens och utbildning": [42_500, 44_000, 45_000, 46_000, 47_000],
    "Resor och logi": [51_400, 52_600, 53_800, 55_000, 56_300],
    "Övrigt kontor och adm.": [96_300, 98_700, 101_200, 103_700, 106_300],
}
VERKSAMHETER = {
    "Steget, Norråsa": [2_946_000, 3_012_000, 3_050_000, 3_090_000, 3_130_000],
    "Unga vuxna, Lillforsa": [1_212_300, 1_236_500, 1_261_200, 1_286_400, 1_312_100],
    "Samordningsteam Granåsen–Hedträsk": [1_484_600, 1_514_300, 1_544_600, 1_575_500, 1_607_000],
    "Kompetensutveckling och mötesplatser": [240_000, 250_000, 250_000, 260_000, 260_000],
    "Analys och uppföljning": [135_500, 138_200, 141_000, 143_800, 146_700],
}
OVRIGA_INTAKTER = [60_000, 60_000, 65_000, 65_000, 70_000]
FIN_INTAKTER = [38_600, 31_400, 24_800, 18_300, 12_700]
FIN_KOSTNADER = [-1_200, -1_200, -1_300, -1_300, -1_400]


def kommun_label(name: str, share: D) -> str:
    return f"{name}, {pct_text(share)} av arb-bef."


class Model:
    """Exact amounts per line and year (income positive, costs negative)."""

    def __init__(self, region_override: dict[int, int] | None = None):
        self.lines: dict[str, dict[int, D]] = {}  # key -> year -> exact SEK
        region_override = region_override or {}
        for i, y in enumerate(YEARS):
            fk = D(FK_CONTRIB[y])
            self._set(FK.name, y, fk)
            quarter = fk / 2
            for k in KOMMUNER:
                self._set(k.name, y, quarter * SHARES[k.name] / 100)
            self._set(REGION.name, y, D(region_override.get(y, fk / 2)))
            self._set("Övriga intäkter", y, D(OVRIGA_INTAKTER[i]))
            for label, vals in KANSLI.items():
                self._set(label, y, -D(vals[i]))
            for label, vals in VERKSAMHETER.items():
                self._set(label, y, -D(vals[i]))
            self._set("Finansiella intäkter", y, D(FIN_INTAKTER[i]))
            self._set("Finansiella kostnader", y, D(FIN_KOSTNADER[i]))
        self.income_keys = [FK.name, *[k.name for k in KOMMUNER], REGION.name, "Övriga intäkter"]
        self.kansli_keys = list(KANSLI)
        self.verks_keys = list(VERKSAMHETER)
        self.fin_keys = ["Finansiella intäkter", "Finansiella kostnader"]
        self.totals: dict[str, dict[int, D]] = {}
        opening = OPENING_2024
        for y in YEARS:
            t = {
                "Summa intäkter": sum(self.lines[k][y] for k in self.income_keys),
                "Summa kansli och styrelse": sum(self.lines[k][y] for k in self.kansli_keys),
                "Summa verksamheter": sum(self.lines[k][y] for k in self.verks_keys),
                "Summa finansiella poster": sum(self.lines[k][y] for k in self.fin_keys),
            }
            t["Summa kostnader"] = t["Summa kansli och styrelse"] + t["Summa verksamheter"]
            t["RESULTAT"] = t["Summa intäkter"] + t["Summa kostnader"] + t["Summa finansiella poster"]
            t["Eget kapital vid årets början"] = opening
            t["Eget kapital vid årets slut"] = opening + t["RESULTAT"]
            opening = t["Eget kapital vid årets slut"]
            for key, val in t.items():
                self.totals.setdefault(key, {})[y] = val

    def _set(self, key: str, year: int, value: D) -> None:
        self.lines.setdefault(key, {})[year] = value

    def printed(self, key: str, year: int) -> int:
        source = self.lines if key in self.lines else self.totals
        return tkr_round(source[key][year])


# Row layout: (style, key, printed label, gold section, is_total)
def layout(share_labels: dict[str, D]) -> list[tuple]:
    rows: list[tuple] = [("section", None, "Intäkter", None, False), ("line", FK.name, FK.name, "Intäkter", False)]
    for k in KOMMUNER:
        rows.append(("line", k.name, kommun_label(k.name, share_labels[k.name]), "Intäkter", False))
    rows += [
        ("line", REGION.name, REGION.name, "Intäkter", False),
        ("line", "Övriga intäkter", "Övriga intäkter", "Intäkter", False),
        ("total", "Summa intäkter", "Summa intäkter", "Intäkter", True),
        ("blank",),
        ("section", None, "Kostnader", None, False),
        ("section", None, "Kansli och styrelse", None, False),
    ]
    rows += [("line", k, k, "Kansli och styrelse", False) for k in KANSLI]
    rows += [("total", "Summa kansli och styrelse", "Summa kansli och styrelse", "Kansli och styrelse", True), ("blank",)]
    rows += [("section", None, "Verksamheter", None, False)]
    rows += [("line", k, k, "Verksamheter", False) for k in VERKSAMHETER]
    rows += [
        ("total", "Summa verksamheter", "Summa verksamheter", "Verksamheter", True),
        ("blank",),
        ("total", "Summa kostnader", "Summa kostnader", "Kostnader", True),
        ("blank",),
        ("section", None, "Finansiella poster", None, False),
        ("plain", "Finansiella intäkter", "Finansiella intäkter", "Finansiella poster", False),
        ("plain", "Finansiella kostnader", "Finansiella kostnader", "Finansiella poster", False),
        ("total", "Summa finansiella poster", "Summa finansiella poster", "Finansiella poster", True),
        ("blank",),
        ("total", "RESULTAT", "RESULTAT", "Resultat", True),
        ("blank",),
        ("plain", "Eget kapital vid årets början", "Eget kapital vid årets början", "Eget kapital", False),
        ("plain", "Eget kapital vid årets slut", "Eget kapital vid årets slut", "Eget kapital", False),
    ]
    return rows


def budget_table(model: Model, years: list[int], overrides: dict[tuple[str, int], int] | None = None,
                 share_labels: dict[str, D] | None = None, caption: str = "Budget") -> tuple[dict, list[dict]]:
    """A table block and its gold budget lines (amount_sek = printed tkr * 1000)."""
    overrides = overrides or {}
    share_labels = share_labels or dict(SHARES)
    rows, gold = [], []
    for spec in layout(share_labels):
        style = spec[0]
        if style == "blank":
            rows.append({"style": "blank"})
            continue
        _, key, label, section, is_total = spec
        if style == "section":
            rows.append({"style": "section", "label": label, "cells": []})
            continue
        cells, recs = [], []
        for y in years:
            value = overrides.get((key, y), model.printed(key, y))
            cells.append(tkr_text(value))
            share = share_labels.get(key) if key in share_labels else None
            recs.append({
                "section": section, "label": label, "year": y, "amount_sek": value * 1000,
                "is_total": is_total, "raw": tkr_text(value),
                "share_percent": str(share) if share is not None else None,
            })
        rows.append({"style": "total" if style == "total" else "line" if style == "line" else "plain",
                     "label": label, "cells": cells, "recs": recs})
        gold += recs
    block = {"kind": "table", "caption": caption, "years": years, "rows": rows, "unit_label": "Belopp i tkr"}
    return block, gold


def printed_view(gold_lines: list[dict]) -> dict[tuple[str, int], int]:
    """(label, year) -> printed tkr, for checks and for building overrides."""
    return {(g["label"], g["year"]): g["amount_sek"] // 1000 for g in gold_lines}


__all__ = ["Model", "budget_table", "printed_view", "YEARS", "AF"]
