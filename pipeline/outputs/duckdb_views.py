"""OUT/finsam.duckdb: one DuckDB view per analyst table, over its Parquet file."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.outputs.files import db_path, tables_dir, fsync_dir, fsync_file, remove_stale_temps, table_path, tmp_name
from pipeline.outputs.schema import DOCUMENT_TABLES, TABLES
from pipeline.outputs.store import DB_NAME

DUCKDB_STORAGE_VERSION = "v1.0.0"
ALL_SUFFIX = "_all"  # <table>_all: every row, copies of the same document included


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


def view_statements(out: Path, *, every_table: bool = False) -> list[tuple[str, str]]:
    """(view name, CREATE VIEW statement) for every existing table file, in table order; with
    `every_table`, for every table as a rebuild is about to put them in place.

    Each document table gets two: `<table>` counts each document once (rows of files marked
    `same_as` another are left out) and `<table>_all` keeps every file's rows.
    """
    statements = []
    docs = table_path(out, "documents").resolve()
    dedup = every_table or (docs.exists() and "same_as" in pq.read_schema(docs).names)
    for spec in TABLES:
        path = table_path(out, spec.name).resolve()
        if not every_table and not path.exists():
            continue
        if spec in DOCUMENT_TABLES:
            statements.append((spec.name, view_sql(spec.name, path, docs if dedup else None)))
            statements.append((spec.name + ALL_SUFFIX, view_sql(spec.name + ALL_SUFFIX, path)))
        else:
            statements.append((spec.name, view_sql(spec.name, path)))
    return statements


def create_views(con, out: Path, statements: list[tuple[str, str]] | None = None) -> list[str]:
    """Create the views over the existing table files on a DuckDB connection; returns their names."""
    names = []
    for name, sql in view_statements(out) if statements is None else statements:
        con.execute(sql)
        names.append(name)
    return names


def _views_stamp(statements: list[tuple[str, str]]) -> bytes:
    """What the database file holds: its views, over tables of these schemas, in this format."""
    from importlib.metadata import version  # noqa: PLC0415

    text = "\n".join([DUCKDB_STORAGE_VERSION, version("duckdb"), *(sql for _, sql in statements),
                      *(spec.schema.to_string(show_schema_metadata=False) for spec in TABLES)])
    return hashlib.sha256(text.encode()).hexdigest().encode()


def write_duckdb(out: Path) -> Path:
    """Write OUT/finsam.duckdb atomically: views over the Parquet tables by absolute path.

    DuckDB resolves a relative path in a view against the working directory of whoever
    queries, not against the database file, so the views name the tables absolutely: the
    database works from any directory. Moving the output folder needs a rebuild
    (`finsam tables --rebuild`); `finsam query` does not depend on it.

    The file holds only views, and the tables are replaced under the same paths, so when
    the views, the table schemas and the format are what the file already holds (a stamp
    in OUT/tables says so), it is left as it is: a rebuild after each batch does not rewrite it.
    """
    return DatabaseWriter(out, view_statements(out)).finish()


class DatabaseWriter:
    """OUT/finsam.duckdb written in two steps, so a table rebuild can start it early: made,
    DuckDB is imported and an empty temp database opened on a thread of its own (a tenth of
    a second of a first rebuild, beside the tables' work), unless the file already holds
    these views; `finish` adds the views once the tables are in place and renames it in."""

    def __init__(self, out: Path, statements: list[tuple[str, str]]) -> None:
        self.out = Path(out)
        self.target = db_path(self.out)
        self.statements = statements
        self.stamp = _views_stamp(statements)
        self._stamp_path = tables_dir(self.out) / ".duckdb-views"
        self.tmp = tmp_name(self.target)
        self._opening: Future | None = None
        if not self._current():
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="finsam-duckdb")
            self._opening = pool.submit(self._open)
            pool.shutdown(wait=False)  # the thread ends with its one task

    def _current(self) -> bool:
        try:
            return self.target.is_file() and self._stamp_path.read_bytes() == self.stamp
        except OSError:
            return False

    def _open(self):
        import duckdb

        remove_stale_temps(self.out, f".{DB_NAME}.*.tmp*")
        # An older storage format, so the `duckdb` CLI analysts install (duckdb-cli, which
        # trails the Python package) can open the file; it holds only views.
        return duckdb.connect(str(self.tmp), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION})

    def finish(self) -> Path:
        """Views over the tables now in place (their statements must be those it was made with)."""
        from pipeline.outputs.store import write_atomic  # noqa: PLC0415

        if self._opening is None:
            if self._current():
                return self.target
            self._opening = Future()  # the file went since: opened here and now
            self._opening.set_result(self._open())
        try:
            con = self._opening.result()
            try:
                con.execute("BEGIN")  # one commit for all views: a third of the time of one each
                create_views(con, self.out, self.statements)
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            fsync_file(self.tmp)
            self._stamp_path.unlink(missing_ok=True)  # the stamp never vouches for a file it did not see written
            os.replace(self.tmp, self.target)
            fsync_dir(self.out)
            write_atomic(self._stamp_path, self.stamp)
        finally:
            self._discard_tmp()
        return self.target

    def abort(self) -> None:
        """Leave no temp database behind (the rebuild failed)."""
        if self._opening is None:
            return
        try:
            self._opening.result().close()
        except Exception:  # noqa: BLE001 - already failing; the temp file goes anyway
            pass
        self._discard_tmp()

    def _discard_tmp(self) -> None:
        self.tmp.unlink(missing_ok=True)
        Path(f"{self.tmp}.wal").unlink(missing_ok=True)
        self._opening = None
