"""Running the pipeline: the isolated worker and the batch (batch), the one after-batch
sequence (after_batch), the inbox and its watcher, the local Prefect server (serve), the
run lock (locking) and file permissions (permissions)."""
