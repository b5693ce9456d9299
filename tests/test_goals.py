"""Goal extraction on small built documents: the type from the heading or sentence, targets,
provenance, and sentences about "mål" that are not goals."""

from __future__ import annotations

from decimal import Decimal

from extractors.goals import extract_goals_from
from models import DocType, DocumentText, Line, Page, Provenance, Segment


def _doc(*pages: list[str], method: str = "text") -> DocumentText:
    built = []
    for number, texts in enumerate(pages, start=1):
        lines, pos = [], 0
        for t in texts:
            lines.append(Line(text=t, start=pos, end=pos + len(t)))
            pos += len(t) + 1
        text = "\n".join(texts)
        built.append(Page(number=number, method=method, raw_text=text, text=text, lines=lines, width=595, height=842))
    return DocumentText(doc_id="d" * 64, file_name="t.pdf", source_path="t.pdf", media_type="pdf", pages=built)


def _goals(*pages: list[str], method: str = "text", doc_type: DocType = DocType.OVERENSKOMMELSE):
    doc = _doc(*pages, method=method)
    seg = Segment(segment_id="s1", provenance=Provenance(doc_id=doc.doc_id, method=method), doc_type=doc_type,
                  page_start=1, page_end=len(pages))
    return doc, extract_goals_from(doc, seg)


def _typed(goals) -> list[tuple[str, str]]:
    return [(g.goal_type, g.text) for g in goals]


def test_bullets_under_a_numbered_mal_heading_are_goals_and_wrapped_bullets_are_joined():
    _, goals = _goals([
        "3. Målgrupper",
        "– Arbetssökande som uppbär ekonomiskt bistånd",
        "– Unga 16–29 år som varken arbetar eller studerar",
        "4. Mål",
        "– Andelen individer som är beroende av ersättning från trygghetssystemen ska",
        "minska.",
        "– Minst 40% av deltagarna i gemensamma insatser ska gå till arbete eller studier.",
        "5. Organisering och uppföljning",
        "– Styrgruppen ska träffas fyra gånger per år.",
    ])
    assert _typed(goals) == [
        ("mål", "Andelen individer som är beroende av ersättning från trygghetssystemen ska minska."),
        ("mål", "Minst 40% av deltagarna i gemensamma insatser ska gå till arbete eller studier."),
    ]
    assert (goals[1].target_value, goals[1].target_unit) == (Decimal("40"), "%")
    assert goals[0].target_value is None


def test_sub_headings_give_the_type():
    _, goals = _goals([
        "4. Mål",
        "Effektmål",
        "– Andelen individer i arbetskraften ska öka i förhållande till föregående år.",
        "Mål för de gemensamma insatserna",
        "– Minst 40% av deltagarna i gemensamma insatser ska gå till arbete eller studier.",
        "5. Giltighetstid",
    ])
    assert [g.goal_type for g in goals] == ["effektmål", "mål"]


def test_verksamhetsplan_with_individmal_and_indicator_lines():
    _, goals = _goals([
        "2. Mål",
        "Övergripande mål",
        "Varje individ med behov av samordnade insatser ska få stöd mot arbete, studier eller",
        "annan hållbar försörjning.",
        "Individmål",
        "Deltagarna som avslutat har gått vidare till arbete.",
        "Indikator: 35 % av de som avslutat insatsen ska gå vidare till arbete.",
        "3. Verksamheter",
    ], doc_type=DocType.VERKSAMHETSPLAN)
    assert _typed(goals) == [
        ("övergripande mål", "Varje individ med behov av samordnade insatser ska få stöd mot arbete, studier eller "
                             "annan hållbar försörjning."),
        ("individmål", "Deltagarna som avslutat har gått vidare till arbete."),
        ("indikator", "35 % av de som avslutat insatsen ska gå vidare till arbete."),
    ]
    assert (goals[2].target_value, goals[2].target_unit) == (Decimal("35"), "%")


