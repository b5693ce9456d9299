"""Agreements: uppdragsavtal (Steget), the yearly överenskommelse, a one-off överenskommelse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from samples.segments import Seg, iso
from samples.world import (AF, FK, FORBUND, FORBUNDET, KOMMUNER, NORRASA, REGION, SIGN_OVK, SIGN_STEGET, Org,
                           kr_dots, sv_date)


def _party(org: Org, role: str = "part", orgnr: str | None = None, valid: bool | None = True, name: str | None = None) -> dict:
    return {"name": name or org.name, "org_number": orgnr, "org_number_valid": valid if orgnr else None,
            "party_type": org.party_type, "role": role}


def _amount(sek: int, raw: str, context: str, per: str = "total", is_maximum: bool = False,
            year: int | None = None, recipient: str | None = None) -> dict:
    return {"amount_sek": sek, "unit": "kr", "per": per, "is_maximum": is_maximum, "year": year,
            "recipient": recipient, "context": context, "raw": raw}


def _goal(text: str, goal_type: str = "mål", value: int | None = None, unit: str | None = None) -> dict:
    return {"goal_type": goal_type, "text": text, "target_value": str(value) if value is not None else None,
            "target_unit": unit, "heading": None}


def uppdragsavtal_steget(year: int, signed: date, personal: int, lokal_month: int, maximum: int,
                         staff: str, af_signatory_missing: bool = False) -> Seg:
    """Uppdragsavtal between the förbund and Norråsa kommun (verksamhetsansvarig) for Steget."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    seg = Seg("uppdragsavtal", f"Uppdragsavtal, verksamheten Steget år {year}",
              running_header=f"{FORBUND.upper()} · UPPDRAGSAVTAL STEGET {year}", document_date=signed,
              valid_from=start, valid_to=end, activity="Steget", diarienummer=f"SFN {year - 1}/{14 + year % 10}")
    seg.title_("UPPDRAGSAVTAL")
    seg.p(f"Verksamheten Steget år {year}\nDiarienummer: SFN {year - 1}/{14 + year % 10}")
    seg.h("§ 1 PARTER")
    seg.p(f"Mellan {FORBUND} (org. nr {FORBUNDET.orgnr}), nedan kallat förbundet, verksamhetsansvarig "
          f"Arbetsmarknadsenheten i {NORRASA.name} (org. nr {NORRASA.orgnr}) och övriga samarbetsparter "
          f"{FK.name}, {AF.name} och {REGION.name} (nedan kallade samarbetsparterna) har följande avtal "
          f"tecknats om fortsatta medel till Steget.",
          parties=[_party(FORBUNDET, "part", FORBUNDET.orgnr),
                   _party(NORRASA, "verksamhetsansvarig", NORRASA.orgnr,
                          name=f"Arbetsmarknadsenheten i {NORRASA.name}"),
                   _party(FK, "samarbetspart", None), _party(AF, "samarbetspart", None),
                   _party(REGION, "samarbetspart", None)])
    seg.h("§ 2 UPPDRAGETS OMFATTNING OCH ART")
    seg.p(f"Uppdraget ska följa verksamhetsbeskrivningen i ansökan till förbundet och styrelsens beslut om "
          f"budget {year}. Överenskomna personalresurser i detta avtal är totalt {staff} tjänster, fördelade på "
          f"arbetsmarknadskonsulenter från {NORRASA.name}, en handläggare från {FK.name} på halvtid och en "
          f"arbetsterapeut från {REGION.name}. Eventuell minskning av bemanningen ska vara tidsbegränsad och "
          f"stämmas av med förbundet.")
    seg.h("§ 3 MÅLGRUPP")
    seg.p("Målgruppen är personer i arbetsför ålder 18–64 år som")
    seg.bullets(["har behov av samordnade insatser från minst två av parterna,",
                 "bedöms kunna närma sig arbete eller studier inom tolv månader."])
    seg.p("Personer 18–29 år med psykisk ohälsa prioriteras.")
    seg.h("§ 4 VERKSAMHETENS MÅL")
    goals = [
        _goal("60% av deltagarna som bedöms ha arbetsförmåga ska vid avslut gå till arbete eller studier.", "mål", 60, "%"),
        _goal("Alla deltagare ska ha en dokumenterad handlingsplan inom fyra veckor från inskrivning.", "mål"),
        _goal(f"Minst 40 deltagare ska skrivas in i Steget under {year}.", "mål", 40, "deltagare"),
        _goal("80% av deltagarna ska vid avslut uppleva att stödet varit till stor nytta.", "mål", 80, "%"),
    ]
    # The övergripande mål is the first sentence of the paragraph that introduces the list.
    seg.p("Det övergripande målet är att deltagarna ska stärka sin förmåga till egen försörjning. De konkreta målen är att",
          goals=[_goal("Det övergripande målet är att deltagarna ska stärka sin förmåga till egen försörjning.",
                       "övergripande mål")])
    seg.bullets([g["text"] for g in goals], goals=goals)
    seg.h("§ 5 FINANSIERING")
    per_quarter = maximum // 4
    amounts = [
        _amount(maximum, kr_dots(maximum), f"Förbundet finansierar verksamheten under {year} med högst {kr_dots(maximum)}.",
                "total", True, year, NORRASA.name),
        _amount(personal, kr_dots(personal), f"Av beloppet avser {kr_dots(personal)} personalkostnader.", "total", False, year, NORRASA.name),
        _amount(lokal_month, f"{lokal_month:,}".replace(",", ".") + " kr/månad",
                f"Lokalkostnader ersätts med {lokal_month:,} kr/månad.".replace(",", "."), "month", False, year, NORRASA.name),
        _amount(per_quarter, kr_dots(per_quarter), f"Utbetalning sker kvartalsvis i förskott med {kr_dots(per_quarter)}.",
                "total", False, year, NORRASA.name),
    ]
    seg.p(f"Förbundet finansierar verksamheten under {year} med högst {kr_dots(maximum)}. Av beloppet avser "
          f"{kr_dots(personal)} personalkostnader och resterande del lokalkostnader, som ersätts med "
          f"{lokal_month:,} kr/månad. ".replace(",", ".") +
          f"Utbetalning sker kvartalsvis i förskott med {kr_dots(per_quarter)} efter rekvisition. Medel som inte "
          f"förbrukats återbetalas till förbundet efter årets slut.", amounts=amounts)
    seg.h("§ 6 UPPFÖLJNING")
    seg.p("Samtliga deltagare registreras i uppföljningssystemet SUS. Verksamheten lämnar rapport per tertial "
          "till förbundet. Förbundet deltar i verksamhetens styrgrupp.")
    seg.h("§ 7 GILTIGHETSTID")
    seg.p(f"Avtalet gäller från och med {sv_date(start)} till och med {sv_date(end)}. Avtalet kan sägas upp av "
          f"part med tre månaders varsel.")
    seg.h("§ 8 UNDERSKRIFTER")
    cols = []
    for org in (FORBUND, NORRASA.name, FK.name, AF.name, REGION.name):
        name, title = SIGN_STEGET[org]
        if af_signatory_missing and org == AF.name:
            name, title = None, None
        cols.append({"org": org, "name": name, "title": title, "place_date": f"Norråsa {sv_date(signed)}"})
    seg.sig(cols, intro="Detta avtal har upprättats i fem likalydande exemplar, av vilka parterna tagit var sitt.")
    return seg


