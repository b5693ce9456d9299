"""Meeting signature blocks (protokoll, kallelse): who signs as sekreterare, ordförande, justerare.

A protokoll is signed by its sekreterare, ordförande and justerare: "Underskrifter
Sekreterare X Ordförande Y Justerare Z", "Sekreterare: X", dotted "Sekreterare......
X", "X, sekreterare" under "Justerat den ...". A kallelse names its ordförande and
sekreterare under the heading: "X (M) Ordförande Y Sekreterare". The block is read
from the text stream (line breaks mean nothing in flattened transcripts): from its
first marker to ANSLAG/BEVIS, a § heading or the list of items. Also here: the justerare
a protokoll elects ("utses att justera").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.attendance import ATTENDANCE_LABEL_RE
from pipeline.sv.fuzzy import normalize_for_match
from pipeline.sv.nlp import NameSpan, list_person_names

_SIG_ROLE_RE = re.compile(
    r"\b(?:(?P<sekreterare>sekreterare|sekr\.|protokollf[öo]rare)|(?P<ordforande>(?:m[öo]tes)?ordf[öo]rande|ordf\.)"
    r"|(?P<justerare>justerare|justerande))(?![\w-])",
    re.I,
)
_SIG_ROLE_NAMES = {"sekreterare": "sekreterare", "ordforande": "ordförande", "justerare": "justerare"}
# Labels that end a role's names without being a role ("Ers:" names the justerare's deputy).
_SIG_OTHER_RE = re.compile(
    r"\b(?:utses\s+att\s+justera|justerat\s+den|ers\s*:|underskrift(?:er)?|under-\s*skrifter|utdragsbestyrkande"
    r"|protokollet\s+inneh[åa]ller|plats\s+och\s+tid|sammantr[äa]desdatum|organ)\b",
    re.I,
)
# Printed between a role label and its name: dots, colons, "Paragrafer 26-38".
_SIG_JUNK_RE = re.compile(
    r"^(?:[\s.…_:·,]|paragraf(?:er|erna)?\s*:?\s*(?:§+\s*)?(?:\d{1,3}(?:\s*[-–]+\s*\d{1,3})?)?|justeringens\s+plats\s*(?:och\s+tid|/\s*tid)?)*",
    re.I,
)
_SIG_TRIGGER_RE = re.compile(
    r"\bunder-?\s*skrifter\b|\bjusterat\s+den\b|\bjusteringens\s+plats|\bprotokollet\s+inneh[åa]ller\s+paragraf"
    r"|\bparagraf(?:er)?\s*:?\s*§*\s*\d|\butses\s+att\s+justera"
    r"|(?:(?<=\n)|^)[ \t]*(?:\d{1,3}[ \t]+)?(?:sekreterare|ordf[öo]rande|justerare|justerande)\b"
    r"|\b(?:sekreterare|ordf[öo]rande|justerare|justerande)[ \t]*(?::|\.{2,}|…)",
    re.I,
)
_SIG_END_RE = re.compile(
    r"\banslag\w*|\bbevis\b|\bprotokollet\s+[äa]r\s+justerat|\binneh[åa]llsf[öo]rteckning|\b[äa]rendelista"
    r"|\buts[äa]nd\s+f[öo]redragningslista|\b[äa]rendebeskrivning|(?:(?<=\n)|^)[ \t]*§\s*\d"
    r"|(?<![\d.,:-])\d{1,2}\.\s+[A-ZÅÄÖ][a-zåäö]+\s+[a-zåäö]",
    re.I,
)
# Lower-case words of running text between a label and a name: the name is not signed there.
_PROSE_RE = re.compile(r"(?<![\w-])[a-zåäö]{3,}(?![\w-])")
_NAME_ROLE_AFTER_RE = re.compile(r"^\s*(?:\([^)\n]{1,12}\)\s*)?,\s*(sekreterare|ordf[öo]rande|justerare)\b", re.I)
_PARTY_AFTER_RE = re.compile(r"^\s*(?:\([^)\n]{1,12}\))?\s*")


@dataclass(frozen=True)
class MeetingSignature:
    name: str
    role: str  # sekreterare | ordförande | justerare
    start: int  # span of the name in the text read
    end: int
    warnings: tuple[str, ...] = ()


def _role_of(m: re.Match[str]) -> str:
    return next(_SIG_ROLE_NAMES[k] for k, v in m.groupdict().items() if v is not None)


def _split_pairs(names: list[NameSpan], known: set[str]) -> list[NameSpan]:
    """"Karl Lind Ulla Berg", "Eva Ek Eva Ek": two names printed
    side by side (two signature lines) read as one run; cut where both halves are names
    the document prints on their own."""
    out = []
    for n in names:
        words = n.text.split()
        if len(words) == 4:
            left, right = " ".join(words[:2]), " ".join(words[2:])
            if left == right or (normalize_for_match(left) in known and normalize_for_match(right) in known):
                out += [NameSpan(left, n.start, n.start + len(words[0]) + 1 + len(words[1])),
                        NameSpan(right, n.end - len(words[2]) - 1 - len(words[3]), n.end)]
                continue
        out.append(n)
    return out


def _read_block(text: str, elected: list[str], name_first_only: bool = False, known: set[str] = frozenset()) -> list[MeetingSignature]:
    names = _split_pairs(list_person_names(text), known)
    out: list[MeetingSignature] = []
    consumed: list[tuple[int, int]] = []
    for n in names:  # "Robert Lindby, sekreterare"
        m = _NAME_ROLE_AFTER_RE.match(text[n.end:])
        if m:
            out.append(MeetingSignature(n.text, _SIG_ROLE_NAMES[normalize_role(m.group(1))], n.start, n.end))
            consumed.append((n.end + m.start(1), n.end + m.end(1)))
    if name_first_only and out:
        return []
    labels = [
        (m.start(), m.end(), _role_of(m)) for m in _SIG_ROLE_RE.finditer(text)
        if m.group(0)[:1].isupper() and not any(a <= m.start() < b for a, b in consumed)
    ]
    others = [(m.start(), m.end(), None) for m in _SIG_OTHER_RE.finditer(text)]
    markers = sorted(labels + others)
    free = [n for n in names if not any(o.start == n.start for o in out)]

    def name_after(pos: int) -> NameSpan | None:
        skip = _SIG_JUNK_RE.match(text[pos:]).end()
        return next((n for n in free if n.start == pos + skip), None)

    def name_before(pos: int) -> NameSpan | None:
        for n in reversed(free):
            if n.end <= pos:
                between = text[n.end:pos]
                return n if _PARTY_AFTER_RE.fullmatch(between) else None
        return None

    label_first = sum(1 for s, e, r in labels if name_after(e))
    name_first = sum(1 for s, e, r in labels if name_before(s))
    if name_first_only:
        if name_first < 2 or name_first <= label_first:
            return []
        label_first = -1
    if name_first > label_first:
        for s, e, role in labels:
            n = name_before(s)
            if n:
                out.append(MeetingSignature(n.text, role, n.start, n.end))
        return out
    for k, (s, e, role) in enumerate(markers):
        if role is None:
            continue
        stop = markers[k + 1][0] if k + 1 < len(markers) else len(text)
        in_span = []
        prev_end = e
        for n in free:
            if not (e <= n.start and n.end <= stop):
                continue
            if _PROSE_RE.search(text[prev_end:n.start]):
                break  # past the block: a name in running text ("... utses Ulf Olsson (S).")
            in_span.append(n)
            prev_end = n.end
        for i, n in enumerate(in_span):
            warnings: tuple[str, ...] = ()
            r = role
            if i and role != "justerare" and any(normalize_for_match(n.text) == normalize_for_match(x) for x in elected):
                r, warnings = "justerare", ("a second name under the label; elected to justera, so read as justerare",)
            out.append(MeetingSignature(n.text, r, n.start, n.end, warnings))
    return out


def normalize_role(word: str) -> str:
    from pipeline.sv.fuzzy import normalize_for_match as fold

    w = fold(word)
    return "ordforande" if w.startswith("ordf") else ("sekreterare" if w.startswith("sekr") else "justerare")


def meeting_signatures(text: str) -> list[MeetingSignature]:
    """Who signs a protokoll or kallelse, in the order printed (spans of `text`)."""
    elected = [n.text for n in elected_justerare(text)]
    known = {normalize_for_match(n.text) for n in list_person_names(text) if len(n.text.split()) <= 3}
    found: list[MeetingSignature] = []
    pos = 0
    while True:
        t = _SIG_TRIGGER_RE.search(text, pos)
        if t is None:
            break
        end_m = _SIG_END_RE.search(text, t.start())
        end = min(end_m.start() if end_m else len(text), t.start() + 900)
        # an attendance list after the block (a second page of the head) is not signed
        for lm in ATTENDANCE_LABEL_RE.finditer(text, t.end(), end):
            if lm.group(0)[:1].isupper():
                end = lm.start()
                break
        block = text[t.start():end]
        found += [MeetingSignature(s.name, s.role, s.start + t.start(), s.end + t.start(), s.warnings)
                  for s in _read_block(block, elected, known=known)]
        pos = max(end, t.end())
    if not any(s.role in ("sekreterare", "justerare") for s in found):
        # "Ordförande" alone is also an agreement signer's title: not a meeting's block
        found = []
    if not found:
        # a kallelse: "Anna Berg (M) Ordförande Per Ek Sekreterare" under the heading
        head = text[:1500]
        found = _read_block(head, elected, name_first_only=True)
    out: list[MeetingSignature] = []
    for s in found:
        if not any(normalize_for_match(s.name) == normalize_for_match(o.name) and s.role == o.role for o in out):
            out.append(s)
    return out


_ELECT_AFTER_RE = re.compile(r"\butses\s+att\s+justera\w*\s*:?", re.I)
_ELECT_BEFORE_RE = re.compile(
    r"\b(?:utses|utsågs|valdes|väljs)\s+(?:att|till)\s+(?:\w+\s+){0,4}?(?:justera|signera|justerare|protokollsjusterare)", re.I
)
_ELECT_UTSER_RE = re.compile(r"\butser\s+", re.I)


def elected_justerare(text: str) -> list[NameSpan]:
    """Persons elected to justera: "Utses att justera X", "X utses att justera",
    "Nämnden utser X att justera", "X valdes att jämte ordföranden signera"."""
    out: list[NameSpan] = []

    def add(n: NameSpan) -> None:
        if not any(normalize_for_match(n.text) == normalize_for_match(o.text) for o in out):
            out.append(n)

    for m in _ELECT_AFTER_RE.finditer(text):
        window = text[m.end():m.end() + 160]
        stop = re.search(r"\bers\s*[:.]|\bersättare\b|\bjusteringens\b|\bsekreterare\b|\bunderskrift|\bdag\b|\bprotokoll", window, re.I)
        window = window[:stop.start()] if stop else window
        for n in list_person_names(window):
            add(NameSpan(n.text, n.start + m.end(), n.end + m.end()))
    for m in _ELECT_BEFORE_RE.finditer(text):
        if m.group(0)[:1].isupper():
            continue  # "Utses att justera X": a label, the name follows
        lo = max(0, m.start() - 160)
        window = text[lo:m.start()]
        cut = max(window.rfind(". "), window.rfind("\n"), window.rfind(":"))
        window_start = lo + cut + 1
        names = list_person_names(text[window_start:m.start()])
        for n in names:
            after = text[window_start + n.end:window_start + n.end + 30]
            if re.match(r"\s*(?:\([^)]*\)\s*)?som\s+ers", after, re.I):
                continue
            add(NameSpan(n.text, n.start + window_start, n.end + window_start))
            break
    for m in _ELECT_UTSER_RE.finditer(text):
        names = list_person_names(text[m.end():m.end() + 60])
        if names and names[0].start == 0 and re.match(
            r"\s*(?:\([^)]*\)\s*)?(?:att|till)\s+(?:\w+\s+){0,3}?(?:justera|signera)", text[m.end() + names[0].end:], re.I
        ):
            add(NameSpan(names[0].text, names[0].start + m.end(), names[0].end + m.end()))
    return out
