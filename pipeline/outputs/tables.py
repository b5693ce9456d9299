"""Rebuilding the analyst tables: OUT/documents/*.json -> OUT/tables/<table>.parquet + OUT/finsam.duckdb.

After every batch, `rebuild_tables(out)` turns OUT/documents/*.json (plus OUT/errors/*.json
and the reconciliation flags in OUT/reconcile/flags.json) into one Parquet file per table
and writes OUT/finsam.duckdb with one VIEW per table (duckdb_views.py).

The tables are derived from the record models (schema.py: every model field is a column,
typed from its annotation, unless it is listed as excluded), so an empty table still has
its columns and types and a field added to a model is exported. Their rows are made by
rows.py. docs/schema.md is generated from the same definitions (`python -m pipeline.outputs.schema_doc`).

Writing is crash-safe (files.py): every table goes to a temp file first and all are
renamed into place only when all were written. Rebuilding reads the documents in chunks
(document_chunks.py, on worker threads) and flushes rows in row groups, so time grows
linearly with the corpus and memory does not;
unchanged documents keep their rows from the previous tables (manifest.py), so a batch
that adds a few files parses only those.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.outputs.duckdb_views import DatabaseWriter, view_statements
from pipeline.outputs.files import (
    FLUSH_ROWS,
    TableWriter,
    flags_path,
    fsync_dir,
    rebuild_lock,
    remove_stale_temps,
    table_path,
    tables_dir,
)
from pipeline.outputs.document_chunks import ChunkResult, Chunker, DocFile, Key, Listed, document_files, read_chunk
from pipeline.outputs.identity import pages_text, text_fingerprint
from pipeline.outputs.manifest import Manifest
from pipeline.outputs.rows import document_rows, plain_rows
from pipeline.outputs.schema import DOCUMENT_TABLES, STR, TABLES, TABLES_BY_NAME
from pipeline.outputs.store import DB_NAME, OutputLayout

log = logging.getLogger(__name__)

# Threads reading and parsing chunks while the rebuilding thread writes: Arrow's JSON reader
# and Parquet writer release the GIL, so on two cores two parsers and the writer overlap.
TABLE_THREADS = max(1, min(4, os.cpu_count() or 1))


def use_arrow_memory_pool() -> str:
    """Arrow allocates through jemalloc in finsam, not its default mimalloc, unless
    ARROW_DEFAULT_MEMORY_POOL says otherwise; returns the pool's name.

    mimalloc reserves its arena with MADV_HUGEPAGE, and on a machine whose memory other
    processes have fragmented, faults there compact memory in the kernel: a 10,000-document
    rebuild right after another process freed 1.5 GB spent 1.3-1.9 s more system time and
    0.7-1.0 s more wall time than with jemalloc (three interleaved runs each; the same
    without that other process). jemalloc and glibc's malloc did not show it."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:  # a pyarrow built without jemalloc
            pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name


use_arrow_memory_pool()


# --- rebuilding -----------------------------------------------------------------------

@dataclass
class TablesResult:
    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    documents: int = 0  # document JSON files behind the tables
    parsed: int = 0  # of which read and parsed this time (the others' rows were reused)
    reused: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason) of unreadable JSON
    flags_source: Path | None = None
    seconds: float = 0.0
    db: Path | None = None


def _load_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def _read_flags(out: Path, result: TablesResult) -> list[dict]:
    path = flags_path(out)
    if not path.exists():
        return []
    try:
        data = _load_json(path)
    except (OSError, ValueError) as exc:
        result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
        return []
    if isinstance(data, dict):  # tolerate {"flags": [...]}
        data = data.get("flags", [])
    result.flags_source = path
    return [f for f in data if isinstance(f, dict)]


def _read_errors(out: Path, result: TablesResult) -> list[dict]:
    items = []
    for path in sorted(OutputLayout(out).errors.glob("*.json")):
        try:
            items.append(_load_json(path))
        except (OSError, ValueError) as exc:
            result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
    return items


class _PreviousTablesUnreadable(Exception):
    """The previous Parquet files (whose rows an incremental rebuild reuses) cannot be read."""


