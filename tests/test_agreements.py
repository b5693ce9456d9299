"""Agreement and budget extractors on small built documents, odd input, and end to end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extractors.budget import parse_budget_tables
from extractors.parties import parties_in_text
from extractors.signatories import extract_signatories_from
from models import BBox, DocType, DocumentText, Line, Page, Provenance, Segment, Word


def _doc(lines: list[Line], method: str = "text") -> DocumentText:
    text = "\n".join(ln.text for ln in lines)
    pos = 0
    for ln in lines:
        ln.start, ln.end = pos, pos + len(ln.text)
        pos += len(ln.text) + 1
    page = Page(number=1, method=method, raw_text=text, text=text, lines=lines, width=595, height=842)
    return DocumentText(doc_id="d" * 64, file_name="t.pdf", source_path="t.pdf", media_type="pdf", pages=[page])


def _line(words: list[tuple[str, float]], top: float, width_per_char: float = 5.0) -> Line:
    """A text-layer line from (word, x0) pairs; x1 from the word length."""
    ws = [Word(text=t, bbox=BBox(x0=x, top=top, x1=x + width_per_char * len(t), bottom=top + 10)) for t, x in words]
    return Line(text=" ".join(t for t, _ in words), words=ws, bbox=BBox.union([w.bbox for w in ws]))


def _seg(doc: DocumentText, doc_type: DocType = DocType.BUDGET) -> Segment:
    return Segment(segment_id="s1", provenance=Provenance(doc_id=doc.doc_id, method="text"), doc_type=doc_type,
                   page_start=1, page_end=doc.page_count)


def _right_aligned(label: str, cells: dict[int, str], top: float) -> Line:
    """Label at x=70, each cell right-aligned to the column edge x1 = 392/458/524."""
    edges = {0: 392.0, 1: 458.0, 2: 524.0}
    words = [(w, 70.0 + 30 * i) for i, w in enumerate(label.split())]
    for col, text in cells.items():
        parts = text.split()
        x = edges[col]
        placed = []
        for part in reversed(parts):
            x0 = x - 5.0 * len(part)
            placed.insert(0, (part, x0))
            x = x0 - 3
        words.extend(placed)
    return _line(words, top)


def test_short_budget_row_goes_by_position_not_from_the_left():
    header = _right_aligned("Belopp i tkr", {0: "2024", 1: "2025", 2: "2026"}, 100)
    rows = [
        Line(text="Intäkter"),
        _right_aligned("- ESF stöd", {1: "300", 2: "300"}, 130),  # no 2024 figure
        _right_aligned("- Kanslipersonal", {0: "-2 090", 1: "-1 710", 2: "-1 665"}, 145),
        _right_aligned("Summa intäkter", {0: "11 785", 2: "(0]}"}, 160),
    ]
    doc = _doc([header] + rows)
    lines = parse_budget_tables(doc, _seg(doc))
    cells = {(b.label, b.year): b for b in lines}
    assert set(y for (label, y) in cells if label == "ESF stöd") == {2025, 2026}
    assert cells[("Kanslipersonal", 2024)].amount_sek == Decimal(-2090000)
    assert cells[("Summa intäkter", 2024)].amount_sek == Decimal(11785000)
    assert cells[("Summa intäkter", 2024)].is_total
    assert cells[("Summa intäkter", 2026)].amount_sek == 0 and cells[("Summa intäkter", 2026)].warnings
    assert ("Summa intäkter", 2025) not in cells


def test_budget_without_geometry_splits_thousands_and_keeps_shares():
    text_lines = ["2021 2022 2023", "Intäkter", "- Umeå kommun, 82,9% av arb-bef. 2 359 2 353 2 353",
                  "Eget kapital vid årets början 2 040 894 792", "- Processledare integration -310 (0] [x}"]
    doc = _doc([Line(text=t) for t in text_lines], method="txt")
    cells = {(b.label, b.year): b for b in parse_budget_tables(doc, _seg(doc))}
    umea = cells[("Umeå kommun, 82,9% av arb-bef.", 2021)]
    assert umea.amount_sek == Decimal(2359000) and umea.share_percent == Decimal("82.9")
    assert [cells[("Eget kapital vid årets början", y)].amount_sek for y in (2021, 2022, 2023)] == [
        Decimal(2040000), Decimal(894000), Decimal(792000)]
    assert cells[("Processledare integration", 2022)].amount_sek == 0
    unreadable = cells[("Processledare integration", 2023)]
    assert unreadable.amount_sek is None and any("unreadable" in w for w in unreadable.warnings)


def test_two_column_signature_block_pairs_by_position():
    lines = [
        Line(text="Digitalt signerat av samtliga parter datum enligt nedan"),
        # One space between the two organisations (as in seed 000): split where two names meet.
        _line([("Samordningsförbundet", 71), ("Södra", 154), ("Vätterbygden", 177), ("AMA", 228), ("i", 243),
               ("Jönköpings", 250), ("kommun", 293)], 100, 4.0),
        _line([("Peter", 71), ("Hedfors", 94), ("Rickard", 160), ("Boson", 191)], 115, 4.0),
        _line([("Förbundschef", 71), ("Arbetsmarknadschef", 160)], 130, 4.0),
        Line(text="……………………"),
    ]
    doc = _doc(lines)
    sigs = {s.person_name: s for s in extract_signatories_from(doc, _seg(doc, DocType.UPPDRAGSAVTAL))}
    assert sigs["Peter Hedfors"].canonical_organisation == "Samordningsförbundet Södra Vätterbygden"
    assert sigs["Peter Hedfors"].title == "Förbundschef"
    assert sigs["Rickard Boson"].canonical_organisation == "Jönköpings kommun"
    assert sigs["Rickard Boson"].title == "Arbetsmarknadschef"
    assert len(sigs) == 2  # the dotted line is nobody


def _cells_line(cells: list[tuple[str, float]], top: float, per_char: float = 4.4) -> Line:
    """A scanned line from (cell text, x0) pairs: each cell's words laid out from its x0."""
    words = []
    for text, x in cells:
        for w in text.split():
            words.append(Word(text=w, bbox=BBox(x0=x, top=top, x1=x + per_char * len(w), bottom=top + 10)))
            x += per_char * len(w) + 2.2
    return Line(text=" ".join(w.text for w in words), words=words, bbox=BBox.union([w.bbox for w in words]))


