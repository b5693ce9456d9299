"""One run at a time per output folder: an fcntl lock that a killed run cannot leave behind.

Two `finsam process`, `ingest` or `watch` runs on the same folders must not process a file
twice or interleave table rebuilds. Each run holds an exclusive `flock` on
OUT/.finsam.lock for as long as it works; the kernel drops the lock when the holder exits
in any way (SIGKILL included), so there is no stale lock to clean up by hand. The file's
content (pid, host, command, start time) is only for the message a waiting run prints.

The lock is re-entrant within one process (an ingest holding it may call `process_batch`,
which takes it again); across processes it is exclusive.

While holding the lock a run may also sweep the temp files a killed run left behind
(`sweep_stale_temps`): nobody else can be writing them.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import FinsamError
from pipeline.outputs.store import OutputLayout

_held: dict[str, tuple[int, int]] = {}  # resolved lock path -> (fd, depth), this process
_guard = threading.RLock()


class LockBusy(FinsamError):
    kind = "locked"


def lock_path(folder: Path) -> Path:
    return OutputLayout(folder).run_lock


def holder_of(folder: Path) -> dict | None:
    """What the lock file says about its (last) holder, for messages."""
    try:
        return json.loads(lock_path(folder).read_text("utf-8") or "null")
    except (OSError, ValueError):
        return None


def _describe(info: dict | None) -> str:
    if not info:
        return "another finsam run"
    return f"finsam run pid {info.get('pid')} on {info.get('host')} since {info.get('started')}"


@contextmanager
def folder_lock(
    folder: Path, *, timeout: float | None = None, poll: float = 0.2,
    on_wait: Callable[[str], object] | None = None,
) -> Iterator[Path]:
    """Hold the run lock of `folder` (created if missing) for the block.

    timeout None: wait as long as it takes; 0: fail at once; else wait that many seconds.
    Raises LockBusy (one line, naming the holder) when not acquired in time.
    on_wait: called once, with a one-line message naming the holder, if the lock is busy
    and this run is going to wait for it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = lock_path(folder)
    key = str(path.resolve())
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _guard:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
        return

    fd = open_lock_file(path)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        said_by = time.monotonic() + 1.0  # the wait is announced within a second, holder named or not
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockBusy(f"{folder} is in use by {_describe(holder_of(folder))}; try again later") from None
                if on_wait is not None:
                    holder = holder_of(folder)
                    if holder or time.monotonic() >= said_by:
                        on_wait(f"{folder} is in use by {_describe(holder)}; waiting for it to finish")
                        on_wait = None
                    else:  # a holder writes who it is just after taking the lock: ask again shortly
                        time.sleep(0.01)
                        continue
                time.sleep(poll)
        info = {
            "pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv[:3]),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        with _guard:
            _held[key] = (fd, 1)
        try:
            yield path
        finally:
            with _guard:
                _held.pop(key, None)
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def open_lock_file(path: Path) -> int:
    """An fd of the lock file `path`, which is always our own plain file.

    Never through a symbolic link and never a hard link to some other file: the holder
    truncates and writes its lock file, and a link planted in its place
    (OUT/.finsam.lock -> ~/thesis.tex) would otherwise truncate the file it points to. A
    link found there is removed (it is a name in our own folder, not the file it points to)
    and a fresh lock file created in its place."""
    path = Path(path)
    for _ in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENXIO, errno.EISDIR, errno.EWOULDBLOCK):
                raise
            _remove_not_ours(path, "a symbolic link or special file")
            continue
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
            os.set_blocking(fd, True)
            return fd
        os.close(fd)
        _remove_not_ours(path, "a hard link to another file" if stat.S_ISREG(st.st_mode) else "not a plain file")
    raise FinsamError(f"cannot make a safe lock file at {path}: something keeps replacing it", kind="locked")


def _remove_not_ours(path: Path, what: str) -> None:
    import logging  # noqa: PLC0415

    from pipeline.names import display_path  # noqa: PLC0415

    logging.getLogger(__name__).warning("lock file %s was %s; replaced it (the file it led to is untouched)",
                                        display_path(path), what)
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            raise FinsamError(f"the lock file {display_path(path)} is a folder; remove it", kind="locked")
        os.unlink(path)
    except FileNotFoundError:
        pass


def holds_lock(folder: Path) -> bool:
    """Whether this process holds the run lock of `folder`."""
    with _guard:
        return str(lock_path(folder).resolve()) in _held


def sweep_stale_temps(*folders: Path, min_age_seconds: float = 0.0) -> int:
    """Remove temp files (".<name>.<random>.tmp", from store.write_atomic) a killed run left.

    Call only while holding the folder's run lock. Returns how many were removed.
    """
    removed = 0
    now = time.time()
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for tmp in folder.glob(".*.tmp"):
            try:
                if now - tmp.stat().st_mtime >= min_age_seconds:
                    tmp.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
    return removed
