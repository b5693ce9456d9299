"""Which document files the current tables were built from, so a rebuild can reuse their rows."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.outputs.files import table_path, tables_dir
from pipeline.outputs.schema import DOCUMENT_TABLES


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
        self.fingerprints: dict[str, str | None] = {}  # doc_id -> text fingerprint, as load() found them

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
        fps = data.get("text_fingerprints")
        self.fingerprints = {k: v for k, v in fps.items() if v is None or isinstance(v, str)} if isinstance(fps, dict) else {}
        return {k: (v[0], v[1]) for k, v in data.get("documents", {}).items()}

    def save(self, keys: dict[str, tuple[int, int]], fingerprints: dict[str, str | None] | None = None) -> None:
        """Record the keys of the files behind the tables, and the text fingerprints of those
        documents (identity.text_fingerprint), so a rebuild that reuses their rows need not
        read their text again to find copies among them."""
        from pipeline.outputs.store import write_atomic
        fps = fingerprints or {}
        data = {"fingerprint": self.fingerprint(), "documents": {k: list(v) for k, v in sorted(keys.items())},
                "text_fingerprints": {k: fps[k] for k in sorted(keys) if k in fps}}
        write_atomic(self.path, orjson.dumps(data))

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
