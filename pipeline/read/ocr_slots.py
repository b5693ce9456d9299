"""Tesseract slots shared by the worker processes of one batch: one Tesseract per core.

Files of a batch are read in parallel worker processes. Dividing the cores between them up
front leaves a core idle as soon as one file runs out of pages while another still has a
queue (a 14-page scan next to a 4-page one). Instead every file may use all cores, and each
Tesseract call first takes one of `cores` slots that all workers of the batch share.

A slot is an exclusive `flock` on a file in a folder the batch creates: the kernel releases
it when its holder dies, so a worker killed for its time or memory limit never takes a slot
with it. Without a folder (one file, tests) there is nothing to share and calls run at once.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# How often a waiting call looks for a free slot: small beside a page (seconds of Tesseract).
POLL_SECONDS = 0.01

_folder: Path | None = None


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


def use(folder: str | Path | None) -> None:
    """Take Tesseract slots from `folder` in this process from now on (None: no sharing)."""
    global _folder
    _folder = Path(folder) if folder else None


@contextmanager
def slot() -> Iterator[None]:
    """Hold one slot while the body runs (at once when this process shares none)."""
    folder = _folder
    if folder is None:
        yield
        return
    fd = _take(sorted(folder.glob("slot-*")))
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its lock


def _take(paths: list[Path]) -> int | None:
    """A locked descriptor on a free slot; None when the slot files are gone (the batch's
    folder was removed): then the call runs rather than waits for nothing."""
    while True:
        opened = 0
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            opened += 1
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError:
                os.close(fd)
        if not opened:
            return None
        time.sleep(POLL_SECONDS)
