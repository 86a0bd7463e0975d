"""The static search index's terms: what `doc_weights` counts is what `tokens` (the regular
expression over folded text, the search page's own folding) finds, in the same order, however
the text is split (ASCII text is split by `str.translate`, the rest by the expression)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from publish.static_search import index as static_index
from publish.static_search import patch as static_patch
from publish.static_search.blocks import _rewrite
from publish.static_search.index import MAX_TF, TITLE_WEIGHT, doc_weights, tokens

PIECES = ["a", "I", "the", "And", "of", "x1", "9", "42", "Word", "WORD", "word", "é", "Ünïcode", "ß", " ", "  ",
          "\n", "\t", ".", ",", "-", "'", "_", "\x1c", "\x7f", "\u2028"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def expected(doc: dict) -> tuple[dict[str, int], list[str]]:
    """The weights, and the order of the body's terms (the title's own come after them, in a
    set's order)."""
    body = Counter(tokens(f"{doc['text']} {doc['people']}"))
    weights = {term: min(count, MAX_TF) for term, count in body.items()}
    for term in set(tokens(doc["title"])):
        weights[term] = weights.get(term, 0) + TITLE_WEIGHT
    return weights, list(body)


@settings(max_examples=500, deadline=None)
@given(TEXT, TEXT, TEXT)
def test_doc_weights_are_the_tokens_counted_in_order(text, people, title):
    doc = {"text": text, "people": people, "title": title}
    weights, body_order = expected(doc)
    found = doc_weights(doc)
    assert found == weights
    assert list(found)[:len(body_order)] == body_order


WORDS = st.sampled_from([f"w{a}x" for a in "abcdefg"] + ["ab", "1234"])  # few: ties and falls are common


@settings(max_examples=300, deadline=None)
@given(before=st.dictionaries(WORDS, st.integers(1, 6), min_size=1),
       changes=st.dictionaries(WORDS, st.integers(0, 7)), size=st.integers(1, 8))
@example(before={"wax": 3, "wbx": 3}, changes={"wax": 1}, size=1)  # a word tied with the edge ranks in
def test_a_patched_vocabulary_is_the_one_a_build_makes(before, changes, size):
    """`vocabulary_after` (the published vocabulary, the changed terms' counts, and the words
    near its edge asked of the cache) gives the vocabulary `vocab_file` makes of every count."""
    after = {w: n for w, n in {**before, **changes}.items() if n > 0}

    def outside(least: int, most: int, known: set[str]) -> dict[str, int]:  # as `ViewStore.words_between`
        return {w: n for w, n in after.items() if least <= n <= most and w not in known}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(static_patch, "VOCAB_SIZE", size)
        patch.setattr(static_index, "VOCAB_SIZE", size)
        published = json.loads(static_index.vocab_file(before))
        assert static_patch.vocabulary_after(published, changes, outside) == static_index.vocab_file(after)


@given(st.dictionaries(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True),
                       st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 99)), min_size=1, max_size=5),
                       max_size=20))
def test_a_shards_terms_are_found_in_order_where_their_entries_begin(postings):
    """`term_entries` finds each term of a shard as written (compact JSON, sorted keys), at the
    place its `"term":[[` begins: what the patches splice at."""
    shard = json.dumps(postings, sort_keys=True, separators=(",", ":")).encode()
    found = list(static_patch.term_entries(shard))
    assert [term for term, _ in found] == sorted(postings)
    for term, at in found:
        assert shard[at:].startswith(b'"%s":[[' % term.encode())


POSTINGS = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 9)), max_size=4, unique_by=lambda p: p[0]).map(sorted)
TERMS = st.from_regex(r"[a-z]{1,3}", fullmatch=True)


@given(st.dictionaries(TERMS, POSTINGS.filter(bool), max_size=12), st.dictionaries(TERMS, POSTINGS, max_size=6),
       st.integers(0, 60))
def test_a_rewritten_shard_is_the_one_its_json_would_give(shard, changes, base):
    """The first block's rewrite of a term shard (`publish.static_search.blocks._rewrite`) is
    what decoding it, replacing each changed term's postings below `base` and encoding it again
    gives: runs of untouched entries are copied as slices, terms are added and dropped."""
    def encoded(terms: dict) -> bytes:
        return json.dumps(terms, sort_keys=True, separators=(",", ":")).encode()

    expected = dict(shard)
    for term, small in changes.items():
        kept = [p for p in shard.get(term, []) if p[0] >= base]
        expected[term] = [list(p) for p in small if p[0] < base] + [list(p) for p in kept]
    expected = {term: postings for term, postings in expected.items() if postings}
    given_changes = [(term, encoded([list(p) for p in small if p[0] < base])[1:-1]) for term, small in sorted(changes.items())]
    totals: dict[str, int] = {}
    rewritten = _rewrite(encoded(shard) if shard else None, given_changes, base, totals)
    assert rewritten == (encoded(expected) if expected else None)
    assert totals == {term: len(expected.get(term, [])) for term in changes}


@given(st.dictionaries(st.from_regex(r"[a-z]{1,4}", fullmatch=True), st.integers(1, 8)), st.integers(0, 30))
def test_the_top_words_are_those_of_the_builds_sort(counts, size):
    """The vocabulary's top words, taken by count groups, are the build's: most documents
    first, ties in the words' order."""
    assert static_patch._top(counts, size) == sorted(counts, key=lambda w: (-counts[w], w))[:size]
