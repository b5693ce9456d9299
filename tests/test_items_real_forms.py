"""Agenda items, § and decisions in the forms real kansli print, flattened or not.

All names and places are fictional; the shapes follow real protokoll and kallelser.
"""

from __future__ import annotations

from models import DocumentText, Line, Page, Records
from extractors.run import extract_records
from pipeline.sv.paragraph_refs import find_paragraph_headings


def _doc(*pages: str) -> DocumentText:
    return DocumentText(
        doc_id="1" * 64, file_name="forms.txt", source_path="forms.txt", media_type="txt",
        pages=[
            Page(number=k + 1, method="txt", raw_text=t, text=t, lines=[Line(text=x) for x in t.splitlines()])
            for k, t in enumerate(pages)
        ],
    )


def _records(*pages: str) -> Records:
    records, errors = extract_records(_doc(*pages))
    assert not errors, errors
    return records


def _items(recs: Records) -> list[tuple[int, str]]:
    return [(a.item_number, a.title) for a in recs.agenda_items]


# --- agenda items --------------------------------------------------------------------------


def test_numbered_items_run_together_on_one_line():
    recs = _records(
        "K U N G Ö R E L S E Kommunfullmäktige i Älvby sammanträder i Älvby folkets hus tisdagen den 3 mars "
        "2026 kl Ärenden 1. Upprop och val av protokolljusterare. 2. Information från Älvby Vatten AB om "
        "verksamheten 2025 (sid 1). 3. Antagande av detaljplan för Norrgården 1:12 m fl (sid 4) 4. Besvarande "
        "av motion från Lisa Ek (X) om cykelvägar (sid 9). 5. Kommunfullmäktiges sammanträden år 2026 (sid 12)."
    )
    assert _items(recs) == [
        (1, "Upprop och val av protokolljusterare"),
        (2, "Information från Älvby Vatten AB om verksamheten 2025"),
        (3, "Antagande av detaljplan för Norrgården 1:12 m fl"),
        (4, "Besvarande av motion från Lisa Ek (X) om cykelvägar"),
        (5, "Kommunfullmäktiges sammanträden år 2026"),
    ]
    assert recs.agenda_items[1].item_kind == "Information"
    assert all(a.meeting_date is not None and a.meeting_date.isoformat() == "2026-03-03" for a in recs.agenda_items)


def test_bullet_items_with_the_title_on_the_next_line_and_a_gap():
    recs = _records(" •   1\n\n  Val av justerare\n\n •   2\n\n  Fastställande av dagordning\n\n •   3\n\n"
                    "  Anmälningar för kännedom\n\n  • Delegationsbeslut – Ekgården AB, RS2025/12\n\n •   5\n\n"
                    "  Uppföljning av årsplanen\n")
    assert _items(recs) == [(1, "Val av justerare"), (2, "Fastställande av dagordning"),
                            (3, "Anmälningar för kännedom"), (5, "Uppföljning av årsplanen")]
    assert recs.agenda_items[2].item_kind == "Information"
    assert any("not printed" in w for w in recs.agenda_items[3].warnings)


def test_agenda_inside_minutes_with_attachments_and_presenters():
    recs = _records(
        "Styrelsen Sida 4 (9) Plats Förbundets lokaler Justerare Eva Lund",
        "Styrelsen Sida 5 (9) Utsänd föredragningslista 1. Val av justerare 2. Föredragningslista 3. Ny "
        "projektperiod Västkontoret Information av Per Holm, Västkontoret Bilagor: a) PM, b) Avtal 4. "
        "Delårsredovisning Bilagor: a) PM, b) Rapport 5. Skoldatatek Bilagor: a) PM 6",
    )
    assert _items(recs) == [(1, "Val av justerare"), (2, "Föredragningslista"),
                            (3, "Ny projektperiod Västkontoret"), (4, "Delårsredovisning"), (5, "Skoldatatek")]
    assert recs.agenda_items[2].item_kind == "Information"
    assert recs.paragraphs == []


def test_items_without_full_stop_added_label_and_proposals():
    recs = _records(
        "Sammanträde 2026-02-12\n\nPlats\nBygdegården\n\n1 Justering av dagens protokoll\n\nUtseende av "
        "protokolljusterare\n\n2 Anmälan av protokoll från kommunfullmäktige\n\nFörslag till beslut\n\n"
        "1. Anmälan läggs till handlingarna.\n\n____\n\n4 a Upprustning av Tallparken. Återremitterat ärende\n\n"
        "Förslag till beslut\n\n1. Nämnden beviljar 50 000 kronor.\n\n3 Inkomna medborgarförslag\n\n4 Remiss ang. "
        "Ny policy för parker\n"
    )
    numbers = [a.item_number for a in recs.agenda_items]
    assert numbers == [1, 2, 4, 3, 4]
    added = recs.agenda_items[2]
    assert added.title.startswith("Upprustning av Tallparken") and any("'4 a'" in w for w in added.warnings)
    assert recs.agenda_items[4].title == "Remiss ang. Ny policy för parker"
    assert {a.item_number: a.item_kind for a in recs.agenda_items[:2]} == {1: "other", 2: "Beslut"}
    proposals = [d for d in recs.decisions if d.decision_kind == "forslag_till_beslut"]
    assert [d.item_number for d in proposals] == [2, 4]


