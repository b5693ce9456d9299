"""Imported by the forkserver before it forks document workers: heavy imports happen once,
and so does building what every document needs, which each worker would otherwise build
again for its one document."""

import gc

import pypdfium2  # noqa: F401

import extractors
import pipeline.config
import extractors.run  # noqa: F401 - build_document imports it where it is used
import pipeline.read.docx  # noqa: F401
import pipeline.read.ocr  # noqa: F401
import pipeline.read.pdf  # noqa: F401
import pipeline.runtime.batch  # noqa: F401
import pipeline.segment  # noqa: F401
import pipeline.sv.gazetteer
import pipeline.sv.nlp

extractors.load_all()

# The spaCy pipeline with its rules takes about a second to build, the gazetteer a
# little: once here instead of once per document.
pipeline.sv.nlp.get_nlp()
pipeline.sv.gazetteer.gazetteer()

try:  # cache the Tesseract probe in the forkserver (children inherit it)
    pipeline.read.ocr.check_tesseract()
    # One engine per thread a worker reads pages with (pipeline.read.ocr.ocr_pages), models
    # loaded once here rather than in every worker.
    pipeline.read.ocr.preload_engines(pipeline.config.Limits().ocr_workers + 1)
except Exception:  # noqa: BLE001 - reported per document when OCR is needed
    pass

# Last: everything loaded so far lives as long as the forkserver. Frozen, the collector of
# a forked worker never walks it, so the worker's collections do not copy the whole
# shared heap page by page (copy-on-write) before doing any work.
gc.freeze()
