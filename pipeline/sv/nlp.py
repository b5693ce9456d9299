"""spaCy for finsam: a blank Swedish pipeline with rule components, or a local model.

No trained Swedish pipeline can be installed where finsam runs, so `get_nlp()` builds
`spacy.blank("sv")` (the Swedish tokenizer) and adds rules that know this genre:

* an EntityRuler (`finsam_ruler`) for organisations (the gazetteer's names, and generic
  shapes: "X kommun", "Region X", "Samordningsförbundet X", the national agencies) and
  for roles (ordförande, förbundschef, ...). Tokens are matched with spaCy's FUZZY
  operator, so OCR damage ("Forsékringskassan", "ordférande", "Bitrddande
  forbundschef") still matches. Each pattern carries an id: the canonical role or
  organisation it stands for (`span.ent_id_`).
* `finsam_persons`: runs of two to four capitalised words that no other entity claims
  ("Peter Vigren", "Johanna Langdal Persson") become PER entities.

A trained pipeline can be plugged in without code changes: set FINSAM_SPACY_MODEL to
the name of an installed package or a path to a pipeline directory. It is loaded with
`spacy.load` (which never downloads) and the rule components are added in front of its
`ner`, so its own person entities are kept where the rules have none. Nothing here
downloads anything at run time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.config import environment
from pipeline.sv.fuzzy import normalize_for_match

log = logging.getLogger(__name__)

MODEL_ENV = "FINSAM_SPACY_MODEL"
PERSON_LABELS = {"PER", "PERSON", "PRS"}

# canonical role -> the word sequences that name it (lower case, as printed correctly)
ROLES: dict[str, list[str]] = {
    "vice ordförande": ["vice ordförande", "v ordförande", "v. ordförande", "2:e vice ordförande"],
    "ordförande": ["ordförande", "ordf"],
    "ledamot": ["ledamot", "ordinarie ledamot"],
    "ersättare": ["ersättare", "tjänstgörande ersättare"],
    "biträdande förbundschef": ["biträdande förbundschef", "bitr förbundschef", "bitr. förbundschef"],
    "förbundschef": ["förbundschef", "förbundsdirektör", "kanslichef"],
    "sekreterare": ["sekreterare"],
    "justerare": ["justerare"],
    "administratör": ["administratör"],
    "tjänsteperson": ["tjänsteperson", "tjänsteman"],
    "ekonom": ["ekonom", "controller"],
    "processledare": ["processledare", "utvecklingsledare", "samordnare", "verksamhetsledare"],
    "revisor": ["revisor"],
}

# Generic organisation words (matched fuzzily) beside the gazetteer's names.
AGENCIES = [
    "Arbetsförmedlingen", "Försäkringskassan", "Kriminalvården", "Migrationsverket",
    "Skatteverket", "Socialstyrelsen",
]

# Capitalised words that start sentences or label fields, never a person's name.
_NOT_NAMES = {
    normalize_for_match(w) for w in (
        "Beslutande Ersättare Övriga Deltagare Närvarande Sekreterare Ordförande Justerare "
        "Plats Tid Lokal Sammanträdesdatum Styrelsen Förslag Beslut Bilaga Protokoll Paragrafer "
        "Underskrifter Justeringsdatum Datum Anslag Kallelse Föredragningslista Mötets Mötet "
        "Information Diskussion Region Kommun Samordningsförbundet Förbundet Kansliet Umeå "
        "Arbetsförmedlingen Försäkringskassan Kriminalvården Frivården Regionen Via Och Samt "
        "Justering Sign Utdragsbestyrkande Sekreterarens Ordförandens Paragraf Enligt Punkt"
    ).split()
}


def _fuzzy_token(word: str) -> dict:
    """A token pattern for one word: exact for short words, FUZZY (OCR-tolerant) otherwise."""
    low = word.lower()
    if len(low) <= 3 or not low.isalpha():
        return {"LOWER": low}
    return {"LOWER": {"FUZZY": low}}


@lru_cache(maxsize=1)
def _tokenizer():
    return spacy.blank("sv").tokenizer


def _phrase_pattern(phrase: str) -> list[dict]:
    return [_fuzzy_token(t.text) for t in _tokenizer()(phrase)]


def _organisation_names() -> list[str]:
    """Canonical names from the organisation gazetteer (empty if it is unavailable)."""
    try:
        from pipeline.sv.gazetteer import gazetteer
        return list(gazetteer().organisations)
    except Exception:  # noqa: BLE001 - the rules work without the gazetteer
        log.debug("organisation gazetteer unavailable", exc_info=True)
        return []


def _ruler_patterns() -> list[dict]:
    patterns: list[dict] = []
    for canonical, phrases in ROLES.items():
        for ph in phrases:
            patterns.append({"label": "ROLE", "pattern": _phrase_pattern(ph), "id": canonical})
    for name in AGENCIES:
        patterns.append({"label": "ORG", "pattern": _phrase_pattern(name), "id": name})
    # Gazetteer names: exact on the OCR-folded form (token NORM, see `_fold_norms`);
    # FUZZY over hundreds of names would cost seconds per line. OCR-damaged spellings
    # are caught by the generic shapes below and resolved with rapidfuzz afterwards.
    tokenizer = _tokenizer()
    for name in _organisation_names():
        if len(name) >= 4:
            pattern = [{"NORM": normalize_for_match(t.text) or t.text} for t in tokenizer(name)]
            patterns.append({"label": "ORG", "pattern": pattern, "id": name})
    title = {"IS_TITLE": True, "IS_ALPHA": True}
    patterns += [
        {"label": "ORG", "pattern": [title, {"LOWER": {"FUZZY": "kommun"}}]},
        {"label": "ORG", "pattern": [title, {"LOWER": {"FUZZY": "kommuns"}}]},
        {"label": "ORG", "pattern": [{"LOWER": {"FUZZY": "region"}}, title]},
        {"label": "ORG", "pattern": [{"LOWER": {"FUZZY": "samordningsförbundet"}}, title]},
        {"label": "ORG", "pattern": [{"LOWER": {"FUZZY": "samordningsförbundet"}}, title, title]},
        {"label": "ORG", "pattern": [{"LOWER": {"FUZZY": "kriminalvården"}}, {"ORTH": "/"}, title]},
    ]
    return patterns


@Language.factory("finsam_persons")
def _make_person_component(nlp: Language, name: str) -> "PersonRule":
    return PersonRule(nlp)


class PersonRule:
    """Runs of 2-4 capitalised words that no other entity claims become PER."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = Matcher(nlp.vocab)
        # "Anna-Karin Berg": hyphenated first names are one token in the sv tokenizer, and
        # not IS_ALPHA, so letters are matched with a pattern that allows one inner hyphen.
        word = {"IS_TITLE": True, "TEXT": {"REGEX": r"^[^\W\d_]+(?:-[^\W\d_]+)?$"}, "ENT_TYPE": ""}
        self.matcher.add("PER", [[word, {**word, "OP": "{1,3}"}]], greedy="LONGEST")

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for _, start, end in self.matcher(doc):
            tokens = [t for t in doc[start:end]]
            # Drop label words at either end ("Beslutande Peter Vigren").
            while tokens and normalize_for_match(tokens[0].text) in _NOT_NAMES:
                tokens.pop(0)
            while tokens and normalize_for_match(tokens[-1].text) in _NOT_NAMES:
                tokens.pop()
            if len(tokens) < 2 or any(len(t.text) < 2 for t in tokens):
                continue
            spans.append(Span(doc, tokens[0].i, tokens[-1].i + 1, label="PER"))
        keep = [e for e in doc.ents]
        taken = {i for e in keep for i in range(e.start, e.end)}
        for span in filter_spans(spans):
            if not any(i in taken for i in range(span.start, span.end)):
                keep.append(span)
        doc.ents = filter_spans(keep)
        return doc


