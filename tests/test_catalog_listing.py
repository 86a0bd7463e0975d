"""archive/catalog.py `Catalog.listing`: an agent's and a concept's objects, indexed once per
summaries' memo, are exactly the summaries a filter over every one of them gives, in order."""

from __future__ import annotations

from archive.access import PUBLIC
from archive.catalog import Catalog


def test_listing_is_the_filter_over_every_summary(sample, session_for):
    with session_for(sample) as session:
        catalog = Catalog(session, PUBLIC, sample.today())
        checked = 0
        for concept in catalog.summaries("concept"):
            for kind in ("record", "narrative", "harm"):
                expected = [s for s in catalog.summaries(kind)
                            if concept["id"] in s["harm_types"] or concept["id"] in s["affected_groups"]]
                assert catalog.listing(kind, ("harm_types", "affected_groups"), concept["id"]) == expected
                checked += len(expected)
        for agent in catalog.summaries("agent"):
            for kind in ("record", "harm"):
                expected = [s for s in catalog.summaries(kind) if agent["id"] in s["institutions"]]
                assert catalog.listing(kind, "institutions", agent["id"]) == expected
                checked += len(expected)
        assert checked > 20  # the sample tags and credits many objects: the test compared something
        assert catalog.listing("record", "institutions", "agent-no-such") == []
