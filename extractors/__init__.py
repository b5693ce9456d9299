"""Extractors: one module per record kind, each a pure function of (context, segment).

An extractor is `(ctx: ExtractionContext, segment: Segment) -> list[Record]`
(see extractors.run). It runs on every segment, whatever its type, and finds its own
structure in the text (a "Parter" list, a numbered agenda, § headings, an attendance
list, a table with year columns): a kommun's protokoll holds an utdrag of an agreement,
an agreement quotes a decision, a plan carries a budget. It never changes the Segment
and never reads another extractor's output, so the order they run in does not matter.

Modules register their extractor with `@extractor`; `load_all()` imports every module
of this package (not those starting with "_"), so adding an extractor is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from models import Record, Segment

if TYPE_CHECKING:
    from extractors.run import ExtractionContext

Extractor = Callable[["ExtractionContext", Segment], list[Record]]

_REGISTRY: list[Extractor] = []
_loaded = False


def extractor(fn: Extractor) -> Extractor:
    """Register `fn` as an extractor of every segment."""
    if fn not in _REGISTRY:
        _REGISTRY.append(fn)
    return fn


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not mod.name.startswith("_") and mod.name != "run":
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def all_extractors() -> list[Extractor]:
    load_all()
    return list(_REGISTRY)
