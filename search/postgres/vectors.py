"""A document's words as a PostgreSQL `tsvector`, analysed here exactly as the other engines do.

Why not `to_tsvector('english', …)`: PostgreSQL's parser splits text its own way (an e-mail
address or `co-operation` is one token and its parts), and its English configuration drops
stop words, so "the color bar" and a search for "the" would answer differently than on whoosh
and tantivy. Here the words are the language's tokens (`search.language.TOKEN`, lowercased,
longer than 40 letters dropped), stemmed by the same Snowball English (Porter2) stemmer the
whoosh engine uses, and written as a tsvector literal with their positions, so every engine
finds the same documents.

One vector holds the three searched fields, told apart by weight (title `A`, people `B`, text
`D`), so a field query is a weight-restricted lexeme (`'apolog':A`) on the one GIN index; a
position is left empty between fields so a phrase never runs from one field into the next.
A second, smaller vector holds each word as written once per field (its first position, for
the weight), for prefixes: `segregati*` must find "segregation", whose stem is "segreg"
(`search.language.UNSTEMMED`). Kept apart so the stems' vector, which every ranked match is
read for, stays half the size.

Two neighbouring common stems of one field (`search.whoosh.pairs.choose_common`: the stems in
a good share of the first documents, fixed when the index is made) are also one lexeme, "a b"
(stems hold no space), at the first one's position: a phrase of common words is then found
from the GIN index by its pairs instead of checking the positions of every document holding
both words (the other engines' word-pair fields do the same).

PostgreSQL's limits: positions above 16,383 are all 16,383 and a lexeme keeps at most 256 of
them, so a phrase deep inside a very long text (past ~16,000 words, a long PDF) can be missed
or found where its words merely occur near the end. Whole words always match.
"""

from __future__ import annotations

import functools
import re

from whoosh.lang.snowball.english import EnglishStemmer

from search.language import TOKEN

WEIGHTS = {"title": "A", "people": "B", "text": "D"}
FIELD_ORDER = ("title", "people", "text")
MAX_WORD = 40
MAX_POSITION = 16_383
MAX_POSITIONS = 256
_WORD = re.compile(TOKEN)
_stemmer = EnglishStemmer()


@functools.lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    return _stemmer.stem(word)


def words(text: str) -> list[str]:
    """The text's words, lowercased, as the engines index them (longer than 40 letters dropped)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) <= MAX_WORD]


def stems(text: str) -> list[str]:
    """The stems of a query's or a text's words: what the index holds and queries look up."""
    return [stem(w) for w in words(text)]


def quote(lexeme: str) -> str:
    """A lexeme as tsvector and tsquery literals write it."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def pair(first: str, second: str) -> str:
    """The lexeme of two neighbouring common stems."""
    return f"{first} {second}"


def vector(doc: dict, common: frozenset[str] = frozenset()) -> tuple[str, str, set[str]]:
    """The document's tsvector literals, of its stems (with the pairs of neighbouring `common`
    stems) and of its words as written, and its stems (for the fuzzy-term table)."""
    positions: dict[str, list[str]] = {}
    written: dict[str, list[str]] = {}
    position = 0
    for field in FIELD_ORDER:
        weight = WEIGHTS[field]
        label = "" if weight == "D" else weight
        seen: set[str] = set()
        before: tuple[str, str] | None = None  # the previous word's stem and position
        for word in words(doc.get(field) or ""):
            position += 1
            at = f"{min(position, MAX_POSITION)}{label}"
            stemmed = stem(word)
            found = positions.setdefault(stemmed, [])
            if len(found) < MAX_POSITIONS:
                found.append(at)
            if before is not None and before[0] in common and stemmed in common:
                paired = positions.setdefault(pair(before[0], stemmed), [])
                if len(paired) < MAX_POSITIONS:
                    paired.append(before[1])
            before = (stemmed, at)
            if word not in seen:  # the word as written: once per field, for prefixes
                seen.add(word)
                written.setdefault(word, []).append(at)
        position += 1  # an empty position between fields: no phrase spans two
    return _literal(positions), _literal(written), {s for s in positions if " " not in s}


def _literal(positions: dict[str, list[str]]) -> str:
    return " ".join(f"{quote(lexeme)}:{','.join(dict.fromkeys(at))}" for lexeme, at in positions.items())
