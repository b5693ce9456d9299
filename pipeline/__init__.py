"""finsam pipeline: read -> clean -> segment -> extract -> records -> outputs -> reconcile -> report."""

# Bumped whenever extraction output can change: documents are reprocessed when it differs.
PIPELINE_VERSION = "0.2.0"