def rebuild_tables(out: Path, *, incremental: bool = True) -> TablesResult:
    """Rebuild OUT/tables/*.parquet and OUT/finsam.duckdb from the JSON records under OUT.

    incremental=False parses every document JSON again (the result is the same; the row
    order may differ). When the previous tables cannot be read (a scrambled Parquet file),
    an incremental rebuild becomes a full one, with one log line.

    The tables hold page text, so they are never readable by more people than the records
    they come from: the rebuild runs under `umask_not_wider_than` the documents folder
    (created under the narrowed umask of the run that processed the inputs) and the
    existing tables folder, whoever calls it (`finsam process`, `finsam tables --rebuild`,
    the flows).
    """
    from pipeline.runtime.permissions import umask_not_wider_than  # noqa: PLC0415

    out = Path(out)
    sources = [p for p in (OutputLayout(out).documents, tables_dir(out)) if p.is_dir()] or [out]
    with umask_not_wider_than(sources), _without_cycle_collection(), _short_gil_switches():
        if incremental:
            try:
                return _rebuild_tables(out, incremental=True)
            except _PreviousTablesUnreadable as exc:
                log.warning("tables: the previous tables cannot be read (%s); rebuilding them all", exc)
        return _rebuild_tables(out, incremental=False)


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the tables are rebuilt: the rebuild makes no cycles
    worth collecting, yet its tens of thousands of small objects (paths, keys, candidates)
    set it off about a hundred times, a tenth of a second of a 10,000-document rebuild in
    which every thread waits. Back on afterwards, as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A thread back from a file read or a hash waits for the GIL until whoever holds it yields it,
# at most every switch interval (5 ms by default): the rebuild's 10,000 reads and its Python
# between Arrow calls queued up behind each other. 1 ms made a 10,000-document rebuild 5-9 %
# faster (interleaved runs, 2 cores); lower gave no more.
GIL_SWITCH_SECONDS = 0.001


@contextmanager
def _short_gil_switches() -> Iterator[None]:
    """The interpreter's switch interval at GIL_SWITCH_SECONDS while the tables are rebuilt
    (never longer than it was), as it was afterwards."""
    was = sys.getswitchinterval()
    if was <= GIL_SWITCH_SECONDS:  # left untouched: setting what was read back can round it down
        yield
        return
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(was)


def _rebuild_tables(out: Path, *, incremental: bool) -> TablesResult:
    start = time.perf_counter()
    result = TablesResult(out=out)
    with rebuild_lock(out):
        tdir = tables_dir(out)
        remove_stale_temps(tdir, ".*.tmp")
        remove_stale_temps(out, f".{DB_NAME}.*.tmp*")  # a database a killed rebuild had begun
        manifest = Manifest(out)
        previous = manifest.load() if incremental else {}
        files = document_files(out, stat=bool(previous))  # only reuse needs every key before parsing
        result.documents = len(files)

        # Nothing changed among the documents: their tables stay as they are (only flags
        # and errors, which come from elsewhere, are rewritten).
        unchanged = bool(previous) and previous == {path.stem: key for path, key in files}
        specs = [t for t in TABLES if t not in DOCUMENT_TABLES] if unchanged else list(TABLES)
        writers: dict[str, TableWriter] = {}
        db: DatabaseWriter | None = None
        try:
            for spec in specs:  # documents are held until same_as is known (`_with_same_as`)
                writers[spec.name] = TableWriter(spec, table_path(out, spec.name), hold=spec.name == "documents")
            if unchanged:
                keys = previous
                result.reused = len(files)
                for spec in DOCUMENT_TABLES:
                    try:
                        result.rows[spec.name] = pq.read_metadata(table_path(out, spec.name)).num_rows
                    except (OSError, pa.ArrowException) as exc:
                        raise _PreviousTablesUnreadable(f"{spec.name}: {exc}") from exc
            else:
                fingerprints = {k: v for k, v in manifest.fingerprints.items() if k in previous}
                keys = _stream_documents(out, files, previous, writers, result, fingerprints)
            # The database file starts now, beside the tables' last work (it only needs their paths).
            db = DatabaseWriter(out, view_statements(out, every_table=True))
            writers["flags"].add(plain_rows(TABLES_BY_NAME["flags"], _read_flags(out, result)))
            writers["errors"].add(plain_rows(TABLES_BY_NAME["errors"], _read_errors(out, result)))
            if unchanged:
                _close_all(writers.values())
            else:
                # The other tables are closed while same_as is worked out (Python, beside their
                # compression and fsyncs); it waits for the pages table only if it needs texts.
                documents = writers["documents"]
                with ThreadPoolExecutor(max_workers=TABLE_THREADS, thread_name_prefix="finsam-tables") as pool:
                    closing = {name: pool.submit(w.close) for name, w in writers.items() if w is not documents}

                    def pages() -> Path:
                        closing["pages"].result()
                        return writers["pages"].tmp

                    documents.update_held(_with_same_as(documents.held(), pages, fingerprints))
                    for future in closing.values():
                        future.result()
                documents.close()
        except BaseException:
            for w in writers.values():
                w.abort()
            if db is not None:
                db.abort()
            raise
        # Every file is complete: only now replace the previous versions. The manifest goes
        # first, so a crash between the renames can only cost reuse, never correctness.
        try:
            if not unchanged:
                manifest.discard()
            for name, w in writers.items():
                os.replace(w.tmp, w.target)
                result.rows[name] = w.rows
            fsync_dir(tdir)
        except BaseException:
            db.abort()
            raise
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="finsam-tables") as pool:
            saved = pool.submit(manifest.save, keys, fingerprints) if not unchanged else None
            result.db = db.finish()
            if saved is not None:
                saved.result()
        result.rows = {t.name: result.rows[t.name] for t in TABLES}
    result.seconds = time.perf_counter() - start
    for name, reason in result.skipped:
        log.warning("tables: skipped %s: %s", name, reason)
    return result


