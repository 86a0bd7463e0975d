"""The whoosh schema of the public index."""

from __future__ import annotations

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema


def public_schema() -> Schema:
    stem = StemmingAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        type=ID(stored=True),
        url=STORED(),
        title=TEXT(stored=True, analyzer=stem, field_boost=2.0),
        text=TEXT(stored=True, analyzer=stem),
        date=STORED(),
        date_lower=NUMERIC(stored=True, bits=32, sortable=True),
        date_upper=NUMERIC(stored=True, bits=32),
        harm_types=KEYWORD(stored=True, commas=True, lowercase=False),
    )
