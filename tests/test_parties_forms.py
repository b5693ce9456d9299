"""Parties wherever a text lists them, the organisation gazetteer's identity, and amounts and
goals outside agreements. Fictional förbund and texts in the shape of real ones."""

from decimal import Decimal

import pytest

from extractors.amounts import extract_amounts
from extractors.goals import extract_goals
from extractors.parties import extract_parties
from extractors.run import build_context
from models import DocType, DocumentText, Line, Page, Provenance, Segment
from pipeline.sv.gazetteer import gazetteer, resolve_organisation
from pipeline.reconcile.resolve import OrgResolver
from pipeline.sv.identity import same_org


def _doc(lines: list[str]) -> DocumentText:
    out, pos = [], 0
    for text in lines:
        out.append(Line(text=text, start=pos, end=pos + len(text)))
        pos += len(text) + 1
    text = "\n".join(lines)
    page = Page(number=1, method="text", raw_text=text, text=text, lines=out, width=595, height=842)
    return DocumentText(doc_id="f" * 64, file_name="f.pdf", source_path="f.pdf", media_type="pdf", pages=[page])


def _run(extractor, lines: list[str], doc_type: DocType = DocType.OTHER):
    doc = _doc(lines)
    seg = Segment(segment_id="s", provenance=Provenance(doc_id=doc.doc_id, method="text"), doc_type=doc_type,
                  page_start=1, page_end=1)
    return extractor(build_context(doc, [seg]), seg)


def _parties(lines: list[str], doc_type: DocType = DocType.OTHER) -> dict[str, object]:
    return {p.canonical_name or p.name: p for p in _run(extract_parties, lines, doc_type)}


# --- gazetteer -------------------------------------------------------------------------------


@pytest.mark.parametrize("written,official", [
    ("Falun", "Falu kommun"), ("Kalmar", "Kalmar kommun"), ("Laxå", "Laxå kommun"), ("Nykvarn", "Nykvarns kommun"),
    ("Strömstad", "Strömstads kommun"), ("Örebro", "Örebro kommun"), ("Faluns kommun", "Falu kommun"),
    ("Göteborgs Stad", "Göteborgs kommun"), ("Norrbottens läns landsting", "Region Norrbotten"),
    ("Landstinget i Uppsala län", "Region Uppsala"), ("Västra Götalandsregionen", "Västra Götalandsregionen"),
    ("Sveriges Kommuner och Landsting", "Sveriges Kommuner och Regioner"), ("staten", "Staten"),
])
def test_official_names_and_former_landsting_names(written, official):
    m = resolve_organisation(written)
    assert m is not None and m.canonical_name == official and m.known


def test_kommun_official_names_are_stored_not_derived():
    data = gazetteer()
    assert data.by_canonical("Falu kommun") is not None and data.by_canonical("Faluns kommun") is None


@pytest.mark.parametrize("a,b", [("Lidköpings kommun", "Linköpings kommun"), ("Alvesta kommun", "Avesta kommun"),
                                 ("Torsås", "Orsa"), ("Håbo kommun", "Habo kommun"), ("Håbo", "Habo")])
def test_near_identical_kommuner_stay_apart(a, b):
    ma, mb = resolve_organisation(a), resolve_organisation(b)
    assert ma is not None and mb is not None and ma.canonical_name != mb.canonical_name
    assert not same_org(a, b)


def test_lidkoping_and_linkoping_stay_two_organisations_through_resolution():
    resolver = OrgResolver()
    first = resolver.resolve("Lidköpings kommun")
    second = resolver.resolve("Linköpings kommun")
    assert first is not second and len(resolver.entities) == 2
    assert resolver.resolve("Lidköping") is first  # a short form of the same kommun still joins
    assert same_org("Umeå", "Umeå kommun") and same_org("Forsékringskassan", "Försäkringskassan")
    # förbund the gazetteer does not list, named after the two kommuner, stay two as well
    assert not same_org("Samordningsförbundet Lidköping", "Samordningsförbundet Linköping")
    assert same_org("Finsam Lidköping", "Samordningsförbundet Lidkoplng")