def _close_all(writers) -> None:
    """Close the table writers side by side: their last row groups are compressed and each
    file is fsynced, both without the GIL, and 16 fsyncs one after another add up."""
    with ThreadPoolExecutor(max_workers=TABLE_THREADS, thread_name_prefix="finsam-tables") as pool:
        for future in [pool.submit(w.close) for w in writers]:
            future.result()


def _stream_documents(out: Path, files: list[Listed], previous: dict[str, Key],
                      writers: dict[str, TableWriter], result: TablesResult,
                      fingerprints: dict[str, str | None]) -> dict[str, Key]:
    """Feed every document's rows to the writers: reused when the file is unchanged, else parsed.

    Chunks are read and parsed by TABLE_THREADS worker threads (Arrow's reader and the file
    reads release the GIL) while this thread writes the previous chunk's rows, in file
    order; at most TABLE_THREADS + 1 chunks are in flight, so memory stays flat.
    Returns the manifest of the new tables: doc_id -> key of the file its rows came from.
    Only files named after their own doc_id enter it (reuse filters rows by doc_id).
    `fingerprints` gets each parsed document's text fingerprint (same_as starts from them).
    """
    reuse = {path.stem for path, key in files if key is not None and previous.get(path.stem) == key}
    keys: dict[str, Key] = {stem: previous[stem] for stem in reuse}
    if reuse:
        for spec in DOCUMENT_TABLES:
            try:
                _copy_previous_rows(table_path(out, spec.name), reuse, writers[spec.name])
            except (OSError, pa.ArrowException) as exc:
                raise _PreviousTablesUnreadable(f"{spec.name}: {' '.join(str(exc).split())[:200]}") from exc
        result.reused = len(reuse)
    todo = [(path, key) for path, key in files if path.stem not in reuse]
    chunker = Chunker(todo)
    listed_all = flushed_early = False
    with ThreadPoolExecutor(max_workers=TABLE_THREADS, thread_name_prefix="finsam-tables") as pool:
        in_flight: deque[Future[ChunkResult]] = deque()
        while True:
            while len(in_flight) <= TABLE_THREADS:
                if (chunk := chunker.next()) is None:
                    listed_all = True
                    break
                in_flight.append(pool.submit(read_chunk, chunk))
            if not in_flight:
                break
            done = in_flight.popleft().result()
            if done.rest:  # read next, before the chunks after it: the rows keep the file order
                in_flight.appendleft(pool.submit(read_chunk, done.rest))
            chunker.observe(done.bytes_read, len(done.read))
            _write_chunk(out, done, writers, keys, result, fingerprints)
            if listed_all and len(in_flight) == 1 and not flushed_early:
                # Only the last chunk is still being parsed, on one core: the rows the tables
                # hold are written out now, on the other, so closing has only that chunk's left.
                flushed_early = True
                for writer in writers.values():
                    writer.flush_unless_held()
    return keys


def _write_chunk(out: Path, chunk: ChunkResult, writers: dict[str, TableWriter], keys: dict[str, Key],
                 result: TablesResult, fingerprints: dict[str, str | None]) -> None:
    """Write a chunk's rows: those Arrow cut, or rows.py's file by file."""
    result.skipped += chunk.skipped
    if chunk.cut is not None:
        for name, batch in chunk.cut.batches.items():
            if batch.num_rows:
                writers[name].write_batch(batch)
        result.parsed += len(chunk.read)
        for (path, key), doc_id, fp in zip(chunk.read, chunk.cut.doc_ids, chunk.cut.fingerprints):
            if doc_id == path.stem:
                keys[path.stem] = key
            if doc_id is not None:
                fingerprints[doc_id] = fp
        return
    for path, key, doc, why in chunk.by_rows:
        _write_document(out, path, key, doc, why, writers, keys, result, fingerprints)


