"""Agendas laid out one item a line: item numbers, wrapped titles, descriptions, proposals.

An item is "N. Title – Kind (bilaga ...)" followed by a description that may name the
presenters and a "Förslag till beslut: ..." block. A title may wrap onto the next line
("... som varken arbetar" / "eller studerar (UVAS) – Information/diskussion"). OCR
sometimes prints a run of item numbers as one block ("10." "11." "12." "13.") with the
titles after it: those are paired by order when the count of titles leaves no doubt (the
number missing before the block included), and otherwise kept with a warning instead of a
guess. extractors/agenda.py turns the items into records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors._meeting import clean_title, is_kind_only, join_lines
from pipeline.segment.boundaries import AGENDA_ITEM_RE
from pipeline.sv.chars import DASHES
from pipeline.text.textview import LineRef

_NUM_ONLY_RE = re.compile(r"^\s*(\d{1,2})\s*[.);:,]?\s*$")  # OCR: "11;" "12:"
# A line ending in a word that a number follows: "enligt bilaga" + "3." on the next line.
_REFERS_ON_RE = re.compile(r"\b(?:bilaga|bilagorna|bilagor|bil\.|punkt|punkterna|ärende|nr|§|sidan|sid\.)\s*$", re.I)
PROPOSAL_RE = re.compile(r"^\s*f[oöé]rslag\s+till\s+beslut\s*:?\s*(?P<rest>.*)$", re.I)
_LABEL_RE = re.compile(r"^\s*[A-ZÅÄÖ][\wåäöé ]{2,60}:(?:\s|$)")


@dataclass
class LineItem:
    number: int
    title_refs: list[LineRef] = field(default_factory=list)
    body_refs: list[LineRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _title_like(text: str) -> bool:
    """A line that can be an item title (not a sentence of a description)."""
    t = text.strip()
    if not t or len(t) > 95 or t.endswith((".", ":", ",")):
        return False
    if not (t[0].isupper() or t[0].isdigit()):
        return False
    if PROPOSAL_RE.match(t) or _LABEL_RE.match(t):
        return False
    return True


def _continues_title(text: str) -> bool:
    t = text.strip()
    return bool(t) and (t[0] == "(" or t[0].islower() or is_kind_only(t))


def _pair_block(numbers: list[int], lines: list[LineRef], last: int) -> list[LineItem]:
    """Items for a block of bare numbers and the title/description lines printed after it."""
    groups: list[LineItem] = []
    for ref in lines:
        if groups and _continues_title(ref.text) and not groups[-1].body_refs:
            groups[-1].title_refs.append(ref)
        elif _title_like(ref.text):
            groups.append(LineItem(0, [ref]))
        elif groups:
            groups[-1].body_refs.append(ref)
    gap = list(range(last + 1, numbers[0])) if numbers and numbers[0] > last + 1 else []
    note = f"item numbers {numbers[0]}-{numbers[-1]} were printed apart from their titles; paired by order"
    if gap and len(groups) == len(gap) + len(numbers):
        out = []
        for num, g in zip(gap + numbers, groups, strict=True):
            g.number = num
            g.warnings.append(note)
            if num in gap:
                g.warnings.append(f"item number {num} is not printed; inferred from the numbers around it")
            out.append(g)
        return out
    if len(groups) == len(numbers):
        for num, g in zip(numbers, groups, strict=True):
            g.number = num
            g.warnings.append(note)
        return groups
    # The order does not settle it: keep each number, with no title, and say so.
    titles = "; ".join(" ".join(r.text for r in g.title_refs) for g in groups)
    msg = (
        f"item number printed apart from its title; {len(numbers)} numbers and {len(groups)} "
        f"candidate titles cannot be paired unambiguously (titles: {titles})"
    )
    return [LineItem(num, [], [], [msg]) for num in numbers]


def parse_items(refs: list[LineRef]) -> tuple[list[LineRef], list[LineItem]]:
    """(header lines, items) of an agenda's lines."""
    header: list[LineRef] = []
    items: list[LineItem] = []
    pending: list[int] = []  # a block of bare numbers awaiting titles
    block: list[LineRef] = []
    current: LineItem | None = None

    def last_number() -> int:
        return items[-1].number if items else 0

    def flush_block() -> None:
        nonlocal pending, block, current
        if pending:
            paired = _pair_block(pending, block, last_number())
            items.extend(paired)
            current = paired[-1] if paired else current
        pending, block = [], []

    prev: LineRef | None = None
    for ref in refs:
        text = ref.text
        num_only = _NUM_ONLY_RE.match(text)
        m = AGENDA_ITEM_RE.match(text)
        if num_only and not pending and prev is not None and _REFERS_ON_RE.search(prev.text):
            # "... enligt bilaga" / "3.": the number ends the sentence above, it is no item.
            num_only = None
        prev = ref
        if num_only and (items or pending):
            n = int(num_only.group(1))
            if block:  # a second block: settle the first
                flush_block()
            if not pending or n == pending[-1] + 1:
                pending.append(n)
                current = None
                continue
        if m and not pending:
            n = int(m.group(1))
            plausible = last_number() < n <= last_number() + 3 or not items
            if plausible or (_title_like(m.group(2)) and (ref.line.bold is not False or len(text) < 70)):
                item = LineItem(n, [ref])
                if items and n <= last_number():
                    seen = {it.number for it in items}
                    item.warnings.append(
                        f"item number {n} repeated" if n in seen else f"item {n} follows item {last_number()}: out of order"
                    )
                items.append(item)
                current = item
                continue
        if m and pending:
            n = int(m.group(1))
            if n > pending[-1]:
                flush_block()
                items.append(LineItem(n, [ref]))
                current = items[-1]
                continue
        if pending:
            block.append(ref)
            continue
        if current is None:
            header.append(ref)
            continue
        if not current.body_refs and len(current.title_refs) < 3 and _continues_title(text):
            joined = " ".join(r.text for r in current.title_refs)
            if clean_title(joined)[1] is None or text.strip().startswith("("):
                current.title_refs.append(ref)
                continue
        current.body_refs.append(ref)
    flush_block()
    return header, items


def item_title(title_refs: list[LineRef]) -> tuple[str, str | None, list[int]]:
    """(title, kind, attachments) of an item's title lines, without its number."""
    texts = [r.text for r in title_refs]
    if texts:
        m = AGENDA_ITEM_RE.match(texts[0])
        if m:
            texts[0] = m.group(2)
    kind_line = None
    if len(texts) > 1 and is_kind_only(texts[-1]):
        kind_line = texts.pop()  # "Information/diskussion" alone on the line below
    text = join_lines(texts)
    if not text:
        return "", None, []
    title, kind, attachments = clean_title(text)
    if kind_line is not None and kind is None:
        title = title.rstrip(" .")
        kind = clean_title("x - " + kind_line.strip(" " + DASHES))[1]
    return title, kind, attachments


def proposal_of(body: list[LineRef]) -> tuple[str | None, list[LineRef]]:
    for k, ref in enumerate(body):
        m = PROPOSAL_RE.match(ref.text)
        if not m:
            continue
        parts = [m.group("rest")]
        used = [ref]
        for nxt in body[k + 1 :]:
            if _LABEL_RE.match(nxt.text) or PROPOSAL_RE.match(nxt.text):
                break
            parts.append(nxt.text)
            used.append(nxt)
        text = join_lines(parts).strip()
        return (text or None), used
    return None, []