def test_a_body_belongs_to_its_organisation():
    m = resolve_organisation("Vindelns kommuns socialnämnd")
    assert (m.canonical_name, m.department) == ("Vindelns kommun", "socialnämnd")
    m = resolve_organisation("Miljönämnden, Vännäs kommun")
    assert (m.canonical_name, m.department) == ("Vännäs kommun", "Miljönämnden")


# --- parties ---------------------------------------------------------------------------------


def test_labelled_entries_with_spaced_org_numbers():
    parties = _parties([
        "AVTAL", "§ 1 Parter",
        "Uppdragsgivare: Samordningsförbundet Norrådalen Organisationsnummer: 222000 - 1990 Kontaktperson förbundet:",
        "Anna Exempel Telefon 000-000 00 00",
        "Insatsägare: Vindelns Kommun, Arbetsmarknad och Integration Organisationsnummer: 212000-2528",
        "Kontaktperson Vindelns Kommun Bo Exempel", "§ 2 Uppdraget",
    ])
    assert set(parties) == {"Samordningsförbundet Norrådalen", "Vindelns kommun"}
    assert parties["Samordningsförbundet Norrådalen"].org_number == "222000-1990"
    assert parties["Vindelns kommun"].org_number == "212000-2528"
    assert parties["Vindelns kommun"].role == "verksamhetsansvarig"


def test_a_wrong_check_digit_is_kept_with_a_warning_never_replaced():
    parties = _parties(["§ 1 Parter", "Uppdragsgivare: Samordningsförbundet Norrådalen Organisationsnummer: 222000-1991"])
    party = parties["Samordningsförbundet Norrådalen"]
    assert party.org_number == "222000-1991" and party.org_number_valid is False and party.warnings


def test_forbundsordning_members_get_official_names():
    parties = _parties(["1 FÖRBUNDSORDNING 2 Medlemmar Medlemmar i kommunalförbundet är kommunerna Vindeln, Falun, "
                        "Kalmar och Laxå. 3 Ändamål Ändamålet med förbundet är att ..."])
    assert set(parties) == {"Vindelns kommun", "Falu kommun", "Kalmar kommun", "Laxå kommun"}
    assert all(p.party_type == "kommun" and p.org_number is None for p in parties.values())


def test_plural_head_noun_after_the_list():
    parties = _parties(["Medlemmar 1 Medlemmar i kommunalförbundet är Vindeln, Vännäs och Falu kommuner "
                        "(förbundsmedlemmar). Namn 2 Förbundets namn är ..."])
    assert set(parties) == {"Vindelns kommun", "Vännäs kommun", "Falu kommun"}


def test_shared_head_noun_is_distributed_over_unknown_kommuner():
    parties = _parties(["Samordningsförbundet Norrådalen bildades 2030. Samverkande parter är Norråsa, Lillforsa "
                        "och Hedträsk kommuner, Arbetsförmedlingen, Försäkringskassan och Region Västmark. Syfte ..."])
    assert set(parties) == {"Norråsa kommun", "Lillforsa kommun", "Hedträsk kommun", "Arbetsförmedlingen",
                            "Försäkringskassan", "Region Västmark"}
    assert parties["Norråsa kommun"].party_type == "kommun"


def test_adopting_councils_of_an_owner_directive():
    parties = _parties(["Ägardirektiv: Gäller fr.o.m.: Antagna av kommunfullmäktige i Vindelns kommun, Vännäs kommun "
                        "och Umeå kommun den 1 januari 2030 och tillsvidare."])
    assert set(parties) == {"Vindelns kommun", "Vännäs kommun", "Umeå kommun"}


def test_agreement_between_the_state_and_a_national_body():
    lines = ["Överenskommelse mellan staten och Sveriges", "Kommuner och Regioner 2031", "1. INLEDNING"]
    assert set(_parties(lines, DocType.OVERENSKOMMELSE)) == {"Staten", "Sveriges Kommuner och Regioner"}


