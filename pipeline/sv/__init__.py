"""Swedish parsers: numbers and amounts, dates, organisation numbers, § references,
OCR-aware fuzzy matching, the organisation gazetteer and the rule-based spaCy pipeline."""
