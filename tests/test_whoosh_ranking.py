"""The whoosh engine ranks as whoosh does when it scores every match (search.whoosh.ranking).

The engine picks candidates from per-word score tables and has whoosh score only those; the
reference here is whoosh itself scoring every match of the plain query (phrases checked
position by position), with the same filter. Hits, order and scores must be the same, on
every page. Whoosh's own top-N search is not the reference: it can drop a document that
belongs in the top hits, which the last test shows.
"""

from __future__ import annotations

import shutil

import pytest
from whoosh import index

from search.engine import Request
from search.language import parse
from search.whoosh.engine import STEM, WhooshReader, open_writer
from search.whoosh.pairs import Pairs, load

QUERIES = [
    "hospital", "physicians nurses", "medical association", "physicians OR nurses",
    "hospital NOT Greensboro", "(hospital NOT Greensboro) OR apology", "(the OR of) NOT hospital",
    '"of the"', '"of the" OR "in the"', '"the american medical association"', '"of the" hospital',
    "title:medical", "people:johnson OR medical", "the", "the of and a in",
]


@pytest.fixture(scope="module")
def reader(corpus):
    folder = corpus["home"] / "index-whoosh"
    opened = WhooshReader(index.open_dir(str(folder)), Pairs(load(folder), STEM))
    yield opened
    opened.close()


def requests(query: str):
    node = parse(query)
    yield Request(node, limit=20)
    yield Request(node, limit=7, offset=7)
    yield Request(node, limit=3, offset=0)
    yield Request(node, date_from=19000101, date_to=19991231, limit=20)
    yield Request(node, filters={"type": ("record", "narrative")}, limit=10, offset=2)


def every_match_scored(reader: WhooshReader, request: Request):
    query = reader.compiler.compile(request.node)
    allowed = reader.filter_docs(request)
    results = reader.searcher.search(query, limit=None, filter=allowed)
    hits = [(reader.searcher.stored_fields(h.docnum)["id"], h.score) for h in results]
    return len(results), hits[request.offset:request.offset + request.limit]


@pytest.mark.parametrize("query", QUERIES)
def test_pages_rank_as_whoosh_scoring_every_match(reader, query):
    for request in requests(query):
        found = reader.search(request)
        total, hits = every_match_scored(reader, request)
        assert found.total == total, request
        assert [(h.fields["id"], h.score) for h in found.hits] == hits, request


def test_whoosh_top_n_search_is_not_the_reference(reader):
    """Why the engine does not use whoosh's top-N search for an OR of phrases."""
    query = reader.compiler.compile(parse('"of the" OR "in the"'))
    every = [h.docnum for h in reader.searcher.search(query, limit=None)][:20]
    top_n = [h.docnum for h in reader.searcher.search(query, limit=20)]
    assert top_n != every
    found = reader.search(Request(parse('"of the" OR "in the"'), limit=20))
    assert [h.fields["id"] for h in found.hits] == [reader.searcher.stored_fields(d)["id"] for d in every]


def test_an_updated_index_with_several_segments_and_deletions_ranks_the_same(corpus, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(corpus["home"] / "index-whoosh", copy)
    docs = sorted(corpus["docs"].values(), key=lambda d: d["id"])[1::4]
    writer = open_writer(copy)
    writer.delete([d["id"] for d in docs[:4]])
    writer.add([{**d, "text": d["text"] + " of the hospital"} for d in docs[4:]])
    writer.commit()
    opened = WhooshReader(index.open_dir(str(copy)), Pairs(load(copy), STEM))
    try:
        assert not opened.searcher.reader().is_atomic()
        for query in QUERIES:
            for request in requests(query):
                found = opened.search(request)
                total, hits = every_match_scored(opened, request)
                assert found.total == total, request
                assert [(h.fields["id"], h.score) for h in found.hits] == hits, request
    finally:
        opened.close()
