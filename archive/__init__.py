"""The domain and the store: tables, dates, the access rule, revisions, and the `reckon` CLI."""
