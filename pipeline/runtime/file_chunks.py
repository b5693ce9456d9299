"""Files in chunks: how an orchestrator's tasks share a batch out, and one chunk's work.

An orchestrator's task has a fixed cost of its own (Prefect: task-run states and events
through its API), the same for a one-page text file as for a long report; one task per
file made that cost a quarter of the ingest's throughput. A task per chunk of files pays
it once per chunk. Each file in a chunk is still processed on its own (its own child
process, pipeline.runtime.batch.process_one) with its own record, and a failure of one
file, even an unexpected exception, never fails the others.
"""

from __future__ import annotations

import heapq
import os
import time
from collections.abc import Callable
from pathlib import Path

from models import ProcessingError
from pipeline.config import Limits
from pipeline.runtime.batch import make_error, process_one
from pipeline.runtime.file_results import TRANSIENT_KINDS, FileResult, file_result

# Chunks per parallel worker: enough that chunks end at about the same time and one slow
# file holds back only the few files after it, few enough that the per-task cost is small.
CHUNKS_PER_WORKER = 4
# Seconds before the second and the third try of a file whose reader died (TRANSIENT_KINDS).
RETRY_DELAYS = (5.0, 30.0)


def chunk_files(paths: list[Path], parallel: int, per_worker: int = CHUNKS_PER_WORKER) -> list[list[Path]]:
    """`paths` in up to parallel * per_worker chunks of about the same total size (largest
    file first into the lightest chunk); within a chunk the files keep their order."""
    count = min(len(paths), max(1, parallel) * max(1, per_worker))
    if count == 0:
        return []
    order = {p: i for i, p in enumerate(paths)}
    lightest = [(0, i) for i in range(count)]  # (bytes so far, chunk)
    chunks: list[list[Path]] = [[] for _ in range(count)]
    for p in sorted(paths, key=_size, reverse=True):
        total, i = heapq.heappop(lightest)
        chunks[i].append(p)
        heapq.heappush(lightest, (total + _size(p), i))
    return [sorted(c, key=order.__getitem__) for c in chunks if c]


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def process_chunk(
    paths: list[Path], out: Path, limits: Limits, *,
    retry_delays: tuple[float, ...] = RETRY_DELAYS, sleep: Callable[[float], object] = time.sleep,
) -> list[FileResult | ProcessingError]:
    """Each file in turn: a FileResult, or the ProcessingError of its failure (one per path, in order)."""
    return [_process_with_retries(Path(p), Path(out), limits, retry_delays, sleep) for p in paths]


def _process_with_retries(path: Path, out: Path, limits: Limits, retry_delays: tuple[float, ...],
                          sleep: Callable[[float], object]) -> FileResult | ProcessingError:
    result: FileResult | ProcessingError
    for delay in (0.0, *retry_delays):
        if delay:
            sleep(delay)
        try:
            outcome = process_one(path, out, limits)
        except Exception as exc:  # noqa: BLE001 - e.g. a full disk on one record: the others go on
            return make_error(path, "internal", f"{type(exc).__name__}: {exc}")
        result = file_result(outcome)
        if not isinstance(result, ProcessingError) or result.kind not in TRANSIENT_KINDS:
            return result
    return result


def run_lane(feed, out: Path, limits: Limits, *,
             retry_delays: tuple[float, ...] = RETRY_DELAYS, sleep: Callable[[float], object] = time.sleep) -> int:
    """One worker of a cycle that keeps taking files (pipeline.runtime.stream.Feed): the next
    file as soon as this one is done, until the feed has no more; returns how many files it
    processed. A task per lane instead of per chunk: no core waits for another chunk's
    last file, and the orchestrator's per-task cost is paid once per worker and cycle.
    A worker that fails (not a file: every file failure is a result) stops the feed taking
    more; the other workers finish what was taken."""
    count = 0
    try:
        while (item := feed.next()) is not None:
            try:
                result = _process_with_retries(item.alias, Path(out), limits, retry_delays, sleep)
            except BaseException:
                feed.abandon(item)  # interrupted, not failed: it stays in the inbox for the next cycle
                raise
            feed.done(item, result)
            count += 1
    except BaseException:
        feed.close()
        raise
    return count