def _write_document(out: Path, path: DocFile, key: Key, doc: Any, why: str | None,
                    writers: dict[str, TableWriter], keys: dict[str, Key], result: TablesResult,
                    fingerprints: dict[str, str | None]) -> None:
    if why is not None:  # not JSON (cut short, scrambled): set aside, processed again next run
        from pipeline.outputs.store import set_aside  # noqa: PLC0415

        set_aside(out, Path(path), why)
        result.skipped.append((str(path), why))
        return
    try:
        rows = document_rows(doc)
    except ValueError as exc:  # rows.py cannot read it: set aside as well
        from pipeline.outputs.store import set_aside  # noqa: PLC0415

        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        set_aside(out, Path(path), why)
        result.skipped.append((str(path), why))
        return
    except (TypeError, AttributeError, KeyError) as exc:
        result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
        return
    result.parsed += 1
    if isinstance(doc, dict) and doc.get("doc_id") == path.stem:
        keys[path.stem] = key
    if isinstance(doc, dict) and isinstance(doc.get("doc_id"), str):
        fingerprints[doc["doc_id"]] = _document_fingerprint(doc)
    for name, table_rows in rows.items():
        writers[name].add(table_rows)


def _document_fingerprint(doc: dict) -> str | None:
    """columns._fingerprints for one parsed document (the rows.py path)."""
    if doc.get("doc_type") in (None, "other") or doc.get("document_date") is None:
        return None
    pages = [p for p in doc.get("pages") or [] if isinstance(p, dict)]
    return text_fingerprint(pages_text((p.get("number") if isinstance(p.get("number"), int) else None,
                                        p.get("text") if isinstance(p.get("text"), str) else None) for p in pages))


def _copy_previous_rows(path: Path, reuse: set[str], writer: TableWriter) -> None:
    """Stream the rows of the reused documents from the previous table into the new one."""
    import pyarrow.compute as pc

    keep = pa.array(sorted(reuse), type=STR)
    for batch in pq.ParquetFile(path).iter_batches(batch_size=FLUSH_ROWS):
        kept = batch.filter(pc.is_in(batch.column("doc_id"), value_set=keep))
        if kept.num_rows:
            writer.write_batch(kept)


_SAME_AS_INPUTS = ("doc_id", "doc_type", "organisation", "document_date", "ocr_page_count", "processed_at")


def _with_same_as(docs: pa.Table, pages: Callable[[], Path], fingerprints: dict[str, str | None]) -> pa.Table:
    """The documents table with same_as filled in: copies of the same document.

    Starts from the text fingerprints taken while parsing (or kept in the manifest for reused
    rows); texts are read back from the finished pages table (`pages()` gives its file once
    written) only for the few documents whose fingerprint is not at hand or that must be
    compared with another text."""
    from pipeline.outputs.identity import candidate_rows

    # Only the rows that share (type, organisation, date) with another become Python objects.
    rows = candidate_rows(docs.column("doc_type"), docs.column("organisation"), docs.column("document_date"))
    copies = _copies(docs, rows, pages, fingerprints) if rows else {}
    # Set afresh every time: rows reused from the previous tables carry that rebuild's same_as.
    column = (pa.array([copies.get(d) for d in docs.column("doc_id").to_pylist()], type=STR) if copies
              else pa.nulls(docs.num_rows, type=STR))
    return docs.set_column(docs.schema.get_field_index("same_as"), "same_as", column)


def _copies(docs: pa.Table, rows: list[int], pages: Callable[[], Path],
            fingerprints: dict[str, str | None]) -> dict[str, str]:
    """same_as over the given rows of the documents table: doc_id -> the doc_id it copies."""
    from pipeline.outputs.identity import same_as_columns

    picked = docs.select(list(_SAME_AS_INPUTS)).take(pa.array(rows, type=pa.int64()))
    ids = picked.column("doc_id").to_pylist()
    missing = {d for d in ids if d not in fingerprints}
    if missing:  # rows reused from tables an older version built
        fingerprints = {**fingerprints, **{d: text_fingerprint(t) for d, t in _document_texts(pages(), missing).items()}}
    return same_as_columns(ids, *(picked.column(c) for c in _SAME_AS_INPUTS[1:]), [fingerprints.get(d) for d in ids],
                           texts=lambda ids: _document_texts(pages(), ids))


def _document_texts(pages: Path, wanted: set[str]) -> dict[str, str]:
    """doc_id -> its pages' text in page order, joined by newlines, for the wanted documents."""
    import pyarrow.compute as pc

    keep = pa.array(sorted(wanted), type=STR)
    texts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for batch in pq.ParquetFile(pages).iter_batches(batch_size=FLUSH_ROWS, columns=["doc_id", "page", "text"]):
        batch = batch.filter(pc.is_in(batch.column("doc_id"), value_set=keep))
        for doc_id, page, text in zip(*(batch.column(i).to_pylist() for i in range(3))):
            texts[doc_id].append((page, text))
    joined = {}
    while texts:  # one copy of the texts at a time
        doc_id, parts = texts.popitem()
        joined[doc_id] = pages_text(parts)
    return joined
