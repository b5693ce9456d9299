"""The document tables cut by Arrow's JSON reader (pipeline/outputs/columns.py) hold exactly
the rows rows.py makes from the parsed JSON, the way they were made before issue 17; and a
chunk the reader cannot vouch for goes through rows.py instead."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tables_fixtures import corpus, make_document, write_documents

from models import Document
import pipeline.outputs.tables as tables_module
from pipeline.outputs import columns, document_chunks
from pipeline.outputs.columns import NotColumnar, document_batches
from pipeline.outputs.identity import pages_text, text_fingerprint
from pipeline.outputs.files import table_path
from pipeline.outputs.rows import document_rows, rows_to_batch
from pipeline.outputs.schema import DOCUMENT_TABLES, TABLES
from pipeline.outputs.tables import rebuild_tables
from pipeline.runtime.batch import process_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"


def _rows_way(files: list[bytes], *, via_model: bool = False) -> dict[str, pa.Table]:
    """Each table as rows.py makes it, file by file (optionally validated by the model first)."""
    rows: dict[str, list[tuple]] = {spec.name: [] for spec in DOCUMENT_TABLES}
    for data in files:
        doc = Document.model_validate_json(data).model_dump(mode="json") if via_model else orjson.loads(data)
        for name, table_rows in document_rows(doc).items():
            rows[name] += table_rows
    return {spec.name: pa.Table.from_batches([rows_to_batch(spec, rows[spec.name])]) for spec in DOCUMENT_TABLES}


def _assert_same_rows(files: list[bytes], *, via_model: bool = False) -> None:
    cut = document_batches(files)
    batches = cut.batches
    expected = _rows_way(files, via_model=via_model)
    assert cut.doc_ids == [orjson.loads(f)["doc_id"] for f in files]
    assert cut.fingerprints == [_fingerprint(orjson.loads(f)) for f in files]
    for spec in DOCUMENT_TABLES:
        got = pa.Table.from_batches([batches[spec.name]])
        assert got.schema.equals(spec.schema), spec.name
        for name in spec.column_names:
            assert got.column(name).to_pylist() == expected[spec.name].column(name).to_pylist(), (spec.name, name)
        assert got.equals(expected[spec.name]), spec.name


def _fingerprint(doc: dict) -> str | None:
    """The text fingerprint the documents table's same_as starts from, made the plain way."""
    if doc.get("doc_type") in (None, "other") or doc.get("document_date") is None:
        return None
    return text_fingerprint(pages_text((p.get("number"), p.get("text")) for p in doc.get("pages") or []))


def _json(doc: Document) -> bytes:
    return doc.model_dump_json(indent=1).encode()


def test_every_document_table_is_cut_by_the_reader():
    """A computed column without a columnar twin would send every rebuild through rows.py."""
    assert columns.COLUMNAR


def test_synthetic_documents_give_the_same_rows():
    docs = [make_document(n) for n in range(4)] + [make_document(7, ocr_confidence=63.5, year=2019)]
    empty = make_document(9).model_copy(update={"pages": [], "records": type(docs[0].records)()})
    _assert_same_rows([_json(d) for d in [*docs, empty]])
    _assert_same_rows([_json(d) for d in docs], via_model=True)


@pytest.fixture(scope="module")
def processed_samples() -> list[bytes]:
    """Records of the text samples and seeds as finsam writes them (no OCR: scans are slow)."""
    paths = [p for p in sorted(SAMPLES.iterdir()) if p.suffix in (".txt", ".docx")]
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    paths += sorted(seeds.glob("*.txt")) if seeds.is_dir() else []
    return [_json(process_file(p)) for p in paths]


def test_processed_samples_give_the_same_rows_as_the_models(processed_samples):
    assert processed_samples
    _assert_same_rows(processed_samples, via_model=True)


@pytest.mark.slow
def test_processed_pdf_samples_give_the_same_rows_as_the_models():
    files = [_json(process_file(p)) for p in sorted(SAMPLES.glob("*.pdf")) if ".scan." not in p.name]
    _assert_same_rows(files, via_model=True)


