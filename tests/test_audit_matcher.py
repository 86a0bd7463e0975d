"""The audit's one-pass matcher finds exactly what the fingerprint-at-a-time rule finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.fingerprints import ADDRESS
from audit.leaks import Fingerprint
from audit.matcher import AnyOf, Matcher
from tests.helpers.fingerprint_cases import fingerprint_lists, slowly, words_then_addresses

# Pieces that sit on the rules' edges: word characters, apostrophes, hyphens, digits, entities,
# white space of several kinds, letters whose lower case differs, path punctuation.
PIECES = ["morvendale", "Morvendale", "secret", "legalname", "Secret Legalname", "secret  legalname",
          "a.b@example.org", "1962", "x1962", "nar-secret-legalname-3f9a", "/records/rec-a/", "/records/rec-ab",
          "rec-a", "&amp;", "&lt;", "&#39;", "&quot;", "'", "’", "-", "_", " ", "  ", "\n", "\t", "é", "É",
          "İ", "ß", "ǅ", "0", "9", "/", ".", "<p>", "</p>", "o'neil", "O’Neil", "morvendales", "premorvendale"]
TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=14).map("".join)
NEEDLES = st.one_of(st.sampled_from(PIECES), TEXTS.filter(lambda t: len(t) < 12))


def fingerprints():
    return fingerprint_lists(NEEDLES)


@settings(max_examples=3000, deadline=None)
@given(text=TEXTS, prints=fingerprints())
def test_the_matcher_finds_what_the_slow_rule_finds(text, prints):
    ordered = words_then_addresses(prints)
    assert Matcher(ordered).find(text) == slowly(text, ordered)


def test_examples_on_each_rule():
    prints = [Fingerprint("Morvendale", "nar-d", "w"), Fingerprint("Secret Legalname", "nar-a", "n", spelled=True),
              Fingerprint("a.b@example.org", "nar-a", "e"), Fingerprint("/records/rec-a/", "rec-a", "p", ADDRESS)]
    matcher = Matcher(prints)
    for text, expected in [("premorvendale morvendales", []), ("<p>MORVENDALE</p>", [0]),
                           ("secret\n  legalname", [1]), ("/narratives/nar-secret-legalname-3f9a/", [1]),
                           ("secretlegalname", []), ("mail a.b@example.org.", [2]),
                           ("see /records/rec-a/ and", [3]), ("/records/rec-ab/", []), ("/RECORDS/REC-A/", [])]:
        assert matcher.find(text) == [prints[n] for n in expected], text
        assert slowly(text, prints) == [prints[n] for n in expected], text


@settings(max_examples=2000, deadline=None)
@given(text=TEXTS, needles=st.lists(NEEDLES.filter(bool).map(str.lower), min_size=1, max_size=8))
def test_the_prefilter_says_no_only_when_no_needle_is_in_the_lower_cased_text(text, needles):
    """Hyperscan's yes-or-no spares the automaton's walk (and lower-casing) only of texts
    whose lower-cased form holds no needle (needles are lower case, as the matcher makes them)."""
    any_of = AnyOf.of(needles)
    if any_of is None:
        assert not all(n.strip("\0") for n in needles)
        return
    if any(n in text.lower() for n in needles):
        assert any_of(text)
    assert any_of("\n".join(needles))


def test_the_prefilter_spares_texts_without_a_needle():
    any_of = AnyOf.of(["morvendale", "/records/rec-a", "é\0x", "o'neil"])
    for text in ["a page about MORVENDALE", "café\0x", "see /records/rec-ab", "O'Neil", "Élan", "\u212a"]:
        assert any_of(text), text  # a needle, or a character lower-casing changes (É, the Kelvin sign)
    for text in ["a page about nothing hidden, /records/rec-b/", "’quoted’ — naïve"]:
        assert not any_of(text), text


@settings(max_examples=2000, deadline=None)
@given(text=st.one_of(TEXTS, st.text(alphabet=st.characters(max_codepoint=127), max_size=40)))
def test_words_are_the_word_patterns_matches_lower_cased(text):
    """`words` reads lower-case ASCII with a pattern of its own (`ASCII_WORD`): the same words."""
    from audit.matcher import WORD, words

    assert words(text) == {w.lower() for w in WORD.findall(text)}


BYTES = st.lists(st.one_of(st.sampled_from([p.encode() for p in PIECES]),  # and bytes that are not UTF-8
                           st.sampled_from([b"\xff", b"\xc3", b"\xe2\x80", b"\x80", b"\xed\xa0\x80", b"\xef\xbf\xbd"]),
                           st.binary(max_size=3)), max_size=14).map(b"".join)
HEADS = st.sampled_from(["/records/rec-a/index.html", "/records/rec-ab/index.html", "/a&amp;b.json", "/Morvendale",
                         "/narratives/nar-secret-legalname-3f9a/index.html", ""])


@settings(max_examples=3000, deadline=None)
@given(head=HEADS, data=BYTES, prints=fingerprints())
def test_a_file_s_bytes_find_what_its_text_finds(head, data, prints):
    """`indices_in_file` asks a file's bytes as read, not its text: the same findings as
    the text `audit.files.decoded` reads, after its address on the site."""
    matcher = Matcher(prints)
    assert matcher.indices_in_file(head, data) == matcher.indices(f"{head}\n{data.decode('utf-8', 'replace')}")


def test_a_file_s_bytes_are_asked_as_they_are_when_they_can_be():
    matcher = Matcher([Fingerprint("morvendale", "nar-d", "w"), Fingerprint("/records/rec-a/", "rec-a", "p", ADDRESS)])
    assert matcher.bytes_first
    assert matcher.indices_in_file("/records/rec-a/index.html", "“nothing”".encode() + b"\xff") == [1]
    assert matcher.indices_in_file("/x.html", "“MORVENDALE”".encode()) == [0]
    assert matcher.indices_in_file("/x.html", b"morvendale\xff") == [0]
    assert not Matcher([Fingerprint("a\nb", "nar-d", "w")]).bytes_first  # a needle across lines
