"""Attendance and meeting signatures in the forms real protokoll print them (fictional names).

Real minutes arrive flattened (a page on one line), with labels mid-stream, parties as
"(S)", ", s," or ", (s),", replaced members after "ersätter"/"för", and columns printed
one after the other. Each test fails when its form stops being read.
"""

from __future__ import annotations

from extractors.attendance import attendance_groups
from extractors.run import extract_records
from extractors._meeting_signatures import elected_justerare, meeting_signatures
from pipeline.sv.nlp import list_person_names
from test_meetings import make_doc


def _records(text: str):
    records, errors = extract_records(make_doc(text))
    assert not errors, errors
    return records


def _people(recs) -> list[tuple[str, str | None]]:
    return [(a.person_name, a.role) for a in recs.attendance]


def test_flattened_head_with_place_after_party_and_trailing_role():
    recs = _records(
        "PROTOKOLL Styrelsen Plats Förbundets lokaler Beslutande kommunrepresentanter Ylva Strand Berg, (s), "
        "Norrby Olle Fjäll, (s), Sörby Kim Ask, (c), Västby, Tjänstgörande ersättare Övriga deltagare "
        "Lisa Myr, kansliet, sekreterare Underskrifter Sekreterare Lisa Myr Ordförande Ylva Strand Berg "
        "Justerare. Olle Fjäll\n"
    )
    people = _people(recs)
    assert ("Olle Fjäll", "ledamot") in people  # not "Norrby Olle Fjäll"
    assert ("Kim Ask", "tjänstgörande ersättare") in people
    assert ("Ylva Strand Berg", "ordförande") in people  # role from the signature block
    assert ("Olle Fjäll", "justerare") in people  # a justerare also attends as such
    assert people.count(("Lisa Myr", "sekreterare")) == 1  # listed as sekreterare already
    assert [(s.person_name, s.title) for s in recs.signatories] == [
        ("Lisa Myr", "sekreterare"), ("Ylva Strand Berg", "ordförande"), ("Olle Fjäll", "justerare")]


def test_names_run_together_with_bare_party_letters_and_paragraph_spans():
    recs = _records(
        "SAMMANTRÄDESPROTOKOLL Beslutande PerOla Lind, s, ordförande, 1-12 Eva Rask, s Ann Holm, m, "
        "Sven T Björk, v Övriga deltagare Bo Kvist, t f kommundirektör Ulf Sten, ekonomichef, delvis "
        "Utses att justera Ann Holm och Sven T Björk Justeringens plats/tid Stadshuset\n"
    )
    people = {(a.person_name, a.role): a for a in recs.attendance}
    assert people[("PerOla Lind", "ordförande")].paragraphs == list(range(1, 13))
    assert ("Sven T Björk", "ledamot") in people and ("Eva Rask", "ledamot") in people
    assert people[("Bo Kvist", "tjänsteperson")].organisation is None  # "t f" is not a party
    assert any("part of the meeting" in w for w in people[("Ulf Sten", "tjänsteperson")].warnings)
    assert ("Ann Holm", "justerare") in people and ("Sven T Björk", "justerare") in people


def test_ersatter_and_colon_labels():
    recs = _records(
        "PROTOKOLL Närvarande: ande: Mia Ek (M), Kalle Berg (S) ersätter Nils Dahl (S), Lena Ros (V), "
        "Ersättare: Tove Lund (M) 1:e ersättare, Vakant (KD) Övriga: Rut Sand, controller t.o.m. 108, "
        "Ivar Alm, nämndsekreterare 106 Val av protokollsjusterare Nämnden utser Lena Ros att justera protokollet.\n"
    )
    people = _people(recs)
    assert ("Kalle Berg", "tjänstgörande ersättare") in people
    assert not any(name == "Nils Dahl" for name, _ in people)  # replaced, absent
    assert ("Lena Ros", "ledamot") in people and ("Tove Lund", "ersättare") in people
    assert ("Lena Ros", "justerare") in people
    assert ("Ivar Alm", "sekreterare") in people
    assert not any("Vakant" in name for name, _ in people)


