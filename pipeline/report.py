"""The kansli's report of what does not add up: avvikelser-<date>.html and .md, in Swedish.

Summary (documents, years, förbund, counts by severity), the flags grouped by severity and
document with their evidence and a link to the file and page, and year-over-year tables
of the budget lines and parties the rules compared. The HTML is self-contained: inline
CSS, no scripts, no network.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from models import DocType, Document, Flag, ProcessingError
from pipeline.outputs.identity import same_as_documents
from pipeline.reconcile import RULES, line_kind, money, reconcile, unit_factor
from pipeline.resolve import (
    Unit, agreement_chains, all_units, org_key, party_keys, resolve_budget_lines, resolve_orgs,
)
from pipeline.store import iter_documents, iter_errors, write_atomic

SEVERITY_SV = {"error": "Fel", "warning": "Varning", "info": "Information"}
SEVERITY_HELP = {
    "error": "Siffror eller uppgifter som motsäger varandra och bör rättas.",
    "warning": "Något som saknas eller avviker och bör kontrolleras.",
    "info": "Förändringar mellan år som är normala men bra att känna till.",
}
RULE_SV = {
    "budget-line-sum": "Budgetrader mot delsumma",
    "budget-subtotal-sum": "Delsummor mot totalsumma",
    "budget-result": "Intäkter − kostnader + finansiella poster mot resultat",
    "equity-roll": "Eget kapital: ingående + resultat mot utgående",
    "share-sum": "Procentandelar summerar inte till 100",
    "numbering-agenda": "Numrering av dagordningspunkter",
    "numbering-paragraphs": "Numrering av paragrafer",
    "numbering-initiatives": "Numrering av samverkansinitiativ",
    "date-order-meeting": "Datum i protokoll i fel ordning",
    "date-order-validity": "Giltighetstid i fel ordning",
    "orgnr-invalid": "Ogiltigt organisationsnummer",
    "amount-exceeds-max": "Delbelopp över maxbelopp",
    "signature-missing-name": "Underskrift utan namn",
    "equity-continuity": "Eget kapital mellan år",
    "budget-line-changed": "Samma budgetrad, olika belopp",
    "finsam-split": "Finsam-fördelningen 50/25/25",
    "parties-changed": "Parter har ändrats",
    "orgnr-conflict": "Olika organisationsnummer för samma organisation",
    "signatory-changed": "Ny undertecknare",
    "validity-gap-overlap": "Glapp eller överlapp i giltighetstid",
    "deadline-missed": "Utlovat beslut saknas i protokollen",
    "agenda-decision-missing": "Beslutspunkt utan beslut i protokollet",
    "board-size-changed": "Styrelsens storlek har ändrats",
}
ORDER = ("error", "warning", "info")
# Why a file could not be processed (ProcessingError.kind), for the quarantine section.
ERROR_KIND_SV = {
    "unreadable": "Filen kunde inte läsas (skadad eller inte det filtypen säger)",
    "encrypted": "Filen är krypterad eller lösenordsskyddad",
    "unsupported": "Filtypen stöds inte (PDF, DOCX och TXT stöds)",
    "limit": "Filen är för stor (sidor, bildpunkter eller storlek över gränsen)",
    "timeout": "Läsningen tog för lång tid",
    "memory": "Läsningen krävde för mycket minne",
    "crash": "Läsningen avbröts oväntat",
    "ocr_unavailable": "Textigenkänning (OCR) saknas på datorn",
    "missing": "Filen fanns inte kvar",
    "error": "Filen kunde inte behandlas",
}


def flags_path(out: Path) -> Path:
    return out / "reconcile" / "flags.json"


def write_flags(out: Path, flags: list[Flag]) -> Path:
    path = flags_path(out)
    data = json.dumps([f.model_dump(mode="json") for f in flags], ensure_ascii=False, indent=1)
    write_atomic(path, data.encode("utf-8"))
    return path


# --- what the report shows -----------------------------------------------------------------


@dataclass
class Summary:
    documents: list[Document]
    years: list[int]
    forbund: list[str]
    counts: Counter


def summarize(documents: list[Document], flags: list[Flag]) -> Summary:
    units = all_units(documents)
    years = sorted({y for u in units for y in u.budget_years} | {u.plan_year for u in units if u.plan_year}
                   | {u.meeting_date.year for u in units if u.meeting_date})
    forbund = sorted({(u.segment.organisation or u.doc.organisation) for u in units
                      if (u.segment.organisation or u.doc.organisation)})
    return Summary(documents, years, forbund, Counter(f.severity for f in flags))


def budget_table(documents: list[Document], flags: list[Flag]) -> tuple[list[int], list[dict]]:
    """Rows of budget lines that appear in more than one document part or that a flag
    names, with their amount per year and document."""
    units = [u for u in all_units(documents) if u.budget_lines]
    orgs = resolve_orgs(units)  # OCR variants of a förbund's name are the same förbund
    flagged = {e.get("record_id") for f in flags for e in f.evidence}
    rows = []
    years: set[int] = set()
    for entity in resolve_budget_lines(units):
        # Years are compared within one förbund: the same label in two förbund's budgets is
        # two rows, never one row whose "difference" is between organisations.
        by_org: dict[str, list[tuple[Unit, object]]] = defaultdict(list)
        for u, b in entity.lines:
            if b.amount_sek is not None:
                by_org[_org_key(u, orgs)].append((u, b))
        for plain in by_org.values():
            in_units = {id(u) for u, _ in plain}
            if len(in_units) < 2 and not any(b.record_id in flagged for _, b in plain):
                continue
            cells: dict[int, list[tuple[Unit, object]]] = defaultdict(list)
            for u, b in plain:
                cells[b.year].append((u, b))
                years.add(b.year)
            rows.append({"label": entity.label, "section": entity.section, "cells": cells,
                         "organisation": _org_name(plain[0][0]), "kind": line_kind(plain[0][1]),
                         "flagged": {b.record_id for _, b in plain if b.record_id in flagged}})
    rows.sort(key=lambda r: r["organisation"] or "")  # stable: each förbund's rows together, in order
    return sorted(years), rows


def _org_name(u: Unit) -> str | None:
    return u.segment.organisation or u.doc.organisation


def _org_key(u: Unit, orgs) -> str:
    name = _org_name(u)
    entity = orgs.resolve(name) if name else None
    return f"entity:{entity.key}" if entity is not None else org_key(name or "")


def party_table(documents: list[Document]) -> list[dict]:
    """Per chain of consecutive agreements: which parties (and org numbers) each has."""
    units = all_units(documents)
    orgs = resolve_orgs(units)
    out = []
    for chain in agreement_chains(units, orgs):
        if len(chain) < 2:
            continue
        keys = sorted(set().union(*(party_keys(u, orgs) for u in chain)))
        rows = []
        for key in keys:
            entity = next(e for e in orgs.entities if e.key == key)
            cells = []
            for u in chain:
                found = [p for p in u.parties if (e := orgs.resolve(p.canonical_name or p.name, p.org_number)) and e.key == key]
                signer = next((s.person_name for s in u.signatories if s.organisation
                               and orgs.resolve(s.organisation) is entity), None)
                cells.append({"present": bool(found), "org_number": found[0].org_number if found else None, "signer": signer})
            rows.append({"name": entity.display, "cells": cells})
        out.append({"units": chain, "rows": rows})
    return out


# --- rendering --------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1d2733;background:#f6f7f9;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:1.7rem;margin:0 0 4px}h2{font-size:1.3rem;margin:32px 0 10px;border-bottom:2px solid #d8dde4;padding-bottom:4px}
h3{font-size:1.05rem;margin:18px 0 8px}
.lead{color:#4a5868;margin:0 0 18px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.card{background:#fff;border:1px solid #d8dde4;border-radius:8px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:1.6rem}
.card.error{border-left:6px solid #c0392b}.card.warning{border-left:6px solid #d68910}.card.info{border-left:6px solid #2e86c1}
.flag{background:#fff;border:1px solid #d8dde4;border-radius:8px;padding:10px 14px;margin:8px 0}
.flag.error{border-left:6px solid #c0392b}.flag.warning{border-left:6px solid #d68910}.flag.info{border-left:6px solid #2e86c1}
.flag p{margin:2px 0 6px}.meta{color:#5d6b7a;font-size:.85rem}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:1px 7px;border-radius:10px;color:#fff;margin-right:6px}
.badge.error{background:#c0392b}.badge.warning{background:#b9770e}.badge.info{background:#2e86c1}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem;margin:6px 0 12px}
th,td{border:1px solid #d8dde4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.hl td{background:#fdf2e9}td.diff{background:#fadbd8}
a{color:#1f5f99}
.small{font-size:.85rem;color:#5d6b7a}
.ocr{background:#fef5e7;border-left:3px solid #d68910;padding:4px 8px;font-size:.9rem}
"""


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text))


