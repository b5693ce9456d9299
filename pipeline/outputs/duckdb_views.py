"""OUT/finsam.duckdb: one DuckDB view per analyst table, over its Parquet file."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.outputs.files import db_path, fsync_dir, fsync_file, remove_stale_temps, table_path, tmp_name
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
    remove_stale_temps(out, f".{DB_NAME}.*.tmp*")
    tmp = tmp_name(target)
    try:
        # An older storage format, so the `duckdb` CLI analysts install (duckdb-cli, which
        # trails the Python package) can open the file; it holds only views.
        con = duckdb.connect(str(tmp), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION})
        try:
            create_views(con, out)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        fsync_file(tmp)
        os.replace(tmp, target)
        fsync_dir(out)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target
