"""Verksamhetsplan med budget (three-year window of the förbund's budget model)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from samples.budget import Model, budget_table
from samples.segments import Seg
from samples.world import FORBUND, sv_long

BOARD_SIZE_WORDS = {7: "sju", 8: "åtta", 9: "nio"}


def verksamhetsplan(year: int, model: Model, *, document_date: date, decision_date: date | None,
                    board_size: int = 7, overrides: dict | None = None, share_labels: dict[str, Decimal] | None = None,
                    carry_over_claim: bool = False, proposal: bool = False) -> Seg:
    years = [year, year + 1, year + 2]
    kind = "Förslag till verksamhetsplan" if proposal else "Verksamhetsplan"
    seg = Seg("verksamhetsplan", f"{kind} {year} och budget {years[0]}–{years[-1]}",
              running_header=f"{FORBUND.upper()} · VERKSAMHETSPLAN {year}", document_date=document_date,
              decision_date=decision_date, valid_from=date(year, 1, 1), valid_to=date(year, 12, 31))
    seg.title_(f"{kind} {year}\nsamt budget {years[0]}–{years[-1]}")
    if decision_date:
        seg.p(f"Fastställd av styrelsen {decision_date.isoformat()}.")
    else:
        seg.p(f"Förslag till styrelsens sammanträde, upprättat {document_date.isoformat()}.")
    seg.h("1. Inledning")
    seg.p(f"{FORBUND} är ett samordningsförbund enligt lagen (2003:1210) om finansiell samordning av "
          "rehabiliteringsinsatser. Medlemmar är Försäkringskassan, Arbetsförmedlingen, Region Västmark samt "
          "Norråsa, Lillforsa, Granåsens och Hedträsks kommuner.")
    seg.p(f"Förbundets styrelse består av {BOARD_SIZE_WORDS[board_size]} ledamöter och lika många ersättare. "
          "Kansliet består av förbundschef, administratör, processledare och ekonom på deltid.")
    seg.h("2. Mål")
    # Typed by sub-headings and an "Indikator:" line under its individmål, as in the real
    # verksamhetsplaner (Umeåregionen 2021, 7.1-7.3).
    def goal(goal_type: str, text: str, value: str | None = None, unit: str | None = None) -> dict:
        return {"goal_type": goal_type, "text": text, "target_value": value, "target_unit": unit, "heading": None}

    overgripande = goal("övergripande mål", "Varje individ med behov av samordnade insatser ska få stöd mot arbete, "
                        "studier eller annan hållbar försörjning.")
    effekt = goal("effektmål", "Andelen helårsekvivalenter i åldern 20–64 år ska minska i samtliga medlemskommuner.")
    individ = goal("individmål", "Deltagarna som avslutar en insats har gått vidare till arbete eller studier.")
    indikator = goal("indikator", f"Minst 45% av deltagarna i förbundets verksamheter ska gå till arbete eller studier "
                     f"under {year}.", "45", "%")
    seg.p("Övergripande mål")
    seg.p(overgripande["text"], goals=[overgripande])
    seg.p("Effektmål")
    seg.p(effekt["text"], goals=[effekt])
    seg.p("Individmål")
    seg.p(individ["text"], goals=[individ])
    seg.p(indikator["text"], lead="Indikator:", goals=[indikator])
    seg.h("3. Verksamheter")
    seg.p("Förbundet finansierar Steget i Norråsa, Unga vuxna i Lillforsa och ett gemensamt samordningsteam för "
          "Granåsen och Hedträsk. Därutöver finansieras kompetensutveckling och mötesplatser för parternas "
          "medarbetare samt analys och uppföljning.")
    seg.h("4. Uppföljning och tidplan")
    seg.p("Verksamheterna rapporterar per tertial. Styrelsen följer upp verksamhetsplanen i delårsrapport och "
          f"årsredovisning. Beslut om uppdatering inför {year + 1} tas senast den {sv_long(date(year, 11, 30))}.")
    seg.h("5. Budget")
    seg.p("Medlemmarnas bidrag fördelas enligt lagen: Försäkringskassan bidrar med hälften, regionen med en "
          "fjärdedel och kommunerna tillsammans med en fjärdedel, fördelad efter andel av befolkningen i "
          "arbetsför ålder (arb-bef.). Beloppen avrundas till hela tusental kronor.")
    if carry_over_claim:
        seg.p(f"Beloppen för {years[0]} och {years[1]} är oförändrade jämfört med flerårsbudgeten i verksamhetsplan "
              f"{year - 1}; {years[2]} tillkommer.")
    block, gold = budget_table(model, years, overrides=overrides, share_labels=share_labels,
                               caption=f"Budget {years[0]}–{years[-1]}")
    seg.table(block, gold)
    return seg