def overenskommelse(year: int, signed: date, valid_from: date, valid_to: date, include_region: bool,
                    orgnr_override: dict[str, str] | None = None, signatory_override: dict[str, tuple[str, str]] | None = None) -> Seg:
    """The yearly överenskommelse on samverkan between AF, the member kommuner, the region and the förbund."""
    orgnr_override = orgnr_override or {}
    signatory_override = signatory_override or {}
    seg = Seg("overenskommelse",
              f"Överenskommelse om samverkan för att påskynda individers etablering i arbetslivet i Norrådalen {year}",
              running_header=f"ÖVERENSKOMMELSE {year}", document_date=signed, valid_from=valid_from, valid_to=valid_to,
              diarienummer=f"SFN {year - 1}/31")
    seg.p(f"Datum {sv_date(signed)}\nDiarienummer SFN {year - 1}/31")
    seg.title_(f"Överenskommelse om samverkan för att påskynda individers etablering i arbetslivet i Norrådalen {year}")
    seg.h("1. Parter")
    orgs = [AF, *KOMMUNER] + ([REGION] if include_region else []) + [FORBUNDET]
    lines, parties = [], []
    for org in orgs:
        number = orgnr_override.get(org.name, org.orgnr)
        lines.append(f"{org.name}, org. nr {number}")
        parties.append(_party(org, "part", number, True))
    seg.bullets(lines, parties=parties)
    seg.h("2. Syfte")
    seg.p("Att genom samverkan påskynda individers etablering i arbetslivet med utgångspunkt i regionala och lokala "
          "rekryteringsbehov. Samverkan ska ske om de individer som bedöms behöva stöd och samordnade insatser från "
          "flera av parterna, utifrån parternas ansvarsområden och uppdrag.")
    seg.h("3. Målgrupper")
    seg.bullets(["Arbetssökande som uppbär ekonomiskt bistånd",
                 "Personer med sjukpenning eller aktivitetsersättning som behöver stöd mot arbete",
                 "Unga 16–29 år som varken arbetar eller studerar"])
    seg.h("4. Mål")
    # The type of each goal is the sub-heading it stands under (as in the real överenskommelser).
    effekt = [
        _goal("Andelen individer i arbetskraften ska öka i förhållande till föregående år.", "effektmål"),
        _goal("Andelen individer som är beroende av ersättning från trygghetssystemen ska minska.", "effektmål"),
    ]
    insatser = [_goal("Minst 40% av deltagarna i gemensamma insatser ska gå till arbete eller studier.", "mål", 40, "%")]
    seg.p("Effektmål")
    seg.bullets([g["text"] for g in effekt], goals=effekt)
    seg.p("Mål för de gemensamma insatserna")
    seg.bullets([g["text"] for g in insatser], goals=insatser)
    seg.h("5. Organisering och uppföljning")
    seg.p("Samverkan leds av en strategisk samverkansgrupp med chefer från parterna. Förbundets kansli samordnar "
          "uppföljningen och rapporterar till förbundets styrelse två gånger per år.")
    seg.h("6. Giltighetstid")
    seg.p(f"Överenskommelsen gäller från och med {sv_date(valid_from)} till och med {sv_date(valid_to)}. "
          f"Den följs upp under hösten {year} och uppdateras inför nästa år.")
    seg.h("7. Underskrifter")
    cols = []
    for org in orgs:
        name, title = signatory_override.get(org.name, SIGN_OVK[org.name])
        cols.append({"org": org.name, "name": name, "title": title, "place_date": f"Norråsa {sv_date(signed)}"})
    seg.sig(cols)
    return seg


