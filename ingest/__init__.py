"""Sources in: readers for each content format, validation, and the ingest pipeline."""