def _edited(edit) -> bytes:
    doc = json.loads(_json(make_document(3)))
    edit(doc)
    return json.dumps(doc).encode()


def _drop(keys: str):
    def edit(doc: dict) -> None:
        *path, last = keys.split(".")
        target = doc
        for k in path:
            target = target[k][0] if isinstance(target[k], list) else target[k]
        del target[last]
    return edit


def _set(keys: str, value):
    def edit(doc: dict) -> None:
        *path, last = keys.split(".")
        target = doc
        for k in path:
            target = target[k][0] if isinstance(target[k], list) else target[k]
        target[last] = value
    return edit


# Files the reader must either cut exactly as rows.py does or hand back (NotColumnar).
ODD_FILES = {
    "unknown fields": _edited(_set("pages.extra", {"a": [1, 2]})),
    "optional field missing": _edited(_drop("records.amounts.year")),
    "defaulted field missing": _edited(_drop("pages.warnings")),
    "provenance missing": _edited(_drop("records.parties.provenance")),
    "null page": _edited(_set("pages", [None])),
    "pages null": _edited(_set("pages", None)),
    "records null": _edited(_set("records", None)),
    "decimal as a number": _edited(_set("records.amounts.amount_sek", 1500.5)),
    "decimal with a fraction": _edited(_set("records.amounts.amount_sek", "1500.5")),
    "decimal unreadable": _edited(_set("records.amounts.amount_sek", "many")),
    "share as text": _edited(_set("records.budget_lines.share_percent", "12.5")),
    "date with a time": _edited(_set("document_date", "2024-03-13T10:00:00")),
    "date unreadable": _edited(_set("records.segments.valid_from", "våren 2024")),
    "number for text": _edited(_set("title", 5)),
    "float for int": _edited(_set("page_count", 2.0)),
    "top-level null": b"null",
    "top-level list": b"[1, 2]",
    "two objects": _json(make_document(1)) + b"\n" + _json(make_document(2)),
    "empty": b"",
    "cut short": _json(make_document(1))[:-40],
}


@pytest.mark.parametrize("name", list(ODD_FILES))
def test_an_odd_file_is_cut_like_rows_py_or_handed_back(name):
    files = [_json(make_document(0)), ODD_FILES[name], _json(make_document(1))]
    try:
        document_batches(files)
    except NotColumnar:
        return
    _assert_same_rows(files)


def _parquet(out: Path) -> dict[str, pa.Table]:
    return {spec.name: pq.read_table(table_path(out, spec.name)) for spec in TABLES}


def test_a_full_rebuild_writes_the_same_tables_as_rows_py_alone(tmp_path, monkeypatch):
    """End to end, odd files among good ones: the Parquet tables, the set-aside and skipped
    files and the manifest are what the rows.py-only rebuild gives."""
    def build(out: Path) -> tuple[dict[str, pa.Table], list[str], list[str]]:
        corpus(out, 4)
        write_documents(out, [make_document(n, ocr_confidence=70.0) for n in (11, 12)])
        docs = out / "documents"
        (docs / "odd-null-page.json").write_bytes(ODD_FILES["null page"])
        (docs / "odd-cut.json").write_bytes(ODD_FILES["cut short"])
        (docs / "odd-missing.json").write_bytes(ODD_FILES["defaulted field missing"])
        result = rebuild_tables(out, incremental=False)
        return _parquet(out), sorted(Path(n).name for n, _ in result.skipped), sorted(p.name for p in docs.glob("*"))

    columnar = build(tmp_path / "columnar")

    def refuse(joined, count):
        raise NotColumnar("rows.py only")

    monkeypatch.setattr(document_chunks, "joined_document_batches", refuse)
    by_rows = build(tmp_path / "rows")
    assert columnar[1:] == by_rows[1:]
    for name, table in by_rows[0].items():
        assert columnar[0][name].equals(table), name
    manifests = [json.loads((tmp_path / way / "tables" / ".manifest.json").read_text()) for way in ("columnar", "rows")]
    assert manifests[0]["documents"].keys() == manifests[1]["documents"].keys()
    assert len(manifests[0]["documents"]) == 6  # the odd files are not named after their doc_id