def test_item_list_whose_numbers_were_lost_is_numbered_by_place_with_warning():
    recs = _records(
        "Föredragningslista Sid 12 Kungörelse Justering Debattimme: Parkerna i framtiden Förteckning över "
        "motioner som inte har slutbehandlats. Bilaga Borgensförbindelse Kommunbanken. Bilaga Revidering av "
        "budget Bilaga Detaljplan Norrgården, antagande. Bilaga"
    )
    titles = [a.title for a in recs.agenda_items]
    assert "Förteckning över motioner som inte har slutbehandlats" in titles
    assert "Borgensförbindelse Kommunbanken" in titles and "Detaljplan Norrgården, antagande" in titles
    assert all(any("not printed" in w for w in a.warnings) for a in recs.agenda_items)


def test_numbered_lists_of_plans_and_agreements_are_no_agenda():
    recs = _records(
        "AVTAL\n§ 1 Parter\nFörbundet och Älvby kommun.\n§ 2 Uppdraget\nInsatsen är indelad i fyra steg:\n"
        "1. Utveckling av kunskapsplattform\n2. Lägesgenomgång och samverkan\n3. Slutsatser och återkoppling\n"
        "4. Slutgiltigt resultat och förslag\n"
    )
    assert recs.agenda_items == [] and recs.paragraphs == []
    plan = _records("Innehåll 1. GRUNDLÄGGANDE FÖRUTSÄTTNINGAR... 2 2. VERKSAMHETSSTRUKTUR... 3 3. MÅL... 4")
    assert plan.agenda_items == [] and plan.paragraphs == []


# --- § headings ----------------------------------------------------------------------------


def test_heading_forms_in_running_text():
    text = ("SAMMANTRÄDESPROTOKOLL Blad 6 Ks 184 Au 192 Dnr 261/ Revidering av förbundsordningen Förbundet "
            "behandlade den 2 maj 2025, 112, förslag. enligt 11 kap 8 § ska, Lag (2003:1210) "
            "Innehållsförteckning KS 86 Ändring av föredragningslistan... 4 Ärendelista 26 Dnr KS 2025/14 "
            "Information... 3 27 Dnr KS 2025/124 Årsredovisning 2024... 4 § 65 Dnr 2025KS133 Samverkansavtal")
    found = [(h.number, h.form, h.toc) for h in find_paragraph_headings(text)]
    assert found == [(184, "organ", False), (86, "organ", True), (26, "dnr", True), (27, "dnr", True),
                     (65, "sign", False)]


def test_flattened_minutes_with_organ_prefix_and_proposal_to_fullmaktige():
    recs = _records(
        "1 ÄLVBY KOMMUN SAMMANTRÄDESPROTOKOLL Kommunstyrelsen Blad 3 Ks 41 Au 52 Dnr 77/ Revidering av "
        "Älvdalens förbundsordning Älvdalens förbund behandlade den 3 mars 2025, 12, förslag till revidering. "
        "Kommunstyrelsens förslag till beslut i kommunfullmäktige 1. Förbundsordningen revideras enligt "
        "förslaget. 2. Förbundsordningen träder i kraft den 1 januari 2026. Skickas till: Kommunfullmäktige "
        "Ordförandes sign. Justerandes sign."
    )
    assert [(p.paragraph_number, p.title) for p in recs.paragraphs] == [(41, "Revidering av Älvdalens förbundsordning")]
    assert any("§ sign not printed" in w for w in recs.paragraphs[0].warnings)
    [d] = recs.decisions
    assert d.paragraph_number == 41 and d.decision_kind == "beslut"
    assert d.text.startswith("Kommunstyrelsens förslag till beslut i kommunfullmäktige 1.")
    assert d.text.endswith("1 januari 2026.")


