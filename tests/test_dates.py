"""Swedish dates and validity periods: seed examples and property-based round trips."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.dates import MONTHS, find_dates, parse_date, parse_validity

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
