"""The two ways finsam runs Tesseract (pipeline/read/ocr.py): as a library in the worker
(tesserocr, the default) and as one CLI process per page (FINSAM_OCR_ENGINE=cli)."""

from __future__ import annotations

import builtins

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.config import environment
from pipeline.errors import OcrUnavailable
from pipeline.read import ocr

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def _page() -> Image.Image:
    image = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 48)
    draw.text((60, 60), "Protokoll fört vid styrelsens", font=font, fill=0)
    draw.text((60, 160), "sammanträde 2024-03-12", font=font, fill=0)
    return image


def _words(data: dict) -> list[str]:
    return [w for w in data["text"] if w.strip()]


def test_both_engines_read_a_page_into_the_same_table_of_words(monkeypatch):
    image = _page()
    monkeypatch.setenv("FINSAM_OCR_ENGINE", "cli")
    by_cli = ocr._tesseract_data(image, psm=3)
    monkeypatch.setenv("FINSAM_OCR_ENGINE", "api")
    in_process = ocr._tesseract_data(image, psm=3)
    assert set(in_process) == set(by_cli)  # the same TSV columns
    assert _words(in_process) == _words(by_cli) == ["Protokoll", "fört", "vid", "styrelsens", "sammanträde", "2024-03-12"]
    assert in_process["page_num"][0] == by_cli["page_num"][0] == 1


def test_an_engine_is_loaded_once_and_used_again(monkeypatch):
    monkeypatch.setenv("FINSAM_OCR_ENGINE", "api")
    engines = ocr._Engines()
    monkeypatch.setattr(ocr, "_engines", engines)
    made = []
    real = ocr._new_engine
    monkeypatch.setattr(ocr, "_new_engine", lambda: made.append(1) or real())
    engines.preload(2)
    for _ in range(3):
        ocr._tesseract_data(_page(), psm=3)
    assert len(made) == 2 and len(engines._idle) == 2


def test_without_tesserocr_the_engine_says_what_to_do(monkeypatch):
    real_import = builtins.__import__

    def no_tesserocr(name, *args, **kwargs):
        if name == "tesserocr":
            raise ImportError("No module named 'tesserocr'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tesserocr)
    with pytest.raises(OcrUnavailable, match="FINSAM_OCR_ENGINE=cli"):
        ocr._new_engine()


def test_the_engine_setting_is_checked(monkeypatch):
    monkeypatch.setenv("FINSAM_OCR_ENGINE", "tesseract5")
    with pytest.raises(ValueError, match="FINSAM_OCR_ENGINE='tesseract5'"):
        environment()
    monkeypatch.delenv("FINSAM_OCR_ENGINE")
    assert environment().ocr_engine == "api"


def test_finsam_refuses_a_bad_setting_in_one_line_before_any_work(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    (tmp_path / "a.txt").write_text("KALLELSE\\n1. Mötets öppnande\\n", encoding="utf-8")
    monkeypatch.setenv("FINSAM_OCR_ENGINE", "tesseract5")
    res = CliRunner().invoke(app, ["process", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "FINSAM_OCR_ENGINE='tesseract5'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out" / "documents").exists()
