"""The postgres engine: PostgreSQL's own full-text search, in the store's database."""