def test_intro_paragraph_with_two_sentences_gives_the_overall_goal_and_types_the_list():
    # As a Word paragraph reads: both sentences on one line, the list items without bullets.
    text = "Det övergripande målet är att deltagarna ska stärka sin förmåga till egen försörjning. De konkreta målen är att"
    doc, goals = _goals([
        "§ 4 VERKSAMHETENS MÅL",
        text,
        "60% av deltagarna ska vid avslut gå till arbete eller studier.",
        "Minst 40 deltagare ska skrivas in i Steget under 2025.",
        "§ 5 FINANSIERING",
    ], doc_type=DocType.UPPDRAGSAVTAL)
    assert _typed(goals) == [
        ("övergripande mål", "Det övergripande målet är att deltagarna ska stärka sin förmåga till egen försörjning."),
        ("mål", "60% av deltagarna ska vid avslut gå till arbete eller studier."),
        ("mål", "Minst 40 deltagare ska skrivas in i Steget under 2025."),
    ]
    assert (goals[2].target_value, goals[2].target_unit) == (Decimal("40"), "deltagare")
    # Provenance: page, and the character span of the first sentence only.
    first = goals[0].provenance
    assert first.page == 1
    line = doc.pages[0].lines[1]
    assert doc.pages[0].text[first.char_start:first.char_end] == goals[0].text
    assert first.char_start == line.start
    second = goals[1].provenance
    assert doc.pages[0].text[second.char_start:second.char_end] == goals[1].text


def test_inline_mal_lines_are_followed_by_their_indicators():
    _, goals = _goals([
        "4. Målsättningar",
        "Mål: Utbildningsnivån bland medborgarna ska öka",
        "Omsättningen till studier ska vara minst 1 %.",
        "Genomströmningen i vuxenutbildningens SFI-utbildningar ska öka.",
        "5. Organisering av samverkan",
    ])
    assert [g.goal_type for g in goals] == ["mål", "indikator", "indikator"]
    assert goals[0].text == "Utbildningsnivån bland medborgarna ska öka"
    assert (goals[1].target_value, goals[1].target_unit) == (Decimal("1"), "%")


def test_mal_in_passing_is_not_a_goal():
    _, goals = _goals([
        "§ 3 MÅLGRUPP",
        "Målgruppen för Enter är personer i arbetsför ålder 18–64 år som;",
        "- har behov av insatser från flera aktörer",
        "Insatsen ligger i linje med förbundets målsättning om fler i arbete.",
        "Krami. Målet med Krami är att deltagarna ska finna, få och behålla ett arbete.",
        "Målet är att beslut om nya former för samarbetet tas under hösten.",
        "§ 6 PERSONAL",
        "AMA ansvarar för att de anställda har den kompetens som behövs för att nå verksamhetens mål.",
    ], doc_type=DocType.UPPDRAGSAVTAL)
    assert goals == []


def test_theme_headings_with_mal_and_indikatorer_lists():
    _, goals = _goals([
        "Strategiska mål",
        "Syftet med de strategiska målen är att tydliggöra den gemensamma ambitionsnivån.",
        "Ohälsa",
        "Mål",
        "• Minska sjukpenningtalet genom att människor får tillgång till rehabiliteringsinsatser för",
        "återgång till arbete",
        "Indikatorer",
        "• Det rullande sjukpenningtalet",
        "Organisering av samverkan – ledning och styrning",
    ])
    assert [(g.goal_type, g.heading) for g in goals] == [("strategiskt mål", "Ohälsa"), ("indikator", "Ohälsa")]
    assert goals[0].text.endswith("för återgång till arbete")


def test_numbers_that_are_not_targets():
    _, goals = _goals([
        "Indikatorer",
        "• Antalet unga långtidsarbetslösa 16 – 24 år mer än 6 månader",
        "• Andelen arbetssökande ungdomar i ålder 16–24 som övergår till studier ska öka under 2024.",
    ], doc_type=DocType.VERKSAMHETSPLAN)
    # A bare "Indikatorer" list outside a goal area is not taken.
    assert goals == []
    _, goals = _goals([
        "Effektmål",
        "Indikatorer",
        "• Antalet unga långtidsarbetslösa 16 – 24 år mer än 6 månader",
        "• Andelen ungdomar 16–24 år som går till studier ska öka under 2024.",
    ], doc_type=DocType.VERKSAMHETSPLAN)
    assert len(goals) == 2
    assert [(g.target_value, g.target_unit) for g in goals] == [(None, None), (None, None)]


def test_ocr_percent_sign_misread_as_digits_on_scanned_pages_only():
    lines = [
        "Det konkreta målet för Enter är att",
        "- 5024 av deltagarna som bedöms ha arbetsförmåga skall komma i arbete eller studier.",
        "- 90 26 av de som avslutats har gått vidare till en positiv lösning.",
        "- Omsättningen till studier ska vara minst 1 90.",
    ]
    _, scanned = _goals(["§ 4 VERKSAMHETENS MÅL", *lines], method="ocr", doc_type=DocType.UPPDRAGSAVTAL)
    assert [(g.target_value, g.target_unit) for g in scanned] == [(Decimal("50"), "%"), (Decimal("90"), "%"),
                                                                  (Decimal("1"), "%")]
    assert all("OCR misread '%'" in g.warnings[0] for g in scanned)  # a recovered target says so
    _, text_layer = _goals(["§ 4 VERKSAMHETENS MÅL", *lines], doc_type=DocType.UPPDRAGSAVTAL)
    assert [g.target_value for g in text_layer] == [None, None, None]


