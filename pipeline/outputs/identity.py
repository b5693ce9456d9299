"""Files that are the same document: a born-digital PDF and its later scan, a re-saved copy.

Different bytes give different doc_ids, so each copy gets a full set of rows. Two files
are the same document when their main segment has the same type, organisation and date
and their text is near-identical (OCR misreadings allowed). The one read best (fewest OCR
pages, then processed first) is canonical; the others get `same_as` = its doc_id
(documents table), and the analysts' default DuckDB views leave their rows out
(pipeline/outputs/duckdb_views.py, `create_views`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
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
    fingerprint: str | None  # text_fingerprint of its pages' text as read; None: no words
    ocr_page_count: int = 0
    processed_at: datetime | None = None
    text: str | None = None  # that text, when at hand; else same_as asks for it when it must compare

    @classmethod
    def of_text(cls, text: str, **fields) -> Candidate:
        return cls(fingerprint=text_fingerprint(text), text=text, **fields)


def pages_text(pages: Iterable[tuple[int | None, str | None]]) -> str:
    """A document's text as read: its pages' texts (number, text) in page order, joined by newlines."""
    parts = sorted(pages, key=lambda part: part[0] or 0)  # stable: pages with the same number keep their order
    return "\n".join(text or "" for _, text in parts)


def text_fingerprint(text: str) -> str | None:
    """Identifies a text as read, so exact copies (a re-saved file) are known without comparing
    or even holding their text; None for a text without words, which is never joined.

    Words as normalise_text sees them: a raw word character stays one after NFKC and case
    folding, and only a text without any needs normalising to be sure."""
    text = text or ""
    if _WORD.search(text) is None and not normalise_text(text):
        return None
    # sha1 as a fingerprint, not for security: fast, and hashlib releases the GIL on large texts.
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_text(text: str) -> str:
    """Lower-case words only: layout, punctuation and line breaks do not count."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_WORD.findall(text))


@lru_cache(maxsize=4096)  # a corpus names few organisations, each on thousands of documents
def _org_key(org: str | None) -> str:
    return " ".join((org or "").casefold().split())


def _key(doc_type: str | None, organisation: str | None, document_date: date | None) -> tuple | None:
    if not doc_type or doc_type == "other" or document_date is None:
        return None
    return (doc_type, _org_key(organisation), document_date)


def candidate_keys(rows: Iterable[tuple[str, str | None, str | None, date | None]]) -> set[str]:
    """doc_ids that share (type, organisation, date) with another row: the only ones whose text is
    compared. Each row is (doc_id, doc_type, organisation, document_date)."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for doc_id, doc_type, organisation, document_date in rows:
        if (key := _key(doc_type, organisation, document_date)) is not None:
            groups[key].append(doc_id)
    return {d for ids in groups.values() if len(ids) > 1 for d in ids}


def _arrays(*columns):
    """Arrow columns as single arrays (a table's columns come chunked)."""
    import pyarrow as pa  # noqa: PLC0415

    return [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns]


def _group_ids(doc_types, organisations, document_dates):
    """`_key` over columns: per row, a number naming its (type, organisation, date), or -1 for a
    row that is never compared (no type, `other`, no date). Only the distinct organisations
    pass through `_org_key` in Python, not every row."""
    import numpy as np  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    doc_types, organisations, document_dates = _arrays(doc_types, organisations, document_dates)
    if len(doc_types) == 0:
        return np.zeros(0, dtype=np.int64)
    typed = pc.and_(pc.not_equal(doc_types, ""), pc.not_equal(doc_types, "other"))
    eligible = pc.and_(typed.fill_null(False), document_dates.is_valid()).to_numpy(zero_copy_only=False)
    distinct = pc.unique(organisations)
    key_ids: dict[str, int] = {}
    org_key_ids = np.array([key_ids.setdefault(_org_key(o), len(key_ids)) for o in distinct.to_pylist()], dtype=np.int64)
    org_ids = org_key_ids[pc.index_in(organisations, value_set=distinct, skip_nulls=False).to_numpy(zero_copy_only=False)]
    type_ids = pc.dictionary_encode(doc_types.fill_null("")).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    days = document_dates.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)  # date32
    _, pairs = np.unique(type_ids * len(key_ids) + org_ids, return_inverse=True)  # < rows^2: no overflow
    _, group = np.unique((pairs.reshape(-1).astype(np.int64) << 32) | (days + (1 << 31)), return_inverse=True)
    group = group.reshape(-1).astype(np.int64)
    group[~eligible] = -1
    return group


def candidate_rows(doc_types, organisations, document_dates) -> list[int]:
    """candidate_keys over columns (Arrow arrays of the documents table): the row numbers, in
    order, that share (type, organisation, date) with another row."""
    import numpy as np  # noqa: PLC0415

    group = _group_ids(doc_types, organisations, document_dates)
    usable = group >= 0
    if usable.sum() < 2:
        return []
    counts = np.bincount(group[usable])
    return np.flatnonzero(usable & (counts[np.maximum(group, 0)] > 1)).tolist()


