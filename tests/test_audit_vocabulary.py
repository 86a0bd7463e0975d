"""The fingerprints' public vocabulary: which candidate words the public views hold, found by
asking the views rather than cutting each into words, is exactly what cutting each finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audit import vocabulary
from audit.matcher import words
from audit.vocabulary import public_among

# Words on the rules' edges: inside longer words, after digits and hyphens, in other cases,
# letters whose lower case differs (É, İ, the Kelvin sign), apostrophes of both kinds.
PIECES = ["morvendale", "Morvendale", "MORVENDALES", "premorvendale", "9morvendale", "-morvendale", "_x",
          "o'neil", "O’Neil", "neil", "Élan", "élan", "İstanbul", "\u212aelvin", "kelvin", "straße", "x1962",
          "1962", " ", "\n", "-", "'", "’", ".", "é", "ß"]
TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=12).map("".join)


def slowly(candidates: set[str], texts: list[str]) -> set[str]:
    return {w for text in texts for w in words(text)} & candidates


@settings(max_examples=2000, deadline=None)
@given(texts=st.lists(TEXTS, max_size=12), others=st.lists(TEXTS, max_size=4))
def test_the_candidates_found_are_those_cutting_every_text_finds(texts, others):
    # Candidates as the fingerprints make them: words of other texts (some in these, some not).
    candidates = {w for text in others + texts[:2] for w in words(text)}
    assert public_among(candidates, texts) == slowly(candidates, texts)


def test_examples_and_a_rebuilt_list(monkeypatch):
    monkeypatch.setattr(vocabulary, "REBUILD_AFTER", 1)  # the list made again after every text cut
    texts = ["MORVENDALE is here", "premorvendale and 9kelvin", "O’Neil", "İstanbul", "nothing", "élan"]
    candidates = {"morvendale", "kelvin", "o’neil", "o'neil", "neil", "premorvendal", "élan", "hidden"}
    assert public_among(candidates, texts) == slowly(candidates, texts) == {
        "morvendale", "kelvin", "o’neil", "élan"}
    assert public_among(set(), texts) == set()
    assert public_among({"hidden"}, []) == set()
