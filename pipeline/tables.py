"""Analyst outputs: one Parquet file per table and a DuckDB database of views over them.

After every batch, `rebuild_tables(out)` turns OUT/documents/*.json (plus OUT/errors/*.json
and the reconciliation flags in OUT/reconcile/flags.json) into OUT/tables/<table>.parquet
and writes OUT/finsam.duckdb with one VIEW per table.

The tables are derived from the record models (pipeline/outputs/schema.py: every model field
is a column, typed from its annotation, unless it is listed as excluded), so an empty table
still has its columns and types and a field added to a model is exported. Their rows are
made by pipeline/outputs/rows.py. docs/schema.md is generated from the same definitions
(`python -m pipeline.schema_doc`).

Writing is crash-safe: every table goes to a temp file beside its target first, and only
when all of them were written completely are they renamed into place; a failure anywhere
leaves the previous versions untouched. Rebuilding streams the documents one at a time
and flushes rows in batches, so time and memory grow linearly with the corpus; unchanged
documents keep their rows from the previous tables (see `Manifest`), so a batch that adds
a few files parses only those.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.outputs.rows import document_rows, plain_rows, rows_to_batch
from pipeline.outputs.schema import (  # noqa: F401 - the schema, re-exported for the rest of finsam
    DOCUMENT_TABLES,
    FLAGS_PATH,
    STR,
    TABLES,
    TABLES_BY_NAME,
    Column,
    TableSpec,
)
from pipeline.store import DB_NAME, OutputLayout

log = logging.getLogger(__name__)

FLUSH_ROWS = 5_000  # rows buffered per table before they become a Parquet row group: bounds memory


# --- atomic writing -------------------------------------------------------------------

def tables_dir(out: Path) -> Path:
    return OutputLayout(out).tables


def table_path(out: Path, name: str) -> Path:
    return OutputLayout(out).table(name)


DUCKDB_STORAGE_VERSION = "v1.0.0"


def db_path(out: Path) -> Path:
    return OutputLayout(out).database


def flags_path(out: Path) -> Path:
    return OutputLayout(out).flags


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync_file(path)
    except OSError:  # some file systems refuse to fsync a directory
        pass


class _TableWriter:
    """Streams record batches of one table into a temp Parquet file beside its target."""

    def __init__(self, spec: TableSpec, target: Path) -> None:
        self.spec = spec
        self.target = target
        self.tmp = _tmp_name(target)
        self.rows = 0
        self._buffer: list[tuple] = []
        self._writer = pq.ParquetWriter(self.tmp, spec.schema, compression="zstd")

    def add(self, rows: list[tuple]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= FLUSH_ROWS:
            self.flush()

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Append ready-made rows (already in this table's schema) after the buffered ones."""
        self.flush()
        self._writer.write_batch(batch.cast(self.spec.schema) if not batch.schema.equals(self.spec.schema) else batch)
        self.rows += batch.num_rows

    def flush(self) -> None:
        if self._buffer:
            self._writer.write_batch(rows_to_batch(self.spec, self._buffer))
            self.rows += len(self._buffer)
            self._buffer = []

    def close(self) -> None:
        self.flush()
        if self.rows == 0:  # an empty table still has its schema (and one empty row group)
            self._writer.write_table(self.spec.schema.empty_table())
        self._writer.close()
        _fsync_file(self.tmp)

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # noqa: BLE001 - already failing; the temp file goes anyway
            pass
        self.tmp.unlink(missing_ok=True)


@contextmanager
def _rebuild_lock(out: Path) -> Iterator[None]:
    """One rebuild at a time per output folder (a batch and a manual `finsam tables --rebuild`)."""
    from pipeline.runtime.locking import open_lock_file  # noqa: PLC0415

    tables_dir(out).mkdir(parents=True, exist_ok=True)
    fd = open_lock_file(tables_dir(out) / ".lock")  # never through a link planted there
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _remove_stale_temps(directory: Path, pattern: str) -> None:
    for tmp in directory.glob(pattern):
        tmp.unlink(missing_ok=True)


# --- incremental rebuilds ----------------------------------------------------------------

class Manifest:
    """Which document files the current tables were built from, to reuse their rows.

    OUT/tables/.manifest.json maps each documents/<doc_id>.json to the (mtime_ns, size) it
    had when its rows went into the tables. On the next rebuild the rows of every file
    with the same key are copied from the previous Parquet files (filtered by doc_id, a
    columnar read) instead of parsing its JSON again; only new and changed files are
    parsed. The manifest is tied to a fingerprint of the table schemas and the pipeline
    version, so any change of either means a full rebuild. Deleting it is always safe.
    """

    def __init__(self, out: Path) -> None:
        self.path = tables_dir(out) / ".manifest.json"
        self.out = out

    @staticmethod
    def fingerprint() -> str:
        import hashlib

        from pipeline import PIPELINE_VERSION
        text = PIPELINE_VERSION + "|" + "|".join(
            f"{t.name}:{t.schema.to_string(show_schema_metadata=False)}" for t in DOCUMENT_TABLES)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def load(self) -> dict[str, tuple[int, int]]:
        """doc_id -> (mtime_ns, size) whose rows the current tables hold; {} when unusable."""
        try:
            data = orjson.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("fingerprint") != self.fingerprint():
            return {}
        for spec in DOCUMENT_TABLES:
            try:
                if not pq.read_schema(table_path(self.out, spec.name)).equals(spec.schema):
                    return {}
            except (OSError, pa.ArrowException):
                return {}
        return {k: (v[0], v[1]) for k, v in data.get("documents", {}).items()}

    def save(self, keys: dict[str, tuple[int, int]]) -> None:
        from pipeline.store import write_atomic
        data = {"fingerprint": self.fingerprint(), "documents": {k: list(v) for k, v in sorted(keys.items())}}
        write_atomic(self.path, orjson.dumps(data))

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


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


