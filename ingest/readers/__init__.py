"""One small reader per source format, listed in one explicit registry."""
