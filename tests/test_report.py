"""The kansli's report: Swedish, self-contained, links to file and page; rendered in
headless Chromium (screenshot) when Chromium is installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from models import DocType  # noqa: E402
from pipeline.reconcile import reconcile  # noqa: E402
from pipeline.report import run_reconciliation, write_flags, write_report  # noqa: E402
from pipeline.report.markdown_report import render_markdown  # noqa: E402
from pipeline.outputs.store import document_path, write_model  # noqa: E402
from reconcile_builder import YEARS_2024, DocBuilder, budget_2024, plan  # noqa: E402

TODAY = date(2024, 2, 1)


def corpus():
    rows21 = [("Intäkter", None), ("- Försäkringskassan", [5690, 5690, 5690]), ("- Region Västerbotten", [2845, 2845, 2845]),
              ("- Umeå kommun, 82,9% av arb-bef.", [2359, 2353, 2353]), ("- Vännäs kommun, 17,1% av arb-bef.", [485, 491, 491]),
              ("Summa intäkter", [11379, 11379, 11379]), ("Kostnader", None), ("Kansli och styrelse", None),
              ("- Kanslipersonal", [-1580, -1620, -1660]), ("- Övrigt kontor och adm.", [-10945, -9861, -9728]),
              ("Summa kansli och styrelse", [-12525, -11481, -11388]), ("Resultat", [-1146, -102, -9]),
              ("Eget kapital vid årets början", [2040, 894, 792]), ("Eget kapital vid årets slut", [894, 792, 783])]
    p21 = plan("vp2021", [2021, 2022, 2023], rows21)
    p21.fact("board_members", "5", text="styrelse som består av 5 ledamöter och 5 ersättare")
    p24 = plan("vp2024", YEARS_2024, budget_2024(esf_2025=-150))
    p24.fact("board_members", "9", text="Styrelsen består av 9 ledamöter och 9 ersättare")
    for name, nr in [("Arbetsförmedlingen", "202100-2114"), ("Umeå kommun", "212000-2627"), ("Försäkringskassan", "202100-5521")]:
        p24.party(name, nr)
    p24.signatory("", "Umeå kommun").signatory("Mikael Broman", "Försäkringskassan")
    ok23 = DocBuilder("ok2023", DocType.OVERENSKOMMELSE, title="Överenskommelse 2023",
                      organisation="Samordningsförbundet Umeåregionen", valid_from=date(2023, 1, 1), valid_to=date(2023, 12, 31))
    for name, nr in [("Arbetsförmedlingen", "202100-2114"), ("Umeå kommun", "212000-2627"), ("Försäkringskassan", "202100-5521"),
                     ("Kriminalvården", "202100-0225")]:
        ok23.party(name, nr)
    ok23.signatory("Peter Vigren", "Umeå kommun").signatory("Mikael Broman", "Försäkringskassan")
    return [p21.build(), ok23.build(), p24.build()]


def test_flags_json_and_report_written(tmp_path):
    docs = corpus()
    for d in docs:
        write_model(document_path(tmp_path, d.doc_id), d)
    flags, html_path, md_path = run_reconciliation(tmp_path, TODAY)
    data = json.loads((tmp_path / "reconcile" / "flags.json").read_text("utf-8"))
    assert [f["flag_id"] for f in data] == [f.flag_id for f in flags]
    assert {f["rule_id"] for f in data} >= {"budget-line-sum", "equity-continuity", "board-size-changed",
                                            "signature-missing-name", "parties-changed"}
    assert html_path.name == "avvikelser-2024-02-01.html" and md_path.suffix == ".md"


def test_html_is_swedish_self_contained_and_links_pages(tmp_path):
    docs = corpus()
    flags = reconcile(docs)
    html_path, md_path = write_report(tmp_path, docs, flags, TODAY)
    html = html_path.read_text("utf-8")
    assert "<h2>Sammanfattning</h2>" in html and "<h2>Fel (" in html and "<h2>Information (" in html
    assert "Budgetrader år för år" in html and "Parter i på varandra följande överenskommelser" in html
    assert "file:///corpus/vp2024.pdf#page=5" in html
    # self-contained: no external resource (http links, scripts, stylesheets, fonts)
    assert not re.search(r"(src|href)=['\"]https?:", html)
    assert "<script" not in html and "@import" not in html and "<link" not in html
    md = md_path.read_text("utf-8")
    assert md.startswith("# Avvikelser") and "## Fel (" in md and "#page=5" in md


def test_markdown_without_flags_says_so():
    md = render_markdown(corpus()[1:2], [], TODAY)
    assert "Inga." in md and "- Fel: 0" in md


def test_write_flags_atomic_json(tmp_path):
    path = write_flags(tmp_path, [])
    assert json.loads(path.read_text()) == []


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt install chromium; make bootstrap installs it)")
def test_report_screenshot_in_headless_chromium(tmp_path):
    docs = corpus()
    html_path, _ = write_report(tmp_path, docs, reconcile(docs), TODAY)
    png = tmp_path / "report.png"
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--hide-scrollbars", "--window-size=1200,2400",
           f"--screenshot={png}", html_path.as_uri()]
    subprocess.run(cmd, check=True, timeout=120, capture_output=True)
    assert png.exists() and png.stat().st_size > 20_000
    from PIL import Image

    img = Image.open(png).convert("RGB")
    assert img.size == (1200, 2400)
    # the page is rendered, not blank: the severity colours of the cards and flags are there
    colours = img.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50
    reds = sum(n for n, (r, g, b) in colours if r > 170 and g < 80 and b < 70)
    assert reds > 200, "the red error markers are not rendered"
    keep = Path(__file__).resolve().parent.parent / ".cache" / "report-screenshot.png"
    keep.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, keep)  # for a person to look at
