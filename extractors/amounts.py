"""Amounts of money in any text (agreements, plans, minutes, agendas): whole SEK, unit, per, maximum, year, recipient, sentence.

Figures come from pipeline.sv.numbers.find_amounts (a figure needs a money unit: "5,0
tjänster" and "20%" are not money). The sentence around each amount is its context; the
year is the first year the sentence names ("under år 2023"), else the year of the
segment's validity when that is one calendar year; the recipient is the organisation(s)
the sentence names before the amount ("AF får ersättning med 4.290kr/månad").
Budget tables (figures without units) are read by extractors.budget, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from extractors import extractor
from models import Amount, DocumentText, Segment
from pipeline.sv.dates import find_dates
from pipeline.sv.gazetteer import find_organisations
from pipeline.sv.numbers import find_amounts
from pipeline.text.textview import provenance, segment_lines

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

# Sentence ends, blank lines, bullets, and line ends after an all-caps heading ("§ 10 ERSÄTTNING").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[A-ZÅÄÖ§0-9\-•])|\n\s*\n|\n(?=\s*[-•·]\s)|\n(?=\s*§\s*\d)|(?<=[A-ZÅÄÖ]{4})[ \t]*\n"
)
_YEAR = re.compile(r"(?<![\d\-–/:.,])((?:19|20)\d\d)(?![\d\-–/:])")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _year_of(sentence: str, segment: Segment) -> int | None:
    date_spans = [(s, e) for _, s, e in find_dates(sentence)]
    for m in _YEAR.finditer(sentence):
        if not any(s <= m.start() < e for s, e in date_spans):
            return int(m.group(1))
    if segment.valid_from and segment.valid_to and segment.valid_from.year == segment.valid_to.year:
        return segment.valid_from.year
    return None


def extract_amounts_from(doc: DocumentText, segment: Segment) -> list[Amount]:
    out: list[Amount] = []
    by_page: dict[int, list] = {}
    for ref in segment_lines(doc, segment):
        by_page.setdefault(ref.page.number, []).append(ref)
    for refs in by_page.values():
        page = refs[0].page
        # The page's segment text with each line's offset, to point back at lines.
        offsets, parts, pos = [], [], 0
        for ref in refs:
            offsets.append((pos, pos + len(ref.text), ref.line))
            parts.append(ref.text)
            pos += len(ref.text) + 1
        text = "\n".join(parts)
        for a, b in _sentences(text):
            sentence = text[a:b]
            amounts = find_amounts(sentence)
            if not amounts:
                continue
            context = " ".join(re.sub(r"(\w)-\n(\w)", r"\1\2", sentence).split())
            for amt in amounts:
                before = sentence[: amt.span[0]]
                clause = re.split(r"[.;:]\s", before)[-1]
                orgs = find_organisations(clause)
                recipient = ", ".join(dict.fromkeys(o.match.canonical_name for o in orgs)) or None
                start, end = a + amt.span[0], a + amt.span[1]
                lines = [ln for s, e, ln in offsets if s <= end and e >= start]
                out.append(
                    Amount(
                        amount_sek=amt.value_sek,
                        unit=amt.unit,
                        per=amt.per,
                        is_maximum=amt.is_maximum,
                        year=_year_of(sentence, segment),
                        recipient=recipient,
                        context=context,
                        raw=amt.raw,
                        segment_id=segment.segment_id,
                        provenance=provenance(doc, page, lines=lines),
                    )
                )
    return out


@extractor
def extract_amounts(ctx: ExtractionContext, segment: Segment) -> list[Amount]:
    # Any text can state money ("beslutar bevilja 277 000 kronor" in minutes, "306 mnkr" in a
    # budget's prose): find_amounts needs a money unit, so figures without one never count.
    return extract_amounts_from(ctx.doc, segment)
