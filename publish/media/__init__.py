"""Public copies of narratives' recordings: made at build, with redacted passages silenced."""
