"""Swedish numbers and amounts: examples from the seeds and property-based round trips."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.sv.numbers import find_amounts, format_swedish_number, parse_amount, parse_swedish_number


@pytest.mark.parametrize(
    "text,expected",
    [
        ("11 785", Decimal(11785)),
        ("3.132.000", Decimal(3132000)),
        ("1,5", Decimal("1.5")),
        ("-2 090", Decimal(-2090)),
        ("\u22122 090", Decimal(-2090)),
        ("\u20132 090", Decimal(-2090)),
        ("83,7", Decimal("83.7")),
        ("600", Decimal(600)),
        ("0", Decimal(0)),
        ("1\u00a0234,50", Decimal("1234.50")),
        ("1.5", Decimal("1.5")),
    ],
)
def test_parse_swedish_number(text, expected):
    assert parse_swedish_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "2 376 2", "12 34", "1,2,3", "(0]}", "-", "5 tkr"])
def test_not_a_number(text):
    assert parse_swedish_number(text) is None


def test_amounts_of_seed_000():
    text = (
        "med totalt maximalt 3.132.000 kr under år 2023. Ersättningen fördelas så att AMA ersätts med "
        "max 1.767.000 kr för 85% av teamledartjänsten. Region Jönköpings län får ersättning för ca 85% "
        "av respektive tjänst, med max 45.500 kr/månad vardera vid heltid. AF får ersättning med "
        "4.290kr/månad för sina 20% från 230301. Totalt 5,0 tjänster."
    )
    found = find_amounts(text)
    assert [(a.value_sek, a.per, a.is_maximum) for a in found] == [
        (Decimal(3132000), "total", True),
        (Decimal(1767000), "total", True),
        (Decimal(45500), "month", True),
        (Decimal(4290), "month", False),
    ]
    assert found[3].raw == "4.290kr/månad"
    assert text[found[2].span[0]:found[2].span[1]] == "45.500 kr/månad"


@pytest.mark.parametrize(
    "text,sek,unit,per",
    [
        ("1 234 tkr", 1234000, "tkr", "total"),
        ("1,5 mnkr", 1500000, "mnkr", "total"),
        ("2 mkr per år", 2000000, "mnkr", "year"),
        ("500 kronor i månaden", 500, "kr", "month"),
        ("12 000 SEK/år", 12000, "kr", "year"),
        ("3,5 miljoner kronor", 3500000, "mnkr", "total"),
        ("-150 tkr", -150000, "tkr", "total"),
    ],
)
def test_parse_amount_units(text, sek, unit, per):
    a = parse_amount(text)
    assert a is not None and a.value_sek == Decimal(sek) and a.unit == unit and a.per == per


@pytest.mark.parametrize("text", ["5,0 tjänster", "20%", "år 2023", "85 % av tjänsten", "dnr 2011:28"])
def test_not_money(text):
    assert find_amounts(text) == []


@given(st.integers(min_value=-10**12, max_value=10**12), st.sampled_from([" ", "\u00a0", ".", ""]))
def test_integer_round_trip(n, sep):
    printed = format_swedish_number(n, thousands=sep)
    assert parse_swedish_number(printed) == n


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_round_trip(d):
    printed = format_swedish_number(d, thousands=" ", decimals=2)
    assert parse_swedish_number(printed) == d


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["-", "\u2212", "\u2013"]))
def test_minus_signs(n, minus):
    assert parse_swedish_number(minus + format_swedish_number(n)) == -n


@given(
    st.integers(min_value=1, max_value=10**7),
    st.sampled_from([("kr", 1), ("tkr", 1000), ("mnkr", 1_000_000), ("kronor", 1)]),
    st.sampled_from([("", "total"), ("/månad", "month"), (" per år", "year")]),
    st.booleans(),
)
def test_amount_round_trip(n, unit, per, maximum):
    text = f"{'maximalt ' if maximum else 'totalt '}{format_swedish_number(n)} {unit[0]}{per[0]} till verksamheten."
    found = find_amounts(text)
    assert len(found) == 1
    a = found[0]
    assert a.value_sek == n * unit[1]
    assert a.per == per[1]
    assert a.is_maximum == maximum
