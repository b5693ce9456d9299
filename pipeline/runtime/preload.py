"""Imported by the forkserver before it forks document workers: heavy imports happen once."""

import pdfplumber  # noqa: F401
import pypdfium2  # noqa: F401

import extractors
import pipeline.runtime.batch  # noqa: F401
import pipeline.read.docx  # noqa: F401
import pipeline.read.ocr  # noqa: F401
import pipeline.read.pdf  # noqa: F401

extractors.load_all()

try:  # cache the Tesseract probe in the forkserver (children inherit it)
    pipeline.read.ocr.check_tesseract()
except Exception:  # noqa: BLE001 - reported per document when OCR is needed
    pass
