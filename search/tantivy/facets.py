"""All five facets of a tantivy document in one column, counted by one aggregation.

Why: a faceted search asked tantivy for five terms aggregations (type, harm type, affected
group, institution, decade), each a pass over the matching documents' columns; at 100,000
records that was most of the faceted query's time. Every facet value is also written to
one multi-valued fast field as "name/value" (facet names hold no "/"), so one aggregation
counts them all. The counts are the same: each document counts once for each of its values.

Every document has exactly one type (written even when blank), so the sum of the "type/…"
counts is the number of matches: with type counts asked for, the search for the top hits
need not count them again.
"""

from __future__ import annotations

import tantivy
from tantivy import Query

from search.language import FACETS

FIELD = "all_facets"
SEPARATOR = "/"
# Distinct "name/value" terms counted at most: far above any collection's facet values (an
# aggregation truncated at its size would give wrong counts).
SIZE = 1_000_000


def facet_values(values: dict[str, list[str]]) -> list[str]:
    """The combined field's values, from a document's (lowercased) facet field values."""
    return [f"{name}{SEPARATOR}{value}" for name in FACETS for value in values.get(name, ())]


def count_facets(searcher: tantivy.Searcher, query: Query,
                 names: tuple[str, ...]) -> tuple[dict[str, dict[str, int]], int]:
    """Counts per value of each facet in `names` (blank values left out), and the number of
    matching documents (the sum of the type counts)."""
    answer = searcher.aggregate(query, {"all": {"terms": {"field": FIELD, "size": SIZE}}})
    counts: dict[str, dict[str, int]] = {name: {} for name in names}
    total = 0
    for bucket in answer["all"]["buckets"]:
        name, _, value = bucket["key"].partition(SEPARATOR)
        if name == "type":
            total += bucket["doc_count"]
        if value and name in counts:
            counts[name][value] = bucket["doc_count"]
    return counts, total
