"""Organisationsnummer, OCR-aware fuzzy matching and the organisation gazetteer."""

import json
from importlib import resources

import pytest

from pipeline.sv.fuzzy import best_match, name_core, normalize_for_match, ocr_budget, ocr_cost, ocr_variants
from pipeline.sv.gazetteer import find_organisations, gazetteer, resolve_organisation
from pipeline.sv.orgnr import find_org_numbers, is_valid_org_number, normalize_org_number


def test_find_org_numbers_in_party_lists():
    text = (
        "Arbetsförmedlingen Stockholm Nordväst org. nr 202100–2114\nJärfälla kommun, org. nr. 212000–0043\n"
        "Umeå (212000–2627), Vännäs (212000-2841) och org.nr 2120002544; pnr 19121212-1212"
    )
    found = find_org_numbers(text)
    assert [o.number for o in found] == ["202100-2114", "212000-0043", "212000-2627", "212000-2841", "212000-2544"]
    assert all(o.valid for o in found)
    assert text[found[0].start:found[0].end] == "202100–2114"


def test_invalid_check_digit_is_kept_but_flagged():
    found = find_org_numbers("Umeå kommun 212000-2628")
    assert len(found) == 1 and found[0].valid is False
    assert not is_valid_org_number("212000-2628")
    assert is_valid_org_number("212000–2627")


def test_normalize_org_number():
    assert normalize_org_number("212000–2627") == "212000-2627"
    assert normalize_org_number("16 212000-2627") == "212000-2627"
    assert normalize_org_number("21200") is None


def test_normalize_for_match_folds_ocr_damage():
    assert normalize_for_match("Forsékringskassan") == normalize_for_match("Försäkringskassan")
    assert normalize_for_match("Umeé  kommun") == "umea kommun"
    assert normalize_for_match("6vergripande") == "overgripande"


def test_best_match():
    hit = best_match("Region Visterbotten", ["Region Västerbotten", "Region Norrbotten"])
    assert hit is not None and hit[0] == "Region Västerbotten" and hit[1] > 85
    assert best_match("Peter Hedfors", ["Region Västerbotten"]) is None


def test_gazetteer_holds_the_field_and_no_org_numbers():
    g = gazetteer()
    assert len(g.names_of_type("kommun")) == 289  # Gotland is Region Gotland
    assert len(g.names_of_type("region")) == 21
    raw = resources.files("pipeline").joinpath("data/organisations.json").read_text(encoding="utf-8")
    assert not find_org_numbers(raw)
    data = json.loads(raw)
    assert sum(len(v) for v in data["kommuner"].values()) == 290


@pytest.mark.parametrize(
    "name,canonical,party_type,department",
    [
        ("Forsékringskassan", "Försäkringskassan", "statlig myndighet", None),
        ("Umeé kommun", "Umeå kommun", "kommun", None),
        ("Region Visterbotten", "Region Västerbotten", "region", None),
        ("Umeå", "Umeå kommun", "kommun", None),
        ("Vindeln", "Vindelns kommun", "kommun", None),
        ("AF", "Arbetsförmedlingen", "statlig myndighet", None),
        ("AMA i Jönköpings kommun", "Jönköpings kommun", "kommun", "AMA"),
        ("Arbetsförmedlingen Stockholm Nordväst", "Arbetsförmedlingen", "statlig myndighet", "Stockholm Nordväst"),
        ("Kriminalvården/Frivården", "Kriminalvården", "statlig myndighet", "Frivården"),
        ("Samordningsförbundet – Umeåregionen", "Samordningsförbundet Umeåregionen", "samordningsförbund", None),
        ("Nordmaling kommun", "Nordmalings kommun", "kommun", None),
        ("Region Jönköpings län", "Region Jönköpings län", "region", None),
        ("Region Vasterbotten", "Region Västerbotten", "region", None),
        ("samordningsförbundet Samsund", "Samordningsförbundet Samsund", "samordningsförbund", None),
        ("Samordningsförbundet Norra Nowhere", "Samordningsförbundet Norra Nowhere", "samordningsförbund", None),
    ],
)
def test_resolve_organisation(name, canonical, party_type, department):
    m = resolve_organisation(name)
    assert m is not None
    assert (m.canonical_name, m.party_type, m.department) == (canonical, party_type, department)


@pytest.mark.parametrize("name", ["Peter Hedfors", "Förbundschef", "Psykiatri och rehabilitering", "", "Umeåregionens kommuner"])
def test_not_an_organisation(name):
    assert resolve_organisation(name) is None


# --- OCR spellings resolve, other names do not ---------------------------------------------


