"""Real documents of other organisations (../shared/realdocs), scored as a user would.

Each rendering (born-digital PDF, image-only scan) goes through the whole extraction
(clean, segment, extract, documents JSON, tables) and is scored with the shared scorer
(../shared/tools/score.py) against the hand-made gold. The floors stand a little under
what finsam reaches (README, "Extraction quality: real documents of other
organisations"); a drop below one fails. The raw reads are cached like the seeds'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, read_cached
from pipeline.runtime.batch import build_document
from pipeline.outputs.store import document_path, write_model
from pipeline.outputs.tables import rebuild_tables

REALDOCS = Path(os.environ.get("FINSAM_REALDOCS", ROOT.parent / "shared" / "realdocs"))
SCORER = ROOT.parent / "shared" / "tools" / "score.py"

# micro-F1 and per-kind F1 floors (kinds with at least 10 gold items), per rendering.
FLOORS = {
    "pdf": {"micro": 0.95, "segments": 0.92, "parties": 0.95, "signatories": 0.93, "agenda_items": 0.90,
            "paragraphs": 0.93, "attendance": 0.95},
    "scanned": {"micro": 0.93, "segments": 0.92, "parties": 0.95, "signatories": 0.93, "agenda_items": 0.88,
                "paragraphs": 0.92, "attendance": 0.95},
}


def _score(rendering: str, out: Path) -> dict:
    folder = REALDOCS / rendering
    for path in sorted(folder.glob("*.pdf")):
        doc = build_document(read_cached(path), path)
        write_model(document_path(out, doc.doc_id), doc)
    rebuild_tables(out)
    result = out / "score.json"
    proc = subprocess.run(
        [sys.executable, str(SCORER), "--out", str(out), "--gold", str(REALDOCS / "gold"), "--json", str(result)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(proc.stdout)
    return json.loads(result.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("rendering", ["pdf", "scanned"])
def test_real_documents_of_other_organisations(rendering, tmp_path):
    if not (REALDOCS / rendering).is_dir() or not SCORER.exists():
        pytest.skip(f"real documents not found at {REALDOCS} (CI has ../shared beside the checkout)")
    res = _score(rendering, tmp_path / "out")
    floors = FLOORS[rendering]
    got = {"micro": res["micro"]["f1"], **{k: v["f1"] for k, v in res["categories"].items()}}
    failures = [f"{k}: F1 {got.get(k, 0.0):.3f} < floor {floor}" for k, floor in floors.items()
                if got.get(k, 0.0) < floor]
    assert not failures, failures
