"""Prefect flows: orchestration only. Every decision lives in pipeline/ (inbox.py, stages.py,
process.py); these modules wire those functions into tasks, flows and deployments.

- flows.process.process_files: one task per file, cached by (sha256, pipeline version).
- flows.ingest.ingest_inbox: inbox -> process_files -> archive/<year>/ or quarantine/.
- flows.nightly.nightly: pipeline.runtime.after_batch.after_batch (reconcile and report, then the tables), a summary.
"""
