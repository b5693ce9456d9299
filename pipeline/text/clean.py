"""Cleanup that keeps the raw text: each page keeps `raw_text` as read, and gets `text`
without running headers/footers, Word-export noise and end-of-line hyphenation.

Lines are not deleted: removed ones are marked (kind = header / footer / noise) so an
extractor can still look at them, and body lines record their span in the cleaned text.
"""

from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz

from models.text import DocumentText, Page
from pipeline.config import EXTRACTION

# Word-export artefacts seen in real files: "[bookmark: capPageNbr_01]", "[image: ]",
# "[footnoteRef:1]", footnote bodies "[1:  Mäts årligen via Kolada.]", markdown links.
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
# The same printed and OCR'd: "_" read as a space and the closing "]" as "1"/"l"/"|"
# ("[bookmark: bmkDocDate 0112022-12-12" for "[bookmark: bmkDocDate_01]2022-12-12").
_OCR_BOOKMARK = re.compile(r"\[bookmark:\s*[A-Za-z]+[ _]?\d{2}[1lI|\]]")
_IMAGE = re.compile(r"\[image:[^\]]*\]")
_FOOTNOTE_REF = re.compile(r"\[footnoteRef:\d+\]")
_FOOTNOTE_BODY = re.compile(r"\[\d+:\s[^\]]*\]")
_MD_LINK = re.compile(r"\[([^\]\[]+)\]\((?:#|https?://[^)]*)\)")
_IMAGE_FILE_LINE = re.compile(r"^\s*image\d+\.(png|jpe?g|gif|emf|wmf|tiff?)\s*$", re.I)

# Page-number furniture: "Sida 1 (6)", "Sida 2 av 9", "sid 3", "- 4 -", "5 (14)".
_PAGE_NUMBER = re.compile(
    r"(\bsid(a|an)?\.?\s*\d+\s*(\(\s*\d+\s*\)|av\s+\d+)?\s*$)|(^\s*[-–]\s*\d+\s*[-–]\s*$)|(^\s*\d+\s*\(\s*\d+\s*\)\s*$)",
    re.I,
)
_PAGE_ONLY = re.compile(r"^\s*sida\s+\d+\s*(\(\s*\d+\s*\)|av\s+\d+)\s*$", re.I)
_HYPHEN_END = re.compile(r"[a-zåäöéü]-$")
# A date broken at its hyphen: "till 2023-" + "12-31." joins with the hyphen kept.
_DATE_BREAK_END = re.compile(r"\b(?:19|20)\d\d-$")
_DATE_BREAK_NEXT = re.compile(r"^\d\d-\d\d\b")
_SUSPENDED = re.compile(r"^(och|eller|samt|resp|respektive|till)\b")



