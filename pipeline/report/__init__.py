"""The kansli's report of what does not add up: avvikelser-<date>.html and .md, in Swedish.

Summary (documents, years, förbund, counts by severity), the flags grouped by severity and
document with their evidence and a link to the file and page, and year-over-year tables
of the budget lines and parties the rules compared.

content (what it shows) -> html_report / markdown_report (its two forms, words from
wording) -> write (flags.json and both forms, at OutputLayout's paths).
"""

from pipeline.report.write import run_reconciliation, write_flags, write_report

__all__ = ["run_reconciliation", "write_flags", "write_report"]
