"""The search fallback for a static-only host: a sharded index and its one-document patches."""
