"""What the kansli reads in the report: Swedish words, OCR caveats, comparisons within one förbund
(issue 15, items 10, 9 and 8)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from models import DocType  # noqa: E402
from models.records import DOC_TYPE_SV  # noqa: E402
from pipeline.report import render_html  # noqa: E402
from reconcile_builder import DocBuilder  # noqa: E402

TODAY = date(2025, 2, 1)


def test_every_document_type_has_one_swedish_name():
    assert set(DOC_TYPE_SV) == set(DocType)
    assert DocType.OVERENSKOMMELSE.swedish == "Överenskommelse"
    assert DocType.FOREDRAGNINGSLISTA.swedish == "Föredragningslista"


def test_type_column_shows_swedish_words_not_internal_names():
    docs = [DocBuilder("ok2024", DocType.OVERENSKOMMELSE, title="Överenskommelse 2024").build(),
            DocBuilder("kallelse", DocType.FOREDRAGNINGSLISTA, title="Kallelse").build()]
    html = render_html(docs, [], TODAY)
    assert "<td>Överenskommelse</td>" in html and "<td>Föredragningslista</td>" in html
    assert ">overenskommelse<" not in html and ">foredragningslista<" not in html
