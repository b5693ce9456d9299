"""The extraction step: every extractor on every segment, with one shared context.

`ExtractionContext` holds what extractors may read besides their own segment: the
document, all its segments (typed, with their metadata already worked out by the
segmenter) and the index of persons named in it, built once and only when an extractor
asks for it. Extractors are pure functions of (context, segment); none changes a
Segment or reads another's records, so their order does not matter (a test shuffles it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from extractors import Extractor, all_extractors
from extractors._meeting import PersonIndex, build_person_index
from models import DocumentText, Records, Segment, StageError

log = logging.getLogger(__name__)


@dataclass
class ExtractionContext:
    doc: DocumentText
    segments: tuple[Segment, ...] = field(default_factory=tuple)

    @cached_property
    def persons(self) -> PersonIndex:
        """Persons named in the document's meeting text (for OCR-damaged spellings)."""
        return build_person_index(self.doc, self.segments)


def build_context(doc: DocumentText, segments: Sequence[Segment] | None = None) -> ExtractionContext:
    if segments is None:
        from pipeline.segment import segment_document

        segments = segment_document(doc)
    return ExtractionContext(doc=doc, segments=tuple(segments))


def run_extractors(
    ctx: ExtractionContext, extractors: Sequence[Extractor] | None = None
) -> tuple[Records, list[StageError]]:
    """(records, errors): every extractor on every segment of the context.

    An extractor that fails on an odd document costs that extractor's records on that
    segment, not the document: the failure is returned as a StageError.
    """
    extractors = list(extractors) if extractors is not None else all_extractors()
    records = Records(segments=list(ctx.segments))
    errors: list[StageError] = []
    for segment in ctx.segments:
        for fn in extractors:
            try:
                found = fn(ctx, segment)
            except Exception as exc:  # noqa: BLE001 - keep the document, record the failure
                log.exception("extractor %s failed on %s", fn.__name__, ctx.doc.file_name)
                errors.append(StageError(
                    stage="extract", component=fn.__name__, segment_id=segment.segment_id,
                    error_type=type(exc).__name__, message=" ".join(str(exc).split())[:500],
                ))
                continue
            for rec in found:
                if rec.segment_id is None:
                    rec.segment_id = segment.segment_id
                records.add(rec)
    return records, errors


def extract_records(doc: DocumentText, segments: Sequence[Segment] | None = None) -> tuple[Records, list[StageError]]:
    """Segment (unless given), then extract: the records of one document and what failed.

    A segmentation that fails leaves no records and one StageError; a failing extractor
    costs only its own records on one segment.
    """
    if segments is None:
        from pipeline.segment import segment_document

        try:
            segments = segment_document(doc)
        except Exception as exc:  # noqa: BLE001 - the text is kept; the document is marked failed
            log.exception("segmentation failed on %s", doc.file_name)
            return Records(), [StageError(stage="segment", component="segment_document", error_type=type(exc).__name__,
                                          message=" ".join(str(exc).split())[:500])]
    return run_extractors(build_context(doc, segments))
