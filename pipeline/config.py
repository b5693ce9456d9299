"""Settings that shape finsam's results and resources, named once with their reason.

Each section is a typed, checked pydantic model with defaults; the CLI and FINSAM_*
environment variables override them where the section says so. Tuning numbers that
change what is extracted or flagged live here, not as bare literals in the stages.
"""

import os
from decimal import Decimal

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


class ReconcileSettings(BaseModel):
    """What counts as the same thing across documents, and how far printed figures may differ,
    for resolution (pipeline/reconcile/resolve.py) and the reconciliation rules."""

    # rapidfuzz token_sort_ratio (0-100) over org_key, only where the gazetteer cannot tell:
    # OCR'd spellings of one name score above it; two known organisations never merge by spelling.
    org_match_cutoff: float = 88.0
    # token_sort_ratio over person names: "Anna Exempel" / "Anna Exernpel" (OCR) are one signer.
    person_match_cutoff: float = 88.0
    # ratio over budget labels within a section: the same line across years despite OCR slips.
    budget_line_match_cutoff: float = 88.0
    # partial_ratio over body names: "styrelsen" and "Styrelsen för Samordningsförbundet X".
    body_match_cutoff: float = 85.0
    # Jaccard overlap of parties for two agreements to be versions of one: half the parties.
    agreement_min_overlap: float = 0.5
    # token_set_ratio between an agenda title and a § title in the minutes of the same meeting.
    agenda_title_match_cutoff: float = 80.0
    # A deadline is checked against the minutes of the year up to it (a plan is decided yearly).
    deadline_window_days: int = 365
    # Printed units of rounding tolerated per summed line: tkr tables round each line.
    rounding_units_per_line: int = 1
    # Half a printed unit per member line and one for the total: contributions are rounded shares.
    finsam_split_units_per_line: Decimal = Decimal("0.5")
    # Percent shares are printed with one decimal: half of it (0.05) per share may be rounding.
    share_rounding_percent: Decimal = Decimal("0.05")
    # Parts of a maximum amount are whole kronor: 1 kr per part may be rounding.
    amount_part_rounding_kr: int = 1
    # A numbered list starting at 2 or 3 has lost its first items; one starting later is a continuation.
    numbering_gap_at_start_max: int = 3


RECONCILE = ReconcileSettings()
