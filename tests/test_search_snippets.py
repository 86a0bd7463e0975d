"""Snippets: cut around the first match, every match marked, nothing else marked, all escaped.

Asked of both engines on the known-answer corpus (tests/helpers/search_corpus.py), and of the snippet
cutter directly with tantivy's own English analyser for the edge cases.
"""

from __future__ import annotations

import re

from search.language import parse
from search.query import search
from search.snippets import SNIPPET_CHARS, Highlighter, query_terms
from search.tantivy.engine import _analyzer

ANALYSE = _analyzer().analyze


def marked(snippet: str) -> list[str]:
    return [m.lower() for m in re.findall(r"<mark>(.*?)</mark>", snippet)]


def test_fuzzy_terms_are_marked_as_the_words_they_matched(ix, corpus):
    hits = search(ix, "hospitl~", 50).hits
    assert hits
    for hit in hits:
        assert all(m.startswith("hospital") for m in marked(hit.snippet)), hit.snippet
        if ix.engine_name == "tantivy":
            # Known gap: tantivy's Python binding does not say which words a fuzzy term matched,
            # and its own snippet generator marks none, so tantivy shows the passage unmarked.
            continue
        if re.search(r"\bhospital", corpus["docs"][hit.id]["text"], re.IGNORECASE):
            assert any(m.startswith("hospital") for m in marked(hit.snippet)), hit.snippet


def test_excluded_and_other_field_words_are_not_marked(ix):
    for hit in search(ix, "apology NOT Tuskegee", 50).hits:
        assert "tuskegee" not in marked(hit.snippet)
        assert all(m.startswith("apolog") for m in marked(hit.snippet)), hit.snippet
    for hit in search(ix, "title:apology", 50).hits:
        assert marked(hit.snippet) == [], hit.snippet  # the title matched, not the text shown


def test_phrase_words_are_marked(ix):
    hits = search(ix, '"color bar"', 20).hits
    assert hits and all({"color", "bar"} <= set(marked(h.snippet)) for h in hits if "<mark>" in h.snippet)
    assert any("<mark>" in h.snippet for h in hits)


def test_the_snippet_starts_near_a_late_first_match_and_is_escaped():
    text = "<b>Filler</b> & words " * 40 + "the hospitals closed their wards to Black physicians. " + "tail " * 50
    snippet = Highlighter(ANALYSE).snippet(text, query_terms(parse("hospital physician"), ANALYSE))
    assert "<mark>hospitals</mark>" in snippet and "<mark>physicians</mark>" in snippet
    plain = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain and "&amp;" in plain
    assert len(plain) <= SNIPPET_CHARS + 40  # escaping lengthens "&" and "<"


def test_words_inside_other_words_are_not_marked_and_case_is_kept():
    terms = query_terms(parse("ward"), ANALYSE)
    snippet = Highlighter(ANALYSE).snippet("Awkward steward. The WARDS were full; ward 3.", terms)
    assert marked(snippet) == ["wards", "ward"] and "<mark>WARDS</mark>" in snippet


def test_text_whose_lowercase_changes_length_is_still_marked_in_place():
    # "İ" lowercases to two characters: the cutter must not shift the marks.
    text = "İİİ İstanbul records: the hospital in İzmir."
    snippet = Highlighter(ANALYSE).snippet(text, query_terms(parse("hospital"), ANALYSE))
    assert "the <mark>hospital</mark> in İzmir" in snippet


def test_no_match_in_the_text_gives_none_so_the_engine_decides():
    terms = query_terms(parse("radiator"), ANALYSE)
    assert Highlighter(ANALYSE).snippet("Nothing to see here.", terms) is None
    assert Highlighter(ANALYSE).snippet("Anything.", query_terms(parse("title:radiator"), ANALYSE)) is None
