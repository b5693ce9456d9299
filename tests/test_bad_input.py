"""Bad input never stops a batch: each bad file gets a one-line error and an errors/ record,
the good files are processed, and the run reports failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Limits
from pipeline.runtime.batch import process_batch, process_file_isolated

GOOD_TXT = "KALLELSE\nStyrelsens sammanträde 2024-03-14\n1. Mötets öppnande\n2. Val av justerare\n"


def _text_pdf(path: Path, text: str = "Protokoll fört vid styrelsens sammanträde 2024-02-01") -> Path:
    """A small born-digital PDF written with pypdf's writer and a standard font."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    })
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _encrypt(src: Path, dst: Path, user: str, owner: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def _image_only_pdf(path: Path, pages: int) -> Path:
    images = [Image.new("L", (120, 170), color=255) for _ in range(pages)]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=20.0)
    return path


@pytest.fixture
def bad_batch(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "kallelse.txt").write_text(GOOD_TXT, encoding="utf-8")
    good_pdf = _text_pdf(d / "protokoll.pdf")
    (d / "webbsida.pdf").write_text("<html><body>Inte en PDF</body></html>")
    (d / "tom.pdf").write_bytes(b"")
    data = good_pdf.read_bytes()
    (d / "avkortad.pdf").write_bytes(data[: len(data) // 2])
    _encrypt(good_pdf, d / "lösenord.pdf", user="hemligt", owner="ägare")
    (d / "slump.pdf").write_bytes(bytes(range(256)) * 40)
    (d / "text-som-docx.docx").write_text("bara text")
    _image_only_pdf(d / "skannad-300-sidor.pdf", 300)
    return d


def test_bad_files_get_errors_and_good_files_are_processed(bad_batch: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = process_batch([bad_batch], out, Limits(timeout_seconds=120))
    by_name = {o.path.name: o for o in result.outcomes}
    assert by_name["kallelse.txt"].status == "processed"
    assert by_name["protokoll.pdf"].status == "processed"
    expected_kinds = {
        "webbsida.pdf": "unsupported",
        "tom.pdf": "unreadable",
        "avkortad.pdf": "unreadable",
        "lösenord.pdf": "encrypted",
        "slump.pdf": "unsupported",
        "text-som-docx.docx": "unsupported",
        "skannad-300-sidor.pdf": "limit",
    }
    for name, kind in expected_kinds.items():
        outcome = by_name[name]
        assert outcome.status == "failed", name
        assert outcome.error.kind == kind, (name, outcome.error)
        assert "\n" not in outcome.error.message and outcome.error.message
    # One JSON record per failure, one document per success.
    errors = [json.loads(p.read_text()) for p in (out / "errors").glob("*.json")]
    assert sorted(e["file_name"] for e in errors) == sorted(expected_kinds)
    assert len(list((out / "documents").glob("*.json"))) == 2
    assert "300 pages need OCR" in by_name["skannad-300-sidor.pdf"].error.message


def test_cli_exit_code_and_one_line_errors(bad_batch: Path, tmp_path: Path):
    res = CliRunner().invoke(app, ["process", str(bad_batch), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    error_lines = [ln for ln in res.output.splitlines() if ln.startswith("error ")]
    assert len(error_lines) == 7
    assert any("lösenord.pdf: encrypted" in ln for ln in error_lines)


def test_owner_password_only_pdf_opens_with_empty_password(tmp_path: Path):
    src = _text_pdf(tmp_path / "a.pdf", "Overenskommelse om samverkan")
    enc = _encrypt(src, tmp_path / "owner-only.pdf", user="", owner="agare")
    doc = process_file_isolated(enc, Limits())
    assert doc.__class__.__name__ == "Document", doc
    assert "Overenskommelse" in doc.pages[0].text


def test_unchanged_file_is_skipped_and_force_reprocesses(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD_TXT)
    out = tmp_path / "out"
    assert process_batch([src], out).outcomes[0].status == "processed"
    assert process_batch([src], out).outcomes[0].status == "skipped"
    assert process_batch([src], out, force=True).outcomes[0].status == "processed"


def test_a_document_over_its_time_limit_is_stopped(tmp_path: Path):
    pdf = _image_only_pdf(tmp_path / "scan.pdf", 3)
    result = process_file_isolated(pdf, Limits(timeout_seconds=0.05))
    assert result.kind == "timeout" and "longer than" in result.message


def test_a_document_over_its_memory_cap_fails_alone(tmp_path: Path):
    # A 3000 x 3000 pt scan renders to ~156 M pixels at 300 dpi: far over 64 MiB of headroom.
    path = tmp_path / "stor-skanning.pdf"
    Image.new("L", (3000, 3000), 200).save(path, resolution=72.0)
    result = process_file_isolated(path, Limits(memory_mb=64, max_pixels_per_page=200_000_000, timeout_seconds=120))
    assert result.__class__.__name__ == "ProcessingError", result
    assert result.kind == "memory" and "--memory-mb" in result.message


def test_oversized_page_is_refused_before_rendering(tmp_path: Path):
    # A 5 x 5 m page: at 150 dpi that is ~1.9 G pixels.
    big = Image.new("L", (200, 200), 255)
    path = tmp_path / "affisch.pdf"
    big.save(path, resolution=1.0)
    result = process_file_isolated(path, Limits())
    assert result.kind == "limit" and "exceeds" in result.message
