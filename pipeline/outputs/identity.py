"""Files that are the same document: a born-digital PDF and its later scan, a re-saved copy.

Different bytes give different doc_ids, so each copy gets a full set of rows. Two files
are the same document when their main segment has the same type, organisation and date
and their text is near-identical (OCR misreadings allowed). The one read best (fewest OCR
pages, then processed first) is canonical; the others get `same_as` = its doc_id
(documents table), and the analysts' default DuckDB views leave their rows out
(pipeline/outputs/duckdb_views.py, `create_views`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone

from rapidfuzz import fuzz

# Near-identical: at least this similar (0-100, rapidfuzz ratio over the normalised text).
# A scan read by Tesseract differs from its text layer by 1-5 % of characters (README,
# OCR quality); two different protokoll of the same body and day differ far more.
TEXT_SIMILARITY = 90.0
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    doc_type: str | None
    organisation: str | None
    document_date: date | None
    text: str
    ocr_page_count: int = 0
    processed_at: datetime | None = None


def normalise_text(text: str) -> str:
    """Lower-case words only: layout, punctuation and line breaks do not count."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_WORD.findall(text))


def _org_key(org: str | None) -> str:
    return " ".join((org or "").casefold().split())


def _key(doc_type: str | None, organisation: str | None, document_date: date | None) -> tuple | None:
    if not doc_type or doc_type == "other" or document_date is None:
        return None
    return (doc_type, _org_key(organisation), document_date)


def candidate_keys(rows: list[dict]) -> set[str]:
    """doc_ids that share (type, organisation, date) with another row: the only ones whose text is compared."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for r in rows:
        if (key := _key(r.get("doc_type"), r.get("organisation"), r.get("document_date"))) is not None:
            groups[key].append(r["doc_id"])
    return {d for ids in groups.values() if len(ids) > 1 for d in ids}


def _when(t: datetime | None) -> datetime:
    if t is None:
        return datetime.max
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo else t


def similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    shorter, longer = sorted((len(a), len(b)))
    if shorter < 0.8 * longer:  # ratio could not reach the threshold anyway
        return False
    return fuzz.ratio(a, b, score_cutoff=TEXT_SIMILARITY) >= TEXT_SIMILARITY


def same_as(candidates: list[Candidate]) -> dict[str, str]:
    """doc_id -> canonical doc_id, for every file that is a copy of another; canonical ones are absent.

    Only files with a type (not `other`) and a date are compared, and only within the same
    (type, organisation, date): the comparison is cheap and never joins unrelated files.
    """
    groups: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in candidates:
        if (key := _key(c.doc_type, c.organisation, c.document_date)) is not None:
            groups[key].append(c)
    result: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        # Best read first: born-digital before scans, then the earlier file, then a fixed order.
        members.sort(key=lambda c: (c.ocr_page_count or 0, _when(c.processed_at), c.doc_id))
        canon: list[tuple[Candidate, str]] = []
        # Text as read -> the doc_id its first holder resolved to: an exact copy (a re-saved
        # file) resolves the same way, without normalising and comparing its text again.
        resolved: dict[str, str] = {}
        for c in members:
            if (target := resolved.get(c.text)) is not None:
                result[c.doc_id] = target
                continue
            text = normalise_text(c.text)
            match = next((k for k, ktext in canon if similar(text, ktext)), None)
            if match is None:
                canon.append((c, text))
            else:
                result[c.doc_id] = match.doc_id
            if text:  # similar() never joins empty texts
                resolved[c.text] = match.doc_id if match is not None else c.doc_id
    return result


def same_as_documents(documents) -> dict[str, str]:
    """same_as over Document records (the report), as the tables compute it from their rows."""
    rows = [{"doc_id": d.doc_id, "doc_type": str(d.doc_type), "organisation": d.organisation,
             "document_date": d.document_date} for d in documents]
    wanted = candidate_keys(rows)
    return same_as([Candidate(doc_id=d.doc_id, doc_type=str(d.doc_type), organisation=d.organisation,
                              document_date=d.document_date, text="\n".join(p.text for p in d.pages),
                              ocr_page_count=d.ocr_page_count, processed_at=d.processed_at)
                    for d in documents if d.doc_id in wanted])
