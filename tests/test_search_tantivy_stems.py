"""The searched fields indexed from stems made in Python (search/tantivy/stems.py) hold what
tantivy's own en_stem made of the text: the same tokens at the same positions, so every answer
is the same, scores and snippets included; the text comes back from where it is now stored; and
an index built before (en_stem fields storing their text) is still answered and updated in its
own format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

tantivy = pytest.importorskip("tantivy")

from bench.corpus import documents
from search.engine import Request
from search.language import FACETS, TEXT_FIELDS, UNSTEMMED, parse
from search.tantivy.engine import (
    ALL_FACETS,
    FAST,
    KEYWORDS,
    PAIR_TOKENIZER,
    PAIRS,
    STORED_TEXT,
    TantivyWriter,
    _open,
    create,
    open_reader,
    open_writer,
)
from search.tantivy.stems import DROPPED, Stems, analyzer, line

LONG = "x" * 39 + "y"  # 40 bytes: en_stem drops it
NOT_LONG = "z" * 39  # 39 bytes: kept
LONG_BY_BYTES = "é" * 20  # 20 characters, 40 bytes: dropped
TRICKY = [
    f"Wombat {LONG} numbat of the wombat",
    f"The {LONG} the {NOT_LONG} Running RUNS ran; runner's run-on 1870s 42 A1B",
    f"naïve café Straße ΣΊΣΥΦΟΣ İstanbul {LONG_BY_BYTES} wombat numbat",
    "under_scores and-dashes.dots, commas! 'quoted' \"double\" (brackets) [x] {y}",
    "",
    "   ",
    f"{LONG} {LONG}",
    "Generously generous generation generated happily happy skies skiing dying",
]


def _before_schema() -> tantivy.Schema:
    """The schema written before the stems were made in Python: en_stem fields storing their text."""
    builder = tantivy.SchemaBuilder()
    for name in KEYWORDS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=name in FAST)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
        builder.add_text_field(UNSTEMMED[name], stored=False, tokenizer_name="default", index_option="basic")
    for name in ("url", "date", "time", "context"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("date_lower", "date_upper"):
        builder.add_integer_field(name, stored=True, indexed=True, fast=True)
    builder.add_text_field(PAIRS, stored=False, tokenizer_name=PAIR_TOKENIZER, index_option="freq")
    builder.add_text_field(ALL_FACETS, stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    return builder.build()


def test_the_stems_are_en_stems_tokens_with_the_long_words_kept_as_gaps():
    stems, en_stem = Stems(), analyzer()
    simple = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
    for text in TRICKY:
        tokens = stems.tokens(stems.split(text))
        assert [t for t in tokens if t != DROPPED] == en_stem.analyze(text), text
        # One token a word tantivy's simple tokenizer cuts: the positions are the same.
        assert len(tokens) == len(simple.analyze(text)), text
        assert (DROPPED in tokens) == any(len(w.encode()) >= 40 for w in simple.analyze(text)), text
        assert line(tokens).split() == list(tokens)


def _docs() -> list[dict]:
    docs = list(documents(300, seed=5))
    for i, text in enumerate(TRICKY):
        docs[i] = {**docs[i], "text": text, "title": text[:30], "people": text[-20:]}
    return docs


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    docs = _docs()
    new, before = tmp_path_factory.mktemp("new"), tmp_path_factory.mktemp("before")
    for writer in (create(new), TantivyWriter(_open(tantivy.Index(_before_schema(), path=str(before), reuse=False)),
                                              before)):
        writer.add(docs)
        writer.commit()
    return {"new": new, "before": before, "docs": docs}


QUERIES = ['"numbat of the wombat"', '"wombat numbat"', '"the the"', f'"the {NOT_LONG}"', "run", "running",
           '"café straße"', "istanbul", "σίσυφος", "wombat~", "numb*", "caf*", 'title:"wombat"', "people:wombat",
           '"generous generation"', "happi", "ski", "die", "1870s", "a1b", "the", '"of the"', "scores"]


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_hits_scores_and_snippets_as_en_stem_indexed(indexes, query):
    new, before = open_reader(indexes["new"]), open_reader(indexes["before"])
    assert new.stored_apart and not before.stored_apart
    request = Request(node=parse(query), limit=400, facets=FACETS)
    got, want = new.search(request), before.search(request)
    assert got.total == want.total
    assert [(h.fields, h.snippet) for h in got.hits] == [(h.fields, h.snippet) for h in want.hits]
    assert [h.score for h in got.hits] == [h.score for h in want.hits]
    assert got.facets == want.facets


def test_a_phrase_never_spans_a_dropped_word(indexes):
    # "wombat LONG numbat": the phrase "wombat numbat" is not there; "numbat of the wombat" is.
    reader = open_reader(indexes["new"])
    first = indexes["docs"][0]["id"]
    assert first not in {h.fields["id"] for h in reader.search(Request(node=parse('"wombat numbat"'), limit=400)).hits}
    assert first in {h.fields["id"] for h in reader.search(Request(node=parse('"numbat of the wombat"'))).hits}


def test_the_text_is_read_back_as_it_was_given(indexes):
    new, before = open_reader(indexes["new"]), open_reader(indexes["before"])

    def stored(reader) -> list[str]:
        return sorted(json.dumps(d, sort_keys=True) for d in reader.stored_documents())

    assert stored(new) == stored(before)
    ids = [d["id"] for d in indexes["docs"][:12]]
    assert sorted(new.texts(ids), key=str) == sorted(before.texts(ids), key=str)
    by_id = {d["id"]: d for d in new.texts(ids)}
    for doc in indexes["docs"][:12]:
        assert by_id[doc["id"]] == {"id": doc["id"], **{f: doc[f] for f in TEXT_FIELDS}}
    # The searched fields store nothing themselves: the stems never come back as text.
    raw = new.searcher.doc(new.searcher.search(tantivy.Query.all_query(), limit=1).hits[0][1]).to_dict()
    assert not set(raw) & set(TEXT_FIELDS) and set(STORED_TEXT.values()) & set(raw)


def test_an_index_built_before_is_updated_in_its_own_format(indexes, tmp_path: Path):
    for folder in (indexes["before"], indexes["new"]):
        writer = open_writer(Path(folder))
        assert (writer.stems is None) == (folder == indexes["before"])
        extra = {**indexes["docs"][9], "id": "rec-extra", "text": f"Quokka {LONG} wallaby, quokkas quokka."}
        writer.add([extra])
        writer.commit()
        reader = open_reader(Path(folder))
        found = reader.search(Request(node=parse('"quokka quokka"')))
        assert [h.fields["id"] for h in found.hits] == ["rec-extra"]
        assert reader.search(Request(node=parse('"quokka wallaby"'))).total == 0  # the gap
        assert reader.texts(["rec-extra"])[0]["text"] == extra["text"]