def file_link(path: str | None, page: int | None) -> str:
    if not path:
        return ""
    p = Path(path).resolve()
    return "file://" + quote(str(p)) + (f"#page={page}" if page else "")


def _doc_label(doc: Document) -> str:
    return doc.title.strip()[:80] if doc.title else doc.file_name


def error_kind_sv(kind: str) -> str:
    return ERROR_KIND_SV.get(kind, ERROR_KIND_SV["error"])


def render_html(documents: list[Document], flags: list[Flag], today: date,
                errors: list[ProcessingError] | None = None) -> str:
    s = summarize(documents, flags)
    errors = errors or []
    by_id = {d.doc_id: d for d in documents}
    parts = [f"<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'><title>Avvikelser {today.isoformat()}</title>"
             f"<style>{CSS}</style></head><body><main>"]
    parts.append(f"<h1>Avvikelser i samordningsförbundets dokument</h1><p class='lead'>Rapport {today.isoformat()} · "
                 "finsam jämför budgetar, överenskommelser, kallelser och protokoll inom och mellan dokument och år.</p>")
    # summary
    parts.append("<h2>Sammanfattning</h2><div class='cards'>")
    copies = same_as_documents(documents)
    parts.append(f"<div class='card'><b>{len(documents) - len(copies)}</b>dokument</div>")
    parts.append(f"<div class='card'><b>{_e(_years(s.years))}</b>år</div>")
    for sev in ORDER:
        parts.append(f"<div class='card {sev}'><b>{s.counts.get(sev, 0)}</b>{SEVERITY_SV[sev].lower()}</div>")
    parts.append(f"<div class='card'><b>{len(errors)}</b>i karantän</div>")
    parts.append("</div>")
    if s.forbund:
        parts.append(f"<p><b>Förbund och organisationer:</b> {_e(', '.join(s.forbund))}</p>")
    parts.append("<table><tr><th>Dokument</th><th>Typ</th><th>Datum</th><th>Sidor</th><th>Avvikelser</th></tr>")
    per_doc = Counter(d for f in flags for d in f.doc_ids)
    for d in sorted(documents, key=lambda d: d.file_name):
        parts.append(f"<tr><td><a href='{_e(file_link(d.current_path, None))}'>{_e(d.file_name)}</a><br>"
                     f"<span class='small'>{_e(_doc_label(d))}</span>"
                     f"{_copy_note(d, copies, by_id)}</td><td>{_e(DocType(d.doc_type).swedish)}</td>"
                     f"<td>{_e(d.document_date or '')}</td><td class='num'>{d.page_count}</td><td class='num'>{per_doc.get(d.doc_id, 0)}</td></tr>")
    parts.append("</table>")
    parts.append(_quarantine_html(errors))
    # flags by severity, then document
    for sev in ORDER:
        group = [f for f in flags if f.severity == sev]
        parts.append(f"<h2>{SEVERITY_SV[sev]} ({len(group)})</h2><p class='small'>{SEVERITY_HELP[sev]}</p>")
        if not group:
            parts.append("<p>Inga.</p>")
            continue
        by_doc: dict[str, list[Flag]] = defaultdict(list)
        for f in group:
            by_doc[f.doc_ids[0] if f.doc_ids else ""].append(f)
        for doc_id in sorted(by_doc, key=lambda i: by_id[i].file_name if i in by_id else i):
            doc = by_id.get(doc_id)
            parts.append(f"<h3>{_e(doc.file_name if doc else doc_id)}</h3>")
            for f in by_doc[doc_id]:
                parts.append(_flag_html(f, by_id))
    # year over year
    years, rows = budget_table(documents, flags)
    parts.append("<h2>Budgetrader år för år</h2>")
    if rows:
        parts.append("<p class='small'>Raderna som reglerna jämförde: samma budgetrad i flera dokument, eller rader som "
                     "nämns i en avvikelse, jämförda inom ett förbund i taget. En rad per dokument; belopp som skiljer sig mellan "
                     "dokument för samma förbund och år är rödmarkerade, "
                     "rader i en avvikelse är gulmarkerade. Beloppen länkar till sidan i filen.</p>")
        parts.append("<table><tr><th>Budgetrad</th><th>Dokument</th>" + "".join(f"<th>{y}</th>" for y in years) + "</tr>")
        for row in rows:
            by_unit: dict[int, tuple[Unit, dict[int, object]]] = {}
            for y, entries in row["cells"].items():
                for u, b in entries:
                    by_unit.setdefault(id(u), (u, {}))[1][y] = b
            ordered = sorted(by_unit.values(), key=lambda e: (e[0].plan_year or 0, e[0].doc.file_name))
            for i, (u, cells_by_year) in enumerate(ordered):
                factor = unit_factor(u.budget_lines)
                cls = " class='hl'" if any(b.record_id in row["flagged"] for b in cells_by_year.values()) else ""
                org = f"<br><span class='small'>{_e(row['organisation'])}</span>" if row["organisation"] else ""
                first = (f"<td rowspan='{len(ordered)}'>{_e(row['label'])}{org}</td>" if i == 0 else "")
                tds = []
                for y in years:
                    b = cells_by_year.get(y)
                    if b is None:
                        tds.append("<td class='num'>–</td>")
                        continue
                    others = {x.amount_sek for _, x in row["cells"].get(y, [])}
                    diff = " diff" if len(others) > 1 else ""
                    tds.append(f"<td class='num{diff}'><a href='{_e(file_link(u.doc.current_path, b.provenance.page))}'>"
                               f"{_e(money(b.amount_sek, factor))}</a></td>")
                parts.append(f"<tr{cls}>{first}<td class='small'>{_e(u.doc.file_name)}"
                             f"{' (' + str(u.plan_year) + ')' if u.plan_year else ''}</td>{''.join(tds)}</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>Inga budgetrader att jämföra mellan dokument.</p>")
    parts.append("<h2>Parter i på varandra följande överenskommelser</h2>")
    chains = party_table(documents)
    if not chains:
        parts.append("<p>Inga på varandra följande överenskommelser hittades.</p>")
    for chain in chains:
        parts.append("<table><tr><th>Part</th>" + "".join(
            f"<th>{_e(u.plan_year)}<br><span class='small'>{_e(u.doc.file_name)}</span></th>" for u in chain["units"]) + "</tr>")
        for row in chain["rows"]:
            present = [c["present"] for c in row["cells"]]
            cls = " class='hl'" if len(set(present)) > 1 else ""
            tds = "".join(
                f"<td>{'✓ ' + _e(c['org_number'] or '') if c['present'] else '–'}"
                f"{'<br><span class=small>undertecknare: ' + _e(c['signer']) + '</span>' if c['signer'] else ''}</td>"
                for c in row["cells"])
            parts.append(f"<tr{cls}><td>{_e(row['name'])}</td>{tds}</tr>")
        parts.append("</table>")
    parts.append("<h2>Kontroller</h2><table><tr><th>Regel</th><th>Kontroll</th><th>Normal nivå</th><th>Antal</th></tr>")
    per_rule = Counter(f.rule_id for f in flags)
    for r in RULES:
        parts.append(f"<tr><td><code>{_e(r.rule_id)}</code></td><td>{_e(RULE_SV.get(r.rule_id, r.description))}</td>"
                     f"<td>{SEVERITY_SV[r.severity]}</td><td class='num'>{per_rule.get(r.rule_id, 0)}</td></tr>")
    parts.append("</table><p class='small'>Avrundning i tkr-tabeller godtas (±1 tkr per summerad rad). "
                 "Länkarna öppnar filen på rätt sida i en PDF-läsare som stöder #page.</p></main></body></html>")
    return "".join(parts)