def test_ocr_noise_in_a_signature_block_does_not_move_the_columns():
    """Scanned two-column block (seed 002 read by Tesseract 5.5): a dotted line read as
    letters, which cleanup turns into dots in the line's text only, and another read as
    "PPS T PEPE STELT ..." in three cells. Neither decides where the columns are: the name
    at x=121 stays in the right column, above its organisation."""
    dotted = _cells_line([("EETEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", 72), ("EEE EEE", 313)], 145)
    dotted.text = "." * 10  # what cleanup's fix_ocr_line made of the text
    lines = [
        Line(text="Underskrifter"),
        _cells_line([("Umeå kommun", 71), ("Arbetsförmedlingen", 144)], 100),
        _cells_line([("Mikael Broman", 72), ("Petra Andersin", 145)], 115),
        _cells_line([("Försäkringskassan", 72), ("Robertsfors kommun", 159)], 130),
        dotted,
        _cells_line([("Anna Frej", 71), ("Mathias Haglund", 121)], 160),
        _cells_line([("Vännäs kommun", 71), ("Vindelns kommun", 148)], 175),
        _cells_line([("PPS", 67), ("T PEPE", 86), ("STELT TELETEPETEETT", 110)], 190, per_char=3.0),
        _cells_line([("Annika Jonsson", 67)], 205),
        _cells_line([("Kriminalvården", 67)], 220),
    ]
    doc = _doc(lines, method="ocr")
    sigs = {s.person_name: s.canonical_organisation
            for s in extract_signatories_from(doc, _seg(doc, DocType.OVERENSKOMMELSE))}
    assert sigs["Mathias Haglund"] == "Vindelns kommun"
    assert sigs["Anna Frej"] == "Vännäs kommun" and sigs["Petra Andersin"] == "Robertsfors kommun"


