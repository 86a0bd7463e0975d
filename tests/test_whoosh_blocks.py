"""Phrases of a middling word and one in every record, and the block reads that make them fast (whoosh).

The known-answer collection is too small for a word to fill several posting blocks, so this
module builds its own index (1,200 generated records; "range" and "cultural" in every one,
"harris" in some 7%, a few rarer words) and checks, against whoosh's own reading:

- phrases answered through the engine's shortcuts (the rarest word's documents only, few
  matches scored by whoosh, partial block decoding, the per-searcher block cache) give the
  same totals, hits, scores, snippets and facet counts as whoosh's position-by-position check;
- reading a block's postings a block at a time, and its ids and weights without its values,
  gives exactly what whoosh's matcher gives posting by posting;
- the cache is bounded, belongs to one searcher, and an updated index (a segment with
  deletions, read without the cache) still answers the same.
"""

from __future__ import annotations

import random
import re
import shutil

import pytest
from whoosh import index

from search.engine import Request
from search.indexer import write_index
from search.language import FACETS, parse
from search.query import open_index, search
from search.whoosh.blocks import BlockCache, attach, cached, ids_and_weights
from search.whoosh.engine import FEW, STEM, WhooshReader, open_writer
from search.whoosh.pairs import Pairs, load
from search.whoosh.within import postings_at

RECORDS = 1_200