def _document_files(out: Path) -> list[tuple[Path, tuple[int, int]]]:
    files = []
    documents = OutputLayout(out).documents
    with os.scandir(documents) if documents.is_dir() else _empty_scandir() as entries:
        for entry in entries:
            if not entry.name.endswith(".json") or entry.name.startswith("."):
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:  # removed while listing
                continue
            files.append((Path(entry.path), (st.st_mtime_ns, st.st_size)))
    files.sort()
    return files


@contextmanager
def _empty_scandir() -> Iterator[list]:
    yield []


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
    with umask_not_wider_than(sources):
        if incremental:
            try:
                return _rebuild_tables(out, incremental=True)
            except _PreviousTablesUnreadable as exc:
                log.warning("tables: the previous tables cannot be read (%s); rebuilding them all", exc)
        return _rebuild_tables(out, incremental=False)


def _rebuild_tables(out: Path, *, incremental: bool) -> TablesResult:
    start = time.perf_counter()
    result = TablesResult(out=out)
    with _rebuild_lock(out):
        tdir = tables_dir(out)
        _remove_stale_temps(tdir, ".*.tmp")
        manifest = Manifest(out)
        previous = manifest.load() if incremental else {}
        files = _document_files(out)
        result.documents = len(files)

        # Nothing changed among the documents: their tables stay as they are (only flags
        # and errors, which come from elsewhere, are rewritten).
        unchanged = bool(previous) and previous == {path.stem: key for path, key in files}
        specs = [t for t in TABLES if t not in DOCUMENT_TABLES] if unchanged else list(TABLES)
        writers: dict[str, _TableWriter] = {}
        try:
            for spec in specs:
                writers[spec.name] = _TableWriter(spec, table_path(out, spec.name))
            if unchanged:
                keys = previous
                result.reused = len(files)
                for spec in DOCUMENT_TABLES:
                    try:
                        result.rows[spec.name] = pq.read_metadata(table_path(out, spec.name)).num_rows
                    except (OSError, pa.ArrowException) as exc:
                        raise _PreviousTablesUnreadable(f"{spec.name}: {exc}") from exc
            else:
                keys = _stream_documents(out, files, previous, writers, result)
            writers["flags"].add(plain_rows(TABLES_BY_NAME["flags"], _read_flags(out, result)))
            writers["errors"].add(plain_rows(TABLES_BY_NAME["errors"], _read_errors(out, result)))
            for w in writers.values():
                w.close()
            if not unchanged:
                _mark_same_documents(writers["documents"], writers["pages"].tmp)
        except BaseException:
            for w in writers.values():
                w.abort()
            raise
        # Every file is complete: only now replace the previous versions. The manifest goes
        # first, so a crash between the renames can only cost reuse, never correctness.
        if not unchanged:
            manifest.discard()
        for name, w in writers.items():
            os.replace(w.tmp, w.target)
            result.rows[name] = w.rows
        _fsync_dir(tdir)
        if not unchanged:
            manifest.save(keys)
        result.rows = {t.name: result.rows[t.name] for t in TABLES}
        result.db = write_duckdb(out)
    result.seconds = time.perf_counter() - start
    for name, reason in result.skipped:
        log.warning("tables: skipped %s: %s", name, reason)
    return result


def _stream_documents(out: Path, files: list[tuple[Path, tuple[int, int]]], previous: dict[str, tuple[int, int]],
                      writers: dict[str, _TableWriter], result: TablesResult) -> dict[str, tuple[int, int]]:
    """Feed every document's rows to the writers: reused when the file is unchanged, else parsed.

    Returns the manifest of the new tables: doc_id -> key of the file its rows came from.
    Only files named after their own doc_id enter it (reuse filters rows by doc_id).
    """
    reuse = {path.stem for path, key in files if previous.get(path.stem) == key}
    keys: dict[str, tuple[int, int]] = {stem: previous[stem] for stem in reuse}
    if reuse:
        for spec in DOCUMENT_TABLES:
            try:
                _copy_previous_rows(table_path(out, spec.name), reuse, writers[spec.name])
            except (OSError, pa.ArrowException) as exc:
                raise _PreviousTablesUnreadable(f"{spec.name}: {' '.join(str(exc).split())[:200]}") from exc
        result.reused = len(reuse)
    for path, key in files:
        if path.stem in reuse:
            continue
        try:
            doc = _load_json(path)
            rows = document_rows(doc)
        except FileNotFoundError:  # removed since listing
            continue
        except ValueError as exc:  # not JSON (cut short, scrambled): set aside, processed again next run
            from pipeline.store import set_aside  # noqa: PLC0415

            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            set_aside(out, path, reason)
            result.skipped.append((str(path), reason))
            continue
        except (OSError, TypeError, AttributeError, KeyError) as exc:
            result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
            continue
        result.parsed += 1
        if isinstance(doc, dict) and doc.get("doc_id") == path.stem:
            keys[path.stem] = key
        for name, table_rows in rows.items():
            writers[name].add(table_rows)
    return keys


