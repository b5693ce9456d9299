"""`finsam watch` refreshes the report after each cycle that placed files; `make run`'s samples
go to outputs/samples (issue 15, item 11); watch's lines carry timestamps."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.runtime.placement import IngestReport, Placed

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"
SAMPLE = SAMPLES / "overenskommelse_vagen_vidare.txt"


def test_watch_writes_the_report_after_a_cycle_that_placed_files(tmp_path, monkeypatch):
    import flows.ingest
    import pipeline.runtime.serve
    from pipeline.runtime.folders import Folders
    from pipeline.runtime.inbox import process_plain, run_ingest_cycle
    from pipeline.runtime.watch import InboxWatcher

    @contextmanager
    def fake_api(**kw):
        yield "http://127.0.0.1:1/api"

    def ingest(inbox, archive, quarantine, out, files, **kw):  # the flow's cycle, without Prefect
        f = Folders(Path(inbox), Path(archive), Path(quarantine), Path(out))
        return run_ingest_cycle(f, process_plain(Path(out), jobs=1), [Path(p) for p in files])

    def run_once(self):
        self.on_batch([Path(p) for p in sorted(self.inbox.iterdir())])

    monkeypatch.setattr(pipeline.runtime.serve, "prefect_api", fake_api)
    monkeypatch.setattr(flows.ingest, "ingest_inbox", ingest)
    monkeypatch.setattr(InboxWatcher, "run", run_once)
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    result = CliRunner().invoke(app, ["watch", "--inbox", str(inbox), "--archive", str(tmp_path / "archive"),
                                      "--quarantine", str(tmp_path / "q"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert list((out / "reports").glob("avvikelser-*.html")), result.output
    assert "tables rebuilt" in result.output
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ingest ", result.output, re.M), result.output


def test_no_refresh_when_a_cycle_placed_nothing(tmp_path):
    from pipeline.runtime.after_batch import refresh_after_ingest

    assert refresh_after_ingest(IngestReport(inbox="x"), tmp_path) is None
    skipped = IngestReport(inbox="x", skipped="busy", archived=[Placed(file_name="a", moved_to="b", status="ok")])
    assert refresh_after_ingest(skipped, tmp_path) is None
    assert not (tmp_path / "reports").exists()


def test_make_run_writes_the_sample_corpus_to_outputs_samples():
    """`make run` keeps the fictional förbund out of outputs/, which is the kansli's own
    (what watch, serve and run ingest write): the Makefile says --out outputs/samples."""
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "finsam process corpus/samples --out outputs/samples" in run