@pytest.mark.parametrize(
    "name,canonical",
    [
        ("Forsékringskassan", "Försäkringskassan"),  # é for ä
        ("Forsdkringskassan", "Försäkringskassan"),  # d for ä
        ("Försäkrings kassan", "Försäkringskassan"),  # a word split
        ("Försäkringskasssan", "Försäkringskassan"),  # a letter doubled
        ("Arbetsförrnedlingen", "Arbetsförmedlingen"),  # rn for m
        ("Umeé kommun", "Umeå kommun"),
        ("Region Vasterbotten", "Region Västerbotten"),
        ("Region Visterbotten", "Region Västerbotten"),  # i for ä
        ("Vinnis kommun", "Vännäs kommun"),  # i for ä, twice
        ("Hedmora kommun", "Hedemora kommun"),  # a letter lost
        ("Samordningsférbundet Umeéregionen", "Samordningsförbundet Umeåregionen"),
    ],
)
def test_ocr_spellings_resolve(name, canonical):
    m = resolve_organisation(name)
    assert m is not None and m.canonical_name == canonical


@pytest.mark.parametrize(
    "name,party_type,not_this",
    [
        ("Norråsa kommun", "kommun", "Nora kommun"),  # 88 % alike, three letters more
        ("Norrås kommun", "kommun", "Nora kommun"),
        ("Noras kommun", "kommun", "Nora kommun"),  # as near to Borås kommun: no guess
        ("Lillforsa kommun", "kommun", None),
        ("Granåsens kommun", "kommun", None),
        ("Region Västmark", "region", "Region Västmanland"),
    ],
)
def test_unknown_kommun_or_region_keeps_its_written_name(name, party_type, not_this):
    m = resolve_organisation(name)
    assert m is not None
    assert (m.canonical_name, m.party_type, m.department) == (name, party_type, None)
    assert m.score < 95 and m.canonical_name != not_this and not m.known
    assert gazetteer().by_canonical(name) is None  # nothing invented: no county, no entry


def test_an_unknown_kommun_as_party_says_its_name_is_kept_not_that_it_resolved(tmp_path):
    from extractors.parties import extract_parties  # noqa: PLC0415
    from extractors.run import build_context  # noqa: PLC0415
    from models import DocType, Provenance, Segment  # noqa: PLC0415
    from pipeline.text.clean import clean_document  # noqa: PLC0415
    from pipeline.read import read_raw_document  # noqa: PLC0415

    f = tmp_path / "avtal.txt"
    f.write_text("Överenskommelse\n\nParter\nNorråsa kommun, org.nr 212000-2627\nUmeå kommun, org.nr 212000-2627\n",
                 encoding="utf-8")
    doc = clean_document(read_raw_document(f))
    seg = Segment(segment_id="s", provenance=Provenance(doc_id=doc.doc_id, method="txt"),
                  doc_type=DocType.OVERENSKOMMELSE, page_start=1, page_end=1)
    parties = {p.canonical_name: p for p in extract_parties(build_context(doc, [seg]), seg)}
    assert parties["Norråsa kommun"].warnings == ["party name not in the gazetteer; its name as written is kept"]
    assert not any("not in the gazetteer" in w for w in parties["Umeå kommun"].warnings)
    assert resolve_organisation("Umeå kommun").known


def test_unknown_kommun_with_a_department():
    m = resolve_organisation("Arbetsmarknadsenheten i Norråsa kommun")
    assert (m.canonical_name, m.department) == ("Norråsa kommun", "Arbetsmarknadsenheten")


@pytest.mark.parametrize("name", ["Norråsa", "Västmark", "Arbetsmarknadsenheten", "Försäkringsbolaget"])
def test_names_that_are_no_ocr_spelling_do_not_resolve(name):
    assert resolve_organisation(name) is None


def test_running_text_finds_only_known_names():
    text = "Parterna är Norråsa kommun, Umeé kommun och Region Visterbotten samt Forsékringskassan."
    found = [(m.written, m.match.canonical_name) for m in find_organisations(text)]
    assert found == [("Umeé kommun", "Umeå kommun"), ("Region Visterbotten", "Region Västerbotten"),
                     ("Forsékringskassan", "Försäkringskassan")]


def test_ocr_cost_and_budget():
    assert ocr_cost("forsdkringskassan", "forsakringskassan") == 0.5
    assert ocr_cost("forsakrings kassan", "forsakringskassan") == 0
    assert ocr_cost("norrasa kommun", "nora kommun") == 3
    assert name_core("norrasa kommun") == "norrasa"
    assert [ocr_budget(n) for n in (3, 4, 7, 8, 13, 14)] == [0, 1, 1, 2, 2, 3]
    keys = ["nora kommun", "boras kommun", "umea kommun"]
    assert sorted(i for i, _ in ocr_variants("noras kommun", keys)) == [0, 1]  # a tie: both returned
    assert ocr_variants("norrasa kommun", keys) == []