def _txt_sigs(texts: list[str]):
    doc = _doc([Line(text=t) for t in texts], method="txt")
    return extract_signatories_from(doc, _seg(doc, DocType.UPPDRAGSAVTAL))


def test_organisation_after_the_title_is_the_signers_and_an_unnamed_slot_is_kept():
    """Sample layout: place and date, dotted line, name, title, organisation. The right-hand
    slot of the second row has an organisation and no name."""
    sigs = _txt_sigs([
        "§ 8 UNDERSKRIFTER",
        "Norråsa 2023-12-14      Norråsa 2023-12-14",
        "……………………      ……………………",
        "Ulrika Sjöberg      Rickard Holm",
        "Förbundschef      Arbetsmarknadschef, Arbetsmarknadsenheten",
        "Samordningsförbundet Norrådalen      Granåsens kommun",
        "Norråsa 2023-12-14      Norråsa 2023-12-14",
        "……………………      ……………………",
        "Oskar Lind      Arbetsförmedlingen",
        "Verksamhetschef, Psykiatriska kliniken",
        "Region Västmark",
    ])
    got = {(s.person_name, s.organisation, s.title) for s in sigs}
    assert got == {
        ("Ulrika Sjöberg", "Samordningsförbundet Norrådalen", "Förbundschef"),
        ("Rickard Holm", "Granåsens kommun", "Arbetsmarknadschef, Arbetsmarknadsenheten"),
        ("Oskar Lind", "Region Västmark", "Verksamhetschef, Psykiatriska kliniken"),  # an organisation, not a person
        ("", "Arbetsförmedlingen", None),
    }
    unnamed = next(s for s in sigs if not s.person_name)
    assert unnamed.canonical_organisation == "Arbetsförmedlingen" and unnamed.warnings


def test_organisation_over_a_signer_with_its_own_organisation_has_no_name():
    """Seed 002: "Umeå kommun / ...... / Mikael Broman / Försäkringskassan"; the same when OCR
    lost the dotted line. Dotted lines alone are nobody."""
    for dots in (["…………………"], []):
        sigs = _txt_sigs(["Underskrifter", "Umeå kommun", *dots, "Mikael Broman", "Försäkringskassan", *dots,
                          "Anna Frej", "Vännäs kommun", "Bilagor"])
        assert [(s.person_name, s.canonical_organisation) for s in sigs] == [
            ("", "Umeå kommun"), ("Mikael Broman", "Försäkringskassan"), ("Anna Frej", "Vännäs kommun")]
    assert _txt_sigs(["Underskrifter", ".....", ".....", "……………", "Bilagor"]) == []


def test_organisation_heading_dotted_lines_signs_for_every_name_under_it():
    """Seed 001: the organisation stands above the dotted line, the title under the name."""
    sigs = _txt_sigs(["9. Underskrifter", "Arbetsförmedlingen Stockholm Nordväst", "……………", "Jan Karlsson,",
                      "Enhetschef", "Järfälla kommun", "……………", "Carina Karlsson,", "Utbildningsdirektör",
                      "……………", "Jenny Wilhelmsson,", "Socialdirektör", "Bilagor"])
    assert [(s.person_name, s.canonical_organisation, s.title) for s in sigs] == [
        ("Jan Karlsson", "Arbetsförmedlingen", "Enhetschef"),
        ("Carina Karlsson", "Järfälla kommun", "Utbildningsdirektör"),
        ("Jenny Wilhelmsson", "Järfälla kommun", "Socialdirektör"),
    ]


