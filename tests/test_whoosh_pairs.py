"""Phrases found through common-word pairs give exactly what the position check gives (whoosh).

The whoosh index of the known-answer suite has pair terms for its common stems. Each query
here is asked twice of the same index: through the pairs (the engine as shipped) and through
whoosh's position-by-position phrase check (the engine as it reads an index made before
pairs). Totals, hits in order, scores, snippets and facet counts must be identical.
"""

from __future__ import annotations

import re
import shutil

import pytest
from whoosh import index

from archive.errors import ReckoningError
from search.engine import Request
from search.language import FACETS, parse
from search.query import open_index, search
from search.whoosh import neighbours
from search.whoosh.engine import STEM, WhooshReader, open_writer
from search.whoosh.pairs import PAIRS_FILE, Pairs, load
from search.whoosh.within import phrase_docs_in


@pytest.fixture(scope="module")
def readers(corpus):
    folder = corpus["home"] / "index-whoosh"
    with_pairs = WhooshReader(index.open_dir(str(folder)), Pairs(load(folder), STEM))
    without = WhooshReader(index.open_dir(str(folder)), None)
    yield with_pairs, without
    with_pairs.close()
    without.close()


def phrases(corpus, common: frozenset[str]) -> list[str]:
    """Two- and three-word phrases from the documents' own text: pairs of common stems, pairs
    with one rarer word, and longer phrases made of both."""
    pairs = Pairs(common, STEM)
    two_common, mixed, three = [], [], []
    for doc in sorted(corpus["docs"].values(), key=lambda d: d["id"]):
        words = re.findall(r"[^\W_]+", doc["text"])
        for a, b, c in zip(words, words[1:], words[2:], strict=False):
            stems = pairs.stems(f"{a} {b}")
            if pairs.exact(stems):
                two_common.append(f'"{a} {b}"')
                if len(three) < 25 and pairs.terms("text", pairs.stems(f"{a} {b} {c}")):
                    three.append(f'"{a} {b} {c}"')
            elif len(stems) == 2 and (stems[0] in common or stems[1] in common):
                mixed.append(f'"{a} {b}"')
    return sorted(set(two_common))[:60] + sorted(set(mixed))[:25] + three


def requests(query: str):
    node = parse(query)
    yield Request(node, limit=20)
    yield Request(node, limit=5, offset=5, facets=FACETS)
    yield Request(node, date_from=19000101, date_to=19991231, limit=20, facets=("type",))
    yield Request(node, filters={"type": ("record",)}, limit=20)


def same(a, b) -> None:
    assert a.total == b.total
    assert [(h.fields["id"], h.score, h.snippet) for h in a.hits] == \
           [(h.fields["id"], h.score, h.snippet) for h in b.hits]
    assert a.facets == b.facets


def test_the_index_has_common_stems_and_pairs_of_them(readers):
    with_pairs, _ = readers
    assert {"the", "of", "and"} <= with_pairs.pairs.common
    assert with_pairs.phrase_docs("text", ["of", "the"])


def test_phrases_through_pairs_equal_the_position_check(readers, corpus):
    with_pairs, without = readers
    queries = phrases(corpus, with_pairs.pairs.common)
    assert len(queries) > 60
    for query in queries:
        for request in requests(query):
            same(with_pairs.search(request), without.search(request))


@pytest.mark.parametrize("query", [
    '"of the" hospital', '"of the" OR "in the"', '"of the" NOT segregation', 'title:"of the"',
    '"the american medical association"', '"in the" "of the" physicians', '"color bar"',
    '"the the"', '"of the hospital"', 'text:"and the" OR apology',
])
def test_phrases_inside_other_queries_equal_the_position_check(readers, query):
    with_pairs, without = readers
    for request in requests(query):
        same(with_pairs.search(request), without.search(request))


def test_a_phrase_search_answers_through_the_public_entry_point(corpus):
    ix = open_index(corpus["home"] / "index-whoosh")
    found = search(ix, '"of the"', 100)
    assert found.total > 10 and all("<mark>" in h.snippet for h in found.hits)


def test_an_index_whose_pairs_record_is_missing_is_refused_clearly(corpus, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(corpus["home"] / "index-whoosh", copy)
    (copy / PAIRS_FILE).unlink()
    with pytest.raises(ReckoningError, match=rf"no readable {PAIRS_FILE}.*reckon index --rebuild"):
        open_index(copy)
    (copy / PAIRS_FILE).write_text('{"format": 99, "common": []}')
    with pytest.raises(ReckoningError, match="from another version.*reckon index --rebuild"):
        open_index(copy)


def test_an_updated_index_keeps_its_pairs_and_still_equals_the_position_check(corpus, tmp_path):
    """An update adds pair terms with the stems chosen at the build, and deletes leave whoosh's
    deleted-document bookkeeping in place: both paths must still agree."""
    copy = tmp_path / "index"
    shutil.copytree(corpus["home"] / "index-whoosh", copy)
    common = load(copy)
    docs = sorted(corpus["docs"].values(), key=lambda d: d["id"])[::3]
    writer = open_writer(copy)
    writer.delete([d["id"] for d in docs[:5]])
    writer.add([{**d, "text": d["text"] + " of the updated text in the archive"} for d in docs[5:]])
    writer.commit()
    assert load(copy) == common
    with_pairs = WhooshReader(index.open_dir(str(copy)), Pairs(common, STEM))
    without = WhooshReader(index.open_dir(str(copy)), None)
    try:
        for query in ['"of the"', '"the updated text"', '"in the archive"', '"of the" OR hospital', "the"]:
            for request in requests(query):
                same(with_pairs.search(request), without.search(request))
        assert with_pairs.search(Request(parse('"updated text in the archive"'))).total == len(docs) - 5
    finally:
        with_pairs.close()
        without.close()


def test_a_phrase_checked_beside_its_rarer_word_equals_the_position_check(readers, corpus):
    """search.whoosh.neighbours reads only the rarer word's offsets and the stored text."""
    with_pairs, _ = readers
    searcher, pairs = with_pairs.searcher, with_pairs.pairs
    everything = set(range(searcher.doc_count_all()))
    checked = 0
    for query in phrases(corpus, pairs.common) + ['"the hospital"', '"hospital the"', '"medical the"']:
        stems = pairs.stems(query)
        if len(stems) != 2:
            continue
        expected = phrase_docs_in(searcher, "text", stems, everything)
        assert neighbours.phrase_docs(searcher, stems, everything, pairs.stem) == expected, query
        checked += bool(expected)
    assert checked > 50