@Language.component("finsam_fold_norms")
def _fold_norms(doc: Doc) -> Doc:
    """token.norm_ = the OCR-folded form ("Umeé" -> "umea"), for gazetteer patterns."""
    for token in doc:
        folded = normalize_for_match(token.text)
        if folded:
            token.norm_ = folded
    return doc


def _add_rules(nlp: Language) -> Language:
    before = "ner" if "ner" in nlp.pipe_names else None
    nlp.add_pipe("finsam_fold_norms", first=True)
    ruler = nlp.add_pipe(
        "entity_ruler", name="finsam_ruler", before=before,
        config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True},
    )
    ruler.add_patterns(_ruler_patterns())
    if before:
        # The trained NER runs after the rules and fills in what they left; persons are
        # then found by the rule only where the model found none.
        nlp.add_pipe("finsam_persons", name="finsam_persons", after="ner")
    else:
        nlp.add_pipe("finsam_persons", name="finsam_persons")
    return nlp


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline (built once per process).

    FINSAM_SPACY_MODEL names a locally installed trained pipeline (package or path);
    when unset, or when it cannot be loaded, the blank Swedish pipeline with rules.
    """
    model = environment().spacy_model
    if model:
        try:
            return _add_rules(spacy.load(model))
        except (OSError, ImportError, ValueError) as exc:
            log.warning("%s=%r could not be loaded (%s); using the blank Swedish pipeline", MODEL_ENV, model, exc)
    return _add_rules(spacy.blank("sv"))


@dataclass(frozen=True)
class Entity:
    label: str  # PER, ORG, ROLE (or a trained model's label)
    text: str
    start: int  # character offsets in the analysed text
    end: int
    canonical: str | None = None  # the pattern id: canonical role / organisation


def entities(text: str) -> list[Entity]:
    """Entities of one short text (an attendance line, a presenter sentence)."""
    doc = get_nlp()(text)
    out = []
    for e in doc.ents:
        label = "PER" if e.label_ in PERSON_LABELS else e.label_
        out.append(Entity(label, e.text, e.start_char, e.end_char, e.ent_id_ or None))
    return out


def person_names(text: str) -> list[str]:
    return [e.text for e in entities(text) if e.label == "PER"]


# --- person names in lists (attendance, signature blocks) -------------------------------
#
# Attendance lists and signature blocks print names back to back, often without any
# separator the spaCy rule can use ("Anna Berg, s Eva Ek"), with middle
# initials ("Olle T Ek"), run-together double first names ("PerOlof"), and
# particles ("Ulla de Wahl-Berg"). `list_person_names` finds them with one
# linear regex over the text, then drops label, role and field words at either end.

_UP = "A-ZÅÄÖÉÜÆØ"
_LOW = "a-zåäöéèüæøáíóúñç"
_NAME_WORD = rf"[{_UP}][{_LOW}]+(?:[{_UP}][{_LOW}]+)?(?:-[{_UP}][{_LOW}]+)*"
_INITIAL = rf"[{_UP}]\.?"
_PARTICLE = r"(?:af|av|von|van|der|den|de|la|le|du|di|da|del|dos|el|al|mc)"
# A run of capitalised words, across at most one line break between two words: a
# flattened transcript wraps lines mid-name ("Jan\nSahlén"). Where both sides of a line
# break hold a full name ("Sofia Persson\nRobert Lindby", one name a line) the run is cut
# there (`_split_at_breaks`).
_NAME_RUN_RE = re.compile(
    rf"(?<![\w-]){_NAME_WORD}(?:[ \t]*\n?[ \t]*(?<=\s)(?:{_NAME_WORD}|{_INITIAL}(?=\s+[{_UP}])|{_PARTICLE}(?=\s+[{_UP}])))*(?![\w-])"
)

# Capitalised words that are labels, roles, field names, dates or organisation words.
_NOT_LIST_NAMES = _NOT_NAMES | {
    normalize_for_match(w) for w in (
        "Beslutande Ledamöter Ledamot Tjänstgörande Ersättare Ersättarna Ej Icke Närvarande Frånvarande "
        "Övriga Deltagare Deltagande Tjänsteman Tjänstemän Tjänstepersoner Dessutom Adjungerade "
        "Kommunrepresentanter Partirepresentanter Representanter Suppleant Suppleanter Ordinarie "
        "Sekreterare Ordförande Vice Justerare Justerande Justerat Justeringens Justeringen Utses Ers Sekr Ordf "
        "Page Sida Sidan Protokoll Sammanträdesprotokoll Protokollet Mötesprotokoll Dagordning "
        "Kallelse Underrättelse Kungörelse Föredragningslista Ärendelista Innehållsförteckning "
        "Underskrift Underskrifter Skrifter Utdragsbestyrkande Signatur Anslag Bevis Organ Diarienummer "
        "Dnr Plats Tid Klockan Lokal Datum Sammanträdesdatum Justeringsdatum Förvaringsplats Paragraf "
        "Paragrafer Kommunstyrelsen Kommunstyrelsens Kommunfullmäktige Nämnden Styrelsen Förvaltningen "
        "Kommunledningskontoret Kansliet Kommunhuset Stadshuset Regionens Hus Sal Se Ca Vid Om Från Till "
        "Måndag Tisdag Onsdag Torsdag Fredag Lördag Söndag Måndagen Tisdagen Onsdagen Torsdagen Fredagen "
        "Januari Februari Mars April Maj Juni Juli Augusti September Oktober November December "
        "Beslut Ärendebeskrivning Yrkande Yrkanden Bakgrund Förslag Val Mötets Sammanträdets"
    ).split()
}


_ROLE_WORD_RE = re.compile(
    r"^(?:\w*chef|\w*direkt[oa]r|\w*administrat[oa]r|bitr\w*|ordf\w*|\w*sekreterare|ledam\w*|ersatt\w*|controller"
    r"|ekonom|\w*ledare|\w*samordnare|handlaggare|strateg|tjanste\w*)$"
)
_ORG_NOUN_AFTER_RE = re.compile(r"^[ \t]+(?:kommun|kommuns|landsting|region|lan|län|stad|stift|kommunalf[öo]rbund)\b")


@dataclass(frozen=True)
class NameSpan:
    text: str
    start: int
    end: int


def list_person_names(text: str, min_words: int = 2, max_words: int = 4) -> list[NameSpan]:
    """Person names in a list-like text, in order, as character spans of `text`."""
    out: list[NameSpan] = []
    for m in _NAME_RUN_RE.finditer(text):
        words = [(w.group(0), m.start() + w.start(), m.start() + w.end()) for w in re.finditer(r"\S+", m.group(0))]
        # split the run at label words; each piece may be a name
        pieces: list[list[tuple[str, int, int]]] = [[]]
        for k, w in enumerate(words):
            if normalize_for_match(w[0]) in _NOT_LIST_NAMES:
                pieces.append([])
                continue
            if pieces[-1] and "\n" in text[pieces[-1][-1][2]:w[1]]:
                after = 0
                prev_end = w[1]
                for x in words[k:]:
                    if normalize_for_match(x[0]) in _NOT_LIST_NAMES or (after and "\n" in text[prev_end:x[1]]):
                        break
                    after += _is_name_word(x[0])
                    prev_end = x[2]
                if after >= 2:
                    pieces.append([])
            pieces[-1].append(w)
        for piece in pieces:
            while piece and not _is_name_word(piece[0][0]):
                piece.pop(0)
            while piece and not _is_name_word(piece[-1][0]):
                piece.pop()
            # "Christina Lidstrom Bjurholms kommun", "Mikael Holmlund Forbundschef": an
            # organisation or a title printed after the name without a separator
            while len(piece) > 2 and (
                _ROLE_WORD_RE.match(normalize_for_match(piece[-1][0]))
                or _ORG_NOUN_AFTER_RE.match(text[piece[-1][2]:piece[-1][2] + 20])
            ):
                piece.pop()
            n = sum(1 for w, _, _ in piece if _is_name_word(w))
            if min_words <= n <= max_words:
                out.append(NameSpan(" ".join(text[piece[0][1]:piece[-1][2]].split()), piece[0][1], piece[-1][2]))
    return out


def _is_name_word(word: str) -> bool:
    return len(word) >= 2 and word[0].isupper() and word[1:2].islower() and normalize_for_match(word) != "mc"
