"""The JSON API: objects and collections, search, and the accountability ledger."""
