"""Files arriving in the inbox: which entries to take, and when a file has settled.

- An inbox file is taken only once its size and mtime have stayed the same for a while
  (a file still being copied in is left for the next run); the watcher
  (pipeline/runtime/watch.py) and a cycle without a watcher use the same check.
- A name that cannot be shown as is is handed to the orchestrator as a token (`handover`).
"""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

from pipeline.names import is_shown_as_is, open_nofollow

# Names a copy in progress typically has (browsers, rsync, Office lock files).
PARTIAL_SUFFIXES = {".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".filepart"}
# A 0-byte file is usually one being created; once it has stayed empty this long (by its
# mtime) it is taken, fails as empty and goes to quarantine instead of lying there forever.
EMPTY_GRACE_SECONDS = 120.0


def is_candidate(path: Path) -> bool:
    """An inbox entry a cycle should take: not hidden, not a temporary/partial name, not a
    folder. Symbolic links, named pipes, sockets and stray reason files are taken too, and
    quarantined with a reason instead of lying in the inbox forever (never followed or read)."""
    name = path.name
    if name.startswith((".", "~$")):
        return False
    if path.suffix.lower() in PARTIAL_SUFFIXES:
        return False
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def scan_inbox(inbox: Path) -> list[Path]:
    """Candidate files in the inbox (its subfolders too), sorted. Unsupported types are
    included on purpose: they fail with a reason and go to quarantine instead of lying
    in the inbox forever."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    return sorted(p for p in _walk(inbox) if is_candidate(p))


def _walk(folder: Path):
    """Every entry under folder, without entering hidden folders or following folder links."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        p = Path(e.path)
        if e.is_dir(follow_symlinks=False):
            if not e.name.startswith("."):
                yield from _walk(p)
        else:
            yield p


def signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns), or None when the file is gone."""
    try:
        st = os.lstat(path)  # a link's own signature: a link is never followed
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class StabilityTracker:
    """Which files have kept the same size and mtime for `quiet_seconds`.

    Call observe() repeatedly (on every file-system event and on a timer); it returns the
    files that are ready. A file that changes starts its quiet period again.
    """

    def __init__(self, quiet_seconds: float = 3.0, clock=time.monotonic, empty_grace: float = EMPTY_GRACE_SECONDS):
        self.quiet_seconds = quiet_seconds
        self.clock = clock
        self.empty_grace = empty_grace
        self._seen: dict[Path, tuple[tuple[int, int], float]] = {}

    def observe(self, paths: list[Path]) -> list[Path]:
        now = self.clock()
        ready: list[Path] = []
        current = set()
        for p in paths:
            sig = signature(p)
            if sig is None:
                continue
            current.add(p)
            prev = self._seen.get(p)
            if prev is None:
                # First sight: the file has been unchanged since its mtime, so that much of its
                # quiet period has already passed. A file renamed in whole (or seen first after
                # an ingest run kept the watcher busy) is then ready without waiting again; one
                # still being copied has a fresh mtime and waits as before.
                unchanged_for = max(0.0, time.time() - sig[1] / 1e9)
                prev = self._seen[p] = (sig, now - unchanged_for)
            elif prev[0] != sig:
                self._seen[p] = (sig, now)
                continue
            if now - prev[1] >= self.quiet_seconds and (
                sig[0] > 0 or time.time() - sig[1] / 1e9 >= self.empty_grace
            ):
                if being_written(p):  # a copy that stalled: its writer still has it open
                    self._seen[p] = (sig, now)
                    continue
                ready.append(p)
        for p in list(self._seen):
            if p not in current:
                del self._seen[p]
        return ready

    def pending(self) -> int:
        return len(self._seen)

    def forget(self, paths: list[Path]) -> None:
        for p in paths:
            self._seen.pop(p, None)


def being_written(path: Path) -> bool:
    """Some process still has the file open for writing (a copy that stalled longer than the
    settle time). Asked of the kernel with a read lease, which it refuses (EAGAIN) while any
    writer has the file open. Where leases are not available (a file we do not own, NFS),
    False: the size/mtime settle time is all there is."""
    import fcntl  # noqa: PLC0415

    try:
        fd = open_nofollow(path)
    except OSError:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return exc.errno == errno.EAGAIN
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


def settled_files(inbox: Path, settle_seconds: float = 2.0, poll: float = 0.5) -> list[Path]:
    """Inbox files whose (size, mtime) did not change over `settle_seconds`.

    Files still growing are left for the next run. With settle_seconds=0 every candidate
    is taken (the watcher has already waited for stability)."""
    files = scan_inbox(inbox)
    if settle_seconds <= 0 or not files:
        return [handover(p) for p in files]
    tracker = StabilityTracker(settle_seconds)
    tracker.observe(files)
    deadline = time.monotonic() + settle_seconds + poll
    ready: list[Path] = []
    while time.monotonic() < deadline:
        time.sleep(poll)
        ready = tracker.observe(files)
        if len(ready) == len([f for f in files if signature(f)]):
            break
    return sorted(handover(p) for p in ready)


# --- handing paths to the orchestrator -------------------------------------------------

TOKEN_DIR = ".finsam-file"


def handover(path: Path) -> Path:
    """The path as it may be handed to the orchestrator (Prefect parameters, task-run names,
    the watcher's callback): itself when its name shows as is, else a token naming the
    file by its inode (`<inbox>/.finsam-file/<dev>-<ino>`), which the cycle maps back
    (`untoken`, in `take_files`). A name that is not UTF-8 cannot be sent to the Prefect API at all, and a
    personnummer in a name must not reach it."""
    path = Path(path)
    if is_shown_as_is(path):
        return path
    try:
        st = os.lstat(path)
    except OSError:
        return path
    root = path.parent
    return root / TOKEN_DIR / f"{st.st_dev}-{st.st_ino}"


def untoken(inbox: Path, files: list[Path]) -> list[Path]:
    tokens = {p.name: p for p in files if p.parent.name == TOKEN_DIR}
    if not tokens:
        return files
    found: dict[str, Path] = {}
    for p in _walk(inbox):
        try:
            st = os.lstat(p)
        except OSError:
            continue
        key = f"{st.st_dev}-{st.st_ino}"
        if key in tokens:
            found[key] = p
    return [found.get(p.name, p) if p.parent.name == TOKEN_DIR else p for p in files]
