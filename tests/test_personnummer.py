"""Personnummer and samordningsnummer are masked everywhere, without moving an offset.

Fixtures use only Skatteverket's published test numbers ("testpersonnummer", CC0,
dataportal.se dataset 6_67959): for every day, födelsenummer 238 and 239 with the Luhn
check digit (e.g. 201701012393), and "testsamordningsnummer" with day + 60 and the same
födelsenummer. Skatteverket never assigns these to a person.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.se import personnummer as stdnum_pnr

from models.text import DocumentText, Line, Page, Word
from pipeline.runtime.permissions import allowed_bits, umask_for, umask_not_wider_than
from pipeline.text.personnummer import find_personnummer, mask_document_text, mask_text
from pipeline.runtime.batch import process_batch, process_file
from pipeline.outputs.store import write_atomic
from pipeline.outputs.tables import rebuild_tables


def skv_test_number(d: date, serial: int = 239, samordning: bool = False) -> str:
    """A number from Skatteverket's published test series, 12 digits (CCYYMMDDNNNC)."""
    assert serial in (238, 239)
    day = d.day + 60 if samordning else d.day
    body = f"{d.year % 100:02d}{d.month:02d}{day:02d}{serial}"
    return f"{d.year // 100}{body}{luhn.calc_check_digit(body)}"


# Checked against the published list: 2017-01-01 / 239.
assert skv_test_number(date(2017, 1, 1)) == "201701012393"

PNR_12 = skv_test_number(date(1981, 12, 18), 238)  # 198112182383
PNR_B = skv_test_number(date(1964, 8, 23), 239)
SAMORDNING = skv_test_number(date(1970, 10, 3), 239, samordning=True)  # day 63


def forms(n12: str) -> list[str]:
    """The ways a document writes one number."""
    return [n12, f"{n12[:8]}-{n12[8:]}", n12[2:], f"{n12[2:8]}-{n12[8:]}"]


def test_fixture_numbers_are_valid_personnummer():
    assert stdnum_pnr.is_valid(PNR_12) and stdnum_pnr.is_valid(PNR_B)
    # stdnum does not know samordningsnummer: its "day" 63 is no date.
    assert not stdnum_pnr.is_valid(SAMORDNING)


@pytest.mark.parametrize("written", forms(PNR_12) + forms(PNR_B) + forms(SAMORDNING))
def test_every_form_is_found_and_masked_in_place(written: str):
    text = f"Ordförande Anna Andersson ({written}) justerar §4."
    masked, n = mask_text(text)
    assert n == 1
    assert len(masked) == len(text)
    start = text.index(written)
    assert masked[:start] == text[:start] and masked[start + len(written):] == text[start + len(written):]
    span = masked[start:start + len(written)]
    assert set(span) <= {"X", "-"} and span.count("-") == written.count("-")


def test_plus_separator_for_centenarians():
    n = skv_test_number(date(1913, 4, 1), 239)
    assert mask_text(f"född {n[2:8]}+{n[8:]}")[1] == 1


def test_word_processor_dash_counts_as_separator():
    assert mask_text(f"pnr {PNR_12[2:8]}\u2013{PNR_12[8:]}")[0] == "pnr XXXXXX\u2013XXXX"


@pytest.mark.parametrize("text", [
    "Umeå kommun, organisationsnummer 212000-2627",
    "Bolagsverket 202100-5489",
    "Försäkringskassan 202100-5521, Arbetsförmedlingen 202100-2114",
    "Sammanträdet hölls 2024-03-14 kl. 13.00",
    "Dnr 2023/00123, SN 2021-0042, dnr SAM 2019-000123",
    "Ring 070-123 45 67 eller 0701234567",  # Luhn fails for this number
    "Belopp 1 234 567 kr, konto 5560-4735",
    f"Luhn fel: {PNR_12[2:8]}-{PNR_12[8:11]}{(int(PNR_12[11]) + 1) % 10}",
    f"glued to digits: 1{PNR_12}, {PNR_12}0",
    "ogiltigt datum 811232-0000 och 811300-0007",
])
def test_no_false_positives(text: str):
    assert find_personnummer(text) == []
    assert mask_text(text) == (text, 0)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=99), st.integers(min_value=20, max_value=99),
       st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=999),
       st.sampled_from(["-", ""]))
def test_organisationsnummer_are_never_masked(a: int, month: int, c: int, serial: int, sep: str):
    body = f"{a:02d}{month:02d}{c:02d}{serial:03d}"
    orgnr = f"{body[:6]}{sep}{body[6:]}{luhn.calc_check_digit(body)}"
    assert mask_text(f"orgnr {orgnr}.")[1] == 0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789-+ /:.aåX\n"), max_size=80))
def test_masking_never_changes_length_or_non_digits(text: str):
    masked, n = mask_text(text)
    assert len(masked) == len(text)
    for a, b in zip(text, masked):
        assert a == b or (a.isdigit() and b == "X")
    assert masked.count("X") - text.count("X") <= 12 * n


