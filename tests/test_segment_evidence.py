"""Segmentation and classification of documents from any organisation (issue 13).

Fictional texts in the shapes real kansli documents arrive in: flattened transcripts
(a page on one line behind its page number and running head), letter-spaced titles,
minutes without a title line, agendas without one, a page title above the minutes, a
second body's protokollsutdrag run on in the same file.
"""

from datetime import date

import pytest

from models import DocType
from pipeline.read import read_document
from pipeline.segment import segment_document


def _segments(tmp_path, *pages: str):
    f = tmp_path / "doc.txt"
    f.write_text("\f".join(pages), encoding="utf-8")
    return segment_document(read_document(f))


def test_flattened_minutes_behind_page_number_and_masthead(tmp_path):
    segs = _segments(
        tmp_path,
        "1 LILLFORSA KOMMUN SAMMANTRÄDESPROTOKOLL 1 (12) Plats och tid Kommunhuset, Lillforsa kl "
        "Beslutande Anna Berg, s, ordförande Olle Ek, m Övriga deltagare Per Al, kanslichef "
        "Utses att justera Olle Ek Paragrafer: 1-4",
        "2 LILLFORSA KOMMUN SAMMANTRÄDESPROTOKOLL 2 AU 1 Dnr 12/20 Val av ombud Beslut: Anna Berg väljs.",
    )
    assert [s.doc_type for s in segs] == [DocType.PROTOKOLL]  # page 2's running head continues the minutes
    assert segs[0].classification_evidence[0].startswith("title:")


def test_another_bodys_minutes_in_the_same_file_is_a_segment_of_its_own(tmp_path):
    segs = _segments(
        tmp_path,
        "1 LILLFORSA KOMMUN SAMMANTRÄDESPROTOKOLL Kommunstyrelsen Blad 3 Ks 12 Dnr 4/20 Revidering av "
        "förbundsordningen. Kommunstyrelsens förslag till beslut: förbundsordningen revideras.",
        "2 NORRÅDALENS RÄDDNINGSFÖRBUND SAMMANTRÄDESPROTOKOLL Datum Förbundsdirektion 44 Dnr 9/20 "
        "Revidering av förbundsordning Vid mötet den 3 mars 2020 behandlades förslaget.",
    )
    assert [s.doc_type for s in segs] == [DocType.PROTOKOLL, DocType.PROTOKOLL]


def test_letter_spaced_kungorelse_is_an_agenda_with_its_written_out_date(tmp_path):
    segs = _segments(
        tmp_path,
        "1 K U N G Ö R E L S E Kommunfullmäktige i Granåsen sammanträder i Folkets hus "
        "onsdagen den 4 mars 2015 kl Ärenden 1. Upprop 2. Val av justerare 3. Budget 2016",
    )
    assert [(s.doc_type, s.meeting_date) for s in segs] == [(DocType.FOREDRAGNINGSLISTA, date(2015, 3, 4))]


def test_minutes_without_a_title_are_known_by_their_structure(tmp_path):
    segs = _segments(
        tmp_path,
        "1(20) Plats och tid Stora salen, 09.00-11.00 Beslutande ledamöter Anna Berg (S) Olle Ek (M) "
        "Övriga närvarande Per Al, kommunsekreterare Justerare Olle Ek (M) ANSLAG/BEVIS Protokollet är "
        "justerat. Justeringen har tillkännagivits genom anslag. Justerat den 30 april 2015",
    )
    assert [s.doc_type for s in segs] == [DocType.PROTOKOLL]
    assert segs[0].classification_evidence[0].startswith("structure:")
    assert segs[0].meeting_date is None  # the justering date is not the meeting's
    assert "meeting date not found" in segs[0].warnings


def test_agenda_without_a_title_is_known_by_its_items(tmp_path):
    segs = _segments(tmp_path, "• 1\nVal av justerare\n• 2\nFastställande av dagordning\n• 3\nAnmälningar")
    assert [s.doc_type for s in segs] == [DocType.FOREDRAGNINGSLISTA]


def test_page_title_above_the_minutes_belongs_to_them(tmp_path):
    segs = _segments(
        tmp_path,
        "Nämnden för fritid maj 2016\nNf 12/2016\nProtokoll\nNämnden för fritid\n2016-05-12\nDatum:\n"
        "Klockan: 9.00–11.00\nNärvarande ledamöter\nAnna Berg (S)\nOlle Ek (M)\nJusterare Olle Ek",
    )
    assert [(s.doc_type, s.meeting_date) for s in segs] == [(DocType.PROTOKOLL, date(2016, 5, 12))]


