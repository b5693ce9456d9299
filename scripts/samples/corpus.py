"""The sample corpus: which files, in which form, with which planted inconsistencies.

`build(planted=True)` is the committed corpus/samples/; `build(planted=False)` is the fully
consistent variant (the same documents with every planted inconsistency repaired), for
tests that rules keep quiet.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from samples import agreements, meetings, plans
from samples.budget import Model
from samples.meetings import Attendee, Item
from samples.world import (AF, BOARD, CHEF, DEPUTIES, EKONOM, FOLKHOGSKOLA_NINE, FORBUND, GRANASEN,
                           GRANASEN_OTHER_ORGNR, HEDTRASK, LILLFORSA, NORRASA, PROCESSLEDARE, REGION,
                           REGION_SIGNATORY_2026, SHARES, SIGN_OVK, broken_orgnr, orgnr)

F_UPPDRAG_2024 = "uppdragsavtal_steget_2024.pdf"
F_OVK_2024 = "overenskommelse_samverkan_2024.pdf"
F_VP_2024 = "verksamhetsplan_2024.pdf"
F_BUNDLE_2024 = "kallelse_styrelsen_2024-11-28_med_bilagor.pdf"
F_PROT_2024 = "protokoll_styrelsen_2024-11-28.scan.pdf"
F_OVK_2025 = "overenskommelse_samverkan_2025.pdf"
F_UPPDRAG_2025 = "uppdragsavtal_steget_2025.docx"
F_VAGEN = "overenskommelse_vagen_vidare.txt"
F_KALL_2025 = "kallelse_styrelsen_2025-11-20.scan.pdf"
F_PROT_2025 = "protokoll_styrelsen_2025-11-20.pdf"
F_VP_2026 = "verksamhetsplan_2026.pdf"
F_OVK_2026 = "overenskommelse_samverkan_2026.pdf"


def _by_name(name: str):
    return next(p for p in (*BOARD, *DEPUTIES, CHEF, EKONOM, PROCESSLEDARE) if p.name == name)


def build(planted: bool) -> tuple[list[dict], list[dict]]:
    """(files, planted_flags). A file: name, format (pdf | scan | docx | txt), seed, segments."""
    flags: list[dict] = []

    def plant(rule_id: str, severity: str, files: list[str], year: int | None, description: str, expected: dict) -> None:
        if planted:
            flags.append({"rule_id": rule_id, "severity": severity, "files": files, "year": year,
                          "description": description, "expected": expected})

    # ------------------------------------------------------------------ budget model and plans
    region_2024 = 2_400_000 if planted else None
    model = Model(region_override={2024: region_2024} if region_2024 else None)
    fk24, reg24 = model.printed("Försäkringskassan", 2024), model.printed(REGION.name, 2024)
    komm24 = sum(model.printed(k.name, 2024) for k in (NORRASA, LILLFORSA, GRANASEN, HEDTRASK))
    plant("finsam_split", "error", [F_VP_2024], 2024,
          "Regionens bidrag 2024 är inte en fjärdedel av medlemsbidragen (hälften av Försäkringskassans).",
          {"Försäkringskassan": fk24 * 1000, REGION.name: reg24 * 1000, "kommuner": komm24 * 1000,
           "expected_region": fk24 * 500})

    vp24_over: dict = {}
    if planted:
        true_lokal = model.printed("Lokalhyra", 2024)
        vp24_over[("Lokalhyra", 2024)] = -150
        plant("budget_line_sum", "error", [F_VP_2024], 2024,
              "Raden Lokalhyra 2024 är tryckt som -150 tkr; delsumman Summa kansli och styrelse bygger på -118 tkr.",
              {"section": "Kansli och styrelse", "line": "Lokalhyra", "printed": -150_000, "consistent_value": true_lokal * 1000,
               "subtotal": "Summa kansli och styrelse", "subtotal_printed": model.printed("Summa kansli och styrelse", 2024) * 1000})
        true_open = model.printed("Eget kapital vid årets början", 2024)
        vp24_over[("Eget kapital vid årets början", 2024)] = 2530
        plant("equity_roll", "error", [F_VP_2024], 2024,
              "Eget kapital vid årets början + RESULTAT stämmer inte med eget kapital vid årets slut 2024 "
              "(ingående kapital tryckt 2 530 i stället för 2 350).",
              {"opening_printed": 2_530_000, "result": model.printed("RESULTAT", 2024) * 1000,
               "closing": model.printed("Eget kapital vid årets slut", 2024) * 1000, "consistent_opening": true_open * 1000})
    vp24 = plans.verksamhetsplan(2024, model, document_date=date(2023, 11, 30), decision_date=date(2023, 11, 30),
                                 overrides=vp24_over)

    vp25_over: dict = {}
    if planted:
        kp, ok = model.printed("Kanslipersonal", 2025), model.printed("Övrigt kontor och adm.", 2025)
        vp25_over[("Kanslipersonal", 2025)] = kp - 40
        vp25_over[("Övrigt kontor och adm.", 2025)] = ok + 40
        plant("budget_line_changed", "error", [F_VP_2024, F_BUNDLE_2024], 2025,
              "Samma budgetrad och år har olika belopp i verksamhetsplan 2024 och förslaget till verksamhetsplan 2025, "
              "trots att förslaget anger att beloppen för 2025 är oförändrade (två rader, delsumman oförändrad).",
              {"lines": [{"label": "Kanslipersonal", "vp2024": kp * 1000, "vp2025": (kp - 40) * 1000},
                         {"label": "Övrigt kontor och adm.", "vp2024": ok * 1000, "vp2025": (ok + 40) * 1000}]})
    vp25 = plans.verksamhetsplan(2025, model, document_date=date(2024, 11, 20), decision_date=None,
                                 overrides=vp25_over, carry_over_claim=True, proposal=True)

    vp26_over: dict = {}
    share_labels = dict(SHARES)
    board_2026 = 7
    vp26_decided = date(2025, 11, 20)
    if planted:
        shift = 148
        for y in (2026, 2027, 2028):
            for key in ("Eget kapital vid årets början", "Eget kapital vid årets slut"):
                vp26_over[(key, y)] = model.printed(key, y) + shift
        plant("equity_chain", "error", [F_BUNDLE_2024, F_VP_2026], 2026,
              "Eget kapital vid årets början 2026 i verksamhetsplan 2026 stämmer inte med eget kapital vid årets slut "
              "2025 i verksamhetsplan 2025.",
              {"closing_2025_vp2025": model.printed("Eget kapital vid årets slut", 2025) * 1000,
               "opening_2026_vp2026": (model.printed("Eget kapital vid årets början", 2026) + shift) * 1000,
               "side_effects": "the equity lines 2026-2027 of verksamhetsplan 2026 also differ from the earlier plans "
                               "(budget_line_changed may fire on them)"})
        # subtotal vs total: a line and its subtotal both 100 tkr too high, the total not.
        ung = "Unga vuxna, Lillforsa"
        vp26_over[(ung, 2028)] = model.printed(ung, 2028) - 100
        vp26_over[("Summa verksamheter", 2028)] = model.printed("Summa verksamheter", 2028) - 100
        plant("budget_subtotal_sum", "error", [F_VP_2026], 2028,
              "Delsummorna 2028 (Summa kansli och styrelse + Summa verksamheter) stämmer inte med Summa kostnader.",
              {"subtotals": {"Summa kansli och styrelse": model.printed("Summa kansli och styrelse", 2028) * 1000,
                             "Summa verksamheter": (model.printed("Summa verksamheter", 2028) - 100) * 1000},
               "total": model.printed("Summa kostnader", 2028) * 1000, "difference": -100_000})
        # RESULTAT wrong; closing equity follows the printed result so equity still rolls.
        res = model.printed("RESULTAT", 2028)
        vp26_over[("RESULTAT", 2028)] = res - 200
        vp26_over[("Eget kapital vid årets slut", 2028)] = vp26_over[("Eget kapital vid årets början", 2028)] + res - 200
        plant("budget_result", "error", [F_VP_2026], 2028,
              "Summa intäkter + Summa kostnader + Summa finansiella poster stämmer inte med RESULTAT 2028.",
              {"income": model.printed("Summa intäkter", 2028) * 1000, "costs": model.printed("Summa kostnader", 2028) * 1000,
               "financial": model.printed("Summa finansiella poster", 2028) * 1000, "result_printed": (res - 200) * 1000,
               "consistent_result": res * 1000})
        share_labels[LILLFORSA.name] = Decimal("13.3")
        plant("shares_sum", "error", [F_VP_2026], 2026,
              "Kommunernas andelar av befolkningen i arbetsför ålder summerar till 101,0 % (Lillforsa 13,3 % i stället för 12,3 %).",
              {"shares": {k: str(v) for k, v in share_labels.items()}, "sum": "101.0"})
        board_2026 = 8
        plant("board_size_changed", "info", [F_BUNDLE_2024, F_VP_2026], 2026,
              "Styrelsens storlek anges till sju ledamöter i verksamhetsplan 2025 men åtta i verksamhetsplan 2026.",
              {"vp2025": 7, "vp2026": 8})
        vp26_decided = date(2025, 12, 11)
    vp26 = plans.verksamhetsplan(2026, model, document_date=vp26_decided, decision_date=vp26_decided,
                                 overrides=vp26_over, share_labels=share_labels, board_size=board_2026)

    # ------------------------------------------------------------------ meetings 2024
    items_oct = [
        Item("Mötets öppnande", minutes="Ordföranden förklarade mötet öppnat."),
        Item("Val av justerare", minutes="Maria Åkesson valdes att jämte ordföranden justera protokollet."),
        Item("Godkännande av dagordning", decision="Dagordningen godkänns."),
        Item("Ekonomisk rapport tertial 2", "Beslut", [EKONOM.name], [1],
             minutes="Mikaela Forsberg redovisade utfallet till och med augusti. Verksamheterna följer budget.",
             decision="Styrelsen godkänner rapporten för tertial 2."),
        Item("Ansökan om medel för Unga vuxna 2025", "Beslut", [CHEF.name], [2],
             minutes="Lillforsa kommun ansöker om fortsatta medel för Unga vuxna 2025.",
             decision="Styrelsen beviljar Lillforsa kommun högst 1.237.000 kr för Unga vuxna 2025."),
        Item("Information från kansliet", "Information", [CHEF.name],
             minutes="Förbundschefen informerade om arbetet med verksamhetsplan 2025 och om den nationella Finsam-konferensen.",
             decision="Styrelsen tackar för informationen."),
        Item("Övriga frågor", minutes="Inga övriga frågor anmäldes."),
        Item("Mötets avslutande", minutes="Ordföranden förklarade mötet avslutat."),
    ]
    justering_oct = date(2024, 10, 10) if planted else date(2024, 10, 24)
    plant("justering_before_meeting", "error", [F_BUNDLE_2024], 2024,
          "Protokollet från 2024-10-17 anges vara justerat 2024-10-10, före sammanträdet.",
          {"meeting_date": "2024-10-17", "justeringsdatum": "2024-10-10"})
    prot_oct = meetings.protokoll(
        date(2024, 10, 17), "09.00–11.30", "Förbundets kansli, Storgatan 14, Norråsa", 38, items_oct,
        meetings.standard_attendees(absent={"Anneli Vikström"}, deputies_present=[DEPUTIES[0]],
                                    extra_ovriga=[Attendee(EKONOM, "ovriga", [41, 41])]),
        _by_name("Maria Åkesson"), justering_oct, date(2024, 10, 25), date(2024, 11, 15))
    prot_oct.running_header = f"{FORBUND.upper()} · BILAGA 1"

    doc_plan_decision = None if planted else "Styrelsen antar reviderad dokumenthanteringsplan enligt bilaga 3."
    items_nov = [
        Item("Mötets öppnande", minutes="Ordföranden förklarade mötet öppnat."),
        Item("Val av justerare", minutes="Gunnar Öberg valdes att jämte ordföranden justera protokollet."),
        Item("Godkännande av dagordning", decision="Dagordningen godkänns."),
        Item("Föregående protokoll", "Information", [], [1], minutes="Protokollet från 2024-10-17 redovisades.",
             decision="Protokollet läggs till handlingarna."),
        Item("Verksamhetsplan och budget 2025–2027", "Beslut", [CHEF.name], [2],
             text="Förslag till verksamhetsplan 2025 och budget 2025–2027 presenteras.",
             proposal="Styrelsen fastställer verksamhetsplan 2025 och budget 2025–2027 enligt förslag.",
             minutes="Ulrika Sjöberg föredrog förslaget. Styrelsen diskuterade prioriteringarna för 2025.",
             decision="Styrelsen fastställer verksamhetsplan 2025 och budget 2025–2027 enligt förslag."),
        Item("Uppföljning av Steget", "Information/diskussion", [PROCESSLEDARE.name],
             text="Resultat från första halvåret 2024 redovisas.",
             minutes="Ahmed Karimi redovisade resultat för första halvåret. 52 deltagare varav 19 avslutade till arbete eller studier.",
             decision="Styrelsen tackar för informationen."),
        Item("Revidering av dokumenthanteringsplan", "Beslut", ["Therese Lundin"], [3],
             text="Dokumenthanteringsplanen har setts över med anledning av nya gallringsregler.",
             proposal="Styrelsen antar reviderad dokumenthanteringsplan enligt bilaga 3.",
             minutes="Therese Lundin föredrog förslaget. Styrelsen diskuterade gallringsfrister för deltagaruppgifter.",
             decision=doc_plan_decision),
        Item("Sammanträdesplan 2025", "Beslut", [CHEF.name],
             proposal="Styrelsen fastställer sammanträdesplan för 2025 enligt förslag.",
             minutes="Förslag till sammanträdesplan presenterades.",
             decision="Styrelsen fastställer sammanträdesplan för 2025 enligt förslag."),
        Item("Övriga frågor", minutes="Inga övriga frågor anmäldes."),
        Item("Mötets avslutande", minutes="Ordföranden förklarade mötet avslutat."),
    ]
    plant("agenda_decision_missing", "warning", [F_BUNDLE_2024, F_PROT_2024], 2024,
          "Punkt 7 (Revidering av dokumenthanteringsplan – Beslut) på föredragningslistan 2024-11-28 saknar beslut i protokollet (§ 52).",
          {"meeting_date": "2024-11-28", "item_number": 7, "paragraph_number": 52})
    kall_nov = meetings.kallelse(date(2024, 11, 28), date(2024, 11, 20), "09.00–12.00",
                                 "Förbundets kansli, Storgatan 14, Norråsa", items_nov)
    prot_nov = meetings.protokoll(
        date(2024, 11, 28), "09.00–11.45", "Förbundets kansli, Storgatan 14, Norråsa", 46, items_nov,
        meetings.standard_attendees(limited={"Jonas Berglund": [46, 50]}),
        _by_name("Gunnar Öberg"), date(2024, 12, 5), date(2024, 12, 6), date(2024, 12, 27), compact=True)

    # ------------------------------------------------------------------ meetings 2025
    vp_item = Item("Verksamhetsplan och budget 2026–2028", "Information/diskussion" if planted else "Beslut",
                   [CHEF.name], [1], text="Förslag till verksamhetsplan 2026 och budget 2026–2028 presenteras.",
                   proposal=None if planted else "Styrelsen fastställer verksamhetsplan 2026 och budget 2026–2028 enligt förslag.",
                   minutes=("Ulrika Sjöberg presenterade förslaget. Styrelsen diskuterade fördelningen mellan "
                            "verksamheterna. Förslaget bereds vidare och tas upp vid sammanträdet den 11 december 2025.")
                   if planted else "Ulrika Sjöberg föredrog förslaget. Styrelsen diskuterade fördelningen mellan verksamheterna.",
                   decision=None if planted else "Styrelsen fastställer verksamhetsplan 2026 och budget 2026–2028 enligt förslag.")
    plant("deadline_missed", "warning", [F_BUNDLE_2024, F_PROT_2025], 2025,
          "Verksamhetsplan 2025 anger att beslut om uppdatering inför 2026 tas senast den 30 november 2025; "
          "protokollet 2025-11-20 innehåller inget sådant beslut.",
          {"deadline": "2025-11-30", "statement": "Beslut om uppdatering inför 2026 tas senast den 30 november 2025.",
           "minutes_checked": ["2025-11-20"]})
    items_2025 = [
        Item("Mötets öppnande", minutes="Ordföranden förklarade mötet öppnat."),
        Item("Val av justerare", minutes="Per-Olof Sandberg valdes att jämte ordföranden justera protokollet."),
        Item("Godkännande av dagordning", decision="Dagordningen godkänns."),
        Item("Ekonomisk rapport tertial 2", "Information", [EKONOM.name],
             minutes="Mikaela Forsberg redovisade utfallet till och med augusti.", decision="Styrelsen godkänner rapporten."),
        vp_item,
        Item("Överenskommelse om samverkan 2026", "Beslut", [CHEF.name], [2],
             proposal="Styrelsen godkänner överenskommelsen för 2026 och rekommenderar parterna att underteckna den.",
             minutes="Överenskommelsen har stämts av i strategiska samverkansgruppen.",
             decision="Styrelsen godkänner överenskommelsen för 2026 och rekommenderar parterna att underteckna den."),
        Item("Sammanträdesplan 2026", "Beslut", [CHEF.name],
             proposal="Styrelsen fastställer sammanträdesplan för 2026 enligt förslag.",
             minutes="Förslag till sammanträdesplan presenterades.",
             decision="Styrelsen fastställer sammanträdesplan för 2026 enligt förslag."),
        Item("Övriga frågor", minutes="Inga övriga frågor anmäldes."),
        Item("Mötets avslutande", minutes="Ordföranden förklarade mötet avslutat."),
    ]
    kall_2025 = meetings.kallelse(date(2025, 11, 20), date(2025, 11, 13), "09.00–12.00", "Lillforsa kommunhus, sal Forsen",
                                  items_2025)
    numbers_2025 = list(range(51, 51 + len(items_2025)))
    if planted:
        numbers_2025 = [n if n < 55 else n + 1 for n in numbers_2025]  # § 55 is missing
        plant("numbering_gap", "warning", [F_PROT_2025], 2025,
              "Paragrafnumreringen i protokollet 2025-11-20 hoppar från § 54 till § 56.",
              {"series": "paragraphs", "numbers": numbers_2025, "missing": [55]})
    prot_2025 = meetings.protokoll(
        date(2025, 11, 20), "09.00–12.00", "Lillforsa kommunhus, sal Forsen", 51, items_2025,
        meetings.standard_attendees(absent={"Eva Holmström"}, deputies_present=[DEPUTIES[2]],
                                    extra_ovriga=[Attendee(EKONOM, "ovriga", [numbers_2025[3], numbers_2025[3]])]),
        _by_name("Per-Olof Sandberg"), date(2025, 11, 27), date(2025, 11, 28), date(2025, 12, 19), numbers=numbers_2025)

    # ------------------------------------------------------------------ agreements
    up24 = agreements.uppdragsavtal_steget(2024, date(2023, 12, 14), 2_484_000, 38_500, 2_946_000, "4,5",
                                           af_signatory_missing=planted)
    plant("signature_without_name", "warning", [F_UPPDRAG_2024], 2024,
          "Underskriftsblocket för Arbetsförmedlingen i uppdragsavtalet Steget 2024 saknar namn.",
          {"organisation": AF.name,
           "side_effects": "a signatory rule comparing 2024 with 2025 must skip the empty name, not report a change"})
    personal25 = 2_580_000 if planted else 2_520_000
    up25 = agreements.uppdragsavtal_steget(2025, date(2024, 12, 12), personal25, 41_000, 3_012_000, "4,5")
    plant("amount_parts_exceed_max", "error", [F_UPPDRAG_2025], 2025,
          "Delbeloppen i uppdragsavtalet Steget 2025 (personal 2.580.000 kr + lokaler 12 × 41.000 kr) överstiger "
          "det angivna maxbeloppet 3.012.000 kr.",
          {"maximum": 3_012_000, "parts": {"personal": 2_580_000, "lokaler": 12 * 41_000}, "sum": 2_580_000 + 12 * 41_000})

    ovk24 = agreements.overenskommelse(2024, date(2023, 12, 18), date(2024, 1, 1), date(2024, 12, 31),
                                       include_region=not planted)
    plant("party_added_removed", "warning", [F_OVK_2024, F_OVK_2025], 2025,
          "Region Västmark är part i överenskommelsen 2025 men inte i överenskommelsen 2024.",
          {"added": [REGION.name], "removed": []})
    ovk25 = agreements.overenskommelse(2025, date(2024, 12, 16), date(2025, 1, 1), date(2025, 12, 31), include_region=True)
    ovk26_from = date(2026, 2, 1) if planted else date(2026, 1, 1)
    ovk26 = agreements.overenskommelse(
        2026, date(2025, 12, 15), ovk26_from, date(2026, 12, 31), include_region=True,
        orgnr_override={GRANASEN.name: GRANASEN_OTHER_ORGNR} if planted else None,
        signatory_override={REGION.name: REGION_SIGNATORY_2026} if planted else None)
    plant("validity_gap_overlap", "warning", [F_OVK_2025, F_OVK_2026], 2026,
          "Överenskommelsen 2025 gäller till 2025-12-31 men överenskommelsen 2026 först från 2026-02-01 (glapp i januari).",
          {"previous_valid_to": "2025-12-31", "next_valid_from": "2026-02-01", "gap_days": 31})
    plant("orgnr_conflict", "error", [F_OVK_2025, F_OVK_2026], 2026,
          "Granåsens kommun anges med olika organisationsnummer i överenskommelserna 2025 och 2026.",
          {"organisation": GRANASEN.name, "numbers": [GRANASEN.orgnr, GRANASEN_OTHER_ORGNR]})
    plant("signatory_changed", "info", [F_OVK_2025, F_OVK_2026], 2026,
          "Region Västmark undertecknar 2026 genom en annan person än 2025.",
          {"organisation": REGION.name, "previous": SIGN_OVK[REGION.name][0], "next": REGION_SIGNATORY_2026[0]})

    folk_ok = orgnr(FOLKHOGSKOLA_NINE)
    folk_bad = broken_orgnr(FOLKHOGSKOLA_NINE)
    vagen_to = date(2025, 6, 12) if planted else date(2026, 6, 12)
    vagen = agreements.vagen_vidare(date(2025, 6, 5), date(2025, 8, 18), vagen_to,
                                    folk_bad if planted else folk_ok, not planted)
    plant("orgnr_invalid", "error", [F_VAGEN], 2025,
          "Organisationsnumret för Norrådalens folkhögskola klarar inte kontrollsiffran (Luhn).",
          {"organisation": "Norrådalens folkhögskola", "org_number": folk_bad})
    plant("validity_reversed", "error", [F_VAGEN], 2025,
          "Överenskommelsen om Vägen vidare gäller till 2025-06-12, före startdatumet 2025-08-18.",
          {"valid_from": "2025-08-18", "valid_to": "2025-06-12"})

    kall_nov.running_header = f"{FORBUND.upper()} · KALLELSE"
    vp25.running_header = f"{FORBUND.upper()} · BILAGA 2"

    files = [
        {"name": F_UPPDRAG_2024, "format": "pdf", "seed": 11, "segments": [up24]},
        {"name": F_OVK_2024, "format": "pdf", "seed": 12, "segments": [ovk24]},
        {"name": F_VP_2024, "format": "pdf", "seed": 13, "segments": [vp24]},
        {"name": F_BUNDLE_2024, "format": "pdf", "seed": 14, "segments": [kall_nov, prot_oct, vp25]},
        {"name": F_PROT_2024, "format": "scan", "seed": 15, "segments": [prot_nov]},
        {"name": F_OVK_2025, "format": "pdf", "seed": 16, "segments": [ovk25]},
        {"name": F_UPPDRAG_2025, "format": "docx", "seed": 17, "segments": [up25]},
        {"name": F_VAGEN, "format": "txt", "seed": 18, "segments": [vagen]},
        {"name": F_KALL_2025, "format": "scan", "seed": 19, "segments": [kall_2025]},
        {"name": F_PROT_2025, "format": "pdf", "seed": 20, "segments": [prot_2025]},
        {"name": F_VP_2026, "format": "pdf", "seed": 21, "segments": [vp26]},
        {"name": F_OVK_2026, "format": "pdf", "seed": 22, "segments": [ovk26]},
    ]
    return files, flags
