"""Snippets cut around a query's first match in a hit's stored text, the same way for every engine.

Both engines' own highlighters re-analyse each hit's whole text (about 2,400 characters in
the benchmark corpus) for every query: tantivy's snippet generator spent 2–2.5 ms on 20
hits, most of a query's time. Here the query's words are known from the language tree
already stemmed, so a snippet needs only a regular-expression scan for words that *could*
stem to one of them (those starting with the stem less its last letter: the English stemmer
only ever rewrites a word's end) and the stemmer on those few candidates, cached per word.
The text is escaped and each match wrapped in <mark>, as both engines did before.

The stored text is the viewer's visible form of the object (redacted for the public index),
so a snippet can never show what its page would not. When no word of the text can be shown
to match (a fuzzy term, or a word the stemmer rewrote beyond its last letter), the caller
falls back to its engine's own highlighter.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from search.language import TOKEN, And, Fuzzy, Node, Not, Or, Phrase, Prefix, Word

SNIPPET_CHARS = 200
LEAD_CHARS = 60  # text shown before the first match
HIGHLIGHTED_FIELD = "text"


@dataclass(frozen=True)
class Terms:
    """What to mark in a snippet: analysed words and literal prefixes; `fuzzy` when a fuzzy
    term is present (its matches are not known here, so the engine's highlighter is used)."""

    stems: frozenset[str]
    prefixes: tuple[str, ...]
    fuzzy: bool

    def __bool__(self) -> bool:
        return bool(self.stems or self.prefixes)


def query_terms(node: Node | None, analyse: Callable[[str], list[str]],
                expand_fuzzy: Callable[[str, int], list[str]] | None = None) -> Terms:
    """The words of the positive parts of `node` that search the highlighted field.

    `expand_fuzzy(text, distance)`, where the engine can say which indexed words a fuzzy term
    matches, turns fuzzy terms into words to mark."""
    stems: set[str] = set()
    prefixes: list[str] = []
    fuzzy = False

    def walk(item: Node | None) -> None:
        nonlocal fuzzy
        if item is None or isinstance(item, Not):
            return
        if isinstance(item, (And, Or)):
            for child in item.items:
                walk(child)
            return
        field = getattr(item, "field", "")
        if field not in (None, HIGHLIGHTED_FIELD):
            return
        if isinstance(item, Word):
            stems.update(analyse(item.text))
        elif isinstance(item, Phrase):
            for word in item.words:
                stems.update(analyse(word))
        elif isinstance(item, Prefix):
            prefixes.append(item.text.lower())
        elif isinstance(item, Fuzzy):
            if expand_fuzzy is None:
                fuzzy = True
            else:
                stems.update(expand_fuzzy(item.text, item.distance))

    walk(node)
    return Terms(frozenset(stems), tuple(prefixes), fuzzy)


class Highlighter:
    """Makes snippets for one open index; `analyse` is that index's own word analysis."""

    def __init__(self, analyse: Callable[[str], list[str]], max_chars: int = SNIPPET_CHARS):
        self.analyse = analyse
        self.max_chars = max_chars
        self._stem = functools.lru_cache(maxsize=200_000)(self._stem_of)
        self._patterns = functools.lru_cache(maxsize=1024)(self._pattern)
        self._folded = functools.lru_cache(maxsize=1024)(lambda terms: self._pattern(terms, re.IGNORECASE))

    def _stem_of(self, word: str) -> str | None:
        stems = self.analyse(word)
        return stems[0] if len(stems) == 1 else None

    @staticmethod
    def _pattern(terms: Terms, flags: int = 0) -> re.Pattern:
        # No word-boundary test in the pattern: it makes Python's scan about eight times slower.
        # A match that starts inside a word is skipped in `_words` instead.
        starts = {s[:-1] if len(s) > 2 else s for s in terms.stems} | set(terms.prefixes)
        alternatives = "|".join(re.escape(s) for s in sorted(starts, key=len, reverse=True))
        return re.compile(rf"(?:{alternatives}){TOKEN[:-1]}*", flags)

    def _matches(self, word: str, terms: Terms) -> bool:
        lower = word.lower()
        if any(lower.startswith(p) for p in terms.prefixes):
            return True
        return self._stem(lower) in terms.stems

    def snippet(self, text: str, terms: Terms) -> str | None:
        """An escaped passage of `text` with matches in <mark>; None when no match is found."""
        if not terms or not text:
            return None
        lower = text.lower()
        if len(lower) == len(text):  # scan lowercased text: much faster than a case-blind pattern
            scan, pattern = lower, self._patterns(terms)
        else:
            scan, pattern = text, self._folded(terms)
        found = self._words(pattern, scan, terms, 0, len(text))
        first = next(found, None)
        if first is None:
            return None
        start = max(0, first[0] - LEAD_CHARS)
        if start:
            space = text.find(" ", start, first[0])
            start = space + 1 if space >= 0 else first[0]
        end = min(len(text), start + self.max_chars)
        if end < len(text):
            space = text.rfind(" ", first[1], end)
            end = space if space >= 0 else max(end, first[1])
        out, last = [], start
        for begin, stop in (first, *self._words(pattern, scan, terms, first[1], end)):
            if stop > end:
                break
            out.append(html.escape(text[last:begin], quote=False))
            out.append("<mark>" + html.escape(text[begin:stop], quote=False) + "</mark>")
            last = stop
        out.append(html.escape(text[last:end], quote=False))
        return "".join(out)

    def _words(self, pattern: re.Pattern, scan: str, terms: Terms, start: int, end: int):
        """(start, end) of each whole word in scan[start:end] that matches `terms`."""
        for match in pattern.finditer(scan, start, end):
            begin = match.start()
            if begin and scan[begin - 1].isalnum():
                continue
            if self._matches(match.group(), terms):
                yield begin, match.end()
