"""The kansli's report as one self-contained HTML page: inline CSS, no scripts, no network."""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from datetime import date

from models import DocType, Document, Flag, ProcessingError
from pipeline.outputs.identity import same_as_documents
from pipeline.reconcile.budget_structure import unit_factor
from pipeline.reconcile.formatting import money
from pipeline.reconcile.registry import RULE_TITLES, RULES
from pipeline.reconcile.units import Unit
from pipeline.report.content import budget_table, doc_label, evidence_path, file_link, party_table, summarize
from pipeline.report.wording import (
    ORDER, QUARANTINE_HELP, SEVERITY_HELP, SEVERITY_SV, confidence_text, error_kind_sv, ocr_note, years_text,
)

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
    parts.append(f"<div class='card'><b>{_e(years_text(s.years))}</b>år</div>")
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
                     f"<span class='small'>{_e(doc_label(d))}</span>"
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
        parts.append(f"<tr><td><code>{_e(r.rule_id)}</code></td><td>{_e(r.title)}</td>"
                     f"<td>{SEVERITY_SV[r.severity]}</td><td class='num'>{per_rule.get(r.rule_id, 0)}</td></tr>")
    parts.append("</table><p class='small'>Avrundning i tkr-tabeller godtas (±1 tkr per summerad rad). "
                 "Länkarna öppnar filen på rätt sida i en PDF-läsare som stöder #page.</p></main></body></html>")
    return "".join(parts)


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


def _flag_html(f: Flag, by_id: dict[str, Document] | None = None) -> str:
    rows = []
    note = ocr_note(f)
    for e in f.evidence:
        link = file_link(evidence_path(e, by_id or {}), e.get("page"))
        where = f"{_e(e.get('file'))}, s. {_e(e.get('page'))}" if e.get("page") else _e(e.get("file"))
        if e.get("method") == "ocr":
            where += " (OCR" + (f" {confidence_text(e['ocr_confidence'])} %" if e.get("ocr_confidence") is not None else "") + ")"
        rows.append(f"<tr><td>{_e(e.get('what'))}</td><td class='num'>{_e(e.get('year') or '')}</td>"
                    f"<td>{_e(e.get('display'))}</td><td><a href='{_e(link)}'>{where}</a></td></tr>")
    badge = SEVERITY_SV[f.severity] + (" – OCR, kontrollera" if note else "")
    return (f"<div class='flag {f.severity}'><span class='badge {f.severity}'>{badge}</span>"
            f"<span class='meta'>{_e(RULE_TITLES.get(f.rule_id, f.rule_id))} · <code>{_e(f.rule_id)}</code>"
            f"{' · ' + str(f.year) if f.year else ''}</span><p>{_e(f.message)}</p>"
            f"{'<p class=ocr>' + _e(note) + '</p>' if note else ''}"
            f"<table><tr><th>Uppgift</th><th>År</th><th>Värde</th><th>Källa</th></tr>{''.join(rows)}</table></div>")
