"""What every column of the analyst tables means: docs/schema.md and the tables' documentation.

Keyed by table, then column. A column missing here takes its model field's
`Field(description=...)`; tests/test_tables.py fails when a column has neither.
"""

from __future__ import annotations

# Column descriptions by table (record tables: their own columns; the frame is RECORD_FRAME).
# A column missing here takes its field's Field(description=...).
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "Document id: sha256 of the source file.",
        "file_name": "File name as received.",
        "source_path": "Path the file was processed from (the inbox path for ingested files).",
        "archived_path": "Where the file is now when an ingest cycle archived it (archive/<year>/<name>); null "
            "otherwise.",
        "doc_type": "Type of the file's first (main) segment: uppdragsavtal, overenskommelse, foredragningslista, "
            "protokoll, verksamhetsplan, budget or other.",
        "title": "Title of the main segment.",
        "organisation": "Förbund or kommun issuing the main segment.",
        "document_date": "Date of the main segment (document or meeting date).",
        "page_count": "Pages in the file.",
        "ocr_page_count": "Pages read by OCR.",
        "ocr_mean_confidence": "Mean Tesseract confidence (0-100) over the OCR'd pages; null without OCR.",
        "pipeline_version": "finsam version that wrote the record.",
        "processed_at": "When the file was processed (UTC).",
        "media_type": "pdf, docx or txt.",
        "file_size": "Size of the source file in bytes.",
        "segment_count": "Segments (documents) found in the file.",
        "personnummer_masked": "Personal identity numbers masked in the text.",
        "warnings": "Document-level warnings.",
        "same_as": "doc_id of the canonical file when this file is the same document (same type, organisation and "
            "date, near-identical text: e.g. a PDF and its later scan); null for canonical files. The default views "
            "leave such copies out; `<table>_all` views keep them.",
        "status": "ok; partial (an extractor failed on a segment: its records there are missing); failed (read, but "
            "not segmented: text kept, no records).",
    },
    "pages": {
        "doc_id": "Document id: sha256 of the source file (documents/<doc_id>.json).",
        "file_name": "File name as received.",
        "page": "1-based page number.",
        "method": "How the page was read: text, ocr, docx or txt.",
        "ocr_confidence": "Tesseract confidence 0-100; null unless method is ocr.",
        "text_quality": "Share of the text that looks like real words (0-1).",
        "width": "Page width in PDF points.",
        "height": "Page height in PDF points.",
        "char_count": "Characters of cleaned text on the page.",
        "text": "Cleaned text of the page.",
        "warnings": "Page-level warnings.",
    },
    "segments": {
        "doc_type": "uppdragsavtal, overenskommelse, foredragningslista, protokoll, verksamhetsplan, budget or "
            "other.",
        "title": "Title of the segment.",
        "organisation": "Förbund or kommun issuing the segment.",
        "meeting_date": "Meeting date of an agenda or minutes.",
        "document_date": "Date the document carries.",
        "valid_from": "Start of an agreement's or plan's period.",
        "valid_to": "End of the period; null when open-ended (see valid_open_ended).",
        "page_start": "First page of the segment in the file.",
        "page_end": "Last page of the segment in the file.",
        "body": "Issuing body, e.g. Styrelsen.",
        "decision_date": "Date of the decision adopting the document.",
        "valid_open_ended": "True for 'tillsvidare' (no end date).",
        "diarienummer": "Registration number as printed.",
        "activity": "The verksamhet / programme an agreement concerns.",
        "classification_confidence": "Confidence of the doc_type classification (0-1).",
        "classification_evidence": "Why the segment got its type (title, structure).",
        "line_start": "Index into the page's lines of the segment's first line on page_start; null: from the top of "
            "the page (a bundle may run documents on mid-page).",
        "line_end": "Index into the page's lines of the segment's last line on page_end; null: to the bottom of the "
            "page.",
    },
    "meetings": {
        "meeting_date": "Date of the meeting.",
        "time": "Time as printed.",
        "place": "Place as printed.",
        "body": "Meeting body, e.g. Styrelsen.",
        "justerare": "People appointed to check the minutes.",
        "justeringsdatum": "Date the minutes were checked.",
        "anslag_uppsatt": "Date the notice was posted.",
        "anslag_nedtaget": "Date the notice was taken down.",
    },
    "parties": {
        "name": "Name as written.",
        "canonical_name": "Name matched to the gazetteer; null when not matched.",
        "org_number": "Organisation number NNNNNN-NNNN as stated in the document.",
        "org_number_valid": "Whether org_number passes the Luhn check; null without a number.",
        "role": "part, verksamhetsansvarig or samarbetspart.",
        "party_type": "kommun, region, statlig myndighet, samordningsförbund or other.",
    },
    "signatories": {
        "person_name": "Name as written.",
        "title": "Title as written (ordförande, förbundschef, ...).",
        "organisation": "Organisation signed for, as written.",
        "canonical_organisation": "Organisation matched to the gazetteer.",
        "signed_date": "Date next to the signature.",
    },
    "amounts": {
        "amount_sek": "Amount in whole kronor (tkr and mnkr multiplied out).",
        "unit": "Unit as printed: kr, tkr, mnkr, ...",
        "per": "total, month or year.",
        "year": "Year the amount concerns, where stated.",
        "context": "The sentence the amount stands in.",
        "is_maximum": "True for a ceiling ('högst', 'maximalt').",
        "recipient": "Who receives the money, where stated.",
        "raw": "The figure as printed.",
    },
    "budget_lines": {
        "section": "Section of the budget table (Intäkter, Kostnader, ...).",
        "label": "Row label as printed.",
        "year": "Budget year of the column.",
        "amount_sek": "Amount in whole kronor; null when the cell is unreadable.",
        "is_total": "True for sum rows (Summa, Totalt).",
        "raw": "The cell as printed.",
        "share_percent": "Share in percent where the row states one ('83,7% av arb-bef.').",
    },
    "goals": {
        "goal_type": "övergripande mål, effektmål, strategiskt mål, individmål, indikator or mål.",
        "text": "The goal as written.",
        "target_value": "Numeric target, where stated.",
        "target_unit": "Unit of the target (%, personer, ...).",
        "heading": "Theme the goal stands under.",
    },
    "agenda_items": {
        "meeting_date": "Date of the meeting.",
        "item_number": "Item number on the agenda.",
        "title": "Item title.",
        "item_kind": "Beslut, Information, Diskussion, Information/diskussion or other.",
        "presenters": "Who presents the item.",
        "attachments": "Numbers of the attachments (bilagor) referred to.",
        "proposed_decision": "Proposed decision text.",
    },
    "paragraphs": {
        "meeting_date": "Date of the meeting.",
        "paragraph_number": "Paragraph number (§).",
        "title": "Paragraph title.",
        "text": "Paragraph text.",
    },
    "decisions": {
        "meeting_date": "Date of the meeting.",
        "paragraph_number": "Paragraph (§) of the decision in minutes.",
        "item_number": "Agenda item of a proposed decision.",
        "decision_kind": "beslut or forslag_till_beslut.",
        "text": "Decision text.",
    },
    "attendance": {
        "meeting_date": "Date of the meeting.",
        "person_name": "Name as written.",
        "organisation": "Organisation represented, as written.",
        "role": "ordförande, vice ordförande, ledamot, ersättare, förbundschef, sekreterare, justerare, ...",
        "paragraphs": "The paragraphs (§) attended, when attendance was limited; empty means the whole meeting.",
        "canonical_person_name": "Name matched across documents.",
        "canonical_organisation": "Organisation matched to the gazetteer.",
        "attendance_group": "beslutande, ersattare or ovriga (model field Attendance.group; renamed because GROUP is "
            "an SQL keyword).",
    },
    "facts": {
        "kind": "board_members, board_deputies, deadline, initiative, carry_over, valid_from, valid_to or "
            "decision_date.",
        "value": "The stated value as text: '9' (members), '2024' (deadline year), the initiative number, ...",
        "fact_date": "The date stated, for date kinds.",
        "year": "Year the statement concerns.",
        "text": "The sentence it stands in.",
    },
    "flags": {
        "flag_id": "Stable id of the finding.",
        "rule_id": "The reconciliation rule that fired.",
        "severity": "error, warning or info.",
        "message": "What is wrong, in Swedish, for the kansli.",
        "doc_ids": "Documents involved; join to documents.doc_id.",
        "year": "Year the finding concerns.",
        "evidence": "The records and values behind the finding, as JSON text.",
    },
    "errors": {
        "file_name": "File name as received.",
        "source_path": "Path the file was processed from.",
        "doc_id": "Document id, when the file could be hashed.",
        "kind": "unreadable, encrypted, timeout, memory, too_many_pages, unsupported, ...",
        "message": "One-line explanation.",
        "pipeline_version": "finsam version that tried.",
        "occurred_at": "When it failed (UTC).",
    },
}

# The record frame: the columns every record table has besides its own.
RECORD_FRAME: dict[str, str] = {
    "doc_id": "Document id: sha256 of the source file (documents/<doc_id>.json).",
    "segment_id": "The segment (document inside the file) the record belongs to; joins to segments.segment_id.",
    "page": "1-based page the record was read from.",
    "record_id": "Stable id of the record (same input, same id).",
    "file_name": "Source file name the record was read from.",
    "method": "How the text was read: text (PDF text layer), ocr, docx or txt.",
    "ocr_confidence": "Tesseract confidence 0-100 of the OCR'd text; null unless method is ocr.",
    "char_start": "Start of the record's span in the page's cleaned text.",
    "char_end": "End (exclusive) of the record's span in the page's cleaned text.",
    "bbox": "Box on the page in PDF points (x0, top, x1, bottom), where known.",
    "warnings": "Why the record may be wrong (guessed, damaged text, ...); empty when certain.",
}
