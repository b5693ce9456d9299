"""Segment builder: the blocks of one document and the gold records they carry."""

from __future__ import annotations

from datetime import date

from samples.world import FORBUND

RECORD_KINDS = ["meetings", "parties", "signatories", "amounts", "budget_lines", "goals",
                "agenda_items", "paragraphs", "decisions", "attendance"]


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


class Seg:
    def __init__(self, doc_type: str, title: str, running_header: str, *, running_footer: str = "",
                 organisation: str = FORBUND, body: str | None = None, meeting_date: date | None = None,
                 document_date: date | None = None, decision_date: date | None = None,
                 valid_from: date | None = None, valid_to: date | None = None, valid_open_ended: bool = False,
                 diarienummer: str | None = None, activity: str | None = None):
        self.gold = {
            "doc_type": doc_type, "title": title, "organisation": organisation, "body": body,
            "meeting_date": iso(meeting_date), "document_date": iso(document_date),
            "decision_date": iso(decision_date), "valid_from": iso(valid_from), "valid_to": iso(valid_to),
            "valid_open_ended": valid_open_ended, "diarienummer": diarienummer, "activity": activity,
            "page_start": None, "page_end": None,
        }
        self.meeting_date = meeting_date
        self.running_header = running_header
        self.running_footer = running_footer or f"{FORBUND} · Storgatan 14 · 912 30 Norråsa · www.finsam-norradalen.se"
        self.title = title
        self.blocks: list[dict] = []
        self.records: dict[str, list[dict]] = {k: [] for k in RECORD_KINDS}

    def add(self, block: dict, **recs: list[dict]) -> dict:
        block.setdefault("recs", [])
        for kind, items in recs.items():
            for rec in items:
                rec.setdefault("page", None)
                self.records[kind].append(rec)
                block["recs"].append(rec)
        self.blocks.append(block)
        return block

    # -- shorthands
    def title_(self, text: str, **recs) -> None:
        self.add({"kind": "title", "text": text}, **recs)

    def h(self, text: str, **recs) -> None:
        self.add({"kind": "h", "text": text}, **recs)

    def p(self, text: str, lead: str | None = None, **recs) -> None:
        self.add({"kind": "p", "text": text, "lead": lead}, **recs)

    def bullets(self, items: list[str], **recs) -> None:
        self.add({"kind": "bullets", "items": items}, **recs)

    def kv(self, rows: list[tuple[str, str]], label_width: float = 45, **recs) -> None:
        self.add({"kind": "kv", "rows": rows, "label_width": label_width}, **recs)

    def table(self, block: dict, gold_lines: list[dict]) -> None:
        for rec in gold_lines:
            rec.setdefault("page", None)
        self.records["budget_lines"].extend(gold_lines)
        block.setdefault("recs", [])
        self.blocks.append(block)

    def sig(self, columns: list[dict], intro: str | None = None) -> None:
        """columns: dicts with org, name (may be None), title, place_date."""
        for col in columns:
            rec = {"person_name": col.get("name"), "title": col.get("title"), "organisation": col["org"],
                   "signed_date": None, "page": None}
            col["recs"] = [rec]
            self.records["signatories"].append(rec)
        self.blocks.append({"kind": "sig", "columns": columns, "intro": intro, "recs": []})

    def spec(self) -> dict:
        return {"gold": self.gold, "blocks": self.blocks, "running_header": self.running_header,
                "running_footer": self.running_footer, "title_meta": self.title, "records": self.records}
