"""An ingest cycle that keeps taking files (pipeline.runtime.stream.run_ingest_stream), without Prefect.

Processing is replaced by a fake (fast) except in the last test; the lock, take_files,
placement, the pending-tables marker and the feed are the real ones."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

import pipeline.runtime.file_chunks as file_chunks
from models import ProcessingError
from pipeline import PIPELINE_VERSION
from pipeline.config import INGEST
from pipeline.runtime.file_results import FileResult
from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import TAKE_OBSERVERS
from pipeline.runtime.stream import plain_lanes, run_ingest_stream
from pipeline.runtime.locking import holds_lock

ROOT = Path(__file__).resolve().parent.parent
FAST = INGEST.model_copy(update={"keep_taking_s": 60.0, "idle_s": 0.3, "poll_s": 0.05})


def _folders(tmp_path) -> Folders:
    f = Folders(tmp_path / "inbox", tmp_path / "archive", tmp_path / "quarantine", tmp_path / "out")
    f.ensure()
    return f


def _drop(folder: Path, name: str, text: str | bytes | None = None, mode: int | None = None) -> Path:
    """A file renamed in whole, its mtime in the past (as a copy renamed in has): settled at sight."""
    tmp = folder.parent / f".{name}.staging"
    data = text if text is not None else name
    tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(tmp, mode)
    past = time.time() - 60
    os.utime(tmp, (past, past))
    os.replace(tmp, folder / name)
    return folder / name


class FakeProcessing:
    """Stands in for file_chunks._process_with_retries: records what it was given and
    whether the cycle held the lock; `on` runs a hook when a given file is processed."""

    def __init__(self, out: Path, fail: set[str] = frozenset(), on: dict | None = None, delay: float = 0.05):
        self.out, self.fail, self.on, self.delay = out, fail, on or {}, delay
        self.names: list[str] = []
        self.locked: list[bool] = []
        self._lock = threading.Lock()

    def __call__(self, path, out, limits, retry_delays, sleep):
        with self._lock:
            self.names.append(path.name)
            self.locked.append(holds_lock(self.out))
        hook = self.on.get(path.name)
        if hook:
            hook()
        time.sleep(self.delay)
        if path.name in self.fail:
            return ProcessingError(file_name=path.name, source_path=str(path), doc_id=None, kind="unreadable",
                                   message="not readable", pipeline_version=PIPELINE_VERSION,
                                   occurred_at=datetime.now(timezone.utc))
        return FileResult(file_name=path.name, doc_id=path.read_text(), status="processed")


@pytest.fixture
def taken_log():
    seen: list[list[Path]] = []
    TAKE_OBSERVERS.append(seen.append)
    yield seen
    TAKE_OBSERVERS.remove(seen.append)


def test_files_settling_while_the_cycle_works_join_it_and_the_tables_are_rebuilt_once(tmp_path, monkeypatch, taken_log):
    f = _folders(tmp_path)
    handed = [_drop(f.inbox, f"a{i}.txt") for i in range(4)]
    # While the first file is processed, a second burst arrives, and while that one is
    # processed, a third: all are taken by this cycle.
    fake = FakeProcessing(f.out, fail={"b1.txt"}, on={
        "a0.txt": lambda: [_drop(f.inbox, f"b{i}.txt") for i in range(3)],
        "b2.txt": lambda: _drop(f.inbox, "c0.txt"),
    })
    monkeypatch.setattr(file_chunks, "_process_with_retries", fake)
    rebuilt = []
    report = run_ingest_stream(f, plain_lanes(f.out, workers=2), handed, settings=FAST,
                               rebuild=lambda out: rebuilt.append(out) or True)
    assert sorted(fake.names) == ["a0.txt", "a1.txt", "a2.txt", "a3.txt", "b0.txt", "b1.txt", "b2.txt", "c0.txt"]
    assert all(fake.locked)  # every file is processed under the cycle's lock
    assert rebuilt == [f.out] and report.tables_rebuilt
    assert sorted(p.file_name for p in report.archived) == ["a0.txt", "a1.txt", "a2.txt", "a3.txt", "b0.txt",
                                                           "b2.txt", "c0.txt"]
    assert [p.file_name for p in report.quarantined] == ["b1.txt"]
    assert list(f.inbox.iterdir()) == [] and not (f.out / ".tables-pending").exists()
    # the handed files first, then each arrival as it settled
    assert sorted(p.name for p in taken_log[0]) == ["a0.txt", "a1.txt", "a2.txt", "a3.txt"]
    assert sorted(p.name for batch in taken_log[1:] for p in batch) == ["b0.txt", "b1.txt", "b2.txt", "c0.txt"]


def test_keep_taking_zero_takes_only_the_handed_files(tmp_path, monkeypatch):
    f = _folders(tmp_path)
    handed = [_drop(f.inbox, "a.txt")]
    fake = FakeProcessing(f.out, on={"a.txt": lambda: _drop(f.inbox, "late.txt")})
    monkeypatch.setattr(file_chunks, "_process_with_retries", fake)
    report = run_ingest_stream(f, plain_lanes(f.out, workers=2), handed,
                               settings=FAST.model_copy(update={"keep_taking_s": 0.0}), rebuild=lambda out: True)
    assert fake.names == ["a.txt"] and [p.file_name for p in report.archived] == ["a.txt"]
    assert [p.name for p in f.inbox.iterdir()] == ["late.txt"]  # the watcher's next run takes it


def test_same_bytes_in_one_cycle_are_processed_once(tmp_path, monkeypatch):
    f = _folders(tmp_path)
    handed = [_drop(f.inbox, "x.txt", "same"), _drop(f.inbox, "y.txt", "same")]
    fake = FakeProcessing(f.out, on={"x.txt": lambda: _drop(f.inbox, "z.txt", "same")}, delay=0.3)
    monkeypatch.setattr(file_chunks, "_process_with_retries", fake)
    report = run_ingest_stream(f, plain_lanes(f.out, workers=2), handed, settings=FAST, rebuild=lambda out: True)
    assert fake.names == ["x.txt"]
    assert sorted((p.file_name, p.status) for p in report.archived) == [
        ("x.txt", "processed"), ("y.txt", "duplicate"), ("z.txt", "duplicate")]
    assert list(f.inbox.iterdir()) == []


def test_of_equal_bytes_the_file_taken_first_is_processed_even_when_its_hash_is_slow(tmp_path, monkeypatch):
    # Two workers: without claiming in queue order the second would register y.txt's hash
    # while x.txt's is still being read (CI once saw exactly that).
    import pipeline.runtime.stream as stream
    real_sha = stream.sha256_file

    def slow_for_x(path):
        if path.name == "x.txt":
            time.sleep(0.3)
        return real_sha(path)

    monkeypatch.setattr(stream, "sha256_file", slow_for_x)
    f = _folders(tmp_path)
    handed = [_drop(f.inbox, "x.txt", "same"), _drop(f.inbox, "y.txt", "same")]
    fake = FakeProcessing(f.out)
    monkeypatch.setattr(file_chunks, "_process_with_retries", fake)
    report = run_ingest_stream(f, plain_lanes(f.out, workers=2), handed, settings=FAST, rebuild=lambda out: True)
    assert fake.names == ["x.txt"]
    assert sorted((p.file_name, p.status) for p in report.archived) == [("x.txt", "processed"), ("y.txt", "duplicate")]


def test_a_later_file_with_narrower_permissions_is_left_for_a_cycle_of_its_own(tmp_path, monkeypatch):
    f = _folders(tmp_path)
    os.chmod(f.inbox, 0o755)
    handed = [_drop(f.inbox, "open.txt", mode=0o644)]
    fake = FakeProcessing(f.out, on={"open.txt": lambda: _drop(f.inbox, "private.txt", mode=0o600)})
    monkeypatch.setattr(file_chunks, "_process_with_retries", fake)
    run_ingest_stream(f, plain_lanes(f.out, workers=1), handed, settings=FAST, rebuild=lambda out: True)
    assert fake.names == ["open.txt"] and [p.name for p in f.inbox.iterdir()] == ["private.txt"]
    # its own cycle takes it (and runs under the narrower umask)
    run_ingest_stream(f, plain_lanes(f.out, workers=1), [f.inbox / "private.txt"], settings=FAST,
                      rebuild=lambda out: True)
    assert fake.names == ["open.txt", "private.txt"] and list(f.inbox.iterdir()) == []


def test_a_failing_worker_leaves_unfinished_files_in_the_inbox_and_the_tables_pending(tmp_path, monkeypatch):
    f = _folders(tmp_path)
    handed = [_drop(f.inbox, f"a{i}.txt") for i in range(4)]
    done = []

    def dies_on_third(path, out, limits, retry_delays, sleep):
        if len(done) == 2:
            raise KeyboardInterrupt  # the worker itself stops (not a file's failure)
        done.append(path.name)
        return FileResult(file_name=path.name, doc_id="x", status="processed")

    monkeypatch.setattr(file_chunks, "_process_with_retries", dies_on_third)
    rebuilt = []
    with pytest.raises(KeyboardInterrupt):
        run_ingest_stream(f, plain_lanes(f.out, workers=1), handed, settings=FAST,
                          rebuild=lambda out: rebuilt.append(out) or True)
    # the two finished files are placed; the interrupted one and the rest stay for the next cycle
    assert sorted(p.name for p in f.inbox.iterdir()) == ["a2.txt", "a3.txt"]
    assert sorted(p.name for p in (f.archive).rglob("*.txt")) == sorted(done)
    assert rebuilt == [] and (f.out / ".tables-pending").exists()
    monkeypatch.setattr(file_chunks, "_process_with_retries", FakeProcessing(f.out))
    report = run_ingest_stream(f, plain_lanes(f.out, workers=2), [f.inbox / "a2.txt", f.inbox / "a3.txt"],
                               settings=FAST, rebuild=lambda out: rebuilt.append(out) or True)
    assert sorted(p.file_name for p in report.archived) == ["a2.txt", "a3.txt"] and rebuilt == [f.out]
    assert not (f.out / ".tables-pending").exists()


def test_a_link_arriving_while_the_cycle_works_is_quarantined_never_followed(tmp_path, monkeypatch):
    f = _folders(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")

    def link():
        os.symlink(secret, f.inbox / "link.txt")
        past = time.time() - 60  # settled at sight, as a file renamed in
        os.utime(f.inbox / "link.txt", (past, past), follow_symlinks=False)

    fake = FakeProcessing(f.out, on={"a.txt": link})
    monkeypatch.setattr(file_chunks, "_process_with_retries", fake)
    report = run_ingest_stream(f, plain_lanes(f.out, workers=1), [_drop(f.inbox, "a.txt")], settings=FAST,
                               rebuild=lambda out: True)
    assert fake.names == ["a.txt"]
    assert [(q.file_name, q.kind) for q in report.quarantined] == [("link.txt", "not_a_file")]
    assert secret.read_text() == "secret" and list(f.inbox.iterdir()) == []


def test_real_files_through_the_stream_give_one_record_and_one_table_row_each(tmp_path):
    import pyarrow.parquet as pq

    from pipeline.outputs.files import table_path
    from pipeline.outputs.store import documents_dir

    f = _folders(tmp_path)
    samples = [ROOT / "corpus" / "samples" / n for n in (
        "overenskommelse_vagen_vidare.txt", "uppdragsavtal_steget_2025.docx", "verksamhetsplan_2024.pdf")]
    first = [_drop(f.inbox, p.name, p.read_bytes()) for p in samples[:2]]
    lanes = plain_lanes(f.out, workers=2)

    def lanes_dropping_more(feed):
        _drop(f.inbox, samples[2].name, samples[2].read_bytes())  # arrives while the run works
        lanes(feed)

    report = run_ingest_stream(f, lanes_dropping_more, first, settings=FAST)
    assert len(report.archived) == 3 and not report.quarantined and report.tables_rebuilt
    assert len(list(documents_dir(f.out).glob("*.json"))) == 3
    assert pq.read_metadata(table_path(f.out, "documents")).num_rows == 3
    assert list(f.inbox.iterdir()) == []


def test_a_cycle_with_only_a_stray_still_finishes_the_tables_an_interrupted_cycle_left(tmp_path, monkeypatch):
    f = _folders(tmp_path)
    (f.out / ".tables-pending").touch()  # a killed cycle's records lack their rows
    os.mkfifo(f.inbox / "pipe.pdf")
    rebuilt = []
    report = run_ingest_stream(f, plain_lanes(f.out, workers=1), [f.inbox / "pipe.pdf"], settings=FAST,
                               rebuild=lambda out: rebuilt.append(out) or True)
    assert [(q.file_name, q.kind) for q in report.quarantined] == [("pipe.pdf", "not_a_file")]
    assert rebuilt == [f.out] and not (f.out / ".tables-pending").exists()
