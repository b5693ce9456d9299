"""Signatories: person, title and organisation from the signature block of an agreement.

A meeting's signature block (protokoll, kallelse) names its sekreterare, ordförande and
justerare (extractors/_meeting_signatures.py). An agreement's block is cut into columns
of cells (extractors/_signature_block.py), and each column read top to bottom.

Within a column a person's organisation is the organisation line right after the name
("Peter Vigren / Umeå kommun"), the one right above it ("Arbetsförmedlingen / ...... /
Jan Karlsson, / Enhetschef"), or the one after the name's title lines ("Rickard Holm /
Arbetsmarknadschef / Norråsa kommun"); see `signatories_of_column`. Dotted signature lines
are never people. An organisation at a signature line that no name claims is a Signatory
with person_name "" and a warning: reconcile's `signature-missing-name` reports it, and
`signatory-changed` skips it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors import extractor
from extractors._meeting_signatures import meeting_signatures
from extractors._signature_block import ON_BEHALF, block_columns, signatories_of_column, signature_block
from models import DocumentText, Segment, Signatory
from pipeline.sv.gazetteer import resolve_organisation
from pipeline.text.textview import TextStream, provenance, segment_stream

if TYPE_CHECKING:
    from extractors.run import ExtractionContext


def extract_signatories_from(doc: DocumentText, segment: Segment) -> list[Signatory]:
    block = signature_block(doc, segment)
    if not block:
        return []
    out: list[Signatory] = []
    seen: set[str] = set()
    for column in block_columns(block):
        for name, title, org, signed in signatories_of_column(column):
            key = name.text.lower() if name is not None else f"(no name) {org.text.lower()}"
            if key in seen:
                continue
            seen.add(key)
            org_text = ON_BEHALF.sub("", org.text) if org else None
            match = resolve_organisation(org_text) if org_text else None
            warnings = []
            if org is None:
                warnings.append("no organisation found for the signatory")
            if name is None:
                warnings.append(f"signature line for {org.text} carries no name")
            anchor = name if name is not None else org
            lines = [anchor.line.line]
            if org is not None and org is not anchor and org.line.page.number == anchor.line.page.number:
                lines.append(org.line.line)
            out.append(
                Signatory(
                    person_name=name.text if name is not None else "",
                    title=title,
                    organisation=org_text,
                    canonical_organisation=match.canonical_name if match else None,
                    signed_date=signed,
                    segment_id=segment.segment_id,
                    provenance=provenance(doc, anchor.line.page, lines=lines),
                    warnings=warnings,
                )
            )
    return out


# --- meeting signature blocks (protokoll, kallelse) --------------------------------------
#

def meeting_signatories(doc: DocumentText, segment: Segment, stream: TextStream) -> list[Signatory]:
    out = []
    for s in meeting_signatures(stream.text):
        out.append(Signatory(
            person_name=s.name, title=s.role, organisation=segment.organisation,
            canonical_organisation=segment.organisation, segment_id=segment.segment_id,
            provenance=stream.provenance(doc, s.start, s.end), warnings=list(s.warnings),
        ))
    return out


@extractor
def extract_signatories(ctx: ExtractionContext, segment: Segment) -> list[Signatory]:
    """A meeting's signature block where one is printed; otherwise an agreement's."""
    meeting = meeting_signatories(ctx.doc, segment, segment_stream(ctx.doc, segment))
    if meeting:
        return meeting
    return extract_signatories_from(ctx.doc, segment)