def test_goal_across_a_page_break_points_at_its_first_page():
    _, goals = _goals(
        ["Effektmål", "Andelen individer som är beroende av ersättning från det offentliga"],
        ["trygghetssystemet ska minska."],
    )
    assert len(goals) == 1
    assert goals[0].text.endswith("offentliga trygghetssystemet ska minska.")
    assert goals[0].provenance.page == 1


_INITIATIVES = [
    "1.Unga med aktivitetsersättning",
    "Aktivitet",
    "• Prioritera att identifiera och anvisa unga till aktiva insatser mot arbete.",
    "Nuläge juni 2023:",
    "• Försäkringskassan och vården har aktualiserat fler unga som uppbär",
    "aktivitetsersättning till Arbetsmarknadstorgen.",
    "Mål",
    "• Andelen unga med aktivitetsersättning som prövas mot arbete/studier ska",
    "öka i Umeåregionen",
    "Indikatorer",
    "• Antalet unga med aktivitetsersättning som deltar i Arbetsmarknadstorgen",
    "ska öka jämfört med föregående år (statistik från Umeå och krans) Antalet",
    "unga med aktivitetsersättning som aktualiseras till GK ska öka jämfört med",
    "föregående år",
    "Sammankallande: Försäkringskassan",
    "Analysgruppens bedömning av progress i initiativet:",
    "• Initiativet är viktigt och ska vara kvar",
    "Utvecklingsarbetet ska fortsätta under 2024 med fler hälsocentraler.",
    "10.Översyn av Krami",
    "Mål:",
    "+ Resultat, analys och frågeställningar omhändertas i styrgrupperna för",
    "Krami. Ett förslag på hur Krami ska anpassas lokalt ska tas fram.",
    "Indikatorer",
    "» Ett färdigt gemensamt förslag till reformerad lokal",
    "Kramiverksamhet.",
    "13",
    "» Andel ej återaktualiserade personer med försörjningsstöd",
    "Ansvar: Krami utökad styrgrupp och Krami styrgrupp",
]


def test_initiative_mal_and_indikatorer_lists_outside_a_goal_area():
    doc, goals = _goals(["Organisering av samverkan – ledning och styrning", *_INITIATIVES],
                        doc_type=DocType.VERKSAMHETSPLAN)
    assert [(g.goal_type, g.heading, g.text) for g in goals] == [
        ("mål", "Unga med aktivitetsersättning",
         "Andelen unga med aktivitetsersättning som prövas mot arbete/studier ska öka i Umeåregionen"),
        # one bullet holding two indicators (the second lost its bullet) gives two
        ("indikator", "Unga med aktivitetsersättning",
         "Antalet unga med aktivitetsersättning som deltar i Arbetsmarknadstorgen ska öka jämfört med "
         "föregående år (statistik från Umeå och krans)"),
        ("indikator", "Unga med aktivitetsersättning",
         "Antalet unga med aktivitetsersättning som aktualiseras till GK ska öka jämfört med föregående år"),
        # "Mål:" with a colon, an OCR'd "+" bullet, a wrapped line opening with a name
        ("mål", "Översyn av Krami",
         "Resultat, analys och frågeställningar omhändertas i styrgrupperna för Krami. Ett förslag på hur "
         "Krami ska anpassas lokalt ska tas fram."),
        ("indikator", "Översyn av Krami", "Ett färdigt gemensamt förslag till reformerad lokal Kramiverksamhet."),
        # the page number between two bullets is skipped
        ("indikator", "Översyn av Krami", "Andel ej återaktualiserade personer med försörjningsstöd"),
    ]
    assert all(g.target_value is None and g.target_unit is None for g in goals)
    # the split indicator points at its own part of the shared line
    page = doc.pages[0]
    second = goals[2].provenance
    assert page.text[second.char_start:second.char_end].startswith("Antalet\nunga med")
    first = goals[1].provenance
    assert page.text[first.char_start:first.char_end].endswith("(statistik från Umeå och krans)")


