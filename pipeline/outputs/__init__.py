"""The analyst outputs: the table schema derived from the record models (schema.py), the rows
of a document (rows.py) or of many cut at once from Arrow's JSON reading (columns.py, over
chunks of files that document_chunks.py lists and reads), the rebuild of the Parquet tables
(tables.py, the entry point the rest of finsam uses), written crash-safely (files.py) and
incrementally (manifest.py), and the DuckDB views over them (duckdb_views.py)."""