QUARANTINE_HELP = ("Filer som inte kunde läsas och därför inte ingår i jämförelserna. De ligger i "
                   "karantänmappen med en förklaring bredvid (filnamnet + .reason.json). Rätta filen och lägg den i inkorgen "
                   "igen; när den har lästs försvinner den från listan.")


def _quarantine_html(errors: list[ProcessingError]) -> str:
    parts = [f"<h2>Filer i karantän ({len(errors)})</h2>"]
    if not errors:
        return parts[0] + "<p>Inga.</p>"
    parts.append(f"<p class='small'>{_e(QUARANTINE_HELP)}</p>")
    parts.append("<table><tr><th>Fil</th><th>Orsak</th><th>Teknisk detalj</th><th>Datum</th></tr>")
    for err in errors:
        when = err.occurred_at.date().isoformat() if err.occurred_at else ""
        parts.append(f"<tr><td>{_e(err.file_name)}</td><td>{_e(error_kind_sv(err.kind))}</td>"
                     f"<td class='small'>{_e(err.message)}</td><td>{_e(when)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def _copy_note(d: Document, copies: dict[str, str], by_id: dict[str, Document]) -> str:
    """A file that is the same document as another (e.g. its scan) counts once; say which."""
    canonical = by_id.get(copies.get(d.doc_id, ""))
    if canonical is None:
        return ""
    return f"<br><span class='small'>Samma dokument som {_e(canonical.file_name)} (räknas en gång)</span>"


def _years(years: list[int]) -> str:
    if not years:
        return "–"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _evidence_path(e: dict, by_id: dict[str, Document]) -> str | None:
    """Where the evidence's file is now (archived since the flag was made, say)."""
    doc = by_id.get(e.get("doc_id") or "")
    return doc.current_path if doc is not None else e.get("path")


def _pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def ocr_note(f: Flag) -> str | None:
    """A flag that rests on figures read by OCR says so, with each page's confidence: the
    figure may be a misreading (292 for 792), so the page itself should be checked."""
    pages: dict[tuple, float | None] = {}
    for e in f.evidence:
        if e.get("method") == "ocr":
            pages.setdefault((e.get("file"), e.get("page")), e.get("ocr_confidence"))
    if not pages:
        return None
    where = "; ".join(
        f"{file}{', s. ' + str(page) if page else ''}"
        f"{' (OCR-säkerhet ' + _pct(conf) + ' %)' if conf is not None else ''}"
        for (file, page), conf in pages.items())
    return (f"Bygger på siffror som lästs med OCR (textigenkänning av en skannad sida): {where}. "
            "Siffran kan vara feltolkad – kontrollera mot sidan i filen innan något rättas.")


def _flag_html(f: Flag, by_id: dict[str, Document] | None = None) -> str:
    rows = []
    note = ocr_note(f)
    for e in f.evidence:
        link = file_link(_evidence_path(e, by_id or {}), e.get("page"))
        where = f"{_e(e.get('file'))}, s. {_e(e.get('page'))}" if e.get("page") else _e(e.get("file"))
        if e.get("method") == "ocr":
            where += " (OCR" + (f" {_pct(e['ocr_confidence'])} %" if e.get("ocr_confidence") is not None else "") + ")"
        rows.append(f"<tr><td>{_e(e.get('what'))}</td><td class='num'>{_e(e.get('year') or '')}</td>"
                    f"<td>{_e(e.get('display'))}</td><td><a href='{_e(link)}'>{where}</a></td></tr>")
    badge = SEVERITY_SV[f.severity] + (" – OCR, kontrollera" if note else "")
    return (f"<div class='flag {f.severity}'><span class='badge {f.severity}'>{badge}</span>"
            f"<span class='meta'>{_e(RULE_SV.get(f.rule_id, f.rule_id))} · <code>{_e(f.rule_id)}</code>"
            f"{' · ' + str(f.year) if f.year else ''}</span><p>{_e(f.message)}</p>"
            f"{'<p class=ocr>' + _e(note) + '</p>' if note else ''}"
            f"<table><tr><th>Uppgift</th><th>År</th><th>Värde</th><th>Källa</th></tr>{''.join(rows)}</table></div>")


def render_markdown(documents: list[Document], flags: list[Flag], today: date,
                    errors: list[ProcessingError] | None = None) -> str:
    s = summarize(documents, flags)
    errors = errors or []
    by_id = {d.doc_id: d for d in documents}
    lines = [f"# Avvikelser i samordningsförbundets dokument ({today.isoformat()})", "",
             "## Sammanfattning", "",
             f"- Dokument: {len(documents) - len(same_as_documents(documents))}", f"- År: {_years(s.years)}",
             f"- Förbund och organisationer: {', '.join(s.forbund) or '–'}",
             *(f"- {SEVERITY_SV[sev]}: {s.counts.get(sev, 0)}" for sev in ORDER),
             f"- I karantän: {len(errors)}", "",
             f"## Filer i karantän ({len(errors)})", ""]
    if errors:
        lines += [QUARANTINE_HELP, "", "| Fil | Orsak | Teknisk detalj | Datum |", "|---|---|---|---|"]
        lines += [f"| {e.file_name} | {error_kind_sv(e.kind)} | {e.message} | "
                  f"{e.occurred_at.date().isoformat() if e.occurred_at else ''} |" for e in errors]
    else:
        lines.append("Inga.")
    lines.append("")
    for sev in ORDER:
        group = [f for f in flags if f.severity == sev]
        lines += [f"## {SEVERITY_SV[sev]} ({len(group)})", ""]
        if not group:
            lines += ["Inga.", ""]
        by_doc: dict[str, list[Flag]] = defaultdict(list)
        for f in group:
            by_doc[f.doc_ids[0] if f.doc_ids else ""].append(f)
        for doc_id, fl in by_doc.items():
            lines += [f"### {by_id[doc_id].file_name if doc_id in by_id else doc_id}", ""]
            for f in fl:
                lines.append(f"- **{RULE_SV.get(f.rule_id, f.rule_id)}** (`{f.rule_id}`{', ' + str(f.year) if f.year else ''}): {f.message}")
                if note := ocr_note(f):
                    lines.append(f"  - *OCR, kontrollera:* {note}")
                for e in f.evidence:
                    link = file_link(_evidence_path(e, by_id), e.get("page"))
                    lines.append(f"  - {e.get('what')}{' ' + str(e['year']) if e.get('year') else ''}: {e.get('display')} "
                                 f"([{e.get('file')}, s. {e.get('page')}]({link}))")
            lines.append("")
    years, rows = budget_table(documents, flags)
    lines += ["## Budgetrader år för år", ""]
    if rows:
        lines.append("| Budgetrad | " + " | ".join(str(y) for y in years) + " |")
        lines.append("|---|" + "---:|" * len(years))
        for row in rows:
            cells = []
            for y in years:
                cells.append(" / ".join(f"{money(b.amount_sek, unit_factor(u.budget_lines))} ({u.plan_year})"
                                        for u, b in row["cells"].get(y, [])) or "–")
            org = f" ({row['organisation']})" if row["organisation"] else ""
            lines.append(f"| {row['label']}{org} | " + " | ".join(cells) + " |")
    else:
        lines.append("Inga budgetrader att jämföra mellan dokument.")
    lines += ["", "## Parter i på varandra följande överenskommelser", ""]
    chains = party_table(documents)
    for chain in chains:
        lines.append("| Part | " + " | ".join(f"{u.plan_year} ({u.doc.file_name})" for u in chain["units"]) + " |")
        lines.append("|---|" + "---|" * len(chain["units"]))
        for row in chain["rows"]:
            lines.append(f"| {row['name']} | " + " | ".join(
                ("✓ " + (c["org_number"] or "")) if c["present"] else "–" for c in row["cells"]) + " |")
        lines.append("")
    if not chains:
        lines.append("Inga på varandra följande överenskommelser hittades.")
    return "\n".join(lines) + "\n"


def write_report(out: Path, documents: list[Document], flags: list[Flag], today: date | None = None,
                 errors: list[ProcessingError] | None = None) -> tuple[Path, Path]:
    today = today or date.today()
    reports = out / "reports"
    html_path = reports / f"avvikelser-{today.isoformat()}.html"
    md_path = reports / f"avvikelser-{today.isoformat()}.md"
    write_atomic(html_path, render_html(documents, flags, today, errors).encode("utf-8"))
    write_atomic(md_path, render_markdown(documents, flags, today, errors).encode("utf-8"))
    return html_path, md_path


def run_reconciliation(out: Path, today: date | None = None) -> tuple[list[Flag], Path, Path]:
    """Read OUT/documents, write OUT/reconcile/flags.json and the report; return them."""
    documents = list(iter_documents(out))
    flags = reconcile(documents)
    write_flags(out, flags)
    html_path, md_path = write_report(out, documents, flags, today, list(iter_errors(out)))
    return flags, html_path, md_path
