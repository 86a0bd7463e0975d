"""The whoosh engine (pure Python, the default) and the lookups that make it fast."""
