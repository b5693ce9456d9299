"""Listing OUT/documents/*.json and reading them in chunks, for the table rebuild (tables.py).

A chunk is read and parsed by a worker thread (`read_chunk`); `Chunker` cuts the listing
into chunks of about CHUNK_BYTES. An incremental rebuild must know every file's
(mtime, size) before it parses anything, to tell reused files from changed ones, so it
lists with a stat per file. A full rebuild lists names only -- a stat per file cost a
tenth of a second at 10,000 documents, before any parsing began -- and takes each file's
key from the open file as it is read; its chunks are then cut by count, from the mean
size of the files read so far.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.outputs.columns import ChunkColumns, NotColumnar, joined_document_batches, one_object
from pipeline.outputs.store import OutputLayout

log = logging.getLogger(__name__)

Key = tuple[int, int]  # (st_mtime_ns, st_size): a file unchanged since the last rebuild keeps it

CHUNK_BYTES = 16 << 20  # document JSON parsed at once (columns.py): bounds memory; larger chunks cost
# fewer Arrow calls per row (about 260 per chunk), smaller ones less memory (3 chunks in flight)
_HEADROOM = 4 << 20  # a chunk buffer's room beyond twice CHUNK_BYTES: the last file of a chunk
_SAMPLE = 16  # files stat'ed to size the first chunks when the listing has no sizes


class DocFile:
    """A document file's path and stem. Listing 10,000 files as pathlib.Path objects cost a
    tenth of a second, as str subclasses (each with its own __dict__) a twentieth; only odd
    files ever need a Path (os.fspath gives it)."""

    __slots__ = ("path", "stem")

    def __init__(self, path: str, name: str) -> None:
        self.path = path
        self.stem = name[:-5]  # without ".json"

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path

    __repr__ = __str__


Listed = tuple[DocFile, Key | None]  # None: not stat'ed while listing (a full rebuild)


def document_files(out: Path, *, stat: bool) -> list[Listed]:
    """The document JSON files under OUT, by name; with their keys when `stat`."""
    documents = OutputLayout(out).documents
    try:
        names = sorted(n for n in os.listdir(documents) if n.endswith(".json") and not n.startswith("."))
    except (FileNotFoundError, NotADirectoryError):  # no documents yet
        return []
    prefix = os.path.join(documents, "")
    if not stat:
        return [(DocFile(prefix + name, name), None) for name in names]
    files = []
    for name in names:
        try:
            st = os.stat(prefix + name)
        except FileNotFoundError:  # removed while listing
            continue
        files.append((DocFile(prefix + name, name), (st.st_mtime_ns, st.st_size)))
    return files


def _read_into(path: DocFile, start: int) -> tuple[int, Key]:
    """Read a file into this thread's chunk buffer at `start`: its length and the key of what
    was read (from the open file: no second lookup). Straight into the buffer, without a
    bytes object per file to copy from."""
    with open(path, "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        end = start
        want = st.st_size + 1  # one byte more: a file that grew since is read on, not cut
        while True:
            view = memoryview(_room(end, end + want))[end:end + want]
            try:
                n = f.readinto(view)
            finally:
                view.release()
            if not n:
                return end - start, (st.st_mtime_ns, st.st_size)
            end += n
            want = max(want - n, 1 << 16)


@dataclass
class ChunkResult:
    """A chunk of document files as a worker thread left it: rows and identities, no side effects."""

    cut: ChunkColumns | None = None  # rows cut by Arrow for the files in `read`
    read: list[tuple[DocFile, Key]] = field(default_factory=list)
    by_rows: list[tuple[DocFile, Key, Any, str | None]] = field(default_factory=list)  # (.., doc or None, why not)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    bytes_read: int = 0
    rest: list[Listed] = field(default_factory=list)  # not read: the chunk grew past twice CHUNK_BYTES


_joined = threading.local()  # each worker thread's buffer for its chunks' bytes, reused chunk after chunk


def _room(keep: int, size: int) -> mmap.mmap:
    """This thread's chunk buffer, at least `size` bytes long, its first `keep` bytes kept.

    Anonymous memory the kernel zeroes page by page as it is first touched: only the pages
    chunks use cost a page fault, where a bytearray is zero-filled whole up front (half
    of a rebuild's page faults, this machine's dearest cost after parsing)."""
    buf = getattr(_joined, "buffer", None)
    if buf is None or len(buf) < size:
        grown = mmap.mmap(-1, max(size, 2 * len(buf) if buf is not None else 2 * CHUNK_BYTES + _HEADROOM))
        if buf is not None and keep:
            with memoryview(buf) as old:
                grown[:keep] = old[:keep]
        buf = _joined.buffer = grown
    return buf


def read_chunk(chunk: list[Listed]) -> ChunkResult:
    """Read and parse a chunk of document files into rows (in a worker thread: pure).

    The files are read end to end into one buffer that the thread keeps for its next chunk:
    a fresh one per chunk cost page faults, which this machine charges dearly. Arrow's JSON
    reader cuts them all at once (columns.py); when it cannot tell what rows.py would do,
    each file is parsed on its own and rows.py's rules decide in the writing thread.
    A chunk cut by count that turns out far larger than CHUNK_BYTES stops early and hands
    back the files it did not read (`rest`)."""
    result = ChunkResult()
    spans: list[tuple[int, int]] = []
    whole = True
    end = 0
    for i, (path, _) in enumerate(chunk):
        if result.bytes_read >= 2 * CHUNK_BYTES:
            result.rest = chunk[i:]
            break
        start = end + 1 if spans else 0
        try:
            size, key = _read_into(path, start)
        except FileNotFoundError:  # removed since listing
            continue
        except OSError as exc:
            result.skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
            continue
        buf = _joined.buffer
        if whole:
            with memoryview(buf) as view:
                whole = one_object(view[start:start + size])
        if spans:
            buf[end] = 0x0A  # newline between files
        spans.append((start, start + size))
        end = start + size
        result.read.append((path, key))
        result.bytes_read += size
    if not spans:
        return result
    buf = _joined.buffer
    if whole:  # only whole objects reach the reader: a file that is `null` crashes it (pyarrow 26)
        try:
            result.cut = joined_document_batches(memoryview(buf)[:end], len(spans))
            return result
        except NotColumnar as exc:
            log.debug("tables: %d documents row by row: %s", len(spans), exc)
    for (path, key), (a, b) in zip(result.read, spans):
        try:
            result.by_rows.append((path, key, orjson.loads(bytes(buf[a:b])), None))
        except ValueError as exc:  # not JSON (cut short, scrambled): set aside, processed again next run
            result.by_rows.append((path, key, None, " ".join(f"{type(exc).__name__}: {exc}".split())[:200]))
    return result


class Chunker:
    """Files in order, cut into chunks of about CHUNK_BYTES: by their listed sizes, or when
    the listing has none, by count from the mean size of the files read so far (at first,
    of a few files stat'ed here)."""

    def __init__(self, files: list[Listed]) -> None:
        self.files = files
        self.pos = 0
        self._bytes = self._count = 0
        self._left: int | None = None  # listed bytes not yet cut into chunks
        if files and files[0][1] is None:
            for path, _ in files[:: max(1, len(files) // _SAMPLE)][:_SAMPLE]:
                try:
                    self.observe(os.stat(path).st_size, 1)
                except OSError:  # gone or odd: reading it will say
                    pass

    def observe(self, nbytes: int, files: int) -> None:
        self._bytes += nbytes
        self._count += files

    def next(self) -> list[Listed] | None:
        """The next chunk. The last two are of equal size: a full chunk and a small rest
        would leave one reading thread idle while the other parses the full one."""
        if self.pos >= len(self.files):
            return None
        start = self.pos
        if self.files[start][1] is not None:
            if self._left is None:
                self._left = sum(key[1] for _, key in self.files[start:] if key is not None)
            target = self._left / 2 if CHUNK_BYTES < self._left < 2 * CHUNK_BYTES else CHUNK_BYTES
            size = 0
            while self.pos < len(self.files) and size < target:
                size += self.files[self.pos][1][1]
                self.pos += 1
            self._left -= size
        else:
            mean = self._bytes / self._count if self._count else CHUNK_BYTES
            count = max(1, int(CHUNK_BYTES // max(mean, 1.0)))
            left = len(self.files) - start
            self.pos += (left + 1) // 2 if count < left < 2 * count else count
        return self.files[start:self.pos]
