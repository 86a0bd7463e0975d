"""Known answers on the sample collection, asked of both engines.

The sample in content/ is copied with extra records that pin the date-overlap promise
(one dated `1910/1968`, one `191X`), ingested once, and indexed by whoosh, by tantivy and (under
`pytest --postgres`) by the postgres engine (tests/helpers/search_corpus.py; the `corpus` and
`ix` fixtures are in tests/conftest.py). Every test runs on each; expected answers come from
the content itself (the Catalog), not from any engine, and a parity test checks the engines
agree query by query (hits, totals, facets, suggestions; not scores, which are each engine's).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest

from search.query import QueryError, open_index, search
from tests.helpers.search_corpus import built_engines


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


def all_ids(ix, query: str, **options) -> set[str]:
    return set(ids(search(ix, query, 100, **options)))


# -- the query language ---------------------------------------------------------------------

def test_words_are_stemmed_and_all_must_match(ix):
    found = all_ids(ix, "apologies")
    assert {"rec-2008-ama-apology-press-release", "rec-1997-clinton-tuskegee-apology",
            "rec-2008-washington-post-apology-report"} <= found
    both = all_ids(ix, "apologizes syphilis")
    assert "rec-1997-clinton-tuskegee-apology" in both and both < found


def test_an_exact_phrase_matches_only_the_words_in_order(ix, corpus):
    phrase = all_ids(ix, '"color bar"')
    words = all_ids(ix, "color bar")
    assert phrase and phrase <= words
    for object_id in phrase:
        doc = corpus["docs"][object_id]
        assert re.search(r"colou?r\W+bar", f"{doc['title']} {doc['text']}", re.IGNORECASE), object_id
    assert all_ids(ix, '"bar color"') == set()


def test_or_and_not_combine(ix):
    apology, tuskegee = all_ids(ix, "apology"), all_ids(ix, "Tuskegee")
    assert all_ids(ix, "apology OR Tuskegee") == apology | tuskegee
    assert all_ids(ix, "apology NOT Tuskegee") == apology - tuskegee
    assert all_ids(ix, "(apology OR Tuskegee) AND settlement") <= apology | tuskegee


def test_field_queries(ix, corpus):
    titled = search(ix, "title:apology", 100)
    assert titled.total >= 3
    assert all(re.search("apolog", h.title, re.IGNORECASE) for h in titled.hits)
    harms = search(ix, "type:harm", 100)
    assert harms.total == sum(1 for d in corpus["docs"].values() if d["type"] == "harm") == 14
    segregated = all_ids(ix, "harm_type:ht-segregated-care")
    assert segregated == {i for i, d in corpus["docs"].items() if "ht-segregated-care" in d["harm_type"]}
    assert "rec-1910-flexner-report" in all_ids(ix, "people:Flexner")


def test_fuzzy_and_prefix_terms(ix):
    assert "harm-hospital-staff-exclusion" in all_ids(ix, "hospitl~")
    assert all_ids(ix, "hospitl") == set()
    assert "rec-2008-ama-apology-press-release" in all_ids(ix, "apolog*")


@pytest.mark.parametrize("query, expected", [
    ('"unclosed phrase', 'a phrase is not closed; add the missing "'),
    ("(segregation OR hospital", "a '(' is not closed"),
    ("apology AND", "'AND' needs a word after it"),
    ("OR apology", "'OR' needs a word before it"),
    ("colour:red", "unknown field 'colour'"),
    ("ap*ogy", "only a trailing * is allowed"),
    ("hospital~7", "fuzzy distance 7 is too large"),
])
def test_a_malformed_query_is_a_query_error_saying_what_to_fix(ix, query, expected):
    with pytest.raises(QueryError, match=re.escape(expected)):
        search(ix, query)


# -- dates, facets, sorting, paging -----------------------------------------------------------

def test_date_filter_matches_by_overlap_including_uncertain_dates(ix, corpus):
    found = all_ids(ix, "", date_from="1900", date_to="1920")
    assert {"rec-1910-interval-test", "rec-191x-decade-test", "rec-1906-american-medical-directory",
            "rec-1910-flexner-report", "harm-flexner-school-closures"} <= found
    assert "rec-1921-after-test" not in found and "rec-1895-nma-founded" not in found
    expected = {i for i, d in corpus["docs"].items()
                if d["date"] and d["date_lower"] <= 19201231 and d["date_upper"] >= 19000101}
    assert found == expected
    assert all_ids(ix, '"overlap test"', date_from="1921-01-01", date_to="1921-12-31") == \
        {"rec-1910-interval-test", "rec-1921-after-test"}
    assert search(ix, "apology", date_from="1500", date_to="1600").total == 0
    assert search(ix, "", date_from="1500", date_to="1600").total == 0
    assert search(ix, "apology", filters={"type": ["nothing"]}).total == 0
    with pytest.raises(QueryError, match="from: expected a year"):
        search(ix, "apology", date_from="nineteen hundred")
    with pytest.raises(QueryError, match="is after to"):
        search(ix, "apology", date_from="1950", date_to="1900")


def test_facet_counts_are_the_counts_of_what_matches(ix, corpus):
    docs = corpus["docs"].values()
    results = search(ix, "*:*", 5)
    assert results.total == len(corpus["docs"])
    facets = {name: {v["value"]: v["count"] for v in values} for name, values in results.facets.items()}
    assert facets["type"] == dict(Counter(d["type"] for d in docs))
    assert facets["harm_type"] == dict(Counter(h for d in docs for h in d["harm_type"]))
    assert facets["institution"] == dict(Counter(a for d in docs for a in d["institution"]))
    assert facets["affected_group"] == dict(Counter(a for d in docs for a in d["affected_group"]))
    assert facets["decade"] == dict(Counter(x for d in docs for x in d["decade"]))
    # Four timed Markdown segments in each of three public narratives, plus the five cues of
    # nar-composite-02's WebVTT transcript.
    assert facets["type"]["segment"] == 17
    labels = {v["value"]: v["label"] for v in results.facets["harm_type"]}
    assert labels["ht-segregated-care"] != "ht-segregated-care"


def test_filters_combine_and_agree_with_facet_counts(ix):
    broad = search(ix, "hospital", 100)
    harm_types = {v["value"]: v["count"] for v in broad.facets["harm_type"]}
    narrowed = search(ix, "hospital", 100, filters={"harm_type": ["ht-segregated-care"]})
    assert narrowed.total == harm_types["ht-segregated-care"] < broad.total
    both = search(ix, "hospital", 100, filters={"harm_type": ["ht-segregated-care"], "type": ["record"]})
    assert 0 < both.total < narrowed.total and all(h.type == "record" for h in both.hits)
    either = search(ix, "hospital", 100, filters={"type": ["record", "harm"]})
    assert {h.type for h in either.hits} == {"record", "harm"}
    with pytest.raises(QueryError, match="unknown filter 'colour'"):
        search(ix, "hospital", filters={"colour": ["red"]})


def test_sorting_by_date_and_paging(ix, corpus):
    docs = corpus["docs"]
    oldest = search(ix, "physicians", 100, sort="date")
    lowers = [docs[h.id]["date_lower"] for h in oldest.hits]
    assert lowers == sorted(lowers) and len(lowers) > 10
    newest = search(ix, "physicians", 100, sort="-date")
    uppers = [docs[h.id]["date_upper"] for h in newest.hits]
    undated = [u for u in uppers if u == 0]
    assert uppers == sorted(uppers, reverse=True) and uppers[-len(undated) or len(uppers):] == undated
    first, second = search(ix, "physicians", 5, page=1), search(ix, "physicians", 5, page=2)
    assert ids(first) + ids(second) == ids(search(ix, "physicians", 10))
    assert first.pages == second.pages == -(-first.total // 5)
    with pytest.raises(QueryError, match="unknown sort"):
        search(ix, "physicians", sort="title")


def test_did_you_mean_corrects_misspelled_words(ix):
    results = search(ix, "segregaton hospitals")
    assert results.suggestion == "segregation hospitals"
    assert search(ix, results.suggestion).total > 0
    assert search(ix, "apolgy").suggestion == "apology"
    assert search(ix, "segregation").suggestion is None


# -- segments and snippets ----------------------------------------------------------------------

def test_a_hit_inside_an_oral_history_points_to_the_segment(ix):
    results = search(ix, '"the east wing was full"')
    assert [h.id for h in results.hits] == ["nar-composite-02#t-00-07-15"]
    hit = results.hits[0]
    assert hit.type == "segment" and hit.parent == "nar-composite-02" and hit.time == "00:07:15"
    assert hit.url == "/narratives/nar-composite-02/#t-00-07-15"
    assert "<mark>" in hit.snippet
    assert hit.title.startswith("A nurse remembers") and hit.title.endswith("[00:07:15] The east wing")
    # Transcript words are found in the segment, not again in the narrative as a whole.
    assert ids(search(ix, "radiator")) == ["nar-composite-02#t-00-16-30"]


def test_snippets_mark_matches_and_escape_the_text(ix, corpus):
    for hit in search(ix, "apology", 20).hits:
        without_marks = hit.snippet.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in without_marks and ">" not in without_marks, hit.snippet
    for hit in search(ix, "segregation", 10).hits:
        if re.search("segregat", corpus["docs"][hit.id]["text"], re.IGNORECASE):
            assert re.search(r"<mark>segregat\w*</mark>", hit.snippet, re.IGNORECASE), hit.snippet


def test_an_empty_query_finds_nothing_and_filters_alone_list(ix):
    assert search(ix, "   ").total == 0
    assert search(ix, "", filters={"type": ["timeline"]}).total == 2


# -- both engines ---------------------------------------------------------------------------

PARITY = ["apology", '"color bar"', "hospital NOT Greensboro", "title:medical", "segregat*", "segregati*", "apologi*",
          "physicians OR nurses", "type:segment", "exclusion", "harm_type:ht-exclusion-from-membership"]


def opened(corpus, name: str):
    return open_index(corpus["home"] / f"index-{name}", corpus["settings"].database_url)


@pytest.mark.parametrize("query", PARITY)
def test_every_engine_finds_the_same_objects_and_counts(corpus, query):
    answers = {name: search(opened(corpus, name), query, 100) for name in built_engines()}
    first = answers["whoosh"]
    for name, answer in answers.items():
        assert {h.id for h in answer.hits} == {h.id for h in first.hits}, name
        assert answer.total == first.total, name
        assert answer.facets == first.facets, name
        assert answer.suggestion == first.suggestion, name


def test_the_engine_is_read_from_the_index_not_the_caller(corpus, tmp_path):
    for name in built_engines():
        assert opened(corpus, name).engine_name == name


# -- prefixes against the words as written (issue 17) ---------------------------------------

def words_starting(corpus, prefix: str, fields=("title", "text", "people")) -> set[str]:
    """The documents holding a word that starts with `prefix`, read from the documents themselves."""
    return {i for i, d in corpus["docs"].items()
            if any(w.lower().startswith(prefix) for f in fields for w in re.findall(r"[^\W_]+", d.get(f) or ""))}


@pytest.mark.parametrize("prefix", ["segregati", "segregatio", "apologi", "discriminat", "exclusio"])
def test_a_prefix_past_the_stem_finds_every_word_it_begins(ix, corpus, prefix):
    # "segregation" is indexed under the stem "segreg": "segregati*" must still find it.
    expected = words_starting(corpus, prefix)
    assert expected, f"the sample has no word starting {prefix!r}"
    assert all_ids(ix, f"{prefix}*") == expected


def test_a_prefix_on_one_field_looks_at_that_field_s_words(ix, corpus):
    expected = words_starting(corpus, "apologiz", ("title",))  # "apologizes", stem "apolog"
    assert expected and all_ids(ix, "title:apologiz*") == expected


def test_a_hit_as_a_dict_is_dataclasses_asdict_in_field_order(ix):
    hits = search(ix, "apology", 5).hits
    assert hits and [h.as_dict() for h in hits] == [dataclasses.asdict(h) for h in hits]
    assert all(list(h.as_dict()) == [f.name for f in dataclasses.fields(h)] for h in hits)