def test_word_table_signature_block():
    """A Word table row: cells apart by tabs, each cell's paragraphs by newlines."""
    sigs = _txt_sigs([
        "Underskrifter",
        "Norråsa 2024-12-12\n\n…………\nUlrika Sjöberg\nFörbundschef\nSamordningsförbundet Norrådalen"
        "\tNorråsa 2024-12-12\n\n…………\nCamilla Fors\nSektionschef\nArbetsförmedlingen",
    ])
    assert {(s.person_name, s.organisation, str(s.signed_date)) for s in sigs} == {
        ("Ulrika Sjöberg", "Samordningsförbundet Norrådalen", "2024-12-12"),
        ("Camilla Fors", "Arbetsförmedlingen", "2024-12-12"),
    }


def test_party_numbers_stay_with_their_names():
    parties = parties_in_text("Arbetsförmedlingen Stockholm Nordväst org. nr 202100–2114\nJärfälla kommun, org. nr. 212000–0043")
    assert [(n, num) for n, num, *_ in parties] == [
        ("Arbetsförmedlingen Stockholm Nordväst", "202100-2114"), ("Järfälla kommun", "212000-0043")]


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["Belopp i tkr 2024 2025", "- Rad ((( ]]] 12", "Summa -", "§§§", "RESULTAT 2024 2025 2026 2027"],
        ["Underskrifter", ".....", "Umeå kommun", "Bilagor"],
        ["Parter", "Parterna för denna överenskommelse är (212000-2628) och", "(2120002627)"],
        ["Övergripande mål", "- ", "Indikator:", "Mål:", "7.3. Individmal", "50% 50% 50%"],
        ["gäller fr.o.m. 2099-99-99 tills vidare", "Beslutdatum 2022-13-45", "Diarienummer: ?"],
    ],
)
def test_odd_documents_give_records_or_nothing_never_an_exception(texts):
    from extractors import all_extractors
    from extractors.run import build_context

    doc = _doc([Line(text=t) for t in texts], method="txt") if texts else DocumentText(
        doc_id="e" * 64, file_name="e.txt", source_path="e.txt", media_type="txt", pages=[])
    for doc_type in (DocType.UPPDRAGSAVTAL, DocType.OVERENSKOMMELSE, DocType.VERKSAMHETSPLAN, DocType.BUDGET):
        segment = Segment(segment_id="s", provenance=Provenance(doc_id=doc.doc_id, method="txt"), doc_type=doc_type,
                          page_start=1, page_end=max(1, doc.page_count))
        for extractor in all_extractors():
            records = extractor(build_context(doc, [segment]), segment)
            assert isinstance(records, list)


def test_wrong_check_digit_is_a_warning():
    doc = _doc([Line(text=t) for t in ["Parter", "Umeå kommun (212000–2628) och Försäkringskassan (202100–5521)", "Vision"]],
               method="txt")
    from extractors.parties import extract_parties_from

    parties = {p.canonical_name: p for p in extract_parties_from(doc, _seg(doc, DocType.OVERENSKOMMELSE))}
    assert parties["Umeå kommun"].org_number_valid is False and parties["Umeå kommun"].warnings
    assert parties["Försäkringskassan"].org_number_valid is True


@pytest.mark.seeds
@pytest.mark.slow
def test_end_to_end_bundle_002_and_agreement_000(seeds_dir):
    """Through the whole pipeline (reading, segmentation, extraction) on born-digital PDFs."""
    from pipeline.runtime.batch import process_file

    doc = process_file(seeds_dir / "pdf" / "002_295066ef3628236e.pdf")
    r = doc.records
    parties = {p.canonical_name: p.org_number for p in r.parties}
    assert parties.get("Umeå kommun") == "212000-2627"
    assert parties.get("Kriminalvården") == "202100-0225"
    cells = {(b.label, b.year): b.amount_sek for b in r.budget_lines}
    assert cells.get(("Försäkringskassan", 2024)) == Decimal(5677000)
    assert cells.get(("RESULTAT", 2025)) == Decimal(863000)
    assert {s.person_name for s in r.signatories} >= {"Mikael Broman", "Annika Jonsson"}

    doc = process_file(seeds_dir / "pdf" / "000_ea3342501728e725.pdf")
    amounts = {a.amount_sek for a in doc.records.amounts}
    assert {Decimal(3132000), Decimal(45500), Decimal(4290)} <= amounts
    assert len(doc.records.signatories) == 5


