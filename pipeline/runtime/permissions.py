"""Outputs never readable by more people than the inputs were.

Documents and error records are written through `store.write_atomic` (mkstemp: 0o600,
never wider than anything). Parquet tables, the DuckDB file and new folders are created
under the process umask, so a run narrows the umask to what its inputs allow: if an
input file or its folder keeps group or others out, so do the outputs of that run.

The rule for a class (group, others): it may read the outputs only if it may read every
input, write them only if it may write every input (and the umask in force allows it),
and a folder it may read it may also enter (x wherever r), since a readable folder that
cannot be entered only gives "Permission denied". An input file's own x bit says nothing
about who may read it and is ignored: 0644 inputs give 0755 folders and 0644 files.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

_lock = threading.Lock()


def allowed_bits(paths: Iterable[Path]) -> int:
    """The group/other permission bits every input (and the folder holding it) grants.

    A file is only as open as its folder: a 0o644 file in a 0o700 folder is private.
    """
    allowed = 0o077
    for p in paths:
        p = Path(p)
        for q in (p, p.parent):
            try:
                mode = stat.S_IMODE(q.stat().st_mode)
            except OSError:
                continue
            if q.is_dir():
                # A folder grants reading of its files to whoever may enter it (x), and
                # listing to whoever may read it; count a class as allowed if it may enter.
                group = 0o070 if mode & 0o010 else 0
                other = 0o007 if mode & 0o001 else 0
                allowed &= group | other
            else:
                allowed &= mode & 0o077
    return allowed


_CLASSES = ((0o070, 0o040, 0o010), (0o007, 0o004, 0o001))  # (class, read, execute): group, others


def umask_for(paths: Iterable[Path], current: int | None = None) -> int:
    """The umask that keeps new files and folders within what the inputs grant.

    Never looser than `current` in read and write; execute follows read, so a folder a class
    may read it may enter. A class that may not read (or, by `current`, not enter) gets
    nothing at all.
    """
    if current is None:
        current = os.umask(0o022)
        os.umask(current)
    # Only read and write of the inputs count: a 0644 input is not a reason to make
    # folders 0744 (readable by others, but not enterable).
    denied = ~allowed_bits(paths) & 0o066
    mask = (current | denied) & 0o077
    for cls, read, execute in _CLASSES:
        if mask & (read | execute):
            mask |= cls  # no reading (or no entering): the whole class is kept out
    return (current & ~0o077) | mask


@contextmanager
def umask_not_wider_than(paths: Iterable[Path]) -> Iterator[int]:
    """Run a block (a batch, a table rebuild) with the umask narrowed to the inputs.

    The umask is per process: the block should be the run itself (CLI command, ingest).
    Yields the umask in force.
    """
    with _lock:
        previous = os.umask(0o077)
        new = umask_for(list(paths), previous)
        os.umask(new)
    try:
        yield new
    finally:
        with _lock:
            os.umask(previous)
