"""Word pairs ("common grams") of the full text, so a two-word phrase is one term for tantivy.

Why: a phrase of two common words (each in 70–100% of records) made tantivy check word
positions in ~96,000 documents at 100,000 records (p95 24 ms). Indexing each pair of
neighbouring common stems as one term (as Elasticsearch's `index_phrases` or Solr's
CommonGrams do) turns that phrase into a single term lookup, and a longer phrase into an AND
of its pairs that narrows the documents whose positions are checked.

Only pairs of two *common* stems are indexed: indexing every pair (nearly all distinct)
tripled the build's CPU, while a phrase with a rarer word is already fast (its cost is the
number of records holding both words). The common stems are fixed once per index, from the
first batch of documents written to it (stems in at least `COMMON_SHARE` of them, at most
`COMMON_MAX`), and kept beside the index in `COMMON_FILE`; every later write uses the same
set, and a query uses the pair field only when all its pairs are in it, so answers stay
exact. At 30% (the first try), phrases pairing a word found everywhere with one in 20–30% of
records were still checked position by position in up to 30,000 records of 100,000.

The pairs must be exactly the phrase query's matches, scored the same way, so:
- words and stems are tantivy's own, as the searched field has them (search/tantivy/stems.py:
  its `en_stem` chain, cached per raw word; only ASCII text is split here, by the same rule as
  tantivy's simple tokenizer);
- a word tantivy drops (40 bytes or longer) leaves a gap, and no pair spans a gap, as no
  phrase match does;
- each document gets exactly as many pair-field tokens as its text has words, so the field
  lengths BM25 sees are the text's own. The pair term's frequency is then the phrase's, and
  only the idf differs, a constant per query that the caller scales away with a boost.

How the pairs are made cheaply (tantivy-py has no shingle filter, and a Python loop over
every word pair cost ~180 µs a record): each word becomes ONE character, its common stem's
code (a private-use character, `CODE_BASE` + the stem's rank in `COMMON_FILE`) or
`UNCOMMON`, and the field's tokenizer is tantivy's character-bigram tokenizer, which emits
every neighbouring pair in Rust. A run of n words plus the `END` character gives exactly n
bigrams; a gap starts a new value (tantivy tokenises each value apart, so no bigram spans it).
A bigram of two codes is a pair term; one holding `UNCOMMON` or `END` only pads the length.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import tantivy

from search.tantivy.stems import DROPPED, Stems

FIELD = "text_pairs"
TOKENIZER = "pairs_bigram"
COMMON_FILE = "common-stems.txt"
COMMON_SHARE = 0.1
COMMON_MAX = 1000
CODE_BASE = 0xE000       # Unicode private use area: never a character of the field's input
UNCOMMON = "-"
END = "+"
GAP = "|"


def tokenizer() -> tantivy.TextAnalyzer:
    """The analyser of the pair field: every neighbouring pair of characters is one token."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(2, 2, False)).build()


def idf(doc_freq: int, total: int) -> float:
    """Tantivy's BM25 idf (query/bm25.rs), to scale a pair term's score to the phrase's."""
    return math.log(1.0 + (total - doc_freq + 0.5) / (doc_freq + 0.5))


def codes(common: list[str]) -> dict[str, str]:
    """Common stem → its one-character code, from the stems in their file order."""
    return {stem: chr(CODE_BASE + rank) for rank, stem in enumerate(common)}


class PairMaker:
    """Turns a text's words into the pair field's values, and into the searched field's tokens
    (search/tantivy/stems.py) on the way: raw word → (token, character), cached."""

    def __init__(self, stems: Stems, common: list[str] | None = None):
        self.stems = stems
        self.set_common(common or [])

    def set_common(self, common: list[str]) -> None:
        self.common = list(common)
        self.code_of = codes(self.common)
        # Raw word → its token (stem, or DROPPED) and its character (a common stem's code,
        # UNCOMMON, or GAP where tantivy drops the word): one lookup a word for both fields,
        # in a table of every word seen (each lookup a cache miss, the cost of this loop).
        self.both: dict[str | bytes, tuple[str, str]] = {}

    def choose_common(self, texts: list[str]) -> list[str]:
        """The stems in at least COMMON_SHARE of these texts (at most COMMON_MAX), sorted."""
        stem, split = self.stems.stem, self.stems.split
        counts = Counter(s for text in texts for s in {stem(w) for w in split(text)}
                         if s is not None)
        least = max(1, math.ceil(COMMON_SHARE * len(texts)))
        return sorted(s for s, n in counts.most_common(COMMON_MAX) if n >= least)

    def tokens_and_values(self, words: list[str] | list[bytes]) -> tuple[tuple[str, ...], list[str]]:
        """For a text's words (`Stems.split`): their tokens in the searched field (as
        `Stems.tokens`), and the pair field's values (one string of word characters per run of
        words between gaps)."""
        both = self.both
        try:
            found = list(map(both.__getitem__, words))
        except KeyError:
            for word in set(words).difference(both):
                stem = self.stems.stem(word)
                both[word] = (DROPPED, GAP) if stem is None else (stem, self.code_of.get(stem, UNCOMMON))
            found = list(map(both.__getitem__, words))
        if not found:
            return (), []
        tokens, chars = zip(*found, strict=True)
        return tokens, _runs("".join(chars))


def _runs(line: str) -> list[str]:
    """The pair field's values for a text's characters (one a word): a string per run of
    words between gaps, each ended by END."""
    if GAP in line:
        return [run + END for run in line.split(GAP) if run]
    return [line + END] if line else []


def term(code_of: dict[str, str], first: str, second: str) -> str | None:
    """The pair-field term for two neighbouring stems, or None if either is not common."""
    if first not in code_of or second not in code_of:
        return None
    return code_of[first] + code_of[second]


def read_common(folder: Path) -> list[str] | None:
    """The index's common stems in code order, or None if none were chosen yet."""
    path = Path(folder) / COMMON_FILE
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").split()


def write_common(folder: Path, common: list[str]) -> None:
    (Path(folder) / COMMON_FILE).write_text("".join(s + "\n" for s in common), encoding="utf-8")
