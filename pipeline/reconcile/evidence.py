"""Flags and their evidence: each value a rule compared, with where it stands (file, page),
one flag id per finding, and one flag for the same finding in several copies of a file."""

from __future__ import annotations

import hashlib
from typing import Any

from models import Flag, Record
from pipeline.reconcile.units import Unit


def evidence(unit: Unit, what: str, value: Any, record: Record | None = None, year: int | None = None,
             display: str | None = None, key: str | None = None) -> dict[str, Any]:
    """One value compared, with where it stands (file, page) and, when it was read by OCR,
    the page's OCR confidence (the report then says to check the figure against the page)."""
    prov = record.provenance if record is not None else unit.segment.provenance
    ocr_confidence = None
    if prov.method == "ocr":
        page = next((p for p in unit.doc.pages if p.number == prov.page), None)
        ocr_confidence = (page.ocr_confidence if page is not None and page.ocr_confidence is not None
                          else prov.ocr_confidence)
    return {
        "key": key or f"{unit.doc_id[:16]}|{unit.segment.segment_id}|{what}|{year or ''}",
        "what": what,
        "year": year,
        "value": None if value is None else str(value),
        "display": display if display is not None else (str(value) if value is not None else "–"),
        "doc_id": unit.doc_id,
        "file": unit.doc.file_name,
        "path": unit.doc.current_path,
        "page": prov.page,
        "record_id": record.record_id if record is not None else None,
        "method": prov.method,
        "ocr_confidence": None if ocr_confidence is None else round(float(ocr_confidence), 1),
    }


def make_flag(rule_id: str, severity: str, message: str, items: list[dict[str, Any]], year: int | None = None) -> Flag:
    keys = sorted({e["key"] for e in items})
    digest = hashlib.sha256("|".join([rule_id, *keys]).encode("utf-8")).hexdigest()[:16]
    doc_ids: list[str] = []
    for e in items:
        if e["doc_id"] not in doc_ids:
            doc_ids.append(e["doc_id"])
    return Flag(flag_id=f"{rule_id}-{digest}", rule_id=rule_id, severity=severity, message=message,
                doc_ids=doc_ids, year=year, evidence=items)


def merge_repeated(flags: list[Flag]) -> list[Flag]:
    """One flag for the same finding in several files.

    The same document often arrives twice (the PDF sent with a kallelse, later the signed
    scan): every rule then fires once per copy with the very same message. Such flags are
    one finding with the evidence of every copy, so the kansli reads it once.
    """
    groups: dict[tuple, list[Flag]] = {}
    for f in flags:
        groups.setdefault((f.rule_id, f.severity, f.year, f.message), []).append(f)
    out: list[Flag] = []
    for (rule_id, severity, year, message), same in groups.items():
        if len(same) == 1:
            out.append(same[0])
            continue
        items = [e for f in same for e in f.evidence]
        files: list[str] = []
        for e in items:
            if e.get("file") and e["file"] not in files:
                files.append(e["file"])
        note = f" Samma avvikelse i {len(files)} filer: {', '.join(files)}." if len(files) > 1 else ""
        out.append(make_flag(rule_id, severity, message + note, items, year))
    return out
