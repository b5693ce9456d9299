"""Outputs never readable by more people than the inputs were.

Documents and error records are written through `store.write_atomic` (mkstemp: 0o600,
never wider than anything). Parquet tables, the DuckDB file and new folders are created
under the process umask, so a run narrows the umask to what its inputs allow: if an
input file or its folder keeps group or others out, so do the outputs of that run.
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


def umask_for(paths: Iterable[Path], current: int | None = None) -> int:
    """The umask that keeps new files within what the inputs grant (never looser than `current`)."""
    if current is None:
        current = os.umask(0o022)
        os.umask(current)
    denied = ~allowed_bits(paths) & 0o077
    # Read denied means write and execute denied too: mask the whole class.
    if denied & 0o040:
        denied |= 0o070
    if denied & 0o004:
        denied |= 0o007
    return current | denied


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
