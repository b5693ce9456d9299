#!/usr/bin/env python3
"""Generate the sample corpus and its gold, deterministically.

    .venv/bin/python scripts/make_samples.py                  # corpus/samples/ + tests/gold/samples/ (planted)
    .venv/bin/python scripts/make_samples.py --consistent --out DIR   # consistent variant into DIR (gold in DIR/gold)
    .venv/bin/python scripts/make_samples.py --out DIR [--gold GDIR]  # planted variant elsewhere

The documents are fictional (Samordningsförbundet Norrådalen, 2024-2026) and written for
this project. Gold JSON is written from the same data the documents are rendered from.
The same command gives the same bytes on every run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from samples import corpus, render  # noqa: E402
from samples.segments import RECORD_KINDS  # noqa: E402
from samples.world import (AF, FK, FOLKHOGSKOLA_NINE, FORBUNDET, GRANASEN_OTHER_ORGNR, KOMMUNER, REGION,  # noqa: E402
                           SHARES, broken_orgnr, orgnr)

GENERATED_SUFFIXES = {".pdf", ".docx", ".txt"}


def library_versions() -> dict[str, str]:
    """Versions the scans' bytes depend on (rasteriser, JPEG encoder, noise generator)."""
    from importlib.metadata import version

    return {name: version(name) for name in ("fpdf2", "pillow", "pypdfium2", "numpy")}


def render_file(spec: dict) -> bytes:
    segs = [s.spec() for s in spec["segments"]]
    fmt = spec["format"]
    if fmt == "pdf":
        data = render.render_pdf(segs)
    elif fmt == "scan":
        data = render.render_scan(segs, seed=spec["seed"])
    elif fmt == "docx":
        data = render.render_docx(segs)
    elif fmt == "txt":
        data = render.render_txt(segs)
    else:
        raise ValueError(fmt)
    spec["_specs"] = segs
    return data


def gold_for(spec: dict, flags: list[dict], variant: str) -> dict:
    segs = spec["_specs"]
    records: dict[str, list[dict]] = {k: [] for k in RECORD_KINDS}
    for i, seg in enumerate(segs):
        for kind in RECORD_KINDS:
            for rec in seg["records"][kind]:
                records[kind].append({"segment": i, **rec})
    media = {"pdf": "pdf", "scan": "pdf", "docx": "docx", "txt": "txt"}[spec["format"]]
    return {
        "file": spec["name"],
        "variant": variant,
        "media_type": media,
        "scanned": spec["format"] == "scan",
        "page_count": max(s["gold"]["page_end"] for s in segs),
        "segments": [s["gold"] for s in segs],
        "records": records,
        "planted_flags": [f for f in flags if spec["name"] in f["files"]],
    }


def organisations() -> list[dict]:
    out = [{"name": o.name, "org_number": o.orgnr, "party_type": o.party_type, "fictional": True}
           for o in (FORBUNDET, REGION, *KOMMUNER)]
    out += [{"name": o.name, "org_number": o.orgnr, "party_type": o.party_type, "fictional": False} for o in (FK, AF)]
    out.append({"name": "Norrådalens folkhögskola", "org_number": orgnr(FOLKHOGSKOLA_NINE), "party_type": "other",
                "fictional": True})
    return out


def write(out_dir: Path, gold_dir: Path, consistent: bool) -> list[Path]:
    variant = "consistent" if consistent else "planted"
    files, flags = corpus.build(planted=not consistent)
    out_dir.mkdir(parents=True, exist_ok=True)
    gold_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    names = {f["name"] for f in files}
    for stale in out_dir.iterdir():
        if stale.is_file() and stale.suffix in GENERATED_SUFFIXES and stale.name not in names:
            stale.unlink()
    gold_names = {Path(n).stem + ".json" for n in names} | {"_corpus.json"}
    for stale in gold_dir.glob("*.json"):
        if stale.name not in gold_names:
            stale.unlink()
    for spec in files:
        data = render_file(spec)
        path = out_dir / spec["name"]
        path.write_bytes(data)
        written.append(path)
        gold = gold_for(spec, flags, variant)
        (gold_dir / (Path(spec["name"]).stem + ".json")).write_text(
            json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    manifest = {
        "variant": variant,
        "forbund": FORBUNDET.name,
        "years": [2024, 2025, 2026],
        "generator": {"script": "scripts/make_samples.py", "libraries": library_versions()},
        "files": [{"file": f["name"], "format": f["format"], "gold": Path(f["name"]).stem + ".json"} for f in files],
        "organisations": organisations(),
        "working_age_shares_percent": {k: str(v) for k, v in SHARES.items()},
        "alternate_orgnr_granasen": GRANASEN_OTHER_ORGNR,
        "invalid_orgnr_folkhogskola": broken_orgnr(FOLKHOGSKOLA_NINE),
        "planted_flags": flags,
    }
    (gold_dir / "_corpus.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--consistent", action="store_true", help="emit the fully consistent variant (no planted flags)")
    ap.add_argument("--out", type=Path, help="documents directory (default corpus/samples)")
    ap.add_argument("--gold", type=Path, help="gold directory (default tests/gold/samples, or OUT/gold with --out)")
    ap.add_argument("extra", nargs="?", type=Path, help=argparse.SUPPRESS)  # `--consistent OUTDIR` form
    args = ap.parse_args(argv)
    out = args.out or args.extra
    if args.consistent and out is None:
        ap.error("--consistent needs an output directory (--out DIR); corpus/samples/ holds the planted variant")
    if out is None:
        out, gold = ROOT / "corpus" / "samples", ROOT / "tests" / "gold" / "samples"
    else:
        gold = args.gold or out / "gold"
    written = write(out, gold, args.consistent)
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files ({total // 1024} KiB) to {out}, gold to {gold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
