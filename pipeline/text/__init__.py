"""Text as the stages read it: cleanup of the raw page text, personnummer masking, and
views over a document's pages (lines and streams with their provenance)."""