def _copy_previous_rows(path: Path, reuse: set[str], writer: _TableWriter) -> None:
    """Stream the rows of the reused documents from the previous table into the new one."""
    import pyarrow.compute as pc

    keep = pa.array(sorted(reuse), type=STR)
    for batch in pq.ParquetFile(path).iter_batches(batch_size=FLUSH_ROWS):
        kept = batch.filter(pc.is_in(batch.column("doc_id"), value_set=keep))
        if kept.num_rows:
            writer.write_batch(kept)


def _mark_same_documents(documents: _TableWriter, pages: Path) -> None:
    """Fill documents.same_as in the finished temp file: copies of the same document."""
    import pyarrow.compute as pc

    from pipeline.outputs.identity import Candidate, candidate_keys, same_as

    docs = pq.read_table(documents.tmp)
    if docs.num_rows < 2:
        return
    meta = docs.select(["doc_id", "doc_type", "organisation", "document_date", "ocr_page_count",
                        "processed_at"]).to_pylist()
    wanted = candidate_keys(meta)
    texts: dict[str, list[str]] = defaultdict(list)
    if wanted:
        keep = pa.array(sorted(wanted), type=STR)
        for batch in pq.ParquetFile(pages).iter_batches(batch_size=FLUSH_ROWS, columns=["doc_id", "page", "text"]):
            batch = batch.filter(pc.is_in(batch.column("doc_id"), value_set=keep))
            for row in sorted(batch.to_pylist(), key=lambda r: (r["doc_id"], r["page"] or 0)):
                texts[row["doc_id"]].append(row["text"] or "")
    copies = same_as([Candidate(text="\n".join(texts.get(m["doc_id"], [])), **m) for m in meta
                      if m["doc_id"] in wanted])
    column = pa.array([copies.get(d) for d in docs.column("doc_id").to_pylist()], type=STR)
    docs = docs.set_column(docs.schema.get_field_index("same_as"), "same_as", column)
    pq.write_table(docs, documents.tmp, compression="zstd")
    _fsync_file(documents.tmp)


# --- DuckDB ---------------------------------------------------------------------------

def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def view_sql(name: str, parquet: Path, documents: Path | None = None) -> str:
    """A view over one Parquet file; with `documents`, leaving out the rows of files that are
    copies of another (documents.same_as set), so each document counts once."""
    src = f"read_parquet({_sql_str(str(parquet))})"
    where = ""
    if documents is not None:
        where = (f" WHERE doc_id NOT IN (SELECT doc_id FROM read_parquet({_sql_str(str(documents))})"
                 " WHERE same_as IS NOT NULL)")
    return f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM {src}{where}'


ALL_SUFFIX = "_all"  # <table>_all: every row, copies of the same document included


def create_views(con, out: Path) -> list[str]:
    """Create the views over the existing table files on a DuckDB connection; returns their names.

    Each document table gets two: `<table>` counts each document once (rows of files marked
    `same_as` another are left out) and `<table>_all` keeps every file's rows.
    """
    names = []
    docs = table_path(out, "documents").resolve()
    dedup = docs.exists() and "same_as" in pq.read_schema(docs).names
    for spec in TABLES:
        path = table_path(out, spec.name).resolve()
        if not path.exists():
            continue
        if spec in DOCUMENT_TABLES:
            con.execute(view_sql(spec.name, path, docs if dedup else None))
            con.execute(view_sql(spec.name + ALL_SUFFIX, path))
            names += [spec.name, spec.name + ALL_SUFFIX]
        else:
            con.execute(view_sql(spec.name, path))
            names.append(spec.name)
    return names


def write_duckdb(out: Path) -> Path:
    """Write OUT/finsam.duckdb atomically: views over the Parquet tables by absolute path.

    DuckDB resolves a relative path in a view against the working directory of whoever
    queries, not against the database file, so the views name the tables absolutely: the
    database works from any directory. Moving the output folder needs a rebuild
    (`finsam tables --rebuild`); `finsam query` does not depend on it.
    """
    import duckdb

    out = Path(out)
    target = db_path(out)
    _remove_stale_temps(out, f".{DB_NAME}.*.tmp*")
    tmp = _tmp_name(target)
    try:
        # An older storage format, so the `duckdb` CLI analysts install (duckdb-cli, which
        # trails the Python package) can open the file; it holds only views.
        con = duckdb.connect(str(tmp), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION})
        try:
            create_views(con, out)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(out)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target
