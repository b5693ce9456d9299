"""Synthetic documents with known values, for the analyst-table and query tests."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from models import (
    AgendaItem,
    Amount,
    Attendance,
    BBox,
    BudgetLine,
    Decision,
    DocType,
    Document,
    Flag,
    Goal,
    MeetingInfo,
    PageSummary,
    Paragraph,
    Party,
    ProcessingError,
    Provenance,
    Records,
    Segment,
    Signatory,
)
from pipeline.outputs.store import document_path, write_model
from pipeline.outputs.files import flags_path


def make_document(n: int, *, org: str = "Samordningsförbundet Umeå", year: int = 2024,
                  ocr_confidence: float | None = None) -> Document:
    """A file holding one of every record kind; values derive from n so rows can be told apart."""
    doc_id = f"{n:02d}" + "ab" * 31
    seg = f"{doc_id[:12]}-s1"
    method = "ocr" if ocr_confidence is not None else "text"
    day = date(year, 3, 10 + n)

    def prov(page: int = 1) -> Provenance:
        return Provenance(doc_id=doc_id, file_name=f"doc{n}.pdf", page=page, method=method,
                          ocr_confidence=ocr_confidence, char_start=5, char_end=25,
                          bbox=BBox(x0=10, top=20, x1=200, bottom=40))

    rec = Records(
        segments=[Segment(segment_id=seg, provenance=prov(), doc_type=DocType.PROTOKOLL, title=f"Protokoll {n}",
                          organisation=org, meeting_date=day, document_date=day, valid_from=date(year, 1, 1),
                          valid_to=None, valid_open_ended=True, page_start=1, page_end=2,
                          line_start=4, line_end=12)],
        meetings=[MeetingInfo(segment_id=seg, provenance=prov(), meeting_date=day, place="Umeå",
                              justerare=["Anna A", "Bo B"])],
        parties=[Party(segment_id=seg, provenance=prov(), name="Umeå kommun", canonical_name="Umeå kommun",
                       org_number="212000-2627", org_number_valid=True, party_type="kommun"),
                 Party(segment_id=seg, provenance=prov(), name="Försäkringskassan", role="samarbetspart")],
        signatories=[Signatory(segment_id=seg, provenance=prov(2), person_name="Eva Ek", title="ordförande",
                               organisation=org, signed_date=day)],
        amounts=[Amount(segment_id=seg, provenance=prov(), amount_sek=Decimal(1_500_000 + n), unit="mnkr",
                        per="year", year=year, context="Förbundet bidrar med 1,5 mnkr per år.", raw="1,5 mnkr")],
        budget_lines=[BudgetLine(segment_id=seg, provenance=prov(2), section="Kostnader", label="Insatser",
                                 year=year, amount_sek=Decimal(800_000 + n), scale=1000),
                      BudgetLine(segment_id=seg, provenance=prov(2), section="Kostnader", label="Summa",
                                 year=year, amount_sek=Decimal(800_000 + n), is_total=True, scale=1000)],
        goals=[Goal(segment_id=seg, provenance=prov(), goal_type="effektmål", text="Fler i arbete",
                    target_value=Decimal("12.5"), target_unit="%")],
        agenda_items=[AgendaItem(segment_id=seg, provenance=prov(), meeting_date=day, item_number=3,
                                 title="Budget", item_kind="Beslut", presenters=["Förbundschef", "Ekonom"],
                                 attachments=[1, 2], proposed_decision="Att godkänna budgeten")],
        paragraphs=[Paragraph(segment_id=seg, provenance=prov(), meeting_date=day, paragraph_number=7,
                              title="Budget", text="Styrelsen beslutar ...")],
        decisions=[Decision(segment_id=seg, provenance=prov(), meeting_date=day, paragraph_number=7,
                            decision_kind="beslut", text="att godkänna budgeten",
                            warnings=["paragraph number read from damaged text"])],
        attendance=[Attendance(segment_id=seg, provenance=prov(), meeting_date=day, person_name="Eva Ek",
                               organisation="Umeå kommun", role="ordförande", group="beslutande",
                               paragraphs=[7, 8])],
    )
    pages = [PageSummary(number=p, method=method, ocr_confidence=ocr_confidence, text_quality=0.9,
                         text=f"Sida {p} av dokument {n}", raw_text=f"Sida {p}") for p in (1, 2)]
    return Document(doc_id=doc_id, file_name=f"doc{n}.pdf", source_path=f"/in/doc{n}.pdf", media_type="pdf",
                    file_size=1000 + n, doc_type=DocType.PROTOKOLL, title=f"Protokoll {n}", organisation=org,
                    document_date=day, page_count=2, ocr_page_count=2 if method == "ocr" else 0,
                    ocr_mean_confidence=ocr_confidence, pipeline_version="0.1.0",
                    processed_at=datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc), pages=pages, records=rec)


def write_documents(out: Path, docs: list[Document]) -> None:
    for doc in docs:
        write_model(document_path(out, doc.doc_id), doc)


def write_flags(out: Path, flags: list[Flag]) -> None:
    path = flags_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([f.model_dump(mode="json") for f in flags]), encoding="utf-8")


def sample_flags(doc_ids: list[str]) -> list[Flag]:
    return [
        Flag(flag_id="f1", rule_id="budget_sum", severity="error", message="Summan stämmer inte",
             doc_ids=doc_ids[:1], year=2024, evidence=[{"doc_id": doc_ids[0], "expected": 10, "found": 9}]),
        Flag(flag_id="f2", rule_id="missing_party", severity="warning", message="Part saknas",
             doc_ids=doc_ids, year=2023),
    ]


def write_error(out: Path) -> None:
    err = ProcessingError(file_name="broken.pdf", source_path="/in/broken.pdf", kind="unreadable",
                          message="not a PDF", pipeline_version="0.1.0",
                          occurred_at=datetime(2025, 5, 1, tzinfo=timezone.utc))
    write_model(out / "errors" / "broken.pdf.json", err)


def corpus(out: Path, n: int = 3) -> list[Document]:
    """n documents (the last one OCR'd with low confidence), two flags and one error."""
    docs = [make_document(i, org=["Samordningsförbundet Umeå", "Finsam Göteborg"][i % 2], year=2023 + i % 2,
                          ocr_confidence=55.0 if i == n - 1 else None) for i in range(n)]
    write_documents(out, docs)
    write_flags(out, sample_flags([d.doc_id for d in docs]))
    write_error(out)
    return docs