def _doc_with(number: str) -> DocumentText:
    raw = f"Sida 1\nKontaktperson: Eva Ek, {number}\nRubrik"
    text = f"Kontaktperson: Eva Ek, {number}\nRubrik"
    words = [Word(text=w) for w in f"Kontaktperson: Eva Ek, {number}".split()]
    return DocumentText(
        doc_id="0" * 64, file_name=f"avtal {number}.pdf", source_path=f"/inbox/avtal {number}.pdf",
        media_type="pdf",
        pages=[Page(number=1, method="text", raw_text=raw, text=text, lines=[
            Line(text=f"Kontaktperson: Eva Ek, {number}", words=words, start=0, end=len(text.splitlines()[0])),
            Line(text="Tabell", cells=["Eva Ek", number], style="table"),
        ])],
    )


def test_mask_document_text_covers_every_text_field():
    number = f"{PNR_12[:8]}-{PNR_12[8:]}"
    doc = _doc_with(number)
    lengths = (len(doc.pages[0].raw_text), len(doc.pages[0].text))
    n = mask_document_text(doc)
    assert n == 2  # one in the page text, one in the file name
    dumped = doc.model_dump_json()
    assert PNR_12[2:8] not in dumped and PNR_12[8:] not in dumped
    assert (len(doc.pages[0].raw_text), len(doc.pages[0].text)) == lengths
    line = doc.pages[0].lines[0]
    assert doc.pages[0].text[line.start:line.end] == line.text  # spans still hold


def test_pipeline_masks_before_extraction_and_counts(tmp_path: Path):
    numbers = [f"{PNR_12[2:8]}-{PNR_12[8:]}", PNR_B, f"{SAMORDNING[2:8]}-{SAMORDNING[8:]}"]
    body = (
        "PROTOKOLL\nStyrelsens sammanträde 2024-02-01\n"
        f"Närvarande: Anna Andersson ({numbers[0]}), ordförande\n"
        f"Per Persson {numbers[1]} ledamot\n"
        f"§ 4 Ersättning till Eva Ek, samordningsnummer {numbers[2]}, beslutas.\n"
        "Organisationsnummer 212000-2627.\n"
    )
    src = tmp_path / "protokoll.txt"
    src.write_text(body, encoding="utf-8")
    doc = process_file(src)
    assert doc.personnummer_masked == 3
    dumped = doc.model_dump_json()
    for n in numbers:
        digits = n.replace("-", "")
        assert digits[-10:-4] not in dumped, n
    assert "212000-2627" in dumped  # the organisation's number stays
    page = doc.pages[0]
    assert len(page.text) == len(body.rstrip("\n")) or len(page.raw_text) == len(body)


def test_outputs_and_tables_hold_no_personnummer(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    number = f"{PNR_B[2:8]}-{PNR_B[8:]}"
    (inbox / "kallelse.txt").write_text(
        f"KALLELSE\nStyrelsens sammanträde 2024-03-14\nAnmälan till Eva Ek {number}\n1. Mötets öppnande\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = process_batch([inbox], out)
    assert [o.status for o in result.outcomes] == ["processed"]
    files = list(out.rglob("*.json"))
    rebuild_tables(out)
    files += list(out.rglob("*.parquet"))
    assert files
    for f in out.rglob("*.parquet"):
        assert number not in pq.read_table(f).to_pandas().to_csv()
    for f in files:
        data = f.read_bytes()
        assert number.encode() not in data and PNR_B[2:].encode() not in data, f
    doc = json.loads(next((out / "documents").glob("*.json")).read_text())
    assert doc["personnummer_masked"] == 1


def test_error_records_mask_the_file_name(tmp_path: Path):
    bad = tmp_path / f"ansökan {PNR_12}.pdf"
    bad.write_bytes(b"not a pdf at all")
    out = tmp_path / "out"
    result = process_batch([bad], out)
    assert result.outcomes[0].status == "failed"
    err = result.outcomes[0].error
    assert PNR_12 not in err.file_name and PNR_12 not in err.source_path
    for f in (out / "errors").glob("*"):
        assert PNR_12 not in f.name and PNR_12.encode() not in f.read_bytes()


# --- permissions ------------------------------------------------------------------------


def test_write_atomic_is_private(tmp_path: Path):
    target = tmp_path / "d" / "x.json"
    write_atomic(target, b"{}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_umask_follows_the_inputs(tmp_path: Path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    f = private / "a.txt"
    f.write_text("x")
    f.chmod(0o644)
    assert allowed_bits([f]) == 0
    assert umask_for([f], 0o022) == 0o077
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o750)
    g = shared / "b.txt"
    g.write_text("x")
    g.chmod(0o640)
    assert umask_for([g], 0o022) == 0o027  # group may read and enter folders, not write
    assert umask_for([f, g], 0o002) == 0o077


def test_batch_outputs_do_not_widen_a_private_inbox(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir(mode=0o700)
    src = inbox / "kallelse.txt"
    src.write_text("KALLELSE\nStyrelsens sammanträde 2024-03-14\n1. Mötets öppnande\n", encoding="utf-8")
    src.chmod(0o600)
    out = tmp_path / "out"
    before = os.umask(0o022)
    os.umask(before)
    with umask_not_wider_than([src]):
        process_batch([inbox], out)
        rebuild_tables(out)
    assert os.umask(before) == before  # restored
    created = [p for p in out.rglob("*")]
    assert created
    for p in created:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, f"{p} is {oct(mode)}"
