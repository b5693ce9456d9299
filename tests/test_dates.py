"""Swedish dates and validity periods: seed examples and property-based round trips."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.sv.dates import MONTHS, find_dates, parse_date, parse_validity

MONTH_NAMES = {v: k for k, v in MONTHS.items()}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2023-11-30", date(2023, 11, 30)),
        ("30 november 2023", date(2023, 11, 30)),
        ("den 30 november 2023", date(2023, 11, 30)),
        ("Beslutdatum 2022-11-25", date(2022, 11, 25)),
        ("2020-11-27", date(2020, 11, 27)),
        ("230301", date(2023, 3, 1)),
        ("221121", date(2022, 11, 21)),
        ("30 novernber 2023", date(2023, 11, 30)),  # OCR-damaged month
        ("1 okt. 2021", date(2021, 10, 1)),
        ("Tid: 2020-11-27 kl. 09.00", date(2020, 11, 27)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "212000–2627", "2023-13-01", "år 2023", "§ 47", "dnr 2011:28"])
def test_no_date(text):
    assert parse_date(text) is None


def test_compact_dates_need_context():
    text = "budgetunderlag uppdaterat 221121. AF får 4.290kr/månad från 230301. Org 212000-2627, id 230301"
    found = [d for d, _, _ in find_dates(text)]
    assert found == [date(2022, 11, 21), date(2023, 3, 1)]


@pytest.mark.parametrize(
    "text,start,end,open_ended",
    [
        ("Överenskommelsen gäller fr.o.m. 2023-01-01 och tillsvidare.", date(2023, 1, 1), None, True),
        ("gäller från och med 2024-01-01 till 2024-12-31.", date(2024, 1, 1), date(2024, 12, 31), False),
        ("Avtalet gäller fr.o.m. 2021-01-01 t.o.m. 2021-12-31", date(2021, 1, 1), date(2021, 12, 31), False),
        ("Verksamheten Enter år 2023", date(2023, 1, 1), date(2023, 12, 31), False),
        ("gäller tills vidare från och med 1 januari 2022", date(2022, 1, 1), None, False),
        ("fr o m 2022-01-01 tills vidare", date(2022, 1, 1), None, True),
    ],
)
def test_parse_validity(text, start, end, open_ended):
    v = parse_validity(text)
    assert v is not None
    assert (v.valid_from, v.valid_to, v.open_ended) == (start, end, open_ended)


def test_no_validity():
    assert parse_validity("Styrelsen beslutar att anta förslaget.") is None


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_iso_round_trip(d):
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"Datum: {d.isoformat()}, plats Umeå") == d


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)), st.booleans())
def test_written_round_trip(d, with_den):
    text = f"{'den ' if with_den else ''}{d.day} {MONTH_NAMES[d.month]} {d.year}"
    assert parse_date(text) == d
    assert find_dates(f"Beslut tas senast {text}.")[0][0] == d


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_compact_round_trip(d):
    assert parse_date(d.strftime("%y%m%d")) == d
    assert find_dates(f"ersättning från {d.strftime('%y%m%d')}")[0][0] == d


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2050, 12, 31)),
    st.integers(min_value=0, max_value=3000),
)
def test_validity_range_round_trip(a, days):
    from datetime import timedelta

    b = a + timedelta(days=days)
    v = parse_validity(f"Avtalet gäller från och med {a.isoformat()} till {b.isoformat()}.")
    assert v is not None and (v.valid_from, v.valid_to, v.open_ended) == (a, b, False)


def test_reversed_range_only_with_allow_reversed():
    text = "Överenskommelsen gäller från och med 2025-08-18 till och med 2025-06-12."
    # By default a range ending before it starts is no period: only the start is read.
    v = parse_validity(text)
    assert (v.valid_from, v.valid_to, v.kind) == (date(2025, 8, 18), None, "from")
    v = parse_validity(text, allow_reversed=True)
    assert (v.valid_from, v.valid_to, v.open_ended, v.kind) == (date(2025, 8, 18), date(2025, 6, 12), False, "range")
    assert text[v.span[0]:v.span[1]] == v.raw == "från och med 2025-08-18 till och med 2025-06-12"
    # A range in order reads the same either way.
    ordered = "gäller fr.o.m. 1 januari 2024 t.o.m. 31 december 2024"
    assert parse_validity(ordered, allow_reversed=True) == parse_validity(ordered)


def test_find_validities_every_statement_in_order():
    from pipeline.sv.dates import find_validities

    text = ("Avtalet gäller från och med 2024-01-01 till och med 2024-12-31. Bilaga 2 gäller fr.o.m. "
            "2024-03-01 och tillsvidare. Tillägget gäller från 2024-09-30 till 2024-06-01.")
    found = find_validities(text)
    assert [(v.kind, v.valid_from, v.valid_to) for v in found] == [
        ("range", date(2024, 1, 1), date(2024, 12, 31)),
        ("open", date(2024, 3, 1), None),
        ("from", date(2024, 9, 30), None),  # the reversed range is passed over
    ]
    found = find_validities(text, allow_reversed=True, kinds=("range",))
    assert [(v.valid_from, v.valid_to) for v in found] == [(date(2024, 1, 1), date(2024, 12, 31)),
                                                           (date(2024, 9, 30), date(2024, 6, 1))]


def test_plan_facts_keep_a_reversed_validity_for_the_flag():
    from extractors.plan_facts import validity
    from models import DocumentText, Line, Page

    text = "4. Giltighetstid\nÖverenskommelsen gäller från och med 2025-08-18 till och med 2025-06-12.\nAnställning från 2025-01-01 till 2025-06-30."
    lines, pos = [], 0
    for t in text.split("\n"):
        lines.append(Line(text=t, start=pos, end=pos + len(t)))
        pos += len(t) + 1
    page = Page(number=1, method="text", raw_text=text, text=text, lines=lines, width=595, height=842)
    doc = DocumentText(doc_id="d" * 64, file_name="t.txt", source_path="t.txt", media_type="txt", pages=[page])
    facts = validity(doc, page)
    # Only the sentence that says what "gäller"; the dates as written, end before start.
    assert [(f.kind, f.fact_date) for f in facts] == [("valid_from", date(2025, 8, 18)), ("valid_to", date(2025, 6, 12))]
    assert facts[0].text == "gäller från och med 2025-08-18 till och med 2025-06-12"
    assert text[facts[0].provenance.char_start:facts[0].provenance.char_end] == facts[0].text
