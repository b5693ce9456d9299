"""Settings that shape finsam's results and resources, named once with their reason.

Each section is a typed, checked pydantic model with defaults; the CLI and FINSAM_*
environment variables override them where the section says so. Tuning numbers that
change what is extracted or flagged live here, not as bare literals in the stages.
"""

import os

from pydantic import BaseModel


class Limits(BaseModel):
    """Resource limits for reading one document (all configurable from the CLI)."""

    max_pages: int = 2000  # pages of any kind
    max_ocr_pages: int = 200  # pages that need OCR (OCR costs ~2-4 s a page a core)
    max_pixels_per_page: int = 40_000_000  # rendered pixels (A4 at 300 dpi is ~8.7 M)
    max_file_bytes: int = 500 * 1024 * 1024
    max_decompressed_bytes: int = 200 * 1024 * 1024  # DOCX zip members, in total
    timeout_seconds: float = 900.0  # wall clock for one document, OCR included
    memory_mb: int = 4096  # address space a document may add to what its worker already maps
    ocr_dpi: int = 300
    ocr_workers: int = max(1, os.cpu_count() or 1)
