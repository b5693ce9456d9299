"""Files that are the same document (a PDF and its later scan) count once (issue 15, item 12)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pyarrow.parquet as pq

from pipeline.outputs.identity import Candidate, same_as
from pipeline.outputs.query import connect
from pipeline.outputs.files import db_path, table_path
from pipeline.outputs.tables import rebuild_tables
from tables_fixtures import make_document, write_documents

TEXT = ("Protokoll fört vid styrelsens sammanträde. Närvarande ledamöter: Eva Ek, ordförande, Bo Berg, "
        "vice ordförande. § 7 Budget 2024. Styrelsen beslutar att godkänna budgeten för år 2024 med en "
        "omslutning om 5 677 tkr. Förbundschefen redovisar verksamhetens utfall och de samverkansinitiativ "
        "som pågår i Norråsa och Lillforsa kommuner. Justeras: Anna Andersson. ") * 3
# What Tesseract makes of it: å/ä/ö misread here and there, a few digits and dashes.
OCR = (TEXT.replace("Närvarande", "Narvarande").replace("sammanträde", "sammantråde")
       .replace("5 677", "5 877").replace("Förbundschefen", "Férbundschefen"))
OTHER = ("Protokoll fört vid styrelsens sammanträde. § 12 Verksamhetsplan. Styrelsen beslutar att anta "
         "verksamhetsplanen och uppdra åt förbundschefen att återkomma med en uppföljning i september. ") * 4


def cand(doc_id: str, text: str, *, ocr: int = 0, day: date = date(2024, 3, 10), org: str = "Förbundet",
         doc_type: str = "protokoll") -> Candidate:
    return Candidate.of_text(text, doc_id=doc_id, doc_type=doc_type, organisation=org, document_date=day,
                             ocr_page_count=ocr, processed_at=datetime(2025, 1, 1, tzinfo=timezone.utc))


def test_a_scan_of_a_pdf_is_the_same_document_and_the_pdf_is_canonical():
    assert same_as([cand("scan", OCR, ocr=2), cand("pdf", TEXT)]) == {"scan": "pdf"}


def test_different_text_date_type_or_organisation_is_not_the_same_document():
    assert same_as([cand("a", TEXT), cand("b", OTHER)]) == {}
    assert same_as([cand("a", TEXT), cand("b", TEXT, day=date(2024, 3, 11))]) == {}
    assert same_as([cand("a", TEXT), cand("b", TEXT, doc_type="foredragningslista")]) == {}
    assert same_as([cand("a", TEXT), cand("b", TEXT, org="Annat förbund")]) == {}
    assert same_as([cand("a", TEXT, day=None), cand("b", TEXT, day=None)]) == {}


def _pair(out):
    pdf = make_document(1)
    scan = make_document(1, ocr_confidence=88.0).model_copy(update={"doc_id": "ff" * 32, "file_name": "scan.pdf"})
    for d, text in ((pdf, TEXT), (scan, OCR)):
        for p in d.pages:
            p.text = text
    other = make_document(2)
    write_documents(out, [pdf, scan, other])
    return pdf, scan, other


def test_tables_mark_the_copy_and_default_views_count_it_once(tmp_path):
    pdf, scan, other = _pair(tmp_path)
    rebuild_tables(tmp_path)
    marks = dict(zip(*pq.read_table(table_path(tmp_path, "documents"), columns=["doc_id", "same_as"])
                     .to_pydict().values()))
    assert marks == {pdf.doc_id: None, scan.doc_id: pdf.doc_id, other.doc_id: None}
    for con in (duckdb.connect(str(db_path(tmp_path)), read_only=True), connect(tmp_path)):
        assert con.execute("SELECT count(*) FROM documents").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM documents_all").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM budget_lines").fetchone() == (4,)
        assert con.execute("SELECT count(*) FROM budget_lines_all").fetchone() == (6,)
        assert con.execute("SELECT count(*) FROM budget_lines WHERE doc_id = ?", [scan.doc_id]).fetchone() == (0,)


def test_incremental_rebuild_marks_a_copy_that_arrives_later(tmp_path):
    pdf, scan, other = _pair(tmp_path)
    (tmp_path / "documents" / f"{scan.doc_id}.json").unlink()
    rebuild_tables(tmp_path)
    write_documents(tmp_path, [scan])
    rebuild_tables(tmp_path)
    con = connect(tmp_path)
    assert con.execute("SELECT doc_id, same_as FROM documents_all WHERE same_as IS NOT NULL").fetchall() == [
        (scan.doc_id, pdf.doc_id)]


def test_the_report_counts_a_scan_and_its_pdf_once_and_says_so(tmp_path):
    from datetime import date as _date

    from pipeline.report.html_report import render_html

    pdf, scan, other = _pair(tmp_path)
    html = render_html([pdf, scan, other], [], _date(2025, 1, 1))
    assert "<b>2</b>dokument" in html
    assert f"Samma dokument som {pdf.file_name}" in html


def test_exact_copies_are_known_by_fingerprint_and_only_first_holders_texts_are_read():
    asked: list[set[str]] = []

    def texts(ids: set[str]) -> dict[str, str]:
        asked.append(set(ids))
        return {"a": TEXT, "c": OCR}

    def fp(doc_id: str, text: str, ocr: int = 0) -> Candidate:
        c = cand(doc_id, text, ocr=ocr)
        return Candidate(**{**c.__dict__, "text": None})  # the fingerprint only, as the tables give it

    copies = [fp("a", TEXT), fp("b", TEXT), fp("c", OCR, ocr=2), fp("d", OCR, ocr=2)]
    assert same_as(copies, texts=texts) == {"b": "a", "c": "a", "d": "a"}
    assert asked == [{"a", "c"}]
    asked.clear()
    assert same_as(copies[:2], texts=texts) == {"b": "a"}
    assert asked == []  # one fingerprint in the group: no text read


def test_candidate_rows_over_columns_agree_with_candidate_keys():
    """The vectorised candidates of the tables are candidate_keys' (organisation spelled in
    case and spacing variants, no type, `other`, no date), row for row."""
    import random

    import pyarrow as pa

    from pipeline.outputs.identity import candidate_keys, candidate_rows

    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(0, 25)
        types = [rng.choice([None, "", "other", "protokoll", "kallelse"]) for _ in range(n)]
        orgs = [rng.choice([None, "", "Förbundet Ö", " förbundet  ö", "FÖRBUNDET Ö", "Annat"]) for _ in range(n)]
        days = [rng.choice([None, date(2024, 3, 10), date(2024, 3, 11)]) for _ in range(n)]
        ids = [f"d{i}" for i in range(n)]
        rows = candidate_rows(pa.array(types, pa.string()), pa.array(orgs, pa.string()), pa.array(days, pa.date32()))
        assert rows == sorted(rows)
        assert {ids[i] for i in rows} == candidate_keys(zip(ids, types, orgs, days)), (types, orgs, days)


def test_a_copy_whose_original_is_removed_is_no_longer_marked(tmp_path):
    """same_as is worked out afresh on every rebuild, also for rows reused from the last one."""
    pdf, scan, other = _pair(tmp_path)
    rebuild_tables(tmp_path)
    for gone in (pdf, other):  # the copy is left alone
        (tmp_path / "documents" / f"{gone.doc_id}.json").unlink()
    result = rebuild_tables(tmp_path)
    assert result.reused == 1
    marks = dict(zip(*pq.read_table(table_path(tmp_path, "documents"), columns=["doc_id", "same_as"])
                     .to_pydict().values()))
    assert marks == {scan.doc_id: None}


def test_same_as_over_columns_agrees_with_same_as():
    """The tables' same_as_columns gives same_as's answer: exact copies settled over the columns,
    groups with several texts compared as same_as compares them; ties in OCR pages and time
    broken by doc_id, missing times last."""
    import random

    import pyarrow as pa

    from pipeline.outputs.identity import same_as_columns

    rng = random.Random(11)
    texts = {"t": TEXT, "o": OCR, "x": OTHER}
    times = [None, datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc)]
    for _ in range(300):
        n = rng.randint(0, 14)
        rows = [dict(doc_id=f"{rng.randrange(10**6):06d}{i}", doc_type=rng.choice(["protokoll", "other", None]),
                     organisation=rng.choice(["Förbundet", " förbundet", None]),
                     document_date=rng.choice([date(2024, 3, 10), date(2024, 3, 10), None]),
                     ocr_page_count=rng.choice([0, 0, 2, None]), processed_at=rng.choice(times),
                     text=rng.choice(["t", "t", "o", "x", None])) for i in range(n)]
        cands = [Candidate.of_text(texts[r["text"]] if r["text"] else "—",
                                   **{k: v for k, v in r.items() if k not in ("text", "ocr_page_count")},
                                   ocr_page_count=r["ocr_page_count"] or 0) for r in rows]
        by_id = {c.doc_id: c.text for c in cands}
        asked: list[set[str]] = []

        def read(ids: set[str]) -> dict[str, str]:
            asked.append(set(ids))
            return {d: by_id[d] for d in ids}

        col = lambda key, typ: pa.array([r[key] for r in rows], type=typ)  # noqa: E731
        got = same_as_columns([r["doc_id"] for r in rows], col("doc_type", pa.string()), col("organisation", pa.string()),
                              col("document_date", pa.date32()), col("ocr_page_count", pa.int32()),
                              col("processed_at", pa.timestamp("us", tz="UTC")), [c.fingerprint for c in cands],
                              texts=read)
        assert got == same_as(cands), rows
        assert all(ids <= {c.doc_id for c in cands} for ids in asked)
