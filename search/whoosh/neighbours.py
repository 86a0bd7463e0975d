"""A two-word phrase with one rarer word, checked from where that word stands in the stored text.

A phrase of a rarer word and a very common one ("lifetime range") holds too rare a word for a
pair term (search.whoosh.pairs), and whoosh's position check must read the common word's
positions: in a collection where it occurs in every document, dozens of times each, that is
decompressing most of its posting list (50–80 ms at 10,000 records) to check a few hundred
documents. The text field records where each word starts and ends in the stored text
(character offsets, kept for snippets), so here only the rarer word's postings are read: for
each of its occurrences, the token right beside it in the stored text (the text fields'
tokens are every run of letters and digits, all kept, so the token beside it is the word at
the neighbouring position) is stemmed and compared with the other word. Tests check that this
finds exactly what the position check finds.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from search.language import TOKEN
from search.whoosh.blocks import cached
from search.whoosh.within import postings_at

FIELD = "text"       # the field whose character offsets are recorded
# Used when the common word is in this many times more documents than there are to check:
# reading a stored text costs about a sixth of a block of 128 postings with their positions,
# and a few hundred candidates touch most blocks of a word found in every document. It was
# 20; since the common word's blocks are read once per searcher (search.whoosh.blocks) and
# only at the candidates (search.whoosh.within.postings_at), the position check is the
# cheaper one down to a few dozen candidates in 10,000 records (bench/README.md).
DENSE = 100
_TOKEN = re.compile(TOKEN)
_WINDOW = 64


def worthwhile(reader, field: str, stems: list[str], candidates: int) -> bool:
    """Whether to check a two-word phrase here rather than by positions."""
    if field != FIELD or len(stems) != 2 or not reader.schema[field].format.supports("characters"):
        return False
    frequency = [reader.doc_frequency(field, s) for s in stems]
    return max(frequency) >= DENSE * max(candidates, 1)


def _before(text: str, start: int) -> str | None:
    """The token that ends last before `start` (None at the start of the text)."""
    window = _WINDOW
    while True:
        begin = max(0, start - window)
        last = None
        for last in _TOKEN.finditer(text, begin, start):
            pass
        if last is None:
            if begin == 0:
                return None
            window *= 2
            continue
        if last.start() == begin and begin > 0:  # the token may go on before the window
            window *= 2
            continue
        return last.group()


def _after(text: str, end: int) -> str | None:
    found = _TOKEN.search(text, end)
    return found.group() if found else None


def phrase_docs(searcher, stems: list[str], docs: set[int], stem: Callable[[str], str]) -> set[int]:
    """The documents of `docs` whose text holds stems[0] immediately followed by stems[1]."""
    field = searcher.schema[FIELD]
    reader = searcher.reader()
    words = [field.to_bytes(s) for s in stems]
    if any((FIELD, w) not in reader for w in words):
        return set()
    # Read the rarer word's occurrences; look at the token after it (if it is the first word)
    # or before it (if it is the second).
    second = reader.doc_frequency(FIELD, words[1]) < reader.doc_frequency(FIELD, words[0])
    mine, other = (words[1], stems[0]) if second else (words[0], stems[1])
    decode = field.format.decode_characters
    found: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        leaf_reader = leaf.reader()
        if (FIELD, mine) not in leaf_reader:
            continue
        end = offset + leaf_reader.doc_count_all()
        local = sorted(d - offset for d in docs if offset <= d < end)
        for doc, value in postings_at(cached(leaf_reader.postings(FIELD, mine), leaf), local):
            text = leaf.stored_fields(doc).get(FIELD) or ""
            for _, startchar, endchar in decode(value):
                beside = _before(text, startchar) if second else _after(text, endchar)
                if beside is not None and stem(beside.lower()) == other:
                    found.add(doc + offset)
                    break
    return found