def vagen_vidare(signed: date, valid_from: date, valid_to: date, folk_orgnr: str, folk_valid: bool) -> Seg:
    """A one-off överenskommelse with a folkhögskola (fictional), delivered as plain text."""
    folk = Org("Norrådalens folkhögskola", folk_orgnr, "other")
    seg = Seg("overenskommelse", "Överenskommelse om utbildningsinsatsen Vägen vidare",
              running_header="", document_date=signed, valid_from=valid_from, valid_to=valid_to,
              activity="Vägen vidare", diarienummer=f"SFN {signed.year}/22")
    seg.title_("Överenskommelse om utbildningsinsatsen Vägen vidare")
    seg.p(f"Diarienummer SFN {signed.year}/22")
    seg.h("1. Parter")
    seg.bullets([f"{FORBUND}, org. nr {FORBUNDET.orgnr}", f"Norrådalens folkhögskola, org. nr {folk_orgnr}"],
                parties=[_party(FORBUNDET, "part", FORBUNDET.orgnr, True),
                         {"name": folk.name, "org_number": folk_orgnr, "org_number_valid": folk_valid,
                          "party_type": "other", "role": "part"}])
    seg.h("2. Bakgrund och syfte")
    seg.p("Förbundet har i analysarbetet sett att många deltagare i Steget och Unga vuxna saknar fullständig "
          "gymnasieutbildning. Vägen vidare ger deltagare möjlighet att läsa in behörighet på folkhögskolans "
          "allmänna kurs med stöd av en studiecoach.")
    seg.h("3. Omfattning och ersättning")
    amounts = [
        _amount(18_500, kr_dots(18_500), "Förbundet ersätter folkhögskolan med 18.500 kr per deltagare och termin.",
                "total", False, None, folk.name),
        _amount(222_000, kr_dots(222_000), "Den sammanlagda ersättningen uppgår till högst 222.000 kr.", "total", True,
                None, folk.name),
    ]
    seg.p("Insatsen omfattar högst tolv deltagare. Förbundet ersätter folkhögskolan med 18.500 kr per deltagare och "
          "termin. Den sammanlagda ersättningen uppgår till högst 222.000 kr och betalas ut terminsvis i efterskott.",
          amounts=amounts)
    seg.h("4. Giltighetstid")
    seg.p(f"Överenskommelsen gäller från och med {sv_date(valid_from)} till och med {sv_date(valid_to)}.")
    seg.h("5. Underskrifter")
    seg.sig([{"org": FORBUND, "name": "Ulrika Sjöberg", "title": "Förbundschef", "place_date": f"Norråsa {sv_date(signed)}"},
             {"org": folk.name, "name": "Ingrid Sundqvist", "title": "Rektor", "place_date": f"Lillforsa {sv_date(signed)}"}])
    return seg


__all__ = ["uppdragsavtal_steget", "overenskommelse", "vagen_vidare", "Decimal", "iso"]