def test_chunks_keep_the_file_order(tmp_path, monkeypatch):
    """Several chunks, one of them made by rows.py, still give the rows in file order."""
    monkeypatch.setattr(document_chunks, "CHUNK_BYTES", 1)  # one document per chunk
    corpus(tmp_path, 3)
    odd = json.loads(_json(make_document(8)))
    del odd["pages"][0]["warnings"]  # rows.py fills in the default
    (tmp_path / "documents" / f"{odd['doc_id']}.json").write_text(json.dumps(odd))
    write_documents(tmp_path, [make_document(9)])
    rebuild_tables(tmp_path, incremental=False)
    ids = pq.read_table(table_path(tmp_path, "pages")).column("doc_id").to_pylist()
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_a_chunk_far_larger_than_its_estimate_hands_back_the_rest_and_the_order_holds(tmp_path, monkeypatch):
    """A full rebuild cuts chunks by count from a mean size; a chunk whose files turn out far
    larger stops at twice CHUNK_BYTES, and what it did not read is read next, in order."""
    corpus(tmp_path, 6)
    rebuild_tables(tmp_path, incremental=False)  # the tables of a plain rebuild, to compare with
    expected = {name: pq.read_table(table_path(tmp_path, name)) for name in ("pages", "documents", "amounts")}
    monkeypatch.setattr(document_chunks, "CHUNK_BYTES", 1)
    handed_back = []
    real_read = document_chunks.read_chunk

    def read(chunk):
        result = real_read(chunk)
        handed_back.append(len(result.rest))
        return result

    monkeypatch.setattr(tables_module, "read_chunk", read)
    def three_at_a_time(self):  # an estimate that puts three files in each chunk
        chunk = self.files[self.pos:self.pos + 3]
        self.pos += 3
        return chunk or None

    monkeypatch.setattr(document_chunks.Chunker, "next", three_at_a_time)
    rebuild_tables(tmp_path, incremental=False)
    assert sorted(handed_back) == [0, 0, 1, 1, 2, 2]  # each chunk read one file, then handed back the rest
    for name, table in expected.items():
        assert pq.read_table(table_path(tmp_path, name)).equals(table), name  # same rows, same order


def test_fingerprints_cut_from_the_buffer_equal_the_joined_text_fingerprint():
    """The fast path hashes page texts straight from Arrow's buffer; every odd page falls back
    and still gives the fingerprint of the text as same_as compares it."""
    def doc(n: int, texts: list[tuple[int | None, str | None]], doc_type: str = "protokoll") -> bytes:
        d = json.loads(_json(make_document(n)))
        d["doc_type"] = doc_type
        d["pages"] = [{**d["pages"][0], "number": num, "text": text} for num, text in texts]
        return json.dumps(d).encode()

    files = [
        doc(0, [(1, "Protokoll § 1"), (2, "Beslut: godkänns")]),
        doc(1, [(2, "andra sidan"), (1, "första sidan")]),  # out of order: joined in page order
        doc(2, [(1, "åäö"), (2, "ÅÄÖ")]),  # words, but none ASCII
        doc(3, [(1, "—"), (2, "…")]),  # no words at all: never another's copy
        doc(4, [(1, None), (2, "text")]),  # a page without text
        doc(5, [(1, "Protokoll § 1")], doc_type="other"),  # not compared
        doc(6, []),
    ]
    cut = document_batches(files)
    assert cut.fingerprints == [_fingerprint(json.loads(f)) for f in files]
    assert cut.fingerprints[3] is None and cut.fingerprints[5] is None
    assert cut.fingerprints[1] == text_fingerprint("första sidan\nandra sidan")
    assert len(set(cut.fingerprints[:3])) == 3


