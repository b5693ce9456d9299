"""`finsam` that SIGKILLs itself at an exact point of its work (for tests/test_crash_kill.py).

    python tests/kill_points.py POINT N -- FINSAM-ARGS...

When the point is reached the process kills its whole process group (itself, the
forkserver, the reader workers) with SIGKILL, as an OOM killer or a power cut would:
no handler, no cleanup. A kill sent from the test process after polling the folders
instead landed wherever the scheduler let the test run, which on a busy machine was
sometimes after the work it meant to interrupt had finished (issue 15, part 5).

POINT N:
  record N   the Nth document record of this run has been written (records are written
             one at a time here, so exactly N exist from this run)
  claim N    the Nth file of this run has been claimed in archive/ or quarantine/: its new
             name exists (a hard link) and its inbox name too, the reason of a quarantined
             file not yet written
  tables N   a table rebuild has N complete temp Parquet files, none renamed into place
  renamed N  a table rebuild has renamed its tables into place (the Nth rebuild of this
             run), before it saves the manifest and rewrites the DuckDB file
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable

POINTS = ("record", "claim", "tables", "renamed")


def _kill_group() -> None:
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _counting(fn: Callable, n: int, counts: Callable[[tuple, dict, object], bool]) -> Callable:
    """fn, serialised; the group is killed right after the nth call that `counts`."""
    lock = threading.Lock()
    seen = 0

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        nonlocal seen
        with lock:  # no other call completes between the nth and the kill
            result = fn(*args, **kwargs)
            if counts(args, kwargs, result):
                seen += 1
                if seen == n:
                    _kill_group()
            return result

    return wrapper


def install(point: str, n: int) -> None:
    import pipeline.outputs.files
    import pipeline.outputs.tables
    import pipeline.runtime.batch
    import pipeline.runtime.placement

    if point == "record":
        pipeline.runtime.batch.write_model = _counting(
            pipeline.runtime.batch.write_model, n, lambda a, k, r: a[0].parent.name == "documents")
    elif point == "claim":
        pipeline.runtime.placement._claim = _counting(pipeline.runtime.placement._claim, n, lambda a, k, r: r is True)
    elif point == "tables":
        pipeline.outputs.files.TableWriter.close = _counting(pipeline.outputs.files.TableWriter.close, n, lambda a, k, r: True)
    elif point == "renamed":
        # rebuild_tables fsyncs OUT/tables right after its renames (write_duckdb fsyncs OUT)
        pipeline.outputs.tables.fsync_dir = _counting(pipeline.outputs.tables.fsync_dir, n, lambda a, k, r: a[0].name == "tables")
    else:
        raise SystemExit(f"unknown kill point {point!r}; one of {', '.join(POINTS)}")


def main(argv: list[str]) -> None:
    point, n, sep, *args = argv
    assert sep == "--", argv
    install(point, int(n))
    from pipeline.cli import app

    app(args=args, prog_name="finsam")


if __name__ == "__main__":
    main(sys.argv[1:])
