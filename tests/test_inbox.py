"""The inbox folder logic and the watcher, without Prefect (fast)."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from models import ProcessingError
from pipeline import PIPELINE_VERSION
from pipeline.runtime.arrivals import StabilityTracker, scan_inbox, settled_files
from pipeline.runtime.file_results import FileResult, group_by_content
from pipeline.runtime.folders import Folders
from pipeline.runtime.placement import archive_file, move_unique, place_results, quarantine_file, reason_path
from pipeline.runtime.watch import InboxWatcher

from conftest import wait_until


def _err(path: Path, kind: str = "unreadable", message: str = "not a readable PDF") -> ProcessingError:
    return ProcessingError(file_name=path.name, source_path=str(path), doc_id=None, kind=kind, message=message,
                           pipeline_version=PIPELINE_VERSION, occurred_at=datetime.now(timezone.utc))


def test_move_unique_never_overwrites(tmp_path):
    dest = tmp_path / "dest"
    for i in range(3):
        src = tmp_path / f"src{i}"
        src.mkdir()
        (src / "protokoll.pdf").write_bytes(f"v{i}".encode())
        move_unique(src / "protokoll.pdf", dest)
    names = sorted(p.name for p in dest.iterdir())
    assert names == ["protokoll (2).pdf", "protokoll (3).pdf", "protokoll.pdf"]
    assert (dest / "protokoll.pdf").read_bytes() == b"v0"
    assert (dest / "protokoll (3).pdf").read_bytes() == b"v2"


def test_archive_goes_to_year_folder(tmp_path):
    f = tmp_path / "a.pdf"
    f.write_bytes(b"x")
    moved = archive_file(f, tmp_path / "archive", datetime(2024, 3, 1))
    assert moved == tmp_path / "archive" / "2024" / "a.pdf"
    assert not f.exists() and moved.read_bytes() == b"x"


def test_quarantine_writes_reason_beside_the_file(tmp_path):
    f = tmp_path / "trasig.pdf"
    f.write_bytes(b"%PDF-1.4 broken")
    moved = quarantine_file(f, tmp_path / "quarantine", _err(f, "unreadable", "not a readable PDF (EOF)"))
    reason = json.loads(reason_path(moved).read_text("utf-8"))
    assert moved.read_bytes() == b"%PDF-1.4 broken"
    assert reason["kind"] == "unreadable" and reason["message"] == "not a readable PDF (EOF)"
    assert reason["file_name"] == "trasig.pdf" and reason["quarantined_as"] == "trasig.pdf"


def test_place_results_splits_archive_and_quarantine(tmp_path):
    folders = Folders(tmp_path / "in", tmp_path / "ar", tmp_path / "qu", tmp_path / "out")
    folders.ensure()
    good, bad, gone = (folders.inbox / n for n in ("good.pdf", "bad.pdf", "gone.pdf"))
    good.write_bytes(b"g")
    bad.write_bytes(b"b")
    report = place_results({
        good: FileResult(file_name="good.pdf", doc_id="abc", status="processed"),
        bad: _err(bad),
        gone: FileResult(file_name="gone.pdf", status="processed"),
    }, folders, datetime(2025, 1, 2))
    assert [p.file_name for p in report.archived] == ["good.pdf"]
    assert (folders.archive / "2025" / "good.pdf").exists()
    assert [p.kind for p in report.quarantined] == ["unreadable"]
    assert reason_path(folders.quarantine / "bad.pdf").exists()
    assert report.left_in_inbox == [str(gone)]


def test_scan_skips_partial_hidden_and_reason_files(tmp_path):
    for name in ("a.pdf", "b.docx", "c.xlsx", ".hidden.pdf", "d.pdf.part", "e.crdownload", "~$lock.docx", "x.pdf.reason.json"):
        (tmp_path / name).write_bytes(b"1")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.txt").write_bytes(b"1")
    # A stray reason file is taken, to be quarantined with a line (issue 16), not left forever.
    assert [p.name for p in scan_inbox(tmp_path)] == ["a.pdf", "b.docx", "c.xlsx", "f.txt", "x.pdf.reason.json"]


def test_stability_tracker_waits_for_quiet(tmp_path):
    now = [0.0]
    tracker = StabilityTracker(quiet_seconds=3.0, clock=lambda: now[0])
    f = tmp_path / "a.pdf"
    f.write_bytes(b"12")
    assert tracker.observe([f]) == []
    now[0] = 2.0
    assert tracker.observe([f]) == []
    f.write_bytes(b"1234")  # still growing: the quiet period starts again
    now[0] = 4.0
    assert tracker.observe([f]) == []
    now[0] = 6.5
    assert tracker.observe([f]) == []
    now[0] = 7.1
    assert tracker.observe([f]) == [f]


def test_a_file_unchanged_since_long_before_it_was_first_seen_is_ready_at_once(tmp_path):
    """A file renamed into the inbox whole, or one that arrived while an ingest run kept the
    watcher busy, has been quiet since its mtime: it does not wait a second settle time.
    A file written just now still waits the whole quiet period."""
    now = [100.0]
    tracker = StabilityTracker(quiet_seconds=3.0, clock=lambda: now[0])
    old, fresh = tmp_path / "old.pdf", tmp_path / "fresh.pdf"
    old.write_bytes(b"renamed in whole")
    fresh.write_bytes(b"just written")
    long_ago = time.time() - 60
    os.utime(old, (long_ago, long_ago))
    assert tracker.observe([old, fresh]) == [old]
    now[0] = 102.0
    assert tracker.observe([old, fresh]) == [old]
    now[0] = 103.5
    assert tracker.observe([old, fresh]) == [old, fresh]


def test_settled_files_leaves_a_growing_file(tmp_path):
    done = tmp_path / "done.pdf"
    done.write_bytes(b"x" * 100)
    growing = tmp_path / "growing.pdf"
    growing.write_bytes(b"x")
    stop = threading.Event()

    def grow():
        while not stop.is_set():
            with growing.open("ab") as fh:
                fh.write(b"x")
            time.sleep(0.1)

    t = threading.Thread(target=grow)
    t.start()
    try:
        assert settled_files(tmp_path, settle_seconds=1.0, poll=0.2) == [done]
    finally:
        stop.set()
        t.join()


def test_group_by_content_ignores_the_name(tmp_path):
    a, b, c = tmp_path / "a.pdf", tmp_path / "kopia av a.pdf", tmp_path / "c.pdf"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    c.write_bytes(b"other")
    groups = group_by_content([a, b, c])
    assert sorted(len(g) for g in groups.values()) == [1, 2]


def _run_watcher(inbox: Path, batches: list, **kw) -> tuple[InboxWatcher, threading.Thread]:
    def on_batch(files):
        batches.append([(p.name, p.stat().st_size) for p in files])
        for p in files:
            p.unlink()  # as the ingest run would move them away

    w = InboxWatcher(inbox, on_batch, poll_seconds=0.2, **kw)
    t = threading.Thread(target=w.run)
    t.start()
    return w, t


_wait = wait_until


def test_watcher_hands_over_a_file_written_in_two_steps_only_when_complete(tmp_path):
    batches: list = []
    w, t = _run_watcher(tmp_path, batches, quiet_seconds=1.5, debounce_seconds=0.5)
    try:
        f = tmp_path / "stor.pdf"
        with f.open("wb") as fh:
            fh.write(b"a" * 5000)
        time.sleep(1.0)  # a pause shorter than the quiet period, mid-copy
        with f.open("ab") as fh:
            fh.write(b"b" * 5000)
        assert _wait(lambda: batches)
        time.sleep(0.5)
    finally:
        w.stop()
        t.join(10)
    assert batches == [[("stor.pdf", 10000)]]


def test_watcher_debounces_a_burst_into_one_run_and_picks_up_files_present_at_start(tmp_path):
    (tmp_path / "before.pdf").write_bytes(b"dropped while the watcher was down")
    batches: list = []
    w, t = _run_watcher(tmp_path, batches, quiet_seconds=1.0, debounce_seconds=1.0)
    try:
        for i in range(6):
            (tmp_path / f"burst{i}.pdf").write_bytes(b"x" * (i + 1))
            time.sleep(0.1)
        assert _wait(lambda: sum(len(b) for b in batches) >= 7)
    finally:
        w.stop()
        t.join(10)
    assert not t.is_alive()
    names = sorted(n for b in batches for n, _ in b)
    assert names == ["before.pdf"] + [f"burst{i}.pdf" for i in range(6)]
    assert len(batches) <= 2  # the burst is one run (before.pdf may have gone on its own first)
    assert any(len(b) >= 6 for b in batches)


@pytest.mark.parametrize("bad", ["missing"])
def test_settled_files_on_missing_inbox_is_empty(tmp_path, bad):
    assert settled_files(tmp_path / bad, settle_seconds=0.5) == []


def test_an_empty_file_is_taken_only_after_a_long_grace(tmp_path):
    import os

    now = [0.0]
    tracker = StabilityTracker(quiet_seconds=1.0, clock=lambda: now[0], empty_grace=120.0)
    fresh, old = tmp_path / "fresh.pdf", tmp_path / "old.pdf"
    fresh.write_bytes(b"")
    old.write_bytes(b"")
    long_ago = time.time() - 600
    os.utime(old, (long_ago, long_ago))
    tracker.observe([fresh, old])
    now[0] = 2.0
    assert tracker.observe([fresh, old]) == [old]  # then fails as empty -> quarantine


# --- crash windows of a move, and the ingest cycle ---------------------------------------


def test_a_move_interrupted_after_the_link_is_completed_not_doubled(tmp_path):
    import os

    src = tmp_path / "in" / "protokoll.pdf"
    src.parent.mkdir()
    src.write_bytes(b"protokollet")
    year = tmp_path / "archive" / "2025"
    year.mkdir(parents=True)
    os.link(src, year / "protokoll.pdf")  # a run died between claiming the name and removing src
    moved = archive_file(src, tmp_path / "archive", datetime(2025, 5, 1))
    assert moved == year / "protokoll.pdf" and not src.exists()
    assert sorted(p.name for p in year.iterdir()) == ["protokoll.pdf"]


def test_a_cross_device_copy_left_behind_is_recognised_by_content_and_other_bytes_get_a_new_name(tmp_path):
    year = tmp_path / "archive" / "2025"
    year.mkdir(parents=True)
    (year / "a.pdf").write_bytes(b"same bytes")  # a copy (another inode) an interrupted move left
    (year / "b.pdf").write_bytes(b"older, different")
    for name, data in (("a.pdf", b"same bytes"), ("b.pdf", b"newer bytes")):
        src = tmp_path / name
        src.write_bytes(data)
        archive_file(src, tmp_path / "archive", datetime(2025, 5, 1))
        assert not src.exists()
    assert sorted(p.name for p in year.iterdir()) == ["a.pdf", "b (2).pdf", "b.pdf"]
    assert (year / "b (2).pdf").read_bytes() == b"newer bytes"


def test_the_reason_is_written_before_the_file_leaves_the_inbox(tmp_path, monkeypatch):
    import pipeline.runtime.placement as placement

    f = tmp_path / "in" / "trasig.pdf"
    f.parent.mkdir()
    f.write_bytes(b"%PDF-1.4 broken")
    quarantine = tmp_path / "quarantine"

    def crash(*a, **k):
        raise OSError("disk went away")

    monkeypatch.setattr(placement, "write_atomic", crash)
    with pytest.raises(OSError):
        quarantine_file(f, quarantine, _err(f))
    assert f.exists()  # still in the inbox: it is tried again
    monkeypatch.undo()
    moved = quarantine_file(f, quarantine, _err(f))
    assert moved == quarantine / "trasig.pdf" and not f.exists()
    assert sorted(p.name for p in quarantine.iterdir()) == ["trasig.pdf", "trasig.pdf.reason.json"]


def _folders(tmp_path) -> Folders:
    f = Folders(tmp_path / "inbox", tmp_path / "archive", tmp_path / "quarantine", tmp_path / "out")
    f.ensure()
    return f


def _fake_process(calls: list, fail: set[str] = frozenset()):
    from pipeline.runtime.file_results import ProcessedBatch

    def process(paths):
        calls.append([p.name for p in paths])
        return ProcessedBatch(results=[
            _err(p) if p.name in fail else FileResult(file_name=p.name, doc_id="x", status="processed") for p in paths
        ], tables_rebuilt=True)

    return process


def test_cycle_takes_the_lock_and_only_files_still_in_the_inbox(tmp_path):
    from pipeline.runtime.inbox import run_ingest_cycle
    from pipeline.runtime.locking import holds_lock

    f = _folders(tmp_path)
    a, b, c = (f.inbox / n for n in ("a.txt", "b.txt", "c.pdf"))
    for p in (a, b, c):
        p.write_text(p.name)
    listed = [a, b, c]
    b.unlink()  # placed by another runner while this one waited for the lock
    calls: list = []
    seen_lock = []

    def process(paths):
        seen_lock.append(holds_lock(f.out))
        return _fake_process(calls, fail={"c.pdf"})(paths)

    report = run_ingest_cycle(f, process, listed)
    assert calls == [["a.txt", "c.pdf"]] and seen_lock == [True]
    assert [p.file_name for p in report.archived] == ["a.txt"]
    assert [p.file_name for p in report.quarantined] == ["c.pdf"]
    assert list(f.inbox.iterdir()) == [] and not (f.out / ".tables-pending").exists()


def test_cycle_skips_after_lock_timeout_and_leaves_the_files(tmp_path):
    from test_lock import _holder

    from pipeline.runtime.inbox import run_ingest_cycle

    f = _folders(tmp_path)
    (f.inbox / "a.txt").write_text("a")
    holder = _holder(f.out)
    try:
        calls: list = []
        report = run_ingest_cycle(f, _fake_process(calls), settle_seconds=0, lock_timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
    assert calls == [] and report.skipped and f"pid {holder.pid}" in report.skipped
    assert (f.inbox / "a.txt").exists()


def test_tables_an_interrupted_cycle_left_are_rebuilt_by_the_next_even_with_an_empty_inbox(tmp_path):
    from pipeline.runtime.inbox import run_ingest_cycle

    f = _folders(tmp_path)
    (f.inbox / "a.txt").write_text("a")

    def dies(paths):
        raise RuntimeError("killed mid-batch")

    with pytest.raises(RuntimeError):
        run_ingest_cycle(f, dies, settle_seconds=0)
    assert (f.out / ".tables-pending").exists() and (f.inbox / "a.txt").exists()
    (f.inbox / "a.txt").unlink()  # say another cycle's process step handled it but died before its tables
    rebuilt: list = []
    report = run_ingest_cycle(f, _fake_process([]), settle_seconds=0, rebuild=lambda out: rebuilt.append(out) or True)
    assert rebuilt == [f.out] and report.tables_rebuilt
    assert not (f.out / ".tables-pending").exists()
    # nothing pending: an empty cycle does not touch the tables
    run_ingest_cycle(f, _fake_process([]), settle_seconds=0, rebuild=lambda out: rebuilt.append(out) or True)
    assert rebuilt == [f.out]