def make_docs(count: int = RECORDS, seed: int = 4) -> list[dict]:
    rng = random.Random(seed)
    filler = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti") for b in
              ("bar", "cel", "dun", "fip", "gor", "hax", "jul", "kem", "lun", "mop")]
    docs = []
    for i in range(count):
        words = rng.choices(filler, k=60)
        for _ in range(rng.randint(3, 6)):
            words.insert(rng.randrange(len(words)), "range")
        for _ in range(rng.randint(2, 4)):
            words.insert(rng.randrange(len(words)), "cultural")
        roll = rng.random()
        if roll < 0.05:
            words.insert(rng.randrange(len(words)), "Harris range")    # ~60: more than a page
        elif roll < 0.07:
            words.insert(rng.randrange(len(words)), "harris")          # harris, not beside range
        if rng.random() < 0.012:
            words.insert(rng.randrange(len(words)), "range extended")  # ~15: one page
        if rng.random() < 0.35:
            words.insert(rng.randrange(len(words)), "range cultural")  # hundreds
        if i % 240 == 7:
            words.insert(rng.randrange(len(words)), "zephyr range")    # five: checked beside zephyr
        text = " ".join(words).capitalize() + "."
        docs.append({
            "id": f"rec-blocks-{i:05d}", "type": "record" if i % 3 else "narrative", "parent": "",
            "time": "", "context": "", "url": f"/records/rec-blocks-{i:05d}/",
            "title": "Harris range survey" if i % 50 == 3 else f"Report {i}",
            "text": text, "people": rng.choice(["Ada Cole", "Lee Moss", "Sam Hale"]),
            "harm_type": [f"ht-{i % 4}"], "affected_group": [f"ag-{i % 3}"],
            "institution": [f"agent-{i % 5}"], "language": "en", "collection": "",
            "date": str(1850 + i % 150), "date_lower": (1850 + i % 150) * 10000 + 101,
            "date_upper": (1850 + i % 150) * 10000 + 1231, "decade": [str((1850 + i % 150) // 10 * 10)],
        })
    return docs


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("blocks") / "index"
    write_index(make_docs(), path, "whoosh")
    return path


def open_readers(path):
    """The engine as shipped, and the engine reading the index as one made before word pairs
    (every phrase checked position by position by whoosh itself): the reference."""
    return (WhooshReader(index.open_dir(str(path)), Pairs(load(path), STEM)),
            WhooshReader(index.open_dir(str(path)), None))


@pytest.fixture(scope="module")
def readers(folder):
    shipped, reference = open_readers(folder)
    yield shipped, reference
    shipped.close()
    reference.close()


QUERIES = [
    '"harris range"', '"range harris"', '"range extended"', '"range cultural"', '"cultural range"',
    '"zephyr range"', '"harris range cultural"', '"range nosuchword"', 'title:"harris range"',
    '"harris range" OR "range extended"', '"range cultural" NOT harris', '"harris range" kabar',
    'people:"ada cole"', "range harris", "harris",
]


def requests(query: str):
    node = parse(query)
    yield Request(node, limit=20)
    yield Request(node, limit=5, offset=15, facets=FACETS)
    yield Request(node, limit=20, date_from=19000101, date_to=19491231, facets=("type", "decade"))
    yield Request(node, limit=10, filters={"type": ("record",)}, sort="date")


def same(a, b, why) -> None:
    assert a.total == b.total, why
    assert [(h.fields["id"], h.score, h.snippet) for h in a.hits] == \
           [(h.fields["id"], h.score, h.snippet) for h in b.hits], why
    assert a.facets == b.facets, why


def test_the_corpus_has_the_shapes_the_shortcuts_are_for(readers):
    shipped, _ = readers
    assert {"rang", "cultur"} <= shipped.pairs.common and "harri" not in shipped.pairs.common
    totals = {q: shipped.search(Request(parse(q), limit=20)).total
              for q in ('"harris range"', '"range extended"', '"range cultural"', '"zephyr range"')}
    assert 20 < totals['"harris range"'] <= FEW        # scored by whoosh itself when cold
    assert 0 < totals['"range extended"'] <= 20        # every match on the page
    assert totals['"range cultural"'] > FEW            # ranked from score tables
    assert 0 < totals['"zephyr range"'] <= 6           # checked beside the rare word


def test_phrases_beside_a_word_in_every_record_equal_the_position_check(folder):
    # Fresh readers: the first round of each query finds the caches cold, the second warm.
    shipped, reference = open_readers(folder)
    try:
        for round_ in ("cold", "warm"):
            for query in QUERIES:
                for request in requests(query):
                    same(shipped.search(request), reference.search(request), (round_, query, request))
    finally:
        shipped.close()
        reference.close()


@pytest.mark.parametrize("phrase", ["harris range", "range harris", "zephyr range", "range extended"])
def test_the_public_entry_point_finds_exactly_the_records_holding_the_phrase(folder, phrase):
    holding = {d["id"] for d in make_docs()
               if any(re.search(rf"\b{phrase}\b", d[f].lower()) for f in ("title", "text", "people"))}
    found = search(open_index(folder), f'"{phrase}"', 100)
    assert found.total == len(holding) and 0 < len(holding) <= FEW
    assert {h.id for h in found.hits} == holding
    assert all("<mark>" in h.snippet for h in found.hits)


def whoosh_postings(reader, word: str) -> dict[int, bytes]:
    matcher = reader.postings("text", word)
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.value()
        matcher.next()
    return found


@pytest.mark.parametrize("word", ["rang", "harri", "zephyr"])
def test_reading_a_block_at_a_time_equals_whoosh_posting_by_posting(readers, word):
    shipped, _ = readers
    searcher = shipped.searcher
    reader = searcher.reader()
    everything = whoosh_postings(reader, word)
    assert len(everything) > 0
    every = list(range(reader.doc_count_all()))
    for docs in (every, every[::7], every[-1:], every[:1], [], every[500:530], [5, 900, RECORDS + 50]):
        for matcher in (reader.postings("text", word), cached(reader.postings("text", word), searcher)):
            assert list(postings_at(matcher, docs)) == [(d, everything[d]) for d in docs if d in everything]


def test_ids_and_weights_decoded_alone_equal_whoosh_reading_the_whole_block(readers):
    shipped, _ = readers
    reader = shipped.searcher.reader()
    blocks = 0
    for word in ("rang", "cultur", "harri"):
        mine, whole = reader.postings("text", word), reader.postings("text", word)
        while whole.is_active():
            ids_and_weights(mine)
            whole._read_ids()
            whole._read_weights()
            assert (tuple(mine._ids), list(mine._weights)) == (tuple(whole._ids), list(whole._weights))
            assert mine._data is None  # the values were not decoded
            blocks += 1
            mine._next_block()
            whole._next_block()
        assert not mine.is_active()
    assert blocks >= 20  # "range" and "cultural" fill several blocks each


def test_the_block_cache_is_bounded_and_its_own_searchers(folder, readers):
    _, reference = readers
    small, other = open_readers(folder)
    try:
        attach(small.searcher, BlockCache(size=60_000))  # a few blocks' worth of bytes
        for query in QUERIES[:6]:
            for request in requests(query):
                same(small.search(request), reference.search(request), (query, request))
        cache = small.searcher._reckon_blocks
        assert len(cache) > 0 and 0 < cache.bytes <= 60_000
        before = len(other.searcher._reckon_blocks)
        small.search(Request(parse('"zephyr range"'), limit=20))
        assert len(other.searcher._reckon_blocks) == before
    finally:
        small.close()
        other.close()


def test_an_updated_index_with_deletions_still_equals_the_position_check(folder, tmp_path):
    """Deleted documents make whoosh filter its matchers, which then read without the cache;
    the added segment holds the new phrases."""
    copy = tmp_path / "index"
    shutil.copytree(folder, copy)
    docs = make_docs()
    writer = open_writer(copy)
    writer.delete([d["id"] for d in docs[::9]])
    writer.add([{**d, "text": d["text"] + " Harris range again."} for d in docs[1::40]])
    writer.commit()
    shipped, reference = open_readers(copy)
    try:
        for query in QUERIES:
            for request in requests(query):
                same(shipped.search(request), reference.search(request), (query, request))
    finally:
        shipped.close()
        reference.close()
