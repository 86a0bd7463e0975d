"""Prefix searches through tantivy's unstemmed copy of the text find exactly the documents whose
text, cut as tantivy's default tokenizer cuts it, has a word starting with the prefix: words
beyond the stem ("segregati*"), digits, words tantivy drops (40 bytes or longer), letters
outside ASCII."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

tantivy = pytest.importorskip("tantivy")

from bench.corpus import documents
from search.engine import Request
from search.language import Prefix
from search.tantivy.engine import create, open_reader

DEFAULT = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
           .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase()).build())


def default_tokens(text: str) -> set[str]:
    return set(DEFAULT.analyze(text))


def test_prefix_searches_find_every_document_holding_a_word_so_begun(tmp_path: Path):
    docs = list(documents(600, seed=11))
    docs[0] = {**docs[0], "text": "Cir cir CIR " + "x" * 45 + " 1870s naïve café Straße segregation"}
    writer = create(tmp_path / "ix")
    writer.add(docs)
    writer.commit()
    reader = open_reader(tmp_path / "ix")
    tokens = {d["id"]: default_tokens(d["text"]) for d in docs}
    words = sorted({w for found in tokens.values() for w in found})
    rng = random.Random(5)
    prefixes = {w[:n] for w in rng.sample(words, 40) for n in (1, 3, len(w))} | {"cir", "187", "caf", "x", "segregati"}
    for prefix in sorted(prefixes):
        want = {i for i, found in tokens.items() if any(w.startswith(prefix) for w in found)}
        result = reader.search(Request(node=Prefix("text", prefix), limit=len(docs)))
        assert {h.fields["id"] for h in result.hits} == want, prefix
        assert result.total == len(want)
