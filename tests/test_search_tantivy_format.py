"""The tantivy index's speed-ups change no answer, and indexes built before them still work.

Facet counts from the one combined facet column (search/tantivy/facets.py) must equal the
five per-facet aggregations, and the total taken from the type counts must equal tantivy's
own count. An index built by the earlier code (no pair field, no combined facet column, no
common-stems file) must give the same hits, scores, totals and counts as a new one: it is
answered the slower way, never wrongly. The "did you mean" vocabulary, now counted as bytes,
must keep its rules (three letters or more, lowercased, not all digits, any script).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("tantivy")

import tantivy

from bench.corpus import HARM_TYPES, documents
from search.documents import vocabulary
from search.engine import Request
from search.language import FACETS, TEXT_FIELDS, parse
from search.tantivy import engine
from search.tantivy.engine import (
    FAST,
    KEYWORDS,
    TantivyWriter,
    _open,
    create,
    open_reader,
    open_writer,
)
from search.tantivy.pairs import COMMON_FILE


def _old_schema() -> tantivy.Schema:
    """The schema the tantivy engine wrote before the pair field and the combined facets."""
    builder = tantivy.SchemaBuilder()
    for name in KEYWORDS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=name in FAST)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    for name in ("url", "date", "time", "context"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("date_lower", "date_upper"):
        builder.add_integer_field(name, stored=True, indexed=True, fast=True)
    return builder.build()


def _write(writer, docs: list[dict]) -> None:
    for start in range(0, len(docs), 500):
        writer.add(docs[start:start + 500])
    writer.commit()


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    docs = list(documents(1200, seed=11))
    new, old = tmp_path_factory.mktemp("new"), tmp_path_factory.mktemp("old")
    _write(create(new), docs)
    _write(TantivyWriter(_open(tantivy.Index(_old_schema(), path=str(old), reuse=False)), old), docs)
    return {"new": new, "old": old, "docs": docs}


REQUESTS = [
    {"node": parse("the"), "facets": FACETS},
    {"node": parse("the"), "facets": FACETS, "filters": {"harm_type": (HARM_TYPES[3],)}},
    {"node": parse("of"), "facets": ("harm_type", "decade"), "filters": {"type": ("record", "segment")}},
    {"node": parse("of"), "facets": FACETS, "date_from": 19000101, "date_to": 19201231, "sort": "-date"},
    {"node": parse('"of the" OR nosuchword'), "facets": FACETS},
    {"node": parse("nosuchword"), "facets": FACETS},
    {"node": None, "facets": FACETS, "filters": {"institution": ("agent-bench-007",)}},
]


@pytest.mark.parametrize("options", REQUESTS)
def test_new_and_old_indexes_give_the_same_hits_totals_and_counts(indexes, options):
    new, old = open_reader(indexes["new"]), open_reader(indexes["old"])
    assert new.all_facets and not old.all_facets and old.compiler.searcher is None
    got, want = new.search(Request(**options)), old.search(Request(**options))
    assert got.total == want.total
    assert [(h.fields["id"], h.snippet) for h in got.hits] == [(h.fields["id"], h.snippet) for h in want.hits]
    assert [h.score for h in got.hits] == pytest.approx([h.score for h in want.hits], rel=1e-5)
    assert got.facets == want.facets
    assert set(got.facets) == set(options["facets"])
    # The total from the type counts is tantivy's own count of the matches.
    assert got.total == new.search(Request(**{**options, "facets": ()})).total
    assert got.facets.get("type", {}) == {} or sum(got.facets["type"].values()) == got.total


def test_facets_are_counted_on_another_thread_beside_the_top_hits(indexes, monkeypatch):
    # The aggregation (tantivy releases the GIL for it) overlaps the collection of the hits,
    # their stored fields and snippets; the counts are those made on the caller's thread.
    reader = open_reader(indexes["new"])
    counted_on, count = [], engine.count_facets
    monkeypatch.setattr(engine, "count_facets", lambda *a: counted_on.append(threading.current_thread()) or count(*a))
    found = reader.search(Request(node=parse("the"), facets=FACETS))
    assert counted_on and counted_on[0] is not threading.current_thread()
    assert (found.facets, found.total) == count(reader.searcher, reader.compiler.compile(parse("the")), FACETS)
    reader.close()


def test_an_old_index_has_no_pair_file_and_updates_stay_in_its_format(indexes):
    old = Path(indexes["old"])
    assert not (old / COMMON_FILE).exists()
    assert (Path(indexes["new"]) / COMMON_FILE).read_text().split()  # chosen from the first batch
    # Writers opened on either index keep its format: the old one gains no pairs file, the
    # new one keeps the common stems it chose; both find the added document the same way.
    for folder in (old, Path(indexes["new"])):
        common = (folder / COMMON_FILE).read_text() if folder != old else None
        writer = open_writer(folder)
        writer.add([{**indexes["docs"][0], "id": "rec-bench-extra", "text": "Wombat numbat, of the wombat."}])
        writer.commit()
        assert (folder / COMMON_FILE).read_text() == common if common else not (folder / COMMON_FILE).exists()
        found = open_reader(folder).search(Request(node=parse('"numbat of the wombat"'), facets=FACETS))
        assert [h.fields["id"] for h in found.hits] == ["rec-bench-extra"] and found.total == 1
        assert sum(found.facets["type"].values()) == 1


def test_the_vocabulary_keeps_its_rules_for_every_script():
    docs = [
        {"title": "Plain ASCII", "text": "with_under_scores and 42 4242 ab ABC A1B 1870s.", "people": "Jo Ann"},
        {"title": "Straße", "text": "Bürger ÄÖÜ café 123 ab ٣٤٥ naïve abc x_y", "people": ""},
    ]
    assert vocabulary(docs) == {"plain": 1, "ascii": 1, "with": 1, "under": 1, "scores": 1, "and": 1,
                                "abc": 2, "a1b": 1, "1870s": 1, "ann": 1, "straße": 1, "bürger": 1,
                                "äöü": 1, "café": 1, "naïve": 1}
