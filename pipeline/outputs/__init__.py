"""The analyst outputs: the table schema derived from the record models (schema.py), the rows
of a document (rows.py), crash-safe incremental Parquet rebuilds (parquet.py) and the DuckDB
views over them (duckdb_views.py). pipeline.tables is the entry point the rest of finsam uses."""