def test_columns_serialised_after_the_names_are_paired_by_order():
    recs = _records(
        "Protokoll\nDatum: 2024-03-14\nNärvarande ledamöter\nAnna Alm (S)\nBo Berg (M)\n"
        "Tjänstgörande ersättare\nCia Dahl (S)\nDan Ek (V)\nför Eva Fors (S) t.o.m. § 14\n"
        "för Gun Gran (V) fr.o.m. § 15\nÖvriga\nHans Holm\nIda Isaksson\nförvaltningschef\nekonom\n"
        "Paragraf 10–20\nIda Isaksson, sekreterare\nJusterat den 20 mars 2024\nAnna Alm, ordförande\n"
        "Bo Berg, justerare\n§ 10 Protokollsjusterare\nBo Berg (M) utses att justera dagens protokoll.\n"
    )
    people = {(a.person_name, a.role): a for a in recs.attendance}
    assert people[("Cia Dahl", "tjänstgörande ersättare")].paragraphs == list(range(10, 15))
    assert people[("Dan Ek", "tjänstgörande ersättare")].paragraphs == list(range(15, 21))
    assert any("by order" in w for w in people[("Dan Ek", "tjänstgörande ersättare")].warnings)
    assert not any(name in ("Eva Fors", "Gun Gran") for name, _ in people)
    assert ("Hans Holm", "tjänsteperson") in people and ("Ida Isaksson", "ekonom") in people
    assert ("Ida Isaksson", "sekreterare") in people and ("Anna Alm", "ordförande") in people
    assert sorted((s.person_name, s.title) for s in recs.signatories) == [
        ("Anna Alm", "ordförande"), ("Bo Berg", "justerare"), ("Ida Isaksson", "sekreterare")]


def test_kallelse_names_its_ordforande_and_sekreterare():
    sigs = meeting_signatures(
        "KALLELSE Kommunfullmäktige Plats och tid Stora salen måndag kl 16:00 Maja af Sten (M) Ordförande "
        "Olof Lind Sekreterare Ca kl 17:20 delas priset ut."
    )
    assert [(s.name, s.role) for s in sigs] == [("Maja af Sten", "ordförande"), ("Olof Lind", "sekreterare")]


def test_second_name_under_a_label_is_the_elected_justerare():
    text = ("Utses att justera Kim Sol (S) Ers:Bo Rund (S) Under- skrifter Sekreterare... Paragrafer Eva Lind "
            "Ordförande... Per Dal... Kim Sol ANSLAG / BEVIS")
    assert [n.text for n in elected_justerare(text)] == ["Kim Sol"]
    assert [(s.name, s.role) for s in meeting_signatures(text)] == [
        ("Eva Lind", "sekreterare"), ("Per Dal", "ordförande"), ("Kim Sol", "justerare")]


def test_frånvarande_and_prose_are_not_attendance():
    text = "Närvarande: Kim Ek, Bo Ax Frånvarande: Per Ulv, Eva Ugg Mötesprotokoll 1. Mötets öppnande"
    kinds = [g.kind for g in attendance_groups(text)]
    assert kinds == ["beslutande", "absent"]
    assert attendance_groups("4 b Övriga befogenheter Utöver vad som stadgas kan förbundet Ersättare utses") == []


def test_list_names_keep_line_wraps_but_split_one_name_a_line():
    assert [n.text for n in list_person_names("Beslutande Jan\nSahlberg (S)")] == ["Jan Sahlberg"]
    assert [n.text for n in list_person_names("Sara Ny\nRobin Ås")] == ["Sara Ny", "Robin Ås"]


def test_two_column_headers_printed_together():
    recs = _records(
        "Sammanträdesprotokoll Plats och tid Portalen Beslutande Övriga deltagande Lina Berg (S) ordförande "
        "Ove Dahl (M) Åsa Vik, kommundirektör Utses att justera Ove Dahl (S)\n"
    )
    people = _people(recs)
    assert ("Lina Berg", "ordförande") in people and ("Ove Dahl", "ledamot") in people
    assert ("Åsa Vik", "tjänsteperson") in people


def test_presence_ticks_absence_notes_and_staff_and_adjunct_groups():
    recs = _records(
        "PROTOKOLL\nLedamöter Närvarande\nIda Lind X\nOla Berg X, mötesordf. § 4-8\nKarl Ek Anmält förhinder\n"
        "Suppleanter\nEva Sund X\nSekretariatet\nMaja Falk X\nAdjungerade\nPer Holm (S) Västby kommun\n"
        "§4 Val av justerare\nBeslut\natt utse Ida Lind till justerare\n"
    )
    people = {a.person_name: a for a in recs.attendance}
    assert "Karl Ek" not in people  # listed, but did not come
    assert people["Ida Lind"].organisation is None  # "X" is a tick, not a party letter
    assert (people["Eva Sund"].group, people["Maja Falk"].group, people["Per Holm"].group) == ("ersattare", "ovriga", "ovriga")


def test_signature_block_behind_a_page_number_and_not_past_it():
    text = ("2 Sekreterare Eva Ny Ordförande... Anna Berg Justerare Olle Ek 2\n\n"
            "3 1 Val av mötesordförande Till mötesordförande utses Per Al (S). 2 Val av justerare Olle Ek (M) "
            "utses att jämte ordförande justera dagens protokoll.")
    assert [(s.name, s.role) for s in meeting_signatures(text)] == [
        ("Eva Ny", "sekreterare"), ("Anna Berg", "ordförande"), ("Olle Ek", "justerare")]
