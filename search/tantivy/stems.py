"""The stemmed words of each text made here, once a word, so tantivy does not stem them again
for every document of each index.

Why: stemming was ~14 % of the CPU of building both indexes (`perf`, 20,000 records): tantivy's
`en_stem` chain stems every word of every document, once for the staff index and once again for
the public one, though a collection uses a few hundred thousand distinct words. Here each
distinct word is stemmed once (by tantivy's own chain, cached), a document's searched field is
written as its stems joined by spaces, and the field's tokenizer (`TOKENIZER`: split at spaces,
drop tokens of 40 bytes or more) only cuts them apart. A document made once serves both
indexes (search.shared_build shares the engine's form of equal documents).

The field's tokens, positions and lengths are those `en_stem` makes of the text, so the
postings, scores and phrase matches are the same:
- words are cut as tantivy's simple tokenizer cuts them (`split`: runs of letters and digits);
- each word's stem is what the `en_stem` chain (simple, remove_long(40), lowercase, English
  stemmer) makes of that word alone: the chain works word by word;
- a word the chain drops (40 bytes or longer) is written as `DROPPED`, 40 characters, which the
  field's remove_long drops too, so it leaves the same gap in positions (no phrase spans it).

The text itself is kept apart, stored and not indexed (`STORED`), for snippets, the vocabulary's
updates and the audits, which read it back (search/tantivy/engine.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import tantivy

TOKENIZER = "stems_split"
DROPPED = "~" * 40  # one token, at the length tantivy's remove_long(40) drops
# Bytes of ASCII text: letters lowercased, digits kept, everything else a space, so that
# `split()` gives tantivy's simple-tokenizer words, lowercased.
_WORD_BYTES = bytes(c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32
                    for c in range(256))


def tokenizer() -> tantivy.TextAnalyzer:
    """The searched fields' analyser: the stems written by `Stems.line`, cut at spaces; the
    `DROPPED` placeholder dropped as `en_stem` drops a long word."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
            .filter(tantivy.Filter.remove_long(40)).build())


def analyzer() -> tantivy.TextAnalyzer:
    """The same chain as tantivy's built-in en_stem: a word's stem, and query words analysed as
    the index analysed its text."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english")).build())


class Stems:
    """A text's words and their stems as tantivy's en_stem makes them, each distinct word
    stemmed once (raw word → stem, cached for the life of the writer)."""

    def __init__(self) -> None:
        self.analyzer = analyzer()
        self.words = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
        self.stems: dict[str | bytes, str | None] = {}
        self.token_of: dict[str | bytes, str] = {}  # raw word → its stem, or DROPPED

    def split(self, text: str) -> list[str] | list[bytes]:
        """The text's words as tantivy's simple tokenizer cuts them (lowercased if ASCII)."""
        if text.isascii():
            return text.encode().translate(_WORD_BYTES).split()
        return self.words.analyze(text)

    def stem(self, word: str | bytes) -> str | None:
        """The word's stem, or None if the en_stem chain drops it (40 bytes or longer)."""
        if word in self.stems:
            return self.stems[word]
        found = self.analyzer.analyze(word.decode() if isinstance(word, bytes) else word)
        self.stems[word] = stem = found[0] if found else None
        return stem

    def tokens(self, words: list[str] | list[bytes]) -> list[str]:
        """Each word's token in the searched field (`split`'s words): its stem, or `DROPPED`.
        One lookup a word in a table of every word seen (hundreds of thousands: each lookup
        is a cache miss); the pair field's maker makes them with its own (`PairMaker.tokens_and_values`)."""
        token_of = self.token_of
        try:
            return list(map(token_of.__getitem__, words))
        except KeyError:
            for word in set(words).difference(token_of):
                stem = self.stem(word)
                token_of[word] = DROPPED if stem is None else stem
            return list(map(token_of.__getitem__, words))


def line(tokens: Sequence[str]) -> str:
    """The searched field's value: the tokens (`Stems.tokens`) joined by spaces."""
    return " ".join(tokens)