@pytest.mark.parametrize("text, expected", [
    ("1 FÖRBUNDSORDNING för Norrådalens räddningsförbund 1 Namn och säte Förbundet benämns ...", DocType.OVERENSKOMMELSE),
    ("1 Samordningsförbundet Västmark Org. nr Finansiell samordning mellan Försäkringskassan och "
     "kommunerna ÅRSREDOVISNING med tillhörande VERKSAMHETSBERÄTTELSE 2019 Styrelsen består av ...", DocType.OTHER),
    ("Ägardirektiv för NORRÅDALENS RÄDDNINGSFÖRBUND gällande 2017 Budgetramen 2017 tkr Intäkter Kostnader",
     DocType.OTHER),
    ("AVTAL\nDnr: 12-2019\navseende beviljade samverkansmedel för insats X\n§ 1 Parter\nUppdragsgivare: "
     "Samordningsförbundet Västmark\nInsatsägare: Granåsens kommun", DocType.UPPDRAGSAVTAL),
    ("1 (14) Detaljbudget 2018 Datum 2017-12-01 Till regionstyrelsen", DocType.BUDGET),
])
def test_titles_and_kinds_finsam_has_no_type_for(tmp_path, text, expected):
    assert [s.doc_type for s in _segments(tmp_path, text)] == [expected]


def test_minutes_whose_items_read_like_an_agenda_are_minutes_by_their_attendance_list(tmp_path):
    segs = _segments(
        tmp_path,
        "1 Plats och tid Granåsen, kl Omfattning 1-9 Beslutande Anna Berg (S) ordförande Olle Ek (M) "
        "Ersättare Per Al (S) Övriga Eva Ny, förbundsdirektör",
        "2 Sekreterare Eva Ny Ordförande... Anna Berg Justerare Olle Ek",
        "3 1 Val av mötesordförande Till mötesordförande utses Anna Berg (S). 2 Fastställande av dagordning "
        "att fastställa dagordningen 3 Val av justerare Olle Ek (M) utses att jämte ordförande justera protokollet.",
    )
    assert [s.doc_type for s in segs] == [DocType.PROTOKOLL]


def test_issuer_and_body_named_in_the_head(tmp_path):
    segs = _segments(
        tmp_path,
        "1 LILLFORSA KOMMUN SAMMANTRÄDESPROTOKOLL 1 (12) Plats och tid Kommunhuset, kl Beslutande Anna Berg (S) "
        "Olle Ek (M) Justerare Olle Ek ANSLAG/BEVIS Protokollet är justerat. Organ Kommunstyrelsens arbetsutskott",
    )
    assert (segs[0].organisation, segs[0].body) == ("Lillforsa kommun", "Kommunstyrelsens arbetsutskott")
    segs = _segments(tmp_path, "1 FÖRBUNDSORDNING för Norrådalens räddningsförbund 1 Namn Förbundet benämns ...")
    assert segs[0].organisation == "Norrådalens räddningsförbund"
    segs = _segments(
        tmp_path,
        "Samverkansavtal mellan Ale kommun, Granåsens kommun och Hedträsks kommun\nSAMMANTRÄDESPROTOKOLL\n"
        "Miljönämnden\nSammanträdesdatum\n2023-04-18\n§ 65 Samverkansavtal\nBeslut\nNämnden godkänner avtalet.",
    )
    assert segs[0].organisation is None  # the parties of an agreement named in a title are not the issuer
    assert segs[0].body == "Miljönämnden"


def test_a_web_page_title_cut_short_and_a_title_printed_twice_are_still_a_masthead():
    """Above minutes printed from a web page: the page's title cut short with "...", then the
    title (two lines) twice, a page number and a diarienummer. Still a masthead of the minutes
    below, not a document of its own."""
    from pipeline.segment import _is_masthead_only
    from pipeline.segment.boundaries import FlatLine
    from pipeline.sv.fuzzy import normalize_for_match

    def lines(*texts):
        return [FlatLine(1, i, t, normalize_for_match(t), None) for i, t in enumerate(texts)]

    title = ("Samverkansavtal mellan Ale kommun, Härryda kommun, Kungälvs kommun, Lerums kommun, Partille",
             "kommun, Stenungsunds kommun och Öckerö kommun avseende alkohol- och tobakstillsyn")
    assert _is_masthead_only(lines("Samverkansavtal mellan Ale kommun, Härryda kommun, Kungälvs kommun, L...",
                                   *title, *title, "5", "2023KS133"))
    # Seven different lines, or a sentence, are more than a masthead.
    assert not _is_masthead_only(lines(*[f"Rad {n}" for n in range(7)]))
    assert not _is_masthead_only(lines("Kommunen har beslutat om avtalet.", "5"))
