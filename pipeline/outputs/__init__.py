"""The analyst outputs: the table schema derived from the record models (schema.py), the rows
of a document (rows.py), the rebuild of the Parquet tables (tables.py, the entry point the
rest of finsam uses), written crash-safely (files.py) and incrementally (manifest.py), and
the DuckDB views over them (duckdb_views.py)."""
