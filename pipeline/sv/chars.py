"""The characters Swedish documents print for one sign in many ways: dashes, minus, spaces.

A word processor turns the typed hyphen into an en dash ("212000–2627", "§§ 47–54"), a
PDF's text layer gives the Unicode minus sign or a non-breaking hyphen, OCR reads an em
dash, and figures group thousands with a no-break or thin space ("11 785"). Every parser
that reads such a sign takes its class from here, so they all agree on what is a dash.
"""

from __future__ import annotations

import re

# Everything printed for a hyphen between two parts ("2023-01-15", "212000–2627") or the
# two ends of a range ("§§ 47–54", "09.00—11.30"): hyphen-minus, hyphen, non-breaking
# hyphen, figure dash, en dash, em dash, horizontal bar, minus sign, small em dash, small
# and fullwidth hyphen-minus.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Printed as a minus sign before a figure ("-2 090", "−2 090", "–2 090"). Not the em dash
# or the horizontal bar: before a figure in running text they are punctuation ("Budget —
# 500 tkr"), not a sign.
MINUS_SIGNS = "-\u2212\u2013\u2012\u2010\u2011"
# A soft hyphen: invisible where the line does not break, yet some text layers keep it
# where a typed hyphen was.
SOFT_HYPHEN = "\u00ad"
# Spaces inside a figure ("11 785") and around a separator: space, no-break space, narrow
# no-break space, thin space.
SPACES = " \u00a0\u202f\u2009"


def char_class(chars: str) -> str:
    """A regex character class of exactly `chars` ("[...]"), safe to put inside a pattern."""
    return "[" + re.escape(chars) + "]"


DASH = char_class(DASHES)
# The dashes escaped for a wider class of the caller's own: rf"(?<![\d{DASH_MEMBERS}])".
DASH_MEMBERS = re.escape(DASHES)
MINUS = char_class(MINUS_SIGNS)
SPACE = char_class(SPACES)
