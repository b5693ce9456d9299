"""Settings that shape finsam's results and resources, named once with their reason.

Each section is a typed, checked pydantic model with defaults; the CLI and FINSAM_*
environment variables override them where the section says so. Tuning numbers that
change what is extracted or flagged live here, not as bare literals in the stages.
"""

import os
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, ValidationError


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


class IdentitySettings(BaseModel):
    """When two written names are one organisation or person (pipeline/sv/identity.py)."""

    # rapidfuzz token_sort_ratio (0-100) over org_key, only where the gazetteer cannot tell:
    # OCR'd spellings of one name score above it; two known organisations never merge by spelling.
    org_match_cutoff: float = 88.0
    # token_sort_ratio over person names: "Anna Exempel" / "Anna Exernpel" (OCR) are one signer.
    person_match_cutoff: float = 88.0
    # Within one attendance list, a signer is matched to a listed member more strictly: two
    # members of one board may have names as alike as two OCR readings of one name.
    signer_match_cutoff: float = 90.0


IDENTITY = IdentitySettings()


class ReconcileSettings(BaseModel):
    """What counts as the same thing across documents, and how far printed figures may differ,
    for resolution (pipeline/reconcile/resolve.py) and the reconciliation rules."""

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


class ExtractionSettings(BaseModel):
    """Tuning numbers of cleanup, page rows, segmentation and budget tables.

    Each changes what is extracted; the defaults are the ones the gold sets were scored with.
    """

    # --- cleanup (pipeline/text/clean.py): running headers and footers
    edge_lines: int = 3  # lines from the top and bottom of a page that may be running text
    margin_share: float = 0.075  # top/bottom share of a page height counted as margin (A4: 63 pt)
    running_pages_short: int = 2  # pages a header must repeat on in a file of up to three pages
    running_pages: int = 3  # ... and in a longer file: twice may be chance, three times is layout
    running_min_chars: int = 4  # shorter keys ("1", "sid") repeat by chance
    running_similarity: float = 88.0  # rapidfuzz ratio at which two OCR'd headers are the same
    ocr_dot_letters: int = 10  # E/T/P/S letters that make a line Tesseract's reading of a dotted line

    # --- page rows (pipeline/text/rows.py): OCR words regrouped along the scan's tilt
    tilt_min_words: int = 3  # words a line needs for its slope to count
    tilt_min_span: float = 100.0  # points: x spread of a line's word centres (root of summed squares)
    tilt_min_lines: int = 3  # lines with a slope before the page's tilt is trusted
    tilt_max_slope: float = 0.05  # beyond ~3 degrees it is not a tilt but a misread
    row_tolerance: float = 0.55  # share of the median word height within which words share a row
    row_min_tolerance: float = 2.0  # points: the least tolerance, for tiny type

    # --- segmentation (pipeline/segment/)
    masthead_lines: int = 6  # a part this short without a sentence is a masthead, not a document
    signoff_lines: int = 8  # names, titles and a footer under a kallelse's "Välkomna!"
    title_head_lines: int = 4  # lines at the top of a part where its title stands
    masthead_words: int = 5  # words of an organisation's name that may precede a title on its line
    structure_chars: int = 20_000  # what the structure is read from: enough for a long head
    min_structure_score: int = 4  # structure cues a part needs to be typed by its structure alone
    head_org_chars: int = 300  # characters of the head where the issuing organisation is named
    organ_chars: int = 4000  # characters searched for the organ (body) that met
    head_body_chars: int = 600  # characters of the head where a body's name stands
    meeting_date_after_label: int = 90  # characters after a label in which its date stands
    meeting_head_chars: int = 2500  # characters of the head read for the meeting date

    # --- budget tables (extractors/budget.py, extractors/_budget_columns.py)
    header_max_label_words: int = 6  # words before the years that a header row may carry
    figure_zone_share: float = 0.95  # a column's width left of the first year: where figures stand
    column_tolerance_share: float = 0.15  # of the column spacing a figure may reach right of its year
    default_column_spacing: float = 60.0  # points, when there is one column to measure by
    max_figure_digits: int = 6  # a figure of more digits (in tkr) is a misgrouping
    max_spacing_cells: int = 12  # more cells are no budget row; avoids a combinatorial walk
    table_stop_words: int = 7  # a row of running text this long ends the table
    table_idle_rows: int = 4  # rows without figures after which the table has ended


EXTRACTION = ExtractionSettings()


class EnvironmentSettings(BaseModel):
    """The FINSAM_* environment variables, read and checked in one place.

    FINSAM_SPACY_MODEL   a locally installed trained spaCy pipeline (package or path) to use
                         instead of the blank Swedish one with rules; never downloaded.
    FINSAM_FLOW_TIMEOUT  seconds a process or ingest flow may run (very large inboxes).
    FINSAM_NIGHTLY_TIMEOUT  seconds the nightly flow may run.
    FINSAM_OCR_ENGINE    `api`: Tesseract as a library in the document worker (tesserocr, the
                         default); `cli`: one `tesseract` process per page (pytesseract).
    """

    spacy_model: str = ""
    ocr_engine: Literal["api", "cli"] = "api"
    flow_timeout_s: float = Field(default=6 * 3600, gt=0)
    nightly_timeout_s: float = Field(default=2 * 3600, gt=0)


_ENVIRONMENT_VARIABLES = {
    "spacy_model": "FINSAM_SPACY_MODEL",
    "flow_timeout_s": "FINSAM_FLOW_TIMEOUT",
    "nightly_timeout_s": "FINSAM_NIGHTLY_TIMEOUT",
    "ocr_engine": "FINSAM_OCR_ENGINE",
}


def environment() -> EnvironmentSettings:
    """The FINSAM_* settings as the environment has them now; a bad value stops with one
    line naming the variable (these are read where a run starts, never mid-document)."""
    given = {field: os.environ[var].strip() for field, var in _ENVIRONMENT_VARIABLES.items() if os.environ.get(var, "").strip()}
    try:
        return EnvironmentSettings(**given)
    except ValidationError as exc:
        bad = ", ".join(f"{_ENVIRONMENT_VARIABLES[str(e['loc'][0])]}={given.get(str(e['loc'][0]))!r} ({e['msg']})" for e in exc.errors())
        raise ValueError(f"invalid finsam setting in the environment: {bad}") from None


class IngestSettings(BaseModel):
    """How long one ingest run keeps taking files that settle in the inbox while it works
    (pipeline.runtime.stream.run_ingest_stream). A stream of arrivals becomes one run whose
    workers never wait for a burst's last file, and whose tables are rebuilt once when the
    inbox is drained, instead of one run, one table update and one idle tail per burst."""

    # The longest a run takes new files before it stops taking, finishes what it took and
    # publishes the tables: results of a file never lag its arrival by much more than this.
    keep_taking_s: float = Field(default=120.0, ge=0)
    # A run whose workers have had nothing to take this long (inbox drained) publishes the
    # tables; files renamed in one after another within it still join the run.
    idle_s: float = Field(default=1.0, ge=0)
    # How often an idle worker looks at the inbox again (seconds).
    poll_s: float = Field(default=0.25, gt=0)


INGEST = IngestSettings()
