"""Segments that share a page: each sees only its own part."""

from extractors.plan_facts import extract_plan_facts
from extractors.run import build_context
from models import DocType, DocumentText, Line, Page, Provenance, Segment
from pipeline.text.clean import clean_document
from pipeline.text.textview import segment_span, segment_text


def _bundle() -> DocumentText:
    lines = ["KALLELSE", "1. Mötets öppnande", "VERKSAMHETSPLAN 2025",
             "Styrelsen består av 7 ledamöter och 7 ersättare.", "Mål"]
    page = Page(number=1, method="txt", raw_text="\n".join(lines), lines=[Line(text=t) for t in lines])
    return clean_document(DocumentText(doc_id="b" * 64, file_name="b.txt", source_path="b.txt",
                                       media_type="txt", pages=[page]))


def _segment(doc_type, start, end, title) -> Segment:
    prov = Provenance(doc_id="b" * 64, page=1, method="txt")
    return Segment(doc_type=doc_type, title=title, page_start=1, page_end=1, line_start=start, line_end=end,
                   provenance=prov)


def test_segment_span_and_text_follow_line_bounds():
    doc = _bundle()
    agenda = _segment(DocType.FOREDRAGNINGSLISTA, 0, 1, "KALLELSE")
    plan = _segment(DocType.VERKSAMHETSPLAN, 2, 4, "VERKSAMHETSPLAN 2025")
    page = doc.pages[0]
    lo, hi = segment_span(agenda, page)
    assert page.text[lo:hi] == "KALLELSE\n1. Mötets öppnande"
    assert segment_text(doc, plan).startswith("VERKSAMHETSPLAN 2025")


def test_plan_facts_stay_in_their_own_segment_of_a_shared_page():
    doc = _bundle()
    plan = _segment(DocType.VERKSAMHETSPLAN, 2, 4, "VERKSAMHETSPLAN 2025")
    other = _segment(DocType.OTHER, 0, 1, "Förslag till verksamhetsplan")  # titled like a plan
    assert any(f.kind.startswith("board") for f in extract_plan_facts(build_context(doc, [plan]), plan))
    assert extract_plan_facts(build_context(doc, [other]), other) == []


def test_text_stream_points_back_at_the_lines_a_span_covers():
    from pipeline.text.textview import segment_stream

    doc = DocumentText(doc_id="a" * 64, file_name="a.txt", source_path="a.txt", media_type="txt", pages=[
        Page(number=1, method="txt", raw_text="", lines=[Line(text="Beslutande Anna Berg (S)"), Line(text="Olle Ek (M) Övriga")]),
        Page(number=2, method="txt", raw_text="", lines=[Line(text="Per Al, sekreterare")]),
    ])
    seg = Segment(segment_id="s", provenance=Provenance(doc_id=doc.doc_id, method="txt"), doc_type=DocType.OTHER,
                  page_start=1, page_end=2)
    stream = segment_stream(doc, seg)
    assert stream.text == "Beslutande Anna Berg (S)\nOlle Ek (M) Övriga\nPer Al, sekreterare"
    i = stream.text.index("Olle")
    assert [r.text for r in stream.refs(i, i + 4)] == ["Olle Ek (M) Övriga"]
    i, j = stream.text.index("Övriga"), stream.text.index("Per Al") + 6
    assert [r.text for r in stream.refs(i, j)] == ["Olle Ek (M) Övriga", "Per Al, sekreterare"]
    assert stream.provenance(doc, j - 3, j).page == 2
