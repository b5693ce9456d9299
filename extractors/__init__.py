"""Extractors: one module per record kind, each registered for the document types it reads.

An extractor is a plain function `(doc: DocumentText, segment: Segment) -> list[Record]`.
Modules in this package register themselves with `@register(DocType...)`; `load_all()`
imports every module here, so adding an extractor is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Callable

from models import DocType, DocumentText, Record, Segment

Extractor = Callable[[DocumentText, Segment], list[Record]]

_REGISTRY: dict[DocType, list[Extractor]] = defaultdict(list)
_loaded = False


def register(*doc_types: DocType) -> Callable[[Extractor], Extractor]:
    def deco(fn: Extractor) -> Extractor:
        for t in doc_types:
            if fn not in _REGISTRY[t]:
                _REGISTRY[t].append(fn)
        return fn

    return deco


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def extractors_for(doc_type: DocType) -> list[Extractor]:
    load_all()
    return list(_REGISTRY.get(doc_type, []))
