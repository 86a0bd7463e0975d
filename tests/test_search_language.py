"""The query language's shortcuts read a query exactly as its grammar does."""

from __future__ import annotations

import pytest

from search import language
from search.language import Fuzzy, Phrase, Word, lift_negation, parse

SHORTCUT_QUERIES = [
    '"hospital ward"', '"Hospital  Ward"', '"a"', '"segregated hospitals in 1910"', '"x AND y"',
    '"OR b"', '"NOT b"', '"Ärzte Straße"', '"1850 1860"',
    "word~", "Word~2", "word~1", "w~", "ab1~", "1850~", "Straße~", "ÉCOLE~2",
]


def _grammar(text: str):
    """The query as the grammar alone reads it (the shortcuts bypassed)."""
    node = language._convert(language._parser().parse(text))
    return lift_negation(node) if node is not None else None


@pytest.mark.parametrize("text", SHORTCUT_QUERIES)
def test_a_shortcut_gives_what_the_grammar_gives(text):
    parse.cache_clear()
    assert parse(text) == _grammar(text)


def test_the_shortcuts_are_taken():
    # The shortcuts are what spares a phrase or fuzzy search the grammar's ~0.7 ms.
    assert language._QUOTED.fullmatch('"hospital ward"') and language._FUZZY.fullmatch("ward~2")
    assert parse('"Hospital Ward"') == Phrase(None, ("hospital", "ward"))
    assert parse('"Hospital"') == Word(None, "hospital")
    assert parse("Ward~") == Fuzzy(None, "ward", 1)


@pytest.mark.parametrize("text", ['"a b" c', 'word~3', 'word~0', '"a_b"', 'title:"a b"', '"a b"~2', "a~ b"])
def test_other_forms_still_go_through_the_grammar(text):
    assert not (language._QUOTED.fullmatch(text) or language._FUZZY.fullmatch(text))
