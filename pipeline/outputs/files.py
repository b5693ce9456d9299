"""Where the table files live, and writing them crash-safely.

Every table goes to a temp file beside its target first (`TableWriter`); the rebuild
renames them into place only when all were written completely, so a failure anywhere
leaves the previous versions untouched. One rebuild runs at a time per output folder
(`rebuild_lock`).
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.outputs.rows import rows_to_batch
from pipeline.outputs.schema import TableSpec
from pipeline.outputs.store import OutputLayout

FLUSH_ROWS = 5_000  # rows buffered per table before they become a Parquet row group: bounds memory


def tables_dir(out: Path) -> Path:
    return OutputLayout(out).tables


def table_path(out: Path, name: str) -> Path:
    return OutputLayout(out).table(name)


def db_path(out: Path) -> Path:
    return OutputLayout(out).database


def flags_path(out: Path) -> Path:
    return OutputLayout(out).flags


def tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    try:
        fsync_file(path)
    except OSError:  # some file systems refuse to fsync a directory
        pass


def remove_stale_temps(directory: Path, pattern: str) -> None:
    for tmp in directory.glob(pattern):
        tmp.unlink(missing_ok=True)


class TableWriter:
    """Streams rows of one table into a temp Parquet file beside its target.

    Rows come as tuples (`add`, rows.py) or ready-made batches (`write_batch`) and keep their
    order; they are written FLUSH_ROWS at a time as one row group, whatever size the pieces
    were, since many small row groups cost the writer (and readers) more than a few large."""

    def __init__(self, spec: TableSpec, target: Path, *, hold: bool = False) -> None:
        self.spec = spec
        self.target = target
        self.tmp = tmp_name(target)
        self.rows = 0
        self.hold = hold  # keep every row until close, so `update_held` can rewrite a column first
        self._buffer: list[tuple] = []
        self._batches: list[pa.RecordBatch] = []
        self._batched_rows = 0
        self._parquet: pq.ParquetWriter | None = None  # opened at the first row group

    @property
    def _writer(self) -> pq.ParquetWriter:
        # Opened when first needed: opening 16 writers up front held up the rebuild's first chunks.
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.tmp, self.spec.schema, compression="zstd")
        return self._parquet

    def add(self, rows: list[tuple]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= FLUSH_ROWS:
            self._take_tuples()
            self._write_full()

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Append ready-made rows (already in this table's schema) after the buffered ones."""
        self._take_tuples()
        self._batches.append(batch.cast(self.spec.schema) if not batch.schema.equals(self.spec.schema) else batch)
        self._batched_rows += batch.num_rows
        self._write_full()

    def _take_tuples(self) -> None:
        if self._buffer:
            batch = rows_to_batch(self.spec, self._buffer)
            self._buffer = []
            self._batches.append(batch)
            self._batched_rows += batch.num_rows

    def _write_full(self) -> None:
        if self._batched_rows >= FLUSH_ROWS and not self.hold:
            self.flush()

    def held(self) -> pa.Table:
        """The rows held so far (hold=True), not yet written."""
        self._take_tuples()
        return pa.Table.from_batches(self._batches, schema=self.spec.schema)

    def update_held(self, table: pa.Table) -> None:
        """Replace the held rows by `table` (the same rows, a column rewritten): written at close."""
        self._batches = table.to_batches()
        self._batched_rows = table.num_rows

    def flush(self) -> None:
        self._take_tuples()
        if self._batches:
            self._writer.write_table(pa.Table.from_batches(self._batches, schema=self.spec.schema))
            self.rows += self._batched_rows
            self._batches, self._batched_rows = [], 0

    def flush_unless_held(self) -> None:
        """Write the buffered rows as a row group now (a smaller one), unless rows are held."""
        if not self.hold:
            self.flush()

    def close(self) -> None:
        self.flush()
        if self.rows == 0:  # an empty table still has its schema (and one empty row group)
            self._writer.write_table(self.spec.schema.empty_table())
        self._writer.close()
        fsync_file(self.tmp)

    def abort(self) -> None:
        try:
            if self._parquet is not None:
                self._parquet.close()
        except Exception:  # noqa: BLE001 - already failing; the temp file goes anyway
            pass
        self.tmp.unlink(missing_ok=True)


@contextmanager
def rebuild_lock(out: Path) -> Iterator[None]:
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
