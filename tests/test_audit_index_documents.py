"""audit/index_documents.py: a search index's stored document, written compactly by orjson,
holds exactly the fingerprints `json.dumps`' text holds whenever the writer chooses it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.index_documents import compact, compact_reads_the_same, document_writer, spaced
from audit.leaks import Fingerprint
from audit.matcher import Matcher
from tests.helpers.fingerprint_cases import fingerprint_lists, slowly, words_then_addresses

# What sits on a separator's edges: quotes, brackets, digits, commas and colons inside values,
# white space, entities, words that run up to a value's end.
PIECES = ["morvendale", "Morvendale", "secret", "legalname", "Secret Legalname", "1990", "1991", "1990, 1991",
          "1990,1991", ",", ":", ", ", ": ", '"', "[", "]", '", "', "&amp;", "&quot;", "&#44;", "&colon;", " ", "\n",
          "é", "İ", "-", "'", "/records/rec-a/", "rec-a", "o'neil", "x:", ":x", "a,b"]
TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=8).map("".join)
VALUES = st.one_of(TEXTS, st.integers(min_value=-(2**70), max_value=2**70),
                   st.floats(allow_nan=True, allow_infinity=True))
DOCUMENTS = st.dictionaries(st.sampled_from(["id", "text", "date_lower", "people", "title", "a:b", "c, d"]),
                            st.lists(VALUES, min_size=1, max_size=3), max_size=5)
NEEDLES = st.one_of(st.sampled_from(PIECES), TEXTS.filter(lambda t: len(t) < 12))


def fingerprints():
    return fingerprint_lists(NEEDLES)


@settings(max_examples=3000, deadline=None)
@given(stored=DOCUMENTS, prints=fingerprints())
def test_the_document_as_written_holds_what_json_dumps_text_holds(stored, prints):
    ordered = words_then_addresses(prints)
    expected = slowly(json.dumps(stored, ensure_ascii=False), ordered)
    matcher = Matcher(ordered)
    assert [ordered[n] for n in matcher.indices_in_utf8(document_writer(f.text for f in ordered)(stored))] == expected
    if compact_reads_the_same(f.text for f in ordered):
        assert [ordered[n] for n in matcher.indices_in_utf8(compact(stored))] == expected


@settings(max_examples=2000, deadline=None)
@given(stored=DOCUMENTS)
def test_compact_is_the_standard_library_s_compact_json(stored):
    assert compact(stored) == json.dumps(stored, ensure_ascii=False, separators=(",", ":")).encode()
    assert spaced(stored) == json.dumps(stored, ensure_ascii=False).encode()


def test_a_fingerprint_that_could_tell_them_apart_keeps_json_dumps_text():
    """A redacted span of two numbers, "1990, 1991", is in `[1990, 1991]` and not in the compact
    `[1990,1991]`; a token "1990,1991" the other way round: either keeps the spaced text."""
    stored = {"id": ["rec-a"], "years": [1990, 1991]}
    for text, found in (("1990, 1991", True), ("1990,1991", False), ("rec-a: x", False)):
        prints = [Fingerprint(text, "nar-a", "redacted span (date)")]
        written = document_writer([text])(stored)
        assert written == spaced(stored)
        assert bool(Matcher(prints).indices_in_utf8(written)) is found, text
    assert bool(Matcher([Fingerprint("1990, 1991", "nar-a", "span")]).indices_in_utf8(compact(stored))) is False
    assert document_writer(["morvendale", "/records/rec-a/"])(stored) == compact(stored)