@pytest.mark.parametrize("lines", [
    ["Underskrifter", "För Region Västmark", "Anna Holm", "Regiondirektör", "", "För Granåsens kommun",
     "Olle Berg, kommundirektör"],
    ["Underskrifter", "Region Västmark                 Granåsens kommun",
     "Anna Holm, regiondirektör          Olle Berg, kommundirektör"],
])
def test_signers_on_behalf_of_and_name_comma_title(lines):
    """"För X" heads X's signature; "Name, title" on one line is a name and a title."""
    doc = _doc([Line(text=t) for t in lines], method="txt")
    got = [(s.person_name, s.title.lower(), s.organisation) for s in extract_signatories_from(doc, _seg(doc, DocType.OVERENSKOMMELSE))]
    assert got == [("Anna Holm", "regiondirektör", "Region Västmark"), ("Olle Berg", "kommundirektör", "Granåsens kommun")]


def test_budget_header_with_column_words_between_the_years():
    lines = ["Belopp i tkr            Budget 2020   Plan 2021   Plan 2022", "Intäkter",
             "Region Västmark              2 000       2 000       2 050",
             "Summa intäkter               8 000       8 000       8 200"]
    doc = _doc([Line(text=t) for t in lines], method="txt")
    cells = {(b.label, b.year): b.amount_sek for b in parse_budget_tables(doc, _seg(doc, DocType.PROTOKOLL))}
    assert cells[("Region Västmark", 2022)] == Decimal(2050000) and cells[("Summa intäkter", 2020)] == Decimal(8000000)


def test_a_budget_table_flattened_onto_one_line():
    line = ("1 Budget 2019 Samordningsförbundet Norrby Belopp i tkr Budget 2019 Budget 2020 Intäkter Statens "
            "bidrag via Försäkringskassan 3 200 3 300 Region Norrby 1 600 1 650 Summa intäkter 4 800 4 950 "
            "Kostnader Insatser -5 000 -5 200 Årets resultat 100 100")
    doc = _doc([Line(text=line)], method="txt")
    got = [(b.section, b.label, b.year, b.amount_sek) for b in parse_budget_tables(doc, _seg(doc, DocType.OTHER))]
    assert ("Intäkter", "Statens bidrag via Försäkringskassan", 2020, Decimal(3300000)) in got
    assert ("Kostnader", "Insatser", 2019, Decimal(-5000000)) in got
    assert len(got) == 10


def test_two_years_in_running_text_are_no_table():
    doc = _doc([Line(text="Under 2019 2020 ökade deltagarna från 120 till 150 och 30 av dem fick arbete 2021.")],
               method="txt")
    assert parse_budget_tables(doc, _seg(doc, DocType.OTHER)) == []


@pytest.mark.parametrize(("header", "scale"), [("Belopp i kr", 1), ("Belopp i tkr", 1000), ("Belopp i mnkr", 1_000_000),
                                               ("Budget", 1000)])
def test_budget_lines_carry_the_scale_of_their_table(header, scale):
    """amount_sek = printed figure x scale; the reconciliation reads the scale instead of re-deriving it."""
    text_lines = [f"{header} 2024 2025", "Intäkter", "- Medlemsavgifter 1 500 1 600"]
    doc = _doc([Line(text=t) for t in text_lines], method="txt")
    lines = parse_budget_tables(doc, _seg(doc))
    assert {(b.year, b.amount_sek, b.scale) for b in lines} == {
        (2024, Decimal(1500 * scale), scale), (2025, Decimal(1600 * scale), scale)}