def test_bare_numbers_in_minutes_need_a_consecutive_run_with_decisions():
    recs = _records(
        "1 PROTOKOLL 1(4) Plats: Regionens hus Närvarande: Anna Berg (X), Olle Ek (Y) Övriga: Eva Lund, "
        "controller t.o.m. 13 Kim Sand, nämndsekreterare 11 Val av protokollsjusterare Nämnden utser Olle Ek "
        "att justera protokollet tillsammans med ordföranden. 12 Fastställande av dagordningen Dagordningen "
        "fastställs utan ändringar. 13 Aktuell information Eva Lund lämnar information om budgeten."
    )
    assert [(p.paragraph_number, p.title) for p in recs.paragraphs] == [
        (11, "Val av protokollsjusterare"), (12, "Fastställande av dagordningen"), (13, "Aktuell information")]
    assert all(any("§ sign not printed" in w for w in p.warnings) for p in recs.paragraphs)
    assert [(d.paragraph_number, d.text) for d in recs.decisions] == [
        (11, "Nämnden utser Olle Ek att justera protokollet tillsammans med ordföranden."),
        (12, "Dagordningen fastställs utan ändringar."),
    ]


def test_numbered_items_of_minutes_are_paragraphs_with_run_in_decisions():
    recs = _records(
        "Protokoll fört vid Nr 3/2025 AU-sammanträde Närvarande: Anna Berg, Olle Ek Mötesprotokoll "
        "7. Mötets öppnande Ordförande Anna Berg öppnade mötet. Beslut: Mötet förklarades öppnat. 8. Förslag "
        "till dagordning Beslut: Dagordningen godkändes. 9. Val av justeringsperson Beslut: Olle Ek valdes att "
        "jämte ordförande signera dagens protokoll."
    )
    assert [p.paragraph_number for p in recs.paragraphs] == [7, 8, 9]
    assert recs.paragraphs[0].title == "Mötets öppnande"
    assert [d.text for d in recs.decisions] == [
        "Mötet förklarades öppnat.", "Dagordningen godkändes.",
        "Olle Ek valdes att jämte ordförande signera dagens protokoll.",
    ]
    assert recs.agenda_items == []


def test_forbundsordning_sections_are_not_paragraphs():
    recs = _records(
        "1 Förbundsordning för Älvdalens räddningstjänst Antagen av kommunfullmäktige den 9 juni 2001, 54. "
        "Medlemmar 1 Medlemmar i kommunalförbundet är Älvby och Norrby. Namn 2 Kommunalförbundets namn är "
        "Älvdalens räddningstjänst. 3 Tillkännagivanden om protokollsjustering sker på anslagstavlan. "
        "4 Kommunalförbundet ska hålla en gemensam räddningstjänst."
    )
    assert recs.paragraphs == [] and recs.decisions == [] and recs.agenda_items == []


def test_paragraph_with_dnr_line_beslut_heading_and_justering_sentence():
    recs = _records(
        "SAMMANTRÄDESPROTOKOLL\nMiljönämnden\nSammanträdesdatum\n2026-01-20\n§ 5 Dnr 2026MN7\n"
        "Avtal om gemensam tillsyn\nBeslut\nMiljönämndens förslag till beslut i kommunfullmäktige "
        "Kommunfullmäktige godkänner avtalet.\nParagrafen förklaras omedelbart justerad.\n"
        "Sammanfattning av ärendet\nKommunen har sagt upp det gamla avtalet.\n§ 6 Protokollsjusterare\n"
        "Ärendebeskrivning\nLisa Ek (X), med Per Holm (Y) som ersättare, utses att justera\n"
        "dagens protokoll den 27 januari 2026.\n"
    )
    assert [(p.paragraph_number, p.title) for p in recs.paragraphs] == [(5, "Avtal om gemensam tillsyn"),
                                                                        (6, "Protokollsjusterare")]
    texts = {d.paragraph_number: d.text for d in recs.decisions}
    assert texts[5].startswith("Miljönämndens förslag till beslut i kommunfullmäktige")
    assert texts[5].endswith("Paragrafen förklaras omedelbart justerad.")
    assert texts[6] == "Lisa Ek (X), med Per Holm (Y) som ersättare, utses att justera dagens protokoll den 27 januari 2026."
    assert all(d.decision_kind == "beslut" for d in recs.decisions)


def test_decision_formulas_of_minutes_without_a_beslut_label():
    recs = _records(
        "PROTOKOLL Beslutande Anna Berg (S) Olle Ek (M) Justerare Olle Ek\n"
        "1 Val av mötesordförande Till mötesordförande utses Anna Berg (S). "
        "2 Fastställande av dagordning att fastställa dagordningen "
        "3 Föregående protokoll Protokollet läggs till handlingarna. "
        "4 Information Förvaltningen informerar om läget. Planen ska antas av fullmäktige i juni och mycket mer "
        "än så sägs om den i en lång mening som inte är något beslut alls."
    )
    decided = {d.paragraph_number: d.text for d in recs.decisions}
    assert set(decided) == {1, 2, 3}
    assert decided[2] == "att fastställa dagordningen"
