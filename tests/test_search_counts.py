"""Totals count what the filters allow, whichever page size or facets are asked for (both engines)."""

from __future__ import annotations

import pytest

from search.query import search


@pytest.mark.parametrize("options", [
    {"date_from": "1950", "date_to": "1960"},
    {"filters": {"type": ["harm"]}},
    {"filters": {"type": ["record"]}, "date_from": "1900", "date_to": "1999"},
])
def test_the_total_is_what_the_filters_allow_even_without_facets(ix, options):
    everything = search(ix, "hospital", 100, facets=(), **options)
    assert 2 < everything.total == len(everything.hits) < search(ix, "hospital", 100).total
    for facets in ((), ("type",)):
        page = search(ix, "hospital", 2, facets=facets, **options)
        assert page.total == everything.total and page.pages == -(-everything.total // 2)


def test_a_phrase_total_and_hits_come_from_the_same_matches(ix):
    all_hits = search(ix, '"medical association"', 100, facets=())
    assert all_hits.total == len(all_hits.hits) > 1
    first = search(ix, '"medical association"', 1, facets=())
    assert first.total == all_hits.total and first.hits[0].id == all_hits.hits[0].id
