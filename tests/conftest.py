"""Shared fixtures: the real seed documents beside the checkout, read once per run.

Reading (and especially OCR of the scans) is the slow part, so each seed rendering is
read once and cached on disk under .cache/read/ (raw, before cleanup) keyed by the file's
sha256 and the pipeline version. Bump PIPELINE_VERSION or delete .cache/ after changing a reader.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from models import DocumentText
from pipeline import PIPELINE_VERSION
from pipeline.text.clean import clean_document
from pipeline.read import read_raw_document, sha256_file

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("FINSAM_SEEDS", ROOT.parent / "shared" / "seeds"))
CACHE = ROOT / ".cache" / "read"

SEED_STEMS = [
    "000_ea3342501728e725",
    "001_f81afe8033d4e5e6",
    "002_295066ef3628236e",
    "003_bb9e2bcce0860af9",
    "004_ba7a8e83631679f4",
]


def seed_path(stem: str, rendering: str) -> Path:
    """rendering: txt | pdf | scanned | docx."""
    if rendering == "txt":
        return SEEDS / f"{stem}.txt"
    if rendering == "pdf":
        return SEEDS / "pdf" / f"{stem}.pdf"
    if rendering == "scanned":
        return SEEDS / "scanned" / f"{stem}.scan.pdf"
    if rendering == "docx":
        return SEEDS / "docx" / f"{stem}.docx"
    raise ValueError(rendering)


def read_cached(path: Path) -> DocumentText:
    """The raw read (OCR included) is cached; cleanup runs fresh each time, so changes to
    cleanup are always tested."""
    key = f"{sha256_file(path)}-{PIPELINE_VERSION}-raw.json"
    cached = CACHE / key
    if cached.exists():
        raw = DocumentText.model_validate_json(cached.read_bytes())
    else:
        raw = read_raw_document(path)
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(raw.model_dump_json())
        tmp.replace(cached)
    return clean_document(raw)


def require_seeds() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS} (CI has ../shared beside the checkout)")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    require_seeds()
    return SEEDS


@pytest.fixture(scope="session")
def read_seed():
    """read_seed(stem, rendering) -> DocumentText, read once per session (disk-cached)."""
    require_seeds()
    memo: dict[tuple[str, str], DocumentText] = {}

    def _read(stem: str, rendering: str) -> DocumentText:
        key = (stem, rendering)
        if key not in memo:
            path = seed_path(stem, rendering)
            if not path.exists():
                pytest.skip(f"no {rendering} rendering of {stem}")
            memo[key] = read_cached(path)
        return memo[key]

    return _read


def pytest_collection_modifyitems(config, items):
    """FINSAM_SKIP_SLOW=1 skips tests marked slow (OCR of every scan, kill test, serve)."""
    if os.environ.get("FINSAM_SKIP_SLOW") != "1":
        return
    skip = pytest.mark.skip(reason="FINSAM_SKIP_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def wait_until(cond: Callable[[], bool], timeout: float = 20.0, poll: float = 0.1) -> bool:
    """Poll `cond` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(poll)
    return False
