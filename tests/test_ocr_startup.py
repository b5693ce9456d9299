"""What the OCR reader costs before its first page: pytesseract without pandas (issue 17).

pytesseract imports pandas when it is installed, only for a DataFrame output finsam never
uses; the forkserver imports pytesseract before any document can start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_the_ocr_reader_does_not_load_pandas_and_pandas_still_imports_afterwards():
    out = run(
        "import sys, pipeline.read.ocr as ocr\n"
        "print('pandas' in sys.modules, 'pandas' in sys.modules and sys.modules['pandas'] is None)\n"
        "import pandas\n"
        "print(pandas.DataFrame({'a': [1]}).shape)\n"
    )
    assert out.split("\n")[:2] == ["False False", "(1, 1)"]


def test_pytesseract_imported_after_pandas_is_the_usual_module():
    out = run(
        "import sys, pandas, pipeline.read.ocr as ocr, pytesseract.pytesseract as pt\n"
        "print(ocr.pytesseract is sys.modules['pytesseract'], pt.pandas_installed)\n"
    )
    assert out.strip() == "True True"
