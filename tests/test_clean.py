"""Each cleanup rule on its own, on small pages built in the test."""

from models import BBox, DocumentText, Line, Page
from pipeline.text.clean import build_page_text, clean_document, mark_noise, strip_word_noise


def _doc(*pages: list[str], method="txt") -> DocumentText:
    return DocumentText(
        doc_id="x" * 64, file_name="t.txt", source_path="t.txt", media_type="txt",
        pages=[Page(number=i + 1, method=method, raw_text="\n".join(p), lines=[Line(text=t) for t in p])
               for i, p in enumerate(pages)],
    )


def test_word_bookmarks_images_and_footnote_markers_are_removed():
    assert strip_word_noise("[bookmark: capDocDate_01]Datum") == "Datum"
    assert strip_word_noise("[bookmark: a][bookmark: b]Sida 1 (6)") == "Sida 1 (6)"
    assert strip_word_noise("ska minska.[footnoteRef:1] [1:  Mäts årligen via Kolada.] ") == "ska minska.  "
    assert strip_word_noise("[Annika Jonsson](#)") == "Annika Jonsson"
    assert strip_word_noise("Bilaga [2] gäller") == "Bilaga [2] gäller"  # ordinary brackets survive


def test_lines_of_pure_noise_are_marked_not_deleted():
    page = Page(number=1, method="txt", raw_text="", lines=[Line(text="\t[image: ]"), Line(text="Parter")])
    mark_noise(page)
    assert [ln.kind for ln in page.lines] == ["noise", "body"]
    assert page.lines[0].text == "\t[image: ]"  # raw kept on the line


def test_extracted_image_alt_text_is_noise():
    page = Page(number=1, method="txt", raw_text="", lines=[
        Line(text="Bilagor"), Line(text="image1.png"), Line(text="o ARBETSFORMEDLINGEN"), Line(text=""),
    ])
    mark_noise(page)
    assert [ln.kind for ln in page.lines[:3]] == ["body", "noise", "noise"]


def test_running_headers_and_page_numbers_are_removed_but_raw_kept():
    doc = clean_document(_doc(
        ["UMEÅREGIONEN Sida 1 (3)", "Kallelse", "Text ett", "Gällande version finns digitalt"],
        ["UMEÅREGIONEN Sida 2 (3)", "Protokoll", "Text två", "Gällande version finns digitalt"],
        ["UMEÅREGIONEN Sida 3 (3)", "Budget", "Text tre", "Gällande version finns digitalt"],
    ))
    for page in doc.pages:
        assert "Sida" not in page.text and "Gällande" not in page.text
        assert "Sida" in page.raw_text
    assert doc.pages[1].text == "Protokoll\nText två"


def test_ocr_variants_of_one_header_still_count_as_running():
    doc = clean_document(_doc(
        ["Samordningsförbundet Umeåregionen", "a"], ["Samordningsforbundet Umeéregionen", "b"],
        ["Samordningsförbundet Umedregionen", "c"], ["d"],
    ))
    assert [p.text for p in doc.pages[:3]] == ["a", "b", "c"]


def test_a_line_repeated_on_one_page_only_is_kept():
    doc = clean_document(_doc(["Beslut", "x"], ["y", "z"], ["w", "v"], ["u", "t"]))
    assert doc.pages[0].text.startswith("Beslut")


def test_page_number_alone_in_body_is_furniture():
    doc = clean_document(_doc(["Datum", "2022-12-12", "Sida 5 (6)", "Parter"]))
    assert "Sida 5" not in doc.pages[0].text


def test_end_of_line_hyphenation_is_undone_and_spans_point_at_clean_text():
    page = Page(number=1, method="txt", raw_text="", lines=[
        Line(text="Mellan förbundet, verksamhets-"), Line(text=""), Line(text="ansvariga AMA och"),
        Line(text="hel- och delårsbokslut, B-"), Line(text="betyg"),
    ])
    build_page_text(page)
    assert "verksamhetsansvariga AMA" in page.text
    assert "hel- och delårsbokslut" in page.text
    assert "B-\nbetyg" in page.text  # capital before the hyphen: not a split word
    for ln in page.lines:
        if ln.kind == "body" and ln.text.strip():
            assert page.text[ln.start:ln.end] == ln.text.rstrip().rstrip("-").lstrip() or ln.text.endswith("-")


def test_pdf_margin_lines_are_candidates_by_position():
    def pline(t, top):
        return Line(text=t, bbox=BBox(x0=70, top=top, x1=300, bottom=top + 10))
    pages = [Page(number=i, method="text", width=595, height=842, raw_text="",
                  lines=[pline("Förbundet", 30), pline(f"Innehåll {i}", 400), pline("Konfidentiellt", 810)])
             for i in (1, 2, 3)]
    doc = DocumentText(doc_id="y" * 64, file_name="a.pdf", source_path="a.pdf", media_type="pdf", pages=pages)
    clean_document(doc)
    assert [p.text for p in doc.pages] == ["Innehåll 1", "Innehåll 2", "Innehåll 3"]


def test_ocr_misreadings_of_paragraph_sign_and_signature_dots():
    from pipeline.text.clean import fix_ocr_line

    assert fix_ocr_line("$ 1 PARTER") == "§ 1 PARTER"
    assert fix_ocr_line("8 2 UPPDRAGETS OMFATTNING") == "§ 2 UPPDRAGETS OMFATTNING"
    assert fix_ocr_line("& 6 Insatsens mål") == "§ 6 Insatsens mål"
    assert fix_ocr_line("Ernst & 2 Young") == "Ernst & 2 Young"  # only at the start of a line
    assert fix_ocr_line("Patrik Nilsson Robertsfors kommun $ 47-54") == "Patrik Nilsson Robertsfors kommun § 47-54"
    assert fix_ocr_line("8 kommuner deltar") == "8 kommuner deltar"
    assert fix_ocr_line("87 Anders Berg, ordförande") == "87 Anders Berg, ordförande"  # a number, not "§ 7"
    assert fix_ocr_line("853 Ekonomisk rapport") == "§ 53 Ekonomisk rapport"
    assert fix_ocr_line("EEEEEEEEEEEEEEPEEEEEEEEEEET EEE EE EEEEESEEEEEEE") == ".........."
    assert fix_ocr_line("ETT TEST") == "ETT TEST"


def test_ocr_header_split_from_its_page_number_is_still_running():
    def oline(t, top):
        return Line(text=t, bbox=BBox(x0=70, top=top, x1=200, bottom=top + 8))
    pages = [
        Page(number=1, method="ocr", width=595, height=842, raw_text="",
             lines=[oline("UPPDRAGSAVTAL", 38), oline("UPPDRAGSAVTAL", 73), oline("Sida 1 (3)", 40)]),
        Page(number=2, method="ocr", width=595, height=842, raw_text="",
             lines=[oline("UPPDRAGSAVTAL Sida 2 (3)", 38), oline("text", 100)]),
        Page(number=3, method="ocr", width=595, height=842, raw_text="",
             lines=[oline("UPPDRAGSAVTAL Sida 3 (3)", 38), oline("mer text", 100)]),
    ]
    doc = clean_document(DocumentText(doc_id="z" * 64, file_name="s.pdf", source_path="s.pdf",
                                      media_type="pdf", pages=pages))
    assert doc.pages[0].text == "UPPDRAGSAVTAL"  # the title stays, the header goes
    assert doc.pages[1].text == "text"
