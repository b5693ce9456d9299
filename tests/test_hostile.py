"""The hostile corpus (tests/hostile/make_hostile.py): every file ends processed or with a
clear one-line reason, within the time and memory limits, without crashing the batch,
writing outside the output folder or growing the parent's memory."""

from __future__ import annotations

import json
import os
import resource
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Limits
from pipeline.runtime.batch import process_batch, process_file_isolated
from hostile.make_hostile import make_corpus, text_pdf

# Tighter than the defaults so a regression shows as a failure, not a long wait.
LIMITS = Limits(timeout_seconds=60, memory_mb=2048)
NEVER = {"internal", "crash", "timeout", "memory_exhausted"}


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    inbox = base / "inbox"
    corpus = make_corpus(inbox)
    before = _tree(base)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = base / "out"
    # A folder scan skips hidden names (".DS_Store", "..txt"); given by name they are read.
    hidden = [inbox / h.name for h in corpus if h.name.startswith(".")]
    assert hidden
    result = process_batch([inbox, *hidden], out, LIMITS, jobs=2)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return base, inbox, out, corpus, result, before, (rss_after - rss_before) / 1024


def test_every_hostile_file_ends_processed_or_with_an_acceptable_reason(hostile_run):
    _, _, _, corpus, result, _, _ = hostile_run
    by_name = {o.path.name: o for o in result.outcomes}
    assert set(by_name) == {h.name for h in corpus}, "every file was tried, once"
    wrong = []
    for h in corpus:
        o = by_name[h.name]
        got = "processed" if o.status == "processed" else o.error.kind
        if got not in h.ok or got in NEVER:
            wrong.append((h.name, h.what, got, o.error.message if o.error else ""))
    assert not wrong, "\n".join(map(str, wrong))


def test_reasons_are_one_clear_line(hostile_run):
    _, _, _, _, result, _, _ = hostile_run
    for o in result.failed:
        msg = o.error.message
        assert msg and "\n" not in msg and len(msg) < 400, (o.path.name, msg)
        assert "Traceback" not in msg


def test_each_file_within_the_time_limit_and_the_parent_stays_small(hostile_run):
    _, _, _, _, result, _, rss_growth_mb = hostile_run
    slow = [(o.path.name, round(o.seconds, 1)) for o in result.outcomes if o.seconds > LIMITS.timeout_seconds]
    assert not slow
    # The bombs inflate in the worker (under its RLIMIT_AS), never in the batch process.
    assert rss_growth_mb < 300, f"batch process grew by {rss_growth_mb:.0f} MiB"


def test_one_record_per_file_and_nothing_written_outside_the_output(hostile_run):
    base, inbox, out, corpus, result, before, _ = hostile_run
    # Inputs untouched, no file appeared beside or above the output folder.
    after = {k: v for k, v in _tree(base).items() if not k.startswith("out" + os.sep)}
    assert after == before
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(out.resolve()), p
    errors = sorted((out / "errors").iterdir())
    assert all(p.is_file() and p.parent == out / "errors" for p in errors)  # flat, no sub-folders
    assert len(errors) == len(result.failed)
    recorded = sorted(json.loads(p.read_text())["file_name"] for p in errors)
    assert recorded == sorted(o.path.name for o in result.failed)
    docs = {o.document.doc_id for o in result.processed}
    assert {p.stem for p in (out / "documents").glob("*.json")} == docs
    # No half-written leftovers.
    assert not [p for p in out.rglob("*.tmp")]


def test_the_good_file_still_reads_right_beside_the_hostile_ones(hostile_run):
    _, _, _, _, result, _, _ = hostile_run
    good = next(o for o in result.outcomes if o.path.name == "god.pdf")
    assert good.status == "processed"
    assert "styrelsens sammanträde" in good.document.pages[0].text


def test_leading_dash_names_through_the_cli(tmp_path: Path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "-rf.txt").write_text("KALLELSE\nStyrelsens sammanträde 2024-03-14\n", encoding="utf-8")
    (folder / "--help.txt").write_text("PROTOKOLL\nStyrelsens sammanträde 2024-03-15\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    res = CliRunner().invoke(app, ["process", "--out", str(tmp_path / "o"), "--", "-rf.txt", "--help.txt"])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "o" / "documents").glob("*.json"))) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["--help.txt", "-rf.txt"]


def test_dot_dot_in_the_path_stays_in_the_output(tmp_path: Path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    src = tmp_path / "in" / "x.txt"
    src.write_text("x", encoding="utf-8")
    out = tmp_path / "in" / "sub" / "out"
    result = process_batch([tmp_path / "in" / "sub" / ".." / "x.txt", tmp_path / "in" / "sub" / ".." / "..pdf"], out)
    assert [o.status for o in result.outcomes] == ["processed", "failed"]
    assert result.outcomes[1].error.kind == "missing"
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(out.resolve())
        assert stat.S_ISREG(p.stat().st_mode) or stat.S_ISDIR(p.stat().st_mode)


@pytest.mark.slow
def test_a_2000_page_text_pdf_is_processed_within_the_limits(tmp_path: Path):
    path = tmp_path / "2000-sidor-text.pdf"
    path.write_bytes(text_pdf([f"Sida {i}: styrelsen beslutar om budget {i} kronor" for i in range(1, 2001)]))
    doc = process_file_isolated(path, Limits(timeout_seconds=240, memory_mb=2048))
    assert doc.__class__.__name__ == "Document", doc
    assert doc.page_count == 2000
    assert "Sida 2000:" in doc.pages[-1].text
