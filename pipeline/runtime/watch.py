"""Watch the inbox (watchdog) and hand settled files to a callback, in debounced batches.

- A file is handed over only once its size and mtime have been stable `quiet_seconds`
  (a copy in progress is never read half-written).
- Events in a burst are collected until the inbox has been quiet `debounce_seconds`, so a
  folder of 40 files copied in becomes one run, not 40.
- Files already in the inbox at start (dropped while the watcher was down) are picked up.
- Ctrl-C (or stop()) ends the loop cleanly after the current batch.

The watcher holds no lock itself: `on_batch` runs one ingest cycle (the ingest_inbox flow,
i.e. pipeline.runtime.inbox.run_ingest_cycle), which takes the output folder's run lock and works
only on the handed files still in the inbox, so two watchers (or a watcher and
`finsam run ingest`) on the same folders never process or place a file twice. In
`finsam serve` the cycle runs in a flow-run process of its own, which is why the lock
belongs to the cycle and not to this loop.

`on_batch` returns when its run has ended. A run on the local task runner keeps taking
files that settle while it works (pipeline.runtime.stream.run_ingest_stream), so files
dropped during a run are usually gone from the inbox when the watcher looks again; what
is left (arrived too late, still being copied) is the next batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pipeline.runtime.arrivals import StabilityTracker, handover, is_candidate, scan_inbox

log = logging.getLogger(__name__)


class _Poke(FileSystemEventHandler):
    def __init__(self, watcher: InboxWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        self.watcher.poke()


class InboxWatcher:
    def __init__(
        self,
        inbox: Path,
        on_batch: Callable[[list[Path]], object],
        quiet_seconds: float = 3.0,
        debounce_seconds: float = 2.0,
        poll_seconds: float = 1.0,
    ):
        self.inbox = Path(inbox)
        self.on_batch = on_batch
        self.tracker = StabilityTracker(quiet_seconds)
        self.debounce_seconds = debounce_seconds
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._last_event = time.monotonic()
        self.batches = 0
        self.failed_batches = 0

    def poke(self) -> None:
        self._last_event = time.monotonic()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def step(self) -> list[Path] | None:
        """One look at the inbox: returns the batch handed over, if any."""
        ready = self.tracker.observe(scan_inbox(self.inbox))
        if not ready:
            return None
        if time.monotonic() - self._last_event < self.debounce_seconds:
            return None  # still in a burst: wait for it to end
        ready = [p for p in ready if is_candidate(p)]
        if not ready:
            return None
        self.batches += 1
        log.info("inbox %s: %d settled files -> run", self.inbox, len(ready))
        try:
            # Names that cannot be shown as they are go out as tokens (pipeline.runtime.arrivals.handover):
            # the callback sends them to the Prefect API as flow-run parameters.
            self.on_batch(sorted(handover(p) for p in ready))
        except Exception:  # noqa: BLE001 - keep watching; the files stay and are retried
            self.failed_batches += 1
            log.exception("ingest run failed; the files stay in the inbox and are tried again")
            self._stop.wait(max(self.poll_seconds, 5.0))
        self.tracker.forget(ready)
        return ready

    def run(self) -> None:
        """Watch until stop() or Ctrl-C."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        observer = Observer()
        observer.schedule(_Poke(self), str(self.inbox), recursive=True)
        observer.start()
        log.info("watching %s", self.inbox)
        try:
            while not self._stop.is_set():
                self.step()
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                self._stop.wait(0.2)  # a copy in progress fires many events: look at most 5 times a second
        except KeyboardInterrupt:
            log.info("stopping the watcher (Ctrl-C)")
        finally:
            observer.stop()
            observer.join(timeout=10)

    def start_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.run, name="finsam-inbox-watcher", daemon=True)
        t.start()
        return t
