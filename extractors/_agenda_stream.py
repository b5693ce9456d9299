"""Agendas in text without layout: items found in one running stream of text.

Flattened transcripts run the items together ("Ärenden 1. Upprop ... 2. Information från
X (sid 1). 3. ..."), print them as bullets ("•   1" / "Val av justerare"), without the
full stop ("1 Justering av dagens protokoll"), with added items labelled "4 ½" or "4 a",
or lose the numbers altogether ("Föredragningslista Sid 173 Kungörelse ... Bilaga ...").
The items are the longest run of consecutive numbers that start a capitalised title.
Minutes read their § headings in running text with the same markers (extractors/minutes.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors._meeting import join_lines
from pipeline.text.textview import TextStream

AGENDA_HEADING_RE = re.compile(
    r"\b(?:f[oö]redragningslista|dagordning|[aä]renden|[aä]rendelista|[aä]rendef[oö]rteckning)\s*:?\s*"
    r"(?:(?:sid|sida)\.?\s*\d{1,4}\s+)?(?=\S)",
    re.I,
)
AGENDA_TITLE_RE = re.compile(r"\b(?:f[oö]redragningslista|dagordning|kallelse|kung[oö]relse)\b", re.I)
_MARKER_RE = re.compile(
    r"(?<![\w.,:;/§$()\-])(?P<num>\d{1,2})(?!\d)(?P<label>\s?½|\s?[a-c](?=\s))?(?P<dot>[.)](?!\d))?"
    r"(?=\s+[A-ZÅÄÖ])"
)
# Where an item's title stops and its description begins.
_TITLE_END_RE = re.compile(
    r"\(\s*sid\b|\.{3,}|…|\.\s+(?=[A-ZÅÄÖ(])|\.\s*$|\s(?=(?:Muntlig\s+)?[Ii]nformation\s+(?:av|fr[aå]n)\s+[A-ZÅÄÖ])"
    r"|\s(?=Bilag(?:a|or)\b)|\s(?=F[oö]rslag\s+till\s+beslut\b)|\s(?=F[oö]redragande\b)|\s(?=Handlingar\b)"
)
# "ang. Inrättande", "bl.a. Region": a full stop that ends an abbreviation, not the title.
_ABBREVIATION_RE = re.compile(r"\b(?:ang|bl\.a|m\.fl|t\.ex|resp|enl|nr|kap|jfr|dvs|ca|st|m\.m|inkl|exkl|avs)$", re.I)
_AGENDA_WORDS_RE = re.compile(
    r"juster|dagordning|f[oö]redragningslista|upprop|m[oö]tets\s+[oö]ppnande|protokoll|\bval\s+av\b|"
    r"anm[aä]lningar|meddelanden|delegationsbeslut|[oö]vriga\s+fr[aå]gor|avslut",
    re.I,
)
_MINUTES_MARKERS_RE = re.compile(
    r"(?i:sammantr[aä]desprotokoll|protokollsutdrag|m[oö]tesprotokoll|protokoll\s+f[oö]rt\s+vid|utses\s+att\s+justera|"
    r"justerandes\s+sign|ordf[oö]randes\s+sign|utdragsbestyrkande|sammantr[aä]desdatum)"
    r"|\b(?:Justerare|Justerande|Paragrafer|PROTOKOLL|Protokoll)\b|\bParagraf\s+\d"
)


def has_minutes_structure(text: str) -> bool:
    """Whether a text carries the marks of minutes (protokoll heading, justering, paragraf range)."""
    return _MINUTES_MARKERS_RE.search(text) is not None


def hard_breaks(stream: TextStream) -> set[int]:
    """Offsets in `stream.text` of the line breaks that the author made (not a wrap).

    A line that stops well short of the right margin ends a heading or a paragraph; a
    line filled to the margin was wrapped by the PDF. Without boxes every break counts.
    """
    lines = stream.lines
    rights: dict[int, tuple[float, float]] = {}
    for r in lines:
        b = r.line.bbox
        if b is None:
            continue
        lo, hi = rights.get(r.page.number, (b.x0, b.x1))
        rights[r.page.number] = (min(lo, b.x0), max(hi, b.x1))
    out: set[int] = set()
    for k, r in enumerate(lines[:-1]):
        at = stream.starts[k] + len(r.text)
        b = r.line.bbox
        if b is None or r.page.number not in rights:
            out.add(at)
            continue
        lo, hi = rights[r.page.number]
        if b.x1 < hi - 0.15 * max(hi - lo, 1.0) or lines[k + 1].page.number != r.page.number:
            out.add(at)
    return out


# Small words after which a capitalised word still belongs to the title ("Revidering av Västra ...").
_LINKS = {
    "av", "för", "i", "till", "om", "med", "från", "och", "på", "mellan", "inom", "enligt", "samt", "vid", "under",
    "över", "mot", "hos", "ur", "utan", "efter", "eller", "avseende", "gällande", "angående", "rörande", "inför",
}
_WORD_RE = re.compile(r"\S+")


def capitalised_break(text: str, start: int, stop: int, phrase: bool = False) -> int:
    """Where a title run into its body ends: "Val av protokollsjusterare Nämnden utser ..." -> before "Nämnden".

    The body starts at a capitalised word after a lower-case word that does not link to it
    ("Revidering av Västra ..." continues; "förbundsordning Västra ..." does not).
    """
    prev = None
    for w in _WORD_RE.finditer(text, start, stop):
        word = w.group(0)
        if prev is not None and re.fullmatch(r"[A-ZÅÄÖ][a-zåäöé]+[:,.]?", word):
            p = prev.group(0)
            if (re.fullmatch(r"[a-zåäöé][\w-]*", p) or re.fullmatch(r"[A-ZÅÄÖ]+-[a-zåäöé]+", p)) and p not in _LINKS:
                # With `phrase`, only where a phrase starts ("Förteckning över"), not a place ("Kalvsvik 11:341").
                nxt = _WORD_RE.search(text, w.end(), stop)
                if not phrase or (nxt is not None and re.fullmatch(r"[a-zåäöé]+", nxt.group(0))):
                    return w.start()
        prev = w
    return stop


@dataclass
class Marker:
    number: int
    label: str | None  # "4 ½", "4 a": an item added between the numbered ones
    start: int
    title_start: int
    dotted: bool


def _markers(text: str) -> list[Marker]:
    out = []
    for m in _MARKER_RE.finditer(text):
        label = m.group("label")
        num = int(m.group("num"))
        title_start = m.end() + len(text[m.end() : m.end() + 20]) - len(text[m.end() : m.end() + 20].lstrip())
        if not m.group("dot") and AGENDA_HEADING_RE.match(text, title_start):
            continue  # "2 Föredragningslista Sid 173 ...": a page number before the heading
        out.append(Marker(num, f"{num} {label.strip()}" if label else None, m.start(), title_start, bool(m.group("dot"))))
    return out


def longest_run(markers: list[Marker]) -> list[Marker]:
    """The longest chain of increasing item numbers in text order (gaps of one or two allowed)."""
    plain = [m for m in markers if m.label is None]
    best: dict[int, tuple[int, int]] = {}  # number -> (score, index in plain) of the best chain ending there
    back: list[int | None] = []
    scores: list[int] = []
    for k, m in enumerate(plain):
        score, prev = 10, None
        for gap, penalty in ((1, 0), (2, 6), (3, 8)):
            if m.number - gap in best:
                s, idx = best[m.number - gap]
                if plain[idx].dotted == m.dotted and s + 10 - penalty > score:
                    score, prev = s + 10 - penalty, idx
        back.append(prev)
        scores.append(score)
        if score >= best.get(m.number, (0, 0))[0]:
            best[m.number] = (score, k)
    if not scores:
        return []
    k: int | None = max(range(len(plain)), key=lambda i: (scores[i], -i))
    chain = []
    while k is not None:
        chain.append(plain[k])
        k = back[k]
    chain.reverse()
    # Added items ("4 ½") between two members of the chain belong to it.
    added = [m for m in markers if m.label is not None and chain[0].start < m.start < chain[-1].start + 1]
    return sorted(chain + added, key=lambda m: m.start)


def _cut_title(text: str, start: int, end: int, breaks: set[int]) -> int:
    """Where the title that starts at `start` ends (before `end`)."""
    stop = end
    for m in _TITLE_END_RE.finditer(text, start, end):
        if m.start() > start and not _ABBREVIATION_RE.search(text, max(start, m.start() - 6), m.start()):
            stop = m.start()
            break
    for b in breaks:
        if start < b < stop and text[start:b].strip():
            stop = b
    return min(stop, start + 250)


@dataclass
class StreamItem:
    number: int
    label: str | None
    title: str
    title_span: tuple[int, int]
    body: str
    body_span: tuple[int, int]
    warnings: list[str] = field(default_factory=list)


def _unnumbered_items(text: str, heading: re.Match) -> list[StreamItem]:
    """Titles separated by "Bilaga" markers after an agenda heading whose numbers were lost."""
    out: list[StreamItem] = []
    pos = heading.end()
    for m in re.finditer(r"[.\s]*\bBilaga\b\s*|$", text[pos:]):
        a, b = pos, heading.end() + m.start()
        chunk = text[a:b].strip()
        pos = heading.end() + m.end()
        if not chunk:
            continue
        if len(chunk) > 250:
            break
        # Titles without a "Bilaga" between them run together: "... i framtiden Förteckning över ...".
        while a < b:
            cut = capitalised_break(text, a, b, phrase=True)
            title = join_lines(text[a:cut].split("\n")).strip().rstrip(" .")
            if title:
                out.append(StreamItem(
                    len(out) + 1, None, title, (a, cut), "", (cut, cut),
                    ["item number not printed; numbered by its place in the list"],
                ))
            a = cut
        if m.group(0) == "":
            break
    return out


def stream_items(stream: TextStream, minutes: bool) -> list[StreamItem]:
    """Agenda items of a segment read as running text; [] when it has no agenda structure."""
    text = stream.text
    # "26 Dnr KS 2018/14 ...": an Ärendelista of minutes, whose numbers are § numbers.
    markers = [m for m in _markers(text) if not text[m.title_start : m.title_start + 8].lstrip().startswith("Dnr")]
    run = longest_run(markers)
    headings = list(AGENDA_HEADING_RE.finditer(text))
    headed = bool(run) and any(0 <= run[0].start - h.end() <= 2 for h in headings)
    if run and not minutes and not headed:
        # "FÖREDRAGNINGSLISTA" / "KALLELSE" and a line or two (the body, the date) above item 1.
        headed = run[0].number <= 1 and AGENDA_TITLE_RE.search(text, max(0, run[0].start - 300), run[0].start) is not None
    plain = [m for m in run if m.label is None]
    if not headed:
        if minutes or len(plain) < 3 or plain[0].number != 1:
            run = []
    breaks = hard_breaks(stream)
    if run and not headed:
        ends = [m.start for m in run[1:5]] + [len(text)]
        titles = [text[m.title_start : _cut_title(text, m.title_start, e, breaks)] for m, e in zip(run[:4], ends)]
        # The opening items of an agenda are its formalities (justerare, dagordning, ...):
        # two of them among the first four, so a numbered list of sections does not pass.
        if sum(1 for t in titles if _AGENDA_WORDS_RE.search(t)) < 2:
            run = []
    if not run:
        for h in headings:
            if not _MARKER_RE.match(text, h.end()) and len(re.findall(r"\bBilaga\b", text[h.end() : h.end() + 3000])) >= 3:
                return _unnumbered_items(text, h)
        return []
    items: list[StreamItem] = []
    for k, m in enumerate(run):
        end = run[k + 1].start if k + 1 < len(run) else len(text)
        if k + 1 == len(run):
            end = min(end, m.title_start + 3000)
        t_end = _cut_title(text, m.title_start, end, breaks)
        title = join_lines(text[m.title_start : t_end].split("\n")).strip().rstrip(" .")
        body_start = t_end
        body = text[body_start:end]
        warnings = []
        if m.label:
            warnings.append(f"item printed as '{m.label}'; the number field holds {m.number}")
        prev = [x for x in run[:k] if x.label is None]
        if m.label is None and prev and m.number > prev[-1].number + 1:
            warnings.append(f"item {m.number} follows item {prev[-1].number}: numbers between are not printed")
        if not title:
            continue
        items.append(StreamItem(m.number, m.label, title, (m.title_start, t_end), body, (body_start, end), warnings))
    return items
