"""Tesseract slots shared by the worker processes of one batch: one Tesseract per core.

Files of a batch are read in parallel worker processes. Dividing the cores between them up
front leaves a core idle as soon as one file runs out of pages while another still has a
queue (a 14-page scan next to a 4-page one). Instead every file may use all cores, and each
Tesseract call first takes one of `cores` slots that all workers of the batch share.

A slot is an exclusive `flock` on a file in a folder the batch creates: the kernel releases
it when its holder dies, so a worker killed for its time or memory limit never takes a slot
with it. Without a folder (one file, tests) there is nothing to share and calls run at once.

Files started earlier go first: a call waiting for a slot steps aside while a call of a file
with a lower rank (started before it) is waiting too. The batch then reads its pages as one
queue, file after file, like the Tesseract CLI over a list of pages: the first (largest)
file is done early and its extraction runs while later files are read, and the batch ends
on a small file instead of two files finishing together. No slot is left idle for this: a
junior call only stands back while a senior one is waiting for the very slot it would take.
A waiting call says so with an exclusive `flock` on a file `wait-RANK-...` for as long as
it waits; a dead waiter's lock is gone with it, so it never holds the others back.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# How often a waiting call looks for a free slot: small beside a page (seconds of Tesseract).
POLL_SECONDS = 0.01

_folder: Path | None = None
_rank = 0


def create(folder: Path, slots: int) -> Path:
    """Make the slot files for a batch in `folder` (which must exist); returns `folder`."""
    for i in range(max(1, slots)):
        (folder / f"slot-{i}").touch()
    return folder


@contextmanager
def batch_slots(slots: int) -> Iterator[Path]:
    """A fresh slot folder for one batch, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="finsam-ocr-slots-") as tmp:
        yield create(Path(tmp), slots)


def shared() -> bool:
    """Whether this process takes its Tesseract slots from a batch's folder."""
    return _folder is not None


def use(folder: str | Path | None, rank: int = 0) -> None:
    """Take Tesseract slots from `folder` in this process from now on (None: no sharing),
    before the calls of files with a higher `rank` (started later) and after lower ones."""
    global _folder, _rank
    _folder = Path(folder) if folder else None
    _rank = rank


@contextmanager
def slot() -> Iterator[None]:
    """Hold one slot while the body runs (at once when this process shares none)."""
    folder, rank = _folder, _rank
    if folder is None:
        yield
        return
    fd = _take(folder, sorted(folder.glob("slot-*")), rank)
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its lock


def _take(folder: Path, paths: list[Path], rank: int) -> int | None:
    """A locked descriptor on a free slot; None when the slot files are gone (the batch's
    folder was removed): then the call runs rather than waits for nothing."""
    waiting: tuple[Path, int] | None = None  # this call's place in the queue, once it waits
    queued = False
    try:
        while True:
            opened = 0
            senior = _senior_waiting(folder, rank)
            for path in paths:
                try:
                    fd = os.open(path, os.O_RDONLY)
                except OSError:
                    continue
                opened += 1
                if senior:
                    os.close(fd)  # counted, so a removed folder is still noticed
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except OSError:
                    os.close(fd)
            if not opened:
                return None
            if not queued:
                waiting, queued = _enqueue(folder, rank), True
            time.sleep(POLL_SECONDS)
    finally:
        if waiting is not None:
            path, fd = waiting
            try:
                path.unlink()
            except OSError:
                pass
            os.close(fd)


def _enqueue(folder: Path, rank: int) -> tuple[Path, int] | None:
    """Mark this call as waiting (a locked file named by its rank), or None if it cannot."""
    path = folder / f"wait-{rank:09d}-{os.getpid()}-{threading.get_ident()}"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)  # a fresh file: nobody else locks it
    return path, fd


def _senior_waiting(folder: Path, rank: int) -> bool:
    """Whether a call of a file with a lower rank is waiting for a slot now."""
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    for name in names:
        if not name.startswith("wait-"):
            continue
        try:
            if int(name.split("-")[1]) >= rank:
                continue
            fd = os.open(folder / name, os.O_RDONLY)
        except (ValueError, IndexError, OSError):
            continue  # not ours, or gone: that waiter has its slot
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True  # locked: its waiter is alive and still waiting
        finally:
            os.close(fd)
    return False
