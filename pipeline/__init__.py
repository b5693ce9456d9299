"""finsam pipeline: read -> clean -> segment -> extract -> records -> outputs -> reconcile -> report."""

# Two versions, on purpose:
# - __version__ is the release of the finsam package: pyproject.toml reads it from here
#   (setuptools dynamic version), `finsam --version` and importlib.metadata report it.
# - PIPELINE_VERSION is the version of the records: stamped on every document and error
#   record, part of the task-cache key and of the read cache. Bumped whenever extraction
#   output can change: documents are reprocessed when it differs. A release that changes
#   no output (a dependency fix, a new command) leaves it alone.
__version__ = "0.2.0"
PIPELINE_VERSION = "0.2.3"
