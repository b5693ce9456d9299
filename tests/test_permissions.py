"""Modes of what a run creates (issue 15, part 4): never wider than the inputs, and x wherever r.

With umask 022 and 0644 inputs the umask used to become 033 (the inputs' missing x bits were
taken as "denied"), so new folders were 0744: readable by colleagues but not enterable, and
archive/<year>/ and outputs/tables/ gave them "Permission denied".
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import process_plain, run_ingest_cycle
from pipeline.runtime.permissions import umask_for

KALLELSE = "KALLELSE\nStyrelsens sammanträde 2024-03-14\n1. Mötets öppnande\n2. Budget\n"


@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.lstat().st_mode)


def _input(folder: Path, folder_mode: int, file_mode: int, name: str = "kallelse.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(folder_mode)
    f = folder / name
    f.write_text(KALLELSE, encoding="utf-8")
    f.chmod(file_mode)
    return f


@pytest.mark.parametrize(
    ("folder_mode", "file_mode", "current", "expected"),
    [
        (0o755, 0o644, 0o022, 0o022),  # the issue: folders 0755, files 0644 (was 0o033: folders 0744)
        (0o755, 0o664, 0o002, 0o002),  # group-writable inputs under umask 002 stay group-writable
        (0o755, 0o664, 0o022, 0o022),  # ... but never wider than the umask in force
        (0o750, 0o640, 0o022, 0o027),  # group may read and enter; others nothing
        (0o755, 0o640, 0o022, 0o027),  # the file keeps others out: so do the outputs
        (0o700, 0o644, 0o022, 0o077),  # a private folder makes its files private
        (0o755, 0o600, 0o022, 0o077),
        (0o755, 0o644, 0o011, 0o077),  # a umask that denies entering but not reading: no half access
        (0o755, 0o755, 0o022, 0o022),  # an executable input changes nothing
    ],
    ids=lambda v: f"{v:04o}",
)
def test_umask_for_keeps_read_and_enter_together(tmp_path, folder_mode, file_mode, current, expected):
    f = _input(tmp_path / "inbox", folder_mode, file_mode)
    mask = umask_for([f], current)
    assert mask == expected, oct(mask)
    folder = 0o777 & ~mask
    for read, execute in ((0o040, 0o010), (0o004, 0o001)):
        assert bool(folder & read) == bool(folder & execute), f"folders would be {oct(folder)}"
    assert (0o666 & ~mask) & 0o077 & ~file_mode == 0  # files never wider than the input
    assert mask & ~0o077 == current & ~0o077


@pytest.mark.parametrize(
    ("folder_mode", "file_mode", "want_dir", "want_file"),
    [
        (0o755, 0o644, 0o755, 0o644),  # the set-up: colleagues can enter and read
        (0o750, 0o640, 0o750, 0o640),  # shared with the group only
        (0o700, 0o600, 0o700, 0o600),  # private
    ],
    ids=lambda v: f"{v:04o}",
)
def test_ingest_creates_enterable_folders_never_wider_than_the_inputs(
    tmp_path, umask_022, folder_mode, file_mode, want_dir, want_file
):
    """A real ingest cycle (no Prefect): archive/<year>/, quarantine, outputs/documents,
    tables/, the DuckDB file; every folder it creates is want_dir, no file wider than want_file."""
    base = tmp_path / "kansli"
    folders = Folders(base / "inbox", base / "archive", base / "quarantine", base / "outputs")
    # The top-level folders exist, as after `finsam serve` or a first run, with the inbox's mode.
    for p in (folders.archive, folders.quarantine, folders.out):
        p.mkdir(parents=True)
        p.chmod(want_dir)
    src = _input(folders.inbox, folder_mode, file_mode)
    bad = _input(folders.inbox, folder_mode, file_mode, name="trasig.pdf")
    bad.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    before = {p for p in base.rglob("*")}

    report = run_ingest_cycle(folders, process_plain(folders.out, jobs=1), settle_seconds=0)
    assert [p.file_name for p in report.archived] == [src.name]
    assert [p.file_name for p in report.quarantined] == [bad.name]

    created = [p for p in base.rglob("*") if p not in before]
    dirs = [p for p in created if p.is_dir()]
    files = [p for p in created if p.is_file()]
    names = {p.relative_to(base).as_posix() for p in dirs}
    assert {"outputs/documents", "outputs/tables"} <= names and any(n.startswith("archive/") for n in names), names
    assert any(p.suffix == ".parquet" for p in files) and any(p.name.endswith(".duckdb") for p in files)
    for d in dirs:
        assert _mode(d) == want_dir, f"{d.relative_to(base)} is {oct(_mode(d))}, want {oct(want_dir)}"
    for f in files:
        assert _mode(f) & ~want_file & 0o777 == 0, f"{f.relative_to(base)} is {oct(_mode(f))}, wider than {oct(want_file)}"
    # the archived original keeps its own mode (a hard link: the same file)
    archived = Path(report.archived[0].moved_to)
    assert _mode(archived) == file_mode
