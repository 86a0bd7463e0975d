"""The unstemmed copy of a tantivy document's text (search.tantivy.pairs.distinct_words) holds
each word once, and prefix searches over it find exactly the documents whose text, tokenised as
tantivy's default tokenizer does, has a word starting with the prefix: the copy records only
which documents hold a word, so each word once makes the same postings as the whole text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

tantivy = pytest.importorskip("tantivy")

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import documents
from search.engine import Request
from search.language import Prefix
from search.tantivy.engine import create, open_reader
from search.tantivy.pairs import PairMaker, distinct_words

# Words tantivy's default tokenizer cuts, drops (40 bytes or longer) and lowercases, with the
# punctuation, digits and letters outside ASCII that make a text go the other way.
PIECES = ["cir", "Cir", "CIR", "file", "1870", "x1", "a", " ", "  ", "-", ".", ",", "'", "\n", "x" * 39, "y" * 40,
          "z" * 45, "é", "Straße", "_", "naïve"]


DEFAULT = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
           .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase()).build())


def default_tokens(text: str) -> set[str]:
    return set(DEFAULT.analyze(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_distinct_words_are_the_words_tantivy_finds(text):
    maker = PairMaker(None)  # type: ignore[arg-type]  # splitting needs no analyser
    copy = distinct_words(text, maker.split(text))
    assert default_tokens(copy) == default_tokens(text)
    if text.isascii():
        assert len(copy.split()) == len(set(copy.split()))


def test_prefix_searches_find_every_document_holding_a_word_so_begun(tmp_path: Path):
    docs = list(documents(600, seed=11))
    docs[0] = {**docs[0], "text": "Cir cir CIR " + "x" * 45 + " 1870s naïve café Straße"}
    writer = create(tmp_path / "ix")
    writer.add(docs)
    writer.commit()
    reader = open_reader(tmp_path / "ix")
    tokens = {d["id"]: default_tokens(d["text"]) for d in docs}
    words = sorted({w for found in tokens.values() for w in found})
    rng = random.Random(5)
    prefixes = {w[:n] for w in rng.sample(words, 40) for n in (1, 3, len(w))} | {"cir", "187", "caf", "x"}
    for prefix in sorted(prefixes):
        want = {i for i, found in tokens.items() if any(w.startswith(prefix) for w in found)}
        result = reader.search(Request(node=Prefix("text", prefix), limit=len(docs)))
        assert {h.fields["id"] for h in result.hits} == want, prefix
        assert result.total == len(want)