def test_initiative_lists_take_list_items_only():
    _, goals = _goals([
        "3.Sjukskrivningsmönster",
        "Mål",
        "Samverkan ska utvecklas vidare och alla parter ska delta i arbetet under året.",
        "• Detta är en punkt efter ett stycke och ska inte bli ett mål.",
        "Nuläge:",
        "Mål",
        "• Arbetslösa sjukskrivna ska tidigare komma ut i arbetslivsinriktade insatser",
        "Ansvar: Försäkringskassan och Regionen",
        "Arbetet ska följas upp av styrgruppen varje kvartal.",
        "• Initiativet ska vara kvar",
    ], doc_type=DocType.VERKSAMHETSPLAN)
    assert _typed(goals) == [("mål", "Arbetslösa sjukskrivna ska tidigare komma ut i arbetslivsinriktade insatser")]


def test_an_initiative_may_repeat_an_indicator_of_the_agreement():
    _, goals = _goals([
        "Strategiska mål",
        "Arbetslöshet",
        "Indikatorer",
        "• Omsättning till arbete/reguljära studier helår för funktionsnedsatta",
        "• Omsättning till arbete/reguljära studier helår för funktionsnedsatta",
        "Organisering av samverkan – ledning och styrning",
        "7.Arbetssökande med funktionsnedsättning",
        "Mål",
        "• Öka omsättningen till arbete och studier för funktionsnedsatta arbetslösa",
        "Indikatorer",
        "• Omsättning till arbete/reguljära studier helår för funktionsnedsatta.",
        "Sammankallande: Arbetsförmedlingen",
    ])
    assert [(g.goal_type, g.heading) for g in goals] == [
        ("indikator", "Arbetslöshet"),  # the repeat under the same heading is dropped
        ("mål", "Arbetssökande med funktionsnedsättning"),
        ("indikator", "Arbetssökande med funktionsnedsättning"),
    ]


def test_initiative_lists_in_word_are_list_styled_paragraphs(tmp_path):
    import docx

    from pipeline.read import read_document

    document = docx.Document()
    document.add_paragraph("8.Utrikesfödda arbetslösa")
    document.add_paragraph("Kraft är pågående som pilot till och med dec 2023 och ska utvärderas.")
    document.add_paragraph("Mål:")
    document.add_paragraph("Minska arbetslösheten samt långtidsarbetslösheten bland utrikes födda i Umeåregionen.",
                           style="List Bullet")
    document.add_paragraph("Indikatorer")
    document.add_paragraph("Utrikesfödda som andel av arbetslösheten", style="List Bullet")
    document.add_paragraph("Antal arbetslösa utomeuropeiskt födda", style="List Bullet")
    document.add_paragraph("Sammankallande: Arbetsmarknad och integrationsavdelningen")
    document.add_paragraph("Ansvaret ska ligga hos styrgruppen för etablering.")
    path = tmp_path / "initiativ.docx"
    document.save(str(path))
    doc = read_document(path)
    seg = Segment(segment_id="s1", provenance=Provenance(doc_id=doc.doc_id, method="docx"),
                  doc_type=DocType.VERKSAMHETSPLAN, page_start=1, page_end=len(doc.pages))
    assert [(g.goal_type, g.heading, g.text) for g in extract_goals_from(doc, seg)] == [
        ("mål", "Utrikesfödda arbetslösa",
         "Minska arbetslösheten samt långtidsarbetslösheten bland utrikes födda i Umeåregionen."),
        ("indikator", "Utrikesfödda arbetslösa", "Utrikesfödda som andel av arbetslösheten"),
        ("indikator", "Utrikesfödda arbetslösa", "Antal arbetslösa utomeuropeiskt födda"),
    ]


def test_a_goal_stated_under_a_bare_mal_heading():
    """"Mål" then one sentence that states a goal (not a bullet list): that sentence is the goal."""
    from extractors.goals import extract_goals_from
    from models import DocType, DocumentText, Line, Page, Provenance, Segment

    lines = ["Mål", "Målet är att minst 40 procent av deltagarna ska gå vidare till arbete eller studier.",
             "Uppföljning", "Parterna följer upp arbetet två gånger per år."]
    page = Page(number=1, method="txt", raw_text="\n".join(lines), text="\n".join(lines),
                lines=[Line(text=t) for t in lines])
    doc = DocumentText(doc_id="g" * 64, file_name="g.txt", source_path="g.txt", media_type="txt", pages=[page])
    seg = Segment(segment_id="s", provenance=Provenance(doc_id=doc.doc_id, method="txt"),
                  doc_type=DocType.OVERENSKOMMELSE, page_start=1, page_end=1)
    goals = extract_goals_from(doc, seg)
    assert [(g.goal_type, g.target_value, g.target_unit) for g in goals] == [("mål", 40, "%")]