def test_row_groups_are_as_large_as_the_flush_size_whatever_the_chunks(tmp_path, monkeypatch):
    """One document per chunk still gives row groups of FLUSH_ROWS rows, but for the last two:
    what the tables hold while the last chunk is parsed is written then, the last chunk's rows
    at closing."""
    import pipeline.outputs.files as files_module

    monkeypatch.setattr(document_chunks, "CHUNK_BYTES", 1)
    monkeypatch.setattr(files_module, "FLUSH_ROWS", 4)
    corpus(tmp_path, 10)
    rebuild_tables(tmp_path, incremental=False)
    meta = pq.read_metadata(table_path(tmp_path, "segments"))  # one segment per document
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4, 1, 1]


def test_a_chunk_larger_than_its_buffer_grows_it_and_keeps_what_was_read(tmp_path, monkeypatch):
    """The chunk buffer grows (a fresh mapping, what was read copied over) when a chunk outgrows
    it; the rows are those of a plain rebuild."""
    corpus(tmp_path, 6)
    rebuild_tables(tmp_path, incremental=False)
    expected = {name: pq.read_table(table_path(tmp_path, name)) for name in ("pages", "documents", "amounts")}
    monkeypatch.setattr(document_chunks, "_HEADROOM", 64)
    monkeypatch.setattr(document_chunks, "CHUNK_BYTES", 100)
    monkeypatch.setattr(document_chunks, "_joined", __import__("threading").local())
    rebuild_tables(tmp_path, incremental=False)
    for name, table in expected.items():
        assert pq.read_table(table_path(tmp_path, name)).equals(table), name


def test_a_file_longer_than_its_size_when_opened_is_read_to_its_end(tmp_path, monkeypatch):
    """A file is read until its end, not cut at the size fstat gave (a file still growing)."""
    import os

    corpus(tmp_path, 1)
    path = next((tmp_path / "documents").glob("*.json"))
    real_fstat = os.fstat

    def short(fd):
        st = real_fstat(fd)
        return os.stat_result((*st[:6], 10, *st[7:]))  # st_size: 10 bytes

    monkeypatch.setattr(document_chunks.os, "fstat", short)
    result = document_chunks.read_chunk([(document_chunks.DocFile(str(path), path.name), None)])
    assert result.bytes_read == len(path.read_bytes())
    assert result.cut is not None and result.cut.doc_ids == [orjson.loads(path.read_bytes())["doc_id"]]


def test_decimal_text_is_cut_by_arrow_as_rows_py_rounds_it():
    """Whole columns of decimal text go through Arrow; the values are rows.py's `to_decimal`
    (half away from zero at the column's scale), and a column Arrow cannot read returns None
    for the value-by-value way."""
    from decimal import Decimal

    from pipeline.outputs.columns import text_to_decimal
    from pipeline.outputs.rows import to_decimal

    texts = ["3132000", "12.5", "-2.5", "0.5", "-0.5", "1E+3", "45500.49", None, "11785000", "-2090000"]
    for scale in (0, 2):
        t = pa.decimal128(18, scale)
        got = text_to_decimal(pa.array(texts, pa.string()), t)
        assert got is not None and got.type == t
        assert got.to_pylist() == [to_decimal(scale)(v) for v in texts]
    assert to_decimal(0)("2.5") == Decimal("3")
    assert text_to_decimal(pa.array(["12", "tolv"], pa.string()), pa.decimal128(18, 0)) is None


def test_the_last_two_chunks_are_of_equal_size():
    """A full chunk and a small rest at the end left one reading thread idle: the rest of the
    files is cut into two halves, by count (full rebuild) and by listed size alike."""
    from pipeline.outputs.document_chunks import CHUNK_BYTES, Chunker, DocFile

    mb = CHUNK_BYTES // 16
    by_size = Chunker([(DocFile(f"/x/{i}.json", f"{i}.json"), (0, mb)) for i in range(40)])
    sizes = []
    while (chunk := by_size.next()) is not None:
        sizes.append(len(chunk))
    assert sizes == [16, 12, 12] and sum(sizes) == 40

    by_count = Chunker([(DocFile(f"/x/{i}.json", f"{i}.json"), None) for i in range(40)])
    by_count._bytes, by_count._count = 16 * mb, 16  # what reading the first files showed
    counts = []
    while (chunk := by_count.next()) is not None:
        counts.append(len(chunk))
    assert counts == [16, 12, 12]
