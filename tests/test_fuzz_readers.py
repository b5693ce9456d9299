"""Bounded fuzzing of the readers (hypothesis): mutated PDF and DOCX bytes, arbitrary heads.

Whatever the bytes, reading ends in a Document or in a ProcessingError with a one-line
message, never an unhandled exception in the batch process. The in-process checks
(sniffing, the zip-bomb check) run many examples; whole documents go through the isolated
worker (`process_file_isolated`), a few dozen examples with fixed seeds, so CI time is bounded.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile.make_hostile import docx_bytes, text_pdf
from models import Document, ProcessingError
from pipeline.errors import FinsamError
from pipeline.config import Limits
from pipeline.runtime.batch import process_file_isolated
from pipeline.read import sniff
from pipeline.read.docx import check_zip

GOOD_PDF = text_pdf(["Protokoll fört vid styrelsens sammanträde 2024-02-01", "§ 5 Budget 2025: 1 250 000 kr"])
GOOD_DOCX = docx_bytes(["KALLELSE", "Styrelsens sammanträde 2024-03-14", "1. Mötets öppnande"])
LIMITS = Limits(timeout_seconds=30, memory_mb=1536)
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@st.composite
def mutated(draw, original: bytes):
    """The original with a few bytes overwritten, a slice cut out or duplicated, or truncated."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "dup", "truncate", "insert"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[i:i + draw(st.integers(1, 64))]
        elif kind == "dup":
            data[i:i] = data[i:i + draw(st.integers(1, 256))]
        elif kind == "truncate":
            del data[i:]
        else:
            data[i:i] = draw(st.binary(min_size=1, max_size=32))
    return bytes(data)


def _check(result) -> None:
    assert isinstance(result, (Document, ProcessingError)), result
    if isinstance(result, ProcessingError):
        assert result.kind != "internal", result.message  # an unhandled exception is a bug
        assert result.message and "\n" not in result.message


@FUZZ
@given(mutated(GOOD_PDF))
def test_mutated_pdfs_end_in_a_document_or_a_clear_error(data: bytes):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.pdf"
        path.write_bytes(data)
        _check(process_file_isolated(path, LIMITS))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated(GOOD_DOCX))
def test_mutated_docx_end_in_a_document_or_a_clear_error(data: bytes):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.docx"
        path.write_bytes(data)
        _check(process_file_isolated(path, LIMITS))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_sniff_takes_any_bytes(head: bytes):
    assert sniff(head) in {"pdf", "zip", "text", "binary"}


@settings(max_examples=150, deadline=None, derandomize=True)
@given(mutated(GOOD_DOCX))
def test_zip_check_raises_only_finsam_errors(data: bytes):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.docx"
        path.write_bytes(data)
        try:
            check_zip(path, Limits())
        except FinsamError as exc:
            assert str(exc) and "\n" not in str(exc)


# --- issue 16: names and personnummer ----------------------------------------------------

@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(min_size=1, max_size=300).filter(lambda b: b"/" not in b and b"\x00" not in b))
def test_any_name_is_shown_as_printable_utf8_and_serialises(raw: bytes):
    import os

    from pipeline.names import display_name, fit_name
    from pipeline.runtime.batch import make_error

    name = os.fsdecode(raw)
    shown = display_name(name)
    shown.encode("utf-8")  # never a surrogate
    assert shown.isprintable() or not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in shown)
    assert display_name(shown) == shown
    err = make_error(Path("/inbox") / name, "unreadable", f"cannot read {name}")
    err.model_dump_json()
    assert len(os.fsencode(fit_name(name, ".reason.json"))) <= 255


_DASHES = ["-", "+", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d", ""]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(["811218-2384", "198112182384", "640823-239" + __import__("stdnum.luhn", fromlist=["x"]).calc_check_digit("640823239")]), st.sampled_from(_DASHES),
       st.sampled_from(["", " ", "  ", "\n", " \n"]), st.sampled_from(["", " "]), st.booleans())
def test_personnummer_in_any_written_form_is_masked(number: str, dash: str, after: str, before: str, spaced: bool):
    from pipeline.text.personnummer import mask_text

    digits = number.replace("-", "")
    head, tail = digits[:-4], digits[-4:]
    if spaced:
        head, tail = " ".join(head), " ".join(tail)
    written = f"{head}{before}{dash}{after}{tail}"
    if not (dash or before or after):
        written = head + (" " if spaced else "") + tail
    text = f"Eva Ek, {written}, tel 070-123 45 67, orgnr 212000-2627."
    masked, n = mask_text(text)
    assert len(masked) == len(text)
    assert n == 1, repr(written)
    assert "212000-2627" in masked and "070-123 45 67" in masked