def test_flattened_parter_heading_with_empty_number_slots():
    parties = _parties(["AVTAL OM SAMVERKAN 1. PARTER Norrådalens landskapsförvaltning, , Granåsens stad, , "
                        "Norrådalens hälso- och sjukvård, och Norrådalens kommunförbund, har kommit överens om att "
                        "samverka. 2. BAKGRUND Samhället ..."], DocType.OVERENSKOMMELSE)
    assert set(parties) == {"Norrådalens landskapsförvaltning", "Granåsens stad", "Norrådalens hälso- och sjukvård",
                            "Norrådalens kommunförbund"}
    assert all(p.org_number is None for p in parties.values())
    assert all(any("not in the gazetteer" in w for w in p.warnings) for p in parties.values())


def test_minutes_approving_an_agreement_have_no_parties():
    lines = ["SAMMANTRÄDESPROTOKOLL", "§ 12 Samverkansavtal mellan Vindelns kommun och Vännäs kommun",
             "Kommunfullmäktige godkänner samverkansavtal mellan Vindelns kommun och Vännäs kommun.",
             "Medlemmar i förbundet är kommunerna Vindeln och Vännäs."]
    assert _parties(lines, DocType.PROTOKOLL) == {}
    # an agreement title in a text that is not that agreement names no parties either
    assert _parties(lines[:2], DocType.OTHER) == {}


def test_organisations_mentioned_in_running_text_are_no_parties():
    lines = ["1. GRUNDLÄGGANDE FÖRUTSÄTTNINGAR Förbundet finansierar insatser. Ofta krävs insatser från flera parter "
             "och då är det viktigt att Försäkringskassan får utöva sitt samordningsansvar tillsammans med "
             "Arbetsförmedlingen och Vindelns kommun."]
    assert _parties(lines, DocType.VERKSAMHETSPLAN) == {}


# --- amounts and goals outside agreements ------------------------------------------------------


def test_amounts_in_minutes_and_budgets():
    amounts = _run(extract_amounts, ["Förslag till beslut", "1. Nämnden beslutar bevilja 150 000 kronor för verksamheten."],
                   DocType.PROTOKOLL)
    assert [a.amount_sek for a in amounts] == [Decimal(150000)]
    amounts = _run(extract_amounts, ["Sjukhusen fick 212 mnkr för att stödja medarbetarna. Tel 010-441 00 00"])
    assert [a.amount_sek for a in amounts] == [Decimal(212000000)]


def test_goal_under_an_insats_goal_heading():
    goals = _run(extract_goals, ["§ 5 Insatsens mål",
                                 "Insatsens målsättning är att kartlägga behoven hos målgruppen och pröva en ny metod.",
                                 "§ 6 Budget"])
    assert [g.text for g in goals] == [
        "Insatsens målsättning är att kartlägga behoven hos målgruppen och pröva en ny metod."]


def test_goal_list_run_together_after_its_lead():
    goals = _run(extract_goals, ["Vi har definierat fyra utmaningar. Vi ska bidra till en god region genom: Trygga "
                                 "uppväxtvillkor för barn Ett livslångt lärande En fungerande arbetsmarknad Hållbara "
                                 "boendemiljöer Planen för 2030 anger fokusområden."], DocType.VERKSAMHETSPLAN)
    assert [g.text for g in goals] == ["Trygga uppväxtvillkor för barn", "Ett livslångt lärande",
                                       "En fungerande arbetsmarknad", "Hållbara boendemiljöer"]


def test_no_goals_in_activities_or_running_text():
    assert _run(extract_goals, ["Förbundet ska bidra till samverkan genom att:", "- ordna utbildningar",
                                "- stödja nätverk", "Målet med dagens möte var att informera."],
                DocType.PROTOKOLL) == []


def test_the_verb_phrase_before_the_first_party_is_not_its_name():
    from extractors.parties import parties_in_text

    found = parties_in_text("Detta avtal är upprättat mellan Granåsens kommun, 212000-2627, nedan kallad "
                            "Beställaren och Lillforsa Omsorg AB nedan kallad Utföraren.")
    assert [(name, number) for name, number, *_ in found] == [
        ("Granåsens kommun", "212000-2627"), ("Lillforsa Omsorg AB", None)]