def same_as_columns(doc_ids: list[str], doc_types, organisations, document_dates, ocr_page_counts, processed_at,
                    fingerprints: list[str | None],
                    texts: Callable[[set[str]], dict[str, str]] | None = None) -> dict[str, str]:
    """same_as over columns (one row per file; Arrow arrays of the documents table), for the tables.

    A group in which every file has the same fingerprint -- copies of one text, the common
    case -- is settled over the columns, in same_as's order (fewest OCR pages, then processed
    first, then doc_id): its first file is canonical, the others its copies. Groups holding
    several fingerprints, whose texts must be compared, go through same_as itself."""
    import numpy as np  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    group = _group_ids(doc_types, organisations, document_dates)
    fp_ids: dict[str, int] = {}
    fp = np.fromiter((-1 if f is None else fp_ids.setdefault(f, len(fp_ids)) for f in fingerprints),
                     dtype=np.int64, count=len(fingerprints))
    rows = np.flatnonzero((group >= 0) & (fp >= 0))
    if rows.size < 2:
        return {}
    ocr_page_counts, processed_at = _arrays(ocr_page_counts, processed_at)
    ocr = ocr_page_counts.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    # Arrow keeps a zoned timestamp in UTC and a naive one as written: what _when compares.
    when = processed_at.cast(pa.int64()).fill_null(np.iinfo(np.int64).max).to_numpy(zero_copy_only=False)
    id_rank = np.empty(len(doc_ids), dtype=np.int64)
    id_rank[pc.sort_indices(pa.array(doc_ids, type=pa.string())).to_numpy()] = np.arange(len(doc_ids))
    order = rows[np.lexsort((id_rank[rows], when[rows], ocr[rows], group[rows]))]
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    member_of = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, order.size]))
    first = order[starts][member_of]  # each file's group's first file
    mixed = np.zeros(starts.size, dtype=bool)
    mixed[member_of[fp[order] != fp[first]]] = True
    result: dict[str, str] = {}
    settled = ~mixed[member_of] & (order != first)
    for r, f in zip(order[settled].tolist(), first[settled].tolist()):
        result[doc_ids[r]] = doc_ids[f]
    if mixed.any():
        picked = order[mixed[member_of]].tolist()
        values = [c.take(pa.array(picked, type=pa.int64())).to_pylist()
                  for c in _arrays(doc_types, organisations, document_dates, ocr_page_counts, processed_at)]
        result.update(same_as([Candidate(doc_id=doc_ids[r], doc_type=t, organisation=o, document_date=d,
                                         fingerprint=fingerprints[r], ocr_page_count=n or 0, processed_at=at)
                               for r, t, o, d, n, at in zip(picked, *values)], texts=texts))
    return result


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


def same_as(candidates: Iterable[Candidate],
            texts: Callable[[set[str]], dict[str, str]] | None = None) -> dict[str, str]:
    """doc_id -> canonical doc_id, for every file that is a copy of another; canonical ones are absent.

    Only files with a type (not `other`) and a date are compared, and only within the same
    (type, organisation, date): the comparison is cheap and never joins unrelated files.
    Files with the same fingerprint are copies without comparing text; only the first file
    of each fingerprint in a group that holds several fingerprints is compared, and only
    their texts are needed: `texts(doc_ids)` returns them (default: the candidates' `text`).
    """
    groups: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.fingerprint is not None and (key := _key(c.doc_type, c.organisation, c.document_date)) is not None:
            groups[key].append(c)
    plans: list[tuple[list[Candidate], dict[str, Candidate]]] = []
    wanted: set[str] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        # Best read first: born-digital before scans, then the earlier file, then a fixed order.
        members.sort(key=lambda c: (c.ocr_page_count or 0, _when(c.processed_at), c.doc_id))
        firsts: dict[str, Candidate] = {}
        for c in members:
            firsts.setdefault(c.fingerprint, c)
        if len(firsts) > 1:
            wanted |= {c.doc_id for c in firsts.values()}
        plans.append((members, firsts))
    loaded = (texts or (lambda ids: {c.doc_id: c.text or "" for g in plans for c in g[1].values()
                                     if c.doc_id in ids}))(wanted) if wanted else {}
    result: dict[str, str] = {}
    for members, firsts in plans:
        # fingerprint -> the doc_id its first holder resolved to (itself when canonical)
        target: dict[str, str] = {}
        canon: list[tuple[str, str]] = []
        for fp, c in firsts.items():
            if len(firsts) == 1:
                target[fp] = c.doc_id
                break
            text = normalise_text(loaded.get(c.doc_id, ""))
            match = next((doc_id for doc_id, ktext in canon if similar(text, ktext)), None)
            if match is None:
                canon.append((c.doc_id, text))
            else:
                result[c.doc_id] = match
            target[fp] = match or c.doc_id
        for c in members:
            if target[c.fingerprint] != c.doc_id:
                result[c.doc_id] = target[c.fingerprint]
    return result


def same_as_documents(documents) -> dict[str, str]:
    """same_as over Document records (the report), as the tables compute it from their rows."""
    wanted = candidate_keys((d.doc_id, str(d.doc_type), d.organisation, d.document_date) for d in documents)
    return same_as([Candidate.of_text("\n".join(p.text for p in d.pages), doc_id=d.doc_id, doc_type=str(d.doc_type),
                                      organisation=d.organisation, document_date=d.document_date,
                                      ocr_page_count=d.ocr_page_count, processed_at=d.processed_at)
                    for d in documents if d.doc_id in wanted])
