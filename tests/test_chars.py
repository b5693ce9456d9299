"""One class of dashes, minus signs and spaces (pipeline/sv/chars.py) for every Swedish parser.

Each parser used to carry its own dash class; a dash one knew and another did not made
"2023−01−15" a date nowhere and "212000−2627" an organisationsnummer only sometimes. Every
dash in DASHES must now read the same in all of them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from extractors._meeting import attachments_in, clean_title
from pipeline.sv.chars import DASHES, MINUS_SIGNS, SPACES
from pipeline.sv.dates import find_dates, parse_validity
from pipeline.sv.numbers import parse_swedish_number
from pipeline.sv.orgnr import find_org_numbers
from pipeline.sv.paragraph_refs import parse_paragraph_heading, parse_paragraph_range
from pipeline.text.personnummer import mask_text


@pytest.mark.parametrize("dash", list(DASHES), ids=[f"U+{ord(d):04X}" for d in DASHES])
def test_every_dash_reads_alike_in_every_parser(dash):
    assert [d for d, *_ in find_dates(f"Datum 2023{dash}01{dash}15")] == [date(2023, 1, 15)]
    v = parse_validity(f"Avtalet gäller perioden 2024-01-01 {dash} 2024-12-31.")
    assert v is not None and (v.valid_from, v.valid_to) == (date(2024, 1, 1), date(2024, 12, 31))
    assert [o.number for o in find_org_numbers(f"org.nr 212000{dash}2627")] == ["212000-2627"]
    assert parse_paragraph_range(f"närvarande §§ 47{dash}49") == [47, 48, 49]
    assert parse_paragraph_heading(f"§ 52{dash}58") is None  # a range, not a heading
    assert mask_text(f"Pnr 811218{dash}9876")[0] == f"Pnr XXXXXX{dash}XXXX"
    assert clean_title(f"Verksamhetsplan {dash} Beslut (bilaga 4{dash}5)") == ("Verksamhetsplan", "Beslut", [4, 5])
    assert attachments_in(f"Bilaga 1{dash}3") == [1, 2, 3]


def test_an_orgnr_with_any_dash_is_no_compact_date():
    # "från 212000−2627": the six digits belong to the number, whatever dash joins it.
    for dash in DASHES:
        assert find_dates(f"från 212000{dash}2627", compact=None) == []


@pytest.mark.parametrize("sign", list(MINUS_SIGNS), ids=[f"U+{ord(s):04X}" for s in MINUS_SIGNS])
def test_every_minus_sign_makes_a_figure_negative(sign):
    assert parse_swedish_number(f"{sign}2 090") == Decimal(-2090)


def test_an_em_dash_before_a_figure_is_no_minus():
    assert parse_swedish_number("\u2014 500") is None


@pytest.mark.parametrize("space", list(SPACES), ids=[f"U+{ord(s):04X}" for s in SPACES])
def test_every_space_groups_thousands(space):
    assert parse_swedish_number(f"11{space}785") == Decimal(11785)