def strip_word_noise(text: str) -> str:
    text = _BOOKMARK.sub("", text)
    text = _IMAGE.sub("", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _FOOTNOTE_BODY.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    return text


def _running_key(text: str) -> str:
    key = re.sub(r"\d+", "#", text.lower())
    return re.sub(r"\s+", " ", key).strip()


def _edge_candidates(page: Page) -> list[tuple[int, str]]:
    """(line index, 'header'|'footer') of lines that may be running headers or footers."""
    nonblank = [i for i, ln in enumerate(page.lines) if ln.text.strip() and ln.kind == "body"]
    if not nonblank:
        return []
    if page.height and all(page.lines[i].bbox for i in nonblank):
        top_band = page.height * EXTRACTION.margin_share
        bottom_band = page.height * (1 - EXTRACTION.margin_share)
        out = []
        for i in nonblank:
            b = page.lines[i].bbox
            if b.bottom <= top_band:
                out.append((i, "header"))
            elif b.top >= bottom_band:
                out.append((i, "footer"))
        return out
    return [(i, "header") for i in nonblank[:EXTRACTION.edge_lines]] + [
        (i, "footer") for i in nonblank[-EXTRACTION.edge_lines:] if i not in nonblank[:EXTRACTION.edge_lines]
    ]


def mark_running_lines(pages: list[Page]) -> None:
    """Mark headers/footers: page-number lines always; other edge lines that repeat on
    several pages (fuzzily, so OCR variants of one header still match)."""
    candidates: list[tuple[int, int, str, str]] = []  # (page idx, line idx, where, key)
    page_number_rests: list[tuple[int, str]] = []
    for page in pages:
        # A line that is nothing but "Sida 5 (6)" is furniture wherever it stands
        # (Word exports put later pages' headers in the body).
        for line in page.lines:
            if line.kind == "body" and _PAGE_ONLY.match(line.text):
                line.kind = "header"
    for p_idx, page in enumerate(pages):
        for l_idx, where in _edge_candidates(page):
            line = page.lines[l_idx]
            if _PAGE_NUMBER.search(line.text.strip()):
                line.kind = where
                # "UPPDRAGSAVTAL Sida 2 (4)": the rest of the line is running text too, and
                # OCR may give it alone on another page ("UPPDRAGSAVTAL" / "Sida 1 (4)").
                rest = _running_key(_PAGE_NUMBER.sub("", line.text.strip()))
                if rest:
                    page_number_rests.append((p_idx, rest))
                continue
            candidates.append((p_idx, l_idx, where, _running_key(line.text)))
    if len(pages) < 2:
        return
    needed = EXTRACTION.running_pages_short if len(pages) <= 3 else EXTRACTION.running_pages
    by_key: dict[str, set[int]] = defaultdict(set)
    keys = [c[3] for c in candidates]
    for p_idx, _, _, key in candidates:
        by_key[key].add(p_idx)
    for p_idx, key in page_number_rests:
        by_key[key].add(p_idx)
    for p_idx, l_idx, where, key in candidates:
        if len(key) < EXTRACTION.running_min_chars:
            continue
        pages_with = set(by_key[key])
        if len(pages_with) < needed:
            for other in set(keys):
                if other != key and len(other) >= EXTRACTION.running_min_chars and fuzz.ratio(key, other) >= EXTRACTION.running_similarity:
                    pages_with |= by_key[other]
        if len(pages_with) >= needed:
            pages[p_idx].lines[l_idx].kind = where


# Dotted signature lines ("........") come out of Tesseract as runs of E, T, P, S.
_OCR_DOT_RUN = re.compile(r"^[EeTPSRFI.,:;…_\-—–\s]{20,}$")
# "$ 47", "8 2 UPPDRAGETS", "& 6 Insatsens mål": Tesseract's readings of "§" at the start of a line.
# An "8" run into the number counts only before two or three digits ("853 Ekonomi" is
# "§ 53"): "87 Anders Jansson" is a number (the § a participant attended), not "§ 7".
_OCR_PARAGRAPH_SIGN = re.compile(
    r"^(?:\$\s?|&\s?|S\s?|8\s|8(?=\d{2,3}\b))(\d{1,3}(?:\s?[-–]\s?\d{1,3})?)(?=\s+[A-ZÅÄÖ])"
)
_OCR_PARAGRAPH_DOLLAR = re.compile(r"\$\s?(?=\d{1,3}\b)")
# A date whose line Tesseract split at the hyphen and the reader joined again: "2023- 12-31".
_OCR_SPLIT_DATE = re.compile(r"\b((?:19|20)\d\d-)\s(\d\d-\d\d)\b")


def fix_ocr_line(text: str) -> str:
    """Undo Tesseract's systematic misreadings that extractors rely on; raw text is kept."""
    if _OCR_DOT_RUN.match(text) and sum(c in "EeTPSRFI" for c in text) >= EXTRACTION.ocr_dot_letters:
        return "." * 10
    text = _OCR_PARAGRAPH_SIGN.sub(r"§ \1", text)
    text = _OCR_SPLIT_DATE.sub(r"\1\2", text)
    return _OCR_PARAGRAPH_DOLLAR.sub("§ ", text)  # "$" has no other use in these documents


def mark_noise(page: Page) -> None:
    skip_logo_text = 0
    for line in page.lines:
        if line.kind != "body":
            continue
        cleaned = strip_word_noise(line.text)
        if page.method == "ocr":
            cleaned = _OCR_BOOKMARK.sub("", cleaned)
        if _IMAGE_FILE_LINE.match(cleaned):
            # Extracted alt text of an embedded image follows: logo words, not content.
            line.kind = "noise"
            skip_logo_text = 3
            continue
        if skip_logo_text and cleaned.strip():
            line.kind = "noise"
            skip_logo_text -= 1
            continue
        if cleaned != line.text and not cleaned.strip():
            line.kind = "noise"  # the line held nothing but Word bookmarks/images
            continue
        line.text = cleaned.rstrip()
        if page.method == "ocr":
            line.text = fix_ocr_line(line.text)


def build_page_text(page: Page) -> None:
    """Join body lines into Page.text, undoing end-of-line hyphenation; record spans."""
    body = [ln for ln in page.lines if ln.kind == "body"]
    parts: list[str] = []
    pos = 0
    join_next = False
    for idx, line in enumerate(body):
        if line.kind != "body":  # a blank line swallowed by a hyphen join
            continue
        text = line.text.rstrip()
        if join_next:
            text = text.lstrip()
        # Hyphenated word split over lines (possibly with one blank line between, as
        # some exports insert): "verksamhets-" + "ansvariga" -> "verksamhetsansvariga".
        nxt = None
        for cand in body[idx + 1 : idx + 3]:
            if cand.text.strip():
                nxt = cand
                break
            if cand is not body[idx + 1]:
                break
        hyphen_join = (
            nxt is not None
            and _HYPHEN_END.search(text) is not None
            and nxt.text.strip()[:1].islower()
            and not _SUSPENDED.match(nxt.text.strip())
        )
        date_join = (
            nxt is not None
            and _DATE_BREAK_END.search(text) is not None
            and _DATE_BREAK_NEXT.match(nxt.text.strip()) is not None
        )
        if hyphen_join:
            text = text[:-1]
        hyphen_join = hyphen_join or date_join
        line.start = pos
        parts.append(text)
        pos += len(text)
        line.end = pos
        if hyphen_join:
            # Swallow the blank line in between, if any.
            between = body[idx + 1]
            if between is not nxt:
                between.kind = "noise"
                between.start = between.end = None
            join_next = True
        else:
            parts.append("\n")
            pos += 1
            join_next = False
    page.text = "".join(parts).rstrip("\n")
    # Lines removed in the loop above were already given spans: reset them.
    for ln in page.lines:
        if ln.kind != "body":
            ln.start = ln.end = None


def clean_document(doc: DocumentText) -> DocumentText:
    for page in doc.pages:
        mark_noise(page)
    mark_running_lines(doc.pages)
    for page in doc.pages:
        build_page_text(page)
    return doc
