"""The static search index's terms: what `doc_weights` counts is what `tokens` (the regular
expression over folded text, the search page's own folding) finds, in the same order, however
the text is split (ASCII text is split by `str.translate`, the rest by the expression)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

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
