"""Issue 16: the classes an adversarial review found unhandled, one test (or a few) per class.

Each test failed on the code before the fix. Numbers refer to the classes of issue 16.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import stat
import time
from datetime import date
from pathlib import Path

import pytest
from stdnum import luhn
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.runtime.arrivals import scan_inbox, settled_files
from pipeline.runtime.folders import Folders
from pipeline.runtime.inbox import process_plain, run_ingest_cycle
from pipeline.runtime.placement import reason_path
from pipeline.text.personnummer import mask_document_text, mask_text
from pipeline.runtime.batch import process_batch

# Imported where used: these are new with issue 16 (so each test fails on its own before it).
def display_name(x):
    from pipeline.names import display_name as f

    return f(x)


def fit_name(*a):
    from pipeline.names import fit_name as f

    return f(*a)


def handover(p):
    from pipeline.runtime.arrivals import handover as f

    return f(p)


def being_written(p):
    from pipeline.runtime.arrivals import being_written as f

    return f(p)

KALLELSE = "KALLELSE\nStyrelsens sammanträde 2024-03-14\n1. Mötets öppnande\n"


def _pnr(d: date = date(1981, 12, 18), serial: int = 238) -> str:
    body = f"{d.year % 100:02d}{d.month:02d}{d.day:02d}{serial}"
    return f"{d.year // 100}{body}{luhn.calc_check_digit(body)}"


PNR = _pnr()  # Skatteverket test series (238/239): never a real person
P10 = PNR[2:]


def _folders(tmp_path: Path) -> Folders:
    f = Folders(tmp_path / "inbox", tmp_path / "archive", tmp_path / "quarantine", tmp_path / "out").resolved()
    f.ensure()
    return f


def _cycle(f: Folders, files=None, **kw):
    return run_ingest_cycle(f, process_plain(f.out, jobs=1), files, settle_seconds=0, **kw)


def _all_output_text(*roots: Path) -> bytes:
    data = b""
    for root in roots:
        for p in root.rglob("*"):
            if p.is_file() and not p.is_symlink():
                data += os.fsencode(p.name) + b"\n"
                if p.suffix == ".json":
                    data += p.read_bytes()
    return data


# --- 1. names that are not UTF-8 ----------------------------------------------------------

def test_1_non_utf8_names_through_process_and_ingest(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = os.fsdecode(b"prot\xf6koll 2024.txt")  # an "ö" from a cp1252 share
    (inbox / bad).write_text(KALLELSE, encoding="utf-8")
    (inbox / os.fsdecode(b"bad\xff\xfe.pdf")).write_bytes(b"not a pdf")
    res = CliRunner().invoke(app, ["process", str(inbox), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1, res.output  # the broken one fails, with a line; no traceback
    assert "surrogates" not in res.output and "Traceback" not in res.output
    doc = json.loads(next((tmp_path / "o" / "documents").glob("*.json")).read_text("utf-8"))
    assert doc["file_name"] == "prot\\xf6koll 2024.txt"
    err = json.loads(next((tmp_path / "o" / "errors").glob("*.json")).read_text("utf-8"))
    assert err["file_name"] == "bad\\xff\\xfe.pdf"

    f = _folders(tmp_path / "cycle")
    (f.inbox / bad).write_text(KALLELSE, encoding="utf-8")
    (f.inbox / os.fsdecode(b"trasig\xe4.pdf")).write_bytes(b"%PDF-1.7 cut")
    files = settled_files(f.inbox, 0)
    assert all(display_name(p) == str(p) for p in files), "handed over as tokens, never the raw bytes"
    report = _cycle(f, files)
    assert not list(f.inbox.iterdir())
    archived = [p for p in f.archive.rglob("*") if p.is_file()]
    assert [os.fsencode(p.name) for p in archived] == [b"prot\xf6koll 2024.txt"]  # the real name, losslessly
    q = f.quarantine / os.fsdecode(b"trasig\xe4.pdf")
    assert q.exists() and json.loads(reason_path(q).read_text())["file_name"] == "trasig\\xe4.pdf"
    assert report.model_dump_json()  # serialisable
    assert [p.file_name for p in report.archived] == ["prot\\xf6koll 2024.txt"]


def test_1_staged_aliases_carry_no_raw_name(tmp_path: Path):
    from pipeline.runtime.inbox import staged

    inbox = tmp_path / "in"
    inbox.mkdir()
    raw = inbox / os.fsdecode(b"avtal \xf6 " + P10.encode() + b".txt")
    raw.write_text("x")
    plain = inbox / "plain.txt"
    plain.write_text("y")
    with staged([raw, plain], tmp_path / "out") as aliases:
        assert aliases[1] == plain
        assert display_name(aliases[0]) == str(aliases[0]) and P10 not in str(aliases[0])
        assert aliases[0].read_text() == "x"
    assert not (tmp_path / "out" / ".staging").exists()


# --- 2. very long names -------------------------------------------------------------------

def test_2_long_names_are_archived_and_quarantined_with_their_reason(tmp_path: Path):
    f = _folders(tmp_path)
    long_bad = "å" * 118 + ".pdf"  # 240 bytes
    long_good = "ö" * 120 + "x.txt"
    assert len(os.fsencode(long_bad)) >= 240
    (f.inbox / long_bad).write_bytes(b"garbage, not a pdf")
    (f.inbox / long_good).write_text(KALLELSE)
    (f.inbox / "kort.txt").write_text(KALLELSE + "2\n")
    (f.quarantine / long_bad).write_bytes(b"an older one")  # forces "name (2).pdf", longer still
    report = _cycle(f)
    assert not list(f.inbox.iterdir()), report
    assert len(report.archived) == 2 and len(report.quarantined) == 1
    q = Path(report.quarantined[0].moved_to)
    assert q.exists() and reason_path(q).exists()
    assert all(len(os.fsencode(p.name)) <= 255 for p in f.quarantine.iterdir())


def test_2_fit_name_keeps_suffix_and_fits():
    name = "ä" * 200 + ".pdf"
    fitted = fit_name(name, ".reason.json")
    assert len(os.fsencode(fitted)) <= 255 and fitted.endswith(".pdf.reason.json")
    assert fit_name("kort.pdf") == "kort.pdf"
    assert fit_name(name) != fit_name("ä" * 199 + "b.pdf")  # long names that share a beginning stay apart


# --- 3. overlapping folders -----------------------------------------------------------------

@pytest.mark.parametrize("archive,quarantine,out", [
    ("box/arkiv", "q", "o"), ("a", "box/q", "o"), ("a", "q", "box/o"), (".", "q", "o"), ("a", "a", "o"),
    ("a", "q", "box"),
])
def test_3_overlapping_folders_are_refused_in_one_line(tmp_path: Path, monkeypatch, archive, quarantine, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "box").mkdir()
    (tmp_path / "box" / "x.txt").write_text(KALLELSE)
    res = CliRunner().invoke(app, ["run", "ingest", "--no-prefect", "--settle", "0", "--inbox", "box",
                                   "--archive", archive, "--quarantine", quarantine, "--out", out])
    assert res.exit_code == 2, res.output
    assert len(res.output.strip().splitlines()) == 1 and "must be apart" in res.output
    assert (tmp_path / "box" / "x.txt").exists()
    from pipeline.runtime.folders import FolderOverlap

    with pytest.raises(FolderOverlap):
        run_ingest_cycle(Folders(tmp_path / "box", tmp_path / archive, tmp_path / quarantine, tmp_path / out),
                         process_plain(tmp_path / out), settle_seconds=0)


# --- 4. a damaged documents/*.json ----------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncate", "garbage_json", "wrong_shape"])
def test_4_a_damaged_record_is_set_aside_and_the_rest_goes_on(tmp_path: Path, damage):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text(KALLELSE)
    (inbox / "b.txt").write_text(KALLELSE.replace("03-14", "04-18"))
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["process", str(inbox), "--out", str(out)]).exit_code == 0
    victim = sorted((out / "documents").glob("*.json"))[0]
    data = victim.read_bytes()
    victim.write_bytes({"truncate": data[: len(data) // 2], "garbage_json": b"{\"a\": [1, 2",
                        "wrong_shape": b'{"doc_id": 5}'}[damage])
    res = runner.invoke(app, ["reconcile", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output and res.exception is None
    res = runner.invoke(app, ["process", str(inbox), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert len(list((out / "documents").glob("*.json"))) == 2  # processed again, whole
    assert list((out / "damaged").glob("*.json")), "set aside, not deleted"
    res = runner.invoke(app, ["tables", "--out", str(out)])
    assert res.exit_code == 0 and "documents" in res.output


# --- 5. files from outside the inbox --------------------------------------------------------

def test_5_a_cycle_never_touches_files_outside_the_inbox(tmp_path: Path):
    f = _folders(tmp_path)
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("KALLELSE\nhemligt 2024-01-01\n")
    (f.inbox / "ok.txt").write_text(KALLELSE)
    other = tmp_path / "annan" / "noll"  # never a real system file: the old code moved what it was given
    other.parent.mkdir()
    other.write_bytes(b"x")
    sneaky = [str(secret), str(f.inbox / ".." / "elsewhere" / "secret.txt"), str(f.inbox / "ok.txt"), str(other)]
    report = _cycle(f, [Path(p) for p in sneaky])
    assert secret.read_text().startswith("KALLELSE") and other.read_bytes() == b"x"
    assert len(report.refused) == 2 and len(report.archived) == 1  # "inbox/../elsewhere/x" is the same path
    assert b"hemligt" not in _all_output_text(f.out, f.archive)


# --- 6. symlinks out of the inbox -----------------------------------------------------------

def test_6_a_file_swapped_for_a_symlink_while_waiting_is_never_followed(tmp_path: Path):
    f = _folders(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("KALLELSE\nhemligt 2024-01-01\n")
    victim = f.inbox / "avtal.txt"
    victim.write_text(KALLELSE)
    (f.inbox / "sub").mkdir()
    (f.inbox / "sub" / "inne.txt").write_text(KALLELSE + "x\n")
    files = settled_files(f.inbox, 0)
    victim.unlink()
    victim.symlink_to(secret)  # swapped after the scan, before the cycle takes its lock
    (f.inbox / "sub" / "inne.txt").unlink()
    (f.inbox / "sub").rmdir()
    (f.inbox / "sub").symlink_to(tmp_path)  # a folder on the way swapped for a link
    (tmp_path / "inne.txt").write_text("KALLELSE\nhemligt 2\n")
    report = _cycle(f, files)
    assert secret.read_text().startswith("KALLELSE") and (tmp_path / "inne.txt").exists()
    assert b"hemligt" not in _all_output_text(f.out, f.archive)
    assert not report.archived
    assert [p.kind for p in report.quarantined] == ["not_a_file"]
    assert (f.quarantine / "avtal.txt").is_symlink()  # the link itself moved, with its reason
    assert report.refused and "symbolic link" in report.refused[0]


def test_6_readers_never_follow_a_link(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hemligt")
    link = tmp_path / "in" / "l.txt"
    link.parent.mkdir()
    link.symlink_to(secret)
    from pipeline.errors import UnreadableFile
    from pipeline.read import read_document

    with pytest.raises(UnreadableFile, match="symbolic link"):
        read_document(link)


# --- 7. lock files ------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["symlink", "hardlink"])
def test_7_lock_files_never_truncate_what_they_point_to(tmp_path: Path, how):
    from pipeline.runtime.locking import folder_lock
    from pipeline.outputs.tables import rebuild_tables

    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    victims = []
    for lock in (out / ".finsam.lock", out / "tables" / ".lock"):
        v = tmp_path / f"thesis-{lock.name}.tex"
        v.write_text("years of work")
        (lock.symlink_to(v) if how == "symlink" else os.link(v, lock))
        victims.append(v)
    with folder_lock(out):
        rebuild_tables(out)
    assert [v.read_text() for v in victims] == ["years of work"] * 2


# --- 8. spreadsheet formulas --------------------------------------------------------------

def test_8_export_writes_formula_like_text_as_text(tmp_path: Path):
    from openpyxl import load_workbook

    from pipeline.outputs.query import export_xlsx

    inbox = tmp_path / "in"
    inbox.mkdir()
    evil = ['=HYPERLINK("http://x","klicka")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    for i, e in enumerate(evil):
        (inbox / f"{i}.txt").write_text(e + "\n" + KALLELSE)
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["process", str(inbox), "--out", str(out)]).exit_code == 0
    target = tmp_path / "x.xlsx"
    export_xlsx(out, target, tables=["pages"])
    ws = load_workbook(target)["pages"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for e in evil:
        assert any(t.startswith(e) for t in texts), e


# --- 9. rebuilt tables not wider than the inputs --------------------------------------------

def test_9_rebuilt_tables_keep_a_private_inbox_private(tmp_path: Path):
    import shutil

    inbox = tmp_path / "privat"
    inbox.mkdir(mode=0o700)
    os.chmod(inbox, 0o700)
    (inbox / "a.txt").write_text(KALLELSE)
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert CliRunner().invoke(app, ["process", str(inbox), "--out", str(out)]).exit_code == 0
        shutil.rmtree(out / "tables")
        res = CliRunner().invoke(app, ["tables", "--rebuild", "--out", str(out)])
        assert res.exit_code == 0, res.output
        from pipeline.runtime.after_batch import rebuild_tables  # the ingest cycle's and the flows' call

        (out / "tables" / "pages.parquet").unlink()
        rebuild_tables(out)
    finally:
        os.umask(old)
    for p in [*(out / "tables").glob("*.parquet"), out / "finsam.duckdb"]:
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, (p, oct(p.stat().st_mode))


# --- 10. personnummer in every written form -------------------------------------------------

FORMS = [
    f"{P10[:6]} {P10[6:]}", f"{P10[:6]} - {P10[6:]}", f"{P10[:6]}-\n{P10[6:]}", f"{P10[:6]}\u2014{P10[6:]}",
    f"{P10[:6]}\uff0d{P10[6:]}", f"{P10[:6]}\ufe63{P10[6:]}", f"{P10[:6]}\u2011{P10[6:]}", f"{PNR[:8]} {PNR[8:]}",
    " ".join(P10[:6]) + " - " + " ".join(P10[6:]), " ".join(P10), " ".join(PNR[:8]) + " \u2013 " + " ".join(PNR[8:]),
    "".join(chr(ord(c) + 0xFEE0) for c in P10[:6]) + "\uff0d" + "".join(chr(ord(c) + 0xFEE0) for c in P10[6:]),
    f"{P10[:6]} -\n{P10[6:]}", f"{P10[:6]}\u00a0{P10[6:]}",
]


@pytest.mark.parametrize("written", FORMS)
def test_10_every_written_form_is_masked_in_place(written: str):
    text = f"Kontakt: Eva Ek ({written}), tel. 070-123 45 67, orgnr 212000-2627, 2024-03-14."
    masked, n = mask_text(text)
    assert n == 1 and len(masked) == len(text)
    assert not any(c.isdigit() for c in masked[text.index(written[0]):text.index(written[0]) + len(written)])
    assert "070-123 45 67" in masked and "212000-2627" in masked and "2024-03-14" in masked


def test_10_document_json_pages_and_paragraphs_hold_none(tmp_path: Path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    body = "\n".join(f"§ {i} Anmälan från Eva Ek {w} behandlas." for i, w in enumerate(FORMS, 1))
    (inbox / "p.txt").write_text("PROTOKOLL\nStyrelsens sammanträde 2024-03-14\n" + body + "\n")
    out = tmp_path / "out"
    result = process_batch([inbox], out)
    assert result.outcomes[0].status == "processed"
    data = next((out / "documents").glob("*.json")).read_text("utf-8")
    digits = re.sub(r"\D", "", data.replace(" ", ""))
    assert P10 not in digits  # not in any form, however spaced or dashed
    doc = json.loads(data)
    assert doc["personnummer_masked"] >= len(FORMS)


def test_10_letter_spaced_words_and_split_lines_are_masked(tmp_path: Path):
    from models.text import DocumentText, Line, Page, Word

    spaced = " ".join(P10[:6]) + " - " + " ".join(P10[6:])
    lines = [Line(text=f"pnr {P10[:6]}-", words=[Word(text="pnr"), Word(text=f"{P10[:6]}-")]),
             Line(text=f"{P10[6:]} och {spaced}", words=[Word(text=t) for t in f"{P10[6:]} och {spaced}".split()])]
    text = "\n".join(line.text for line in lines)
    doc = DocumentText(doc_id="0" * 64, file_name="x.pdf", source_path="/x.pdf", media_type="pdf",
                       pages=[Page(number=1, method="text", raw_text=text, text=text, lines=lines)])
    mask_document_text(doc)
    page = doc.pages[0]
    texts = [page.raw_text, page.text] + [ln.text for ln in page.lines] + [w.text for ln in page.lines for w in ln.words]
    assert not any(re.search(r"\d", t) for t in texts), texts
    assert [len(ln.text) for ln in page.lines] == [len(ln.text) for ln in lines]


# --- 11. personnummer in file names -------------------------------------------------------

def test_11_names_with_personnummer_never_reach_reasons_logs_or_the_orchestrator(tmp_path: Path, caplog):
    f = _folders(tmp_path)
    name = f"intyg {P10[:6]}-{P10[6:]}.pdf"
    (f.inbox / name).write_bytes(b"not a pdf at all")
    (f.inbox / f"avtal {PNR}.txt").write_text(KALLELSE)
    handed = settled_files(f.inbox, 0)
    assert not any(P10[:6] in str(p) for p in handed)  # Prefect parameters, task-run names
    seen: list[Path] = []
    plain = process_plain(f.out, jobs=1)

    def process(paths):
        seen.extend(paths)
        return plain(paths)

    caplog.set_level(logging.INFO)
    report = run_ingest_cycle(f, process, handed, settle_seconds=0)
    assert len(report.quarantined) == 1 and len(report.archived) == 1
    assert not any(P10[:6] in str(p) for p in seen)  # what the flow (and its result cache) gets
    q = f.quarantine / name
    assert q.exists()  # the file keeps its real name on disk
    for blob in (reason_path(q).read_text(), report.model_dump_json(), caplog.text,
                 _all_output_text(f.out).decode("utf-8", "replace")):
        assert P10[:6] not in blob and PNR[:8] not in blob


def test_11_cli_lines_are_masked_and_escaped(tmp_path: Path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / f"intyg {P10[:6]}-{P10[6:]}.pdf").write_bytes(b"junk")
    (inbox / "\x1b[31mröd\x1b[0m.pdf").write_bytes(b"junk")
    res = CliRunner().invoke(app, ["process", str(inbox), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert P10[:6] not in res.output and "\x1b" not in res.output
    assert "\\x1b[31mröd" in res.output


def test_11_handover_tokens_map_back(tmp_path: Path):
    f = _folders(tmp_path)
    p = f.inbox / f"a {P10}.txt"
    p.write_text(KALLELSE)
    token = handover(p)
    assert P10 not in str(token)
    report = _cycle(f, [token])
    assert len(report.archived) == 1 and not p.exists()


# --- 12. linear patterns ------------------------------------------------------------------

def _cpu_seconds(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def _scan(pat: re.Pattern, unit: str, n: int) -> None:
    for _ in pat.finditer((unit * (n // len(unit) + 1))[:n]):
        pass


def _grows_linearly(cost_at) -> tuple[bool, float, float]:
    """cost_at(k): CPU seconds for an input k times a base size. Linear work grows ~4x from
    k=1 to k=4, quadratic ~16x. CPU time, not wall time, so other load on the machine does not
    count; the 0.05 s floor absorbs timer noise where both costs are milliseconds."""
    small, big = cost_at(1), cost_at(4)
    return big <= 8 * small + 0.05, small, big


@pytest.mark.parametrize("unit, count", [
    ("Styrelsen beslutar att förbundschefen ska återkomma ", 400),  # long paragraphs without a full stop
    ("1 ", 10000),
    ("beslut senast ", 1500),
])
def test_12_stated_facts_are_linear_on_hostile_paragraphs(unit: str, count: int):
    from extractors import plan_facts
    from models.text import DocumentText, Page

    def cost(k: int) -> float:
        text = unit * (count * k)
        page = Page(number=1, method="txt", raw_text=text, text=text)
        doc = DocumentText(doc_id="0" * 64, file_name="x.txt", source_path="/x.txt", media_type="txt", pages=[page])
        return _cpu_seconds(lambda: plan_facts.deadlines(doc, page))

    ok, small, big = _grows_linearly(cost)
    assert ok, (unit, small, big)


def test_12_deadlines_still_found():
    from extractors import plan_facts
    from models.text import DocumentText, Page

    text = ("Inledning. Styrelsen beslutade att verksamhetsplanen för 2024 ska lämnas senast den "
            "30 november 2023. Annat.")
    page = Page(number=1, method="txt", raw_text=text, text=text)
    doc = DocumentText(doc_id="0" * 64, file_name="x.txt", source_path="/x.txt", media_type="txt", pages=[page])
    facts = plan_facts.deadlines(doc, page)
    assert [f.fact_date for f in facts] == [date(2023, 11, 30)]
    assert facts[0].text.startswith("Styrelsen beslutade")


def test_12_every_whole_text_pattern_of_plan_facts_and_personnummer_is_linear():
    import extractors.plan_facts as pf
    import pipeline.text.personnummer as pn

    units = ["1 ", " ", "a", "1", "- ", " \n", "beslut senast ", "styrelse best av ", "överförs "]
    for mod in (pf, pn):
        for name, pat in vars(mod).items():
            if not isinstance(pat, re.Pattern):
                continue
            for u in units:
                # The old _DEADLINE took ~26 s on 40,000 characters: 16x per 4x is quadratic.
                ok, small, big = _grows_linearly(lambda k, pat=pat, u=u: _cpu_seconds(lambda: _scan(pat, u, 10000 * k)))
                assert ok, (mod.__name__, name, u, small, big)


# --- 13. the smaller ones -------------------------------------------------------------------

def test_13_images_and_other_types_in_a_folder_are_named_in_the_summary(tmp_path: Path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for n in ("skanning.jpg", "foto.PNG", "fax.tif"):
        (inbox / n).write_bytes(b"\x89PNG....")
    (inbox / "a.txt").write_text(KALLELSE)
    res = CliRunner().invoke(app, ["process", str(inbox), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0
    for n in ("skanning.jpg", "foto.PNG", "fax.tif"):
        assert re.search(rf"skipped .*{re.escape(n)}: an image", res.output), res.output


def test_13_utf16_text_and_a_zero_page_pdf(tmp_path: Path):
    from hostile.make_hostile import build_pdf

    from pipeline.runtime.batch import process_file_isolated
    from pipeline.config import Limits

    (tmp_path / "u16.txt").write_bytes(KALLELSE.encode("utf-16"))
    (tmp_path / "u16be.txt").write_bytes(KALLELSE.encode("utf-16-be"))
    (tmp_path / "noll.pdf").write_bytes(build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                                   b"<< /Type /Pages /Kids [] /Count 0 >>"]))
    for n in ("u16.txt", "u16be.txt"):
        doc = process_file_isolated(tmp_path / n, Limits(timeout_seconds=60))
        assert "Styrelsens sammanträde" in doc.pages[0].text, doc
    err = process_file_isolated(tmp_path / "noll.pdf", Limits(timeout_seconds=60))
    assert err.message == "PDF has no pages (its page tree is empty)"


def test_13_a_file_still_open_for_writing_is_not_taken(tmp_path: Path):
    p = tmp_path / "kopia.pdf"
    with open(p, "wb") as fh:
        fh.write(b"%PDF-1.7 half")
        fh.flush()
        assert being_written(p)
        assert settled_files(tmp_path, settle_seconds=0.3, poll=0.1) == []
    assert not being_written(p)
    assert settled_files(tmp_path, settle_seconds=0.3, poll=0.1) == [p]


def test_13_pipes_sockets_links_and_stray_reasons_get_a_line(tmp_path: Path):
    f = _folders(tmp_path)
    os.mkfifo(f.inbox / "rör")
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(f.inbox / "uttag"))
    (f.inbox / "länk.pdf").symlink_to("/nowhere")
    (f.inbox / "gammal.pdf.reason.json").write_text("{}")
    try:
        assert len(scan_inbox(f.inbox)) == 4
        report = _cycle(f)
    finally:
        s.close()
    assert sorted(p.file_name for p in report.quarantined) == ["gammal.pdf.reason.json", "länk.pdf", "rör", "uttag"]
    assert not list(f.inbox.iterdir())


def test_13_read_only_out_is_one_line(tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text(KALLELSE)
    out = tmp_path / "ro"
    out.mkdir()
    os.chmod(out, 0o500)
    try:
        res = CliRunner().invoke(app, ["process", str(inbox), "--out", str(out)])
    finally:
        os.chmod(out, 0o700)
    assert res.exit_code == 1 and "cannot write the outputs" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_13_read_only_file_system_is_one_line(tmp_path: Path, monkeypatch):
    import errno

    import pipeline.runtime.locking as locking

    def read_only(path):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(locking, "open_lock_file", read_only)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text(KALLELSE)
    res = CliRunner().invoke(app, ["process", str(inbox), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1 and "Read-only file system" in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1 and isinstance(res.exception, SystemExit)


def test_13_full_disk_is_one_line(tmp_path: Path, monkeypatch):
    import errno

    import pipeline.outputs.store as store

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(store.os, "fsync", full)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text(KALLELSE)
    res = CliRunner().invoke(app, ["process", str(inbox), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1 and "No space left on device" in res.output
    assert isinstance(res.exception, SystemExit)


def test_13_scrambled_parquet_rebuilds_without_full(tmp_path: Path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text(KALLELSE)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["process", str(inbox), "--out", str(out)]).exit_code == 0
    (inbox / "b.txt").write_text(KALLELSE + "2\n")
    assert runner.invoke(app, ["process", str(inbox / "b.txt"), "--out", str(out)]).exit_code == 0
    pages = out / "tables" / "pages.parquet"
    pages.write_bytes(bytes(b ^ 0x5A for b in pages.read_bytes()))  # scrambled, footer and all; no document changed
    res = runner.invoke(app, ["tables", "--rebuild", "--out", str(out)])
    assert res.exit_code == 0, res.output
    import pyarrow.parquet as pq

    assert pq.read_table(pages).num_rows >= 2


def test_12_every_module_pattern_of_the_extraction_path_is_linear():
    """Every compiled pattern of the extractors, the segmenter and the Swedish parsers, on
    long runs of what documents are made of (spaces, digits, capitals, '§ 1', party
    letters): a pattern with an unbounded prefix before a fixed word goes quadratic there."""
    import importlib
    import pkgutil

    import extractors

    # Every module of these packages, so a module split off later is checked too.
    packages = [extractors] + [importlib.import_module(f"pipeline.{p}") for p in ("segment", "sv", "text")]
    names = [f"{pkg.__name__}.{m.name}" for pkg in packages for m in pkgutil.iter_modules(pkg.__path__)]
    units = ["1 ", " ", "a", "1", "- ", " \n", "A", "Aa ", "§ 1 ", ", ", ". ", "X Y ", "beslut ", "(S) "]
    for name in names:
        for var, pat in vars(importlib.import_module(name)).items():
            if not isinstance(pat, re.Pattern):
                continue
            for u in units:
                # The quadratic ones this found took 6-200 s on 20,000 characters.
                ok, small, big = _grows_linearly(lambda k, pat=pat, u=u: _cpu_seconds(lambda: _scan(pat, u, 5000 * k)))
                assert ok, (name, var, u, small, big)
