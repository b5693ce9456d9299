"""Prefect flows: orchestration only. Every decision lives in pipeline/runtime/ (inbox.py,
after_batch.py, file_chunks.py, batch.py); these modules wire those functions into tasks,
flows and deployments.

- flows.process.process_files: one task per chunk of files (pipeline.runtime.file_chunks).
- flows.ingest.ingest_inbox: inbox -> a task per worker lane taking files as they settle
  (pipeline.runtime.stream.run_ingest_stream; Dask: process_files) -> archive/<year>/ or
  quarantine/, then the tables once.
- flows.nightly.nightly: pipeline.runtime.after_batch.after_batch (reconcile and report, then the tables), a summary.
"""
