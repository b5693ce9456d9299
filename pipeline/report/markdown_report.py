"""The kansli's report in Markdown: the same content as the HTML page, for mail and diffs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from models import Document, Flag, ProcessingError
from pipeline.outputs.identity import same_as_documents
from pipeline.reconcile.budget_structure import unit_factor
from pipeline.reconcile.formatting import money
from pipeline.reconcile.registry import RULE_TITLES
from pipeline.report.content import budget_table, evidence_path, file_link, party_table, summarize
from pipeline.report.wording import ORDER, QUARANTINE_HELP, SEVERITY_SV, error_kind_sv, ocr_note, years_text


def render_markdown(documents: list[Document], flags: list[Flag], today: date,
                    errors: list[ProcessingError] | None = None) -> str:
    s = summarize(documents, flags)
    errors = errors or []
    by_id = {d.doc_id: d for d in documents}
    lines = [f"# Avvikelser i samordningsförbundets dokument ({today.isoformat()})", "",
             "## Sammanfattning", "",
             f"- Dokument: {len(documents) - len(same_as_documents(documents))}", f"- År: {years_text(s.years)}",
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
                lines.append(f"- **{RULE_TITLES.get(f.rule_id, f.rule_id)}** (`{f.rule_id}`{', ' + str(f.year) if f.year else ''}): {f.message}")
                if note := ocr_note(f):
                    lines.append(f"  - *OCR, kontrollera:* {note}")
                for e in f.evidence:
                    link = file_link(evidence_path(e, by_id), e.get("page"))
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
