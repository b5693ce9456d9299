"""Resource limits for reading one document (all configurable from the CLI)."""

import os

from pydantic import BaseModel


class Limits(BaseModel):
    max_pages: int = 2000  # pages of any kind
    max_ocr_pages: int = 200  # pages that need OCR (OCR costs ~2-4 s a page a core)
    max_pixels_per_page: int = 40_000_000  # rendered pixels (A4 at 300 dpi is ~8.7 M)
    max_file_bytes: int = 500 * 1024 * 1024
    max_decompressed_bytes: int = 200 * 1024 * 1024  # DOCX zip members, in total
    timeout_seconds: float = 900.0  # wall clock for one document, OCR included
    memory_mb: int = 4096  # address space a document may add to what its worker already maps
    ocr_dpi: int = 300
    ocr_workers: int = max(1, os.cpu_count() or 1)
