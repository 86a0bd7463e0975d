"""Whoosh queries restricted to documents already known, scored exactly as whoosh scores them.

The whoosh engine often knows a query's documents before whoosh does: from posting sets
combined in C, or a phrase's documents from one pair term (search.whoosh.pairs). Handing
whoosh a filter does not help, because its matchers still step through every document of
every word in Python and only the collector drops the ones outside the filter. Here the
restriction goes inside the matcher: `_Within` skips its child straight from one known
document to the next, so whoosh only visits those, and the score of each is the child's own
score, unchanged. `KnownPhrase` is a phrase whose documents are known: it scores like
whoosh's phrase matcher (the sum of its words' scores, from the same intersection of term
matchers) without the position-by-position check.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection

from whoosh import matching
from whoosh import query as wq
from whoosh.matching import IntersectionMatcher
from whoosh.util import make_binary_tree

from search.whoosh.blocks import cached


class _Within(matching.WrappingMatcher):
    """The child matcher's postings, only at the sorted (segment-local) document numbers `ids`."""

    def __init__(self, child, ids: list[int]):
        super().__init__(child)
        self._ids = ids
        self._i = 0
        self._done = False
        self._find()

    def _find(self) -> bool:
        """Move the child to the next known document at or after where it is; True if it moved."""
        child, ids, moved = self.child, self._ids, False
        while child.is_active():
            here = child.id()
            i = bisect_left(ids, here, self._i)
            if i >= len(ids):
                break
            self._i = i
            if ids[i] == here:
                return moved
            child.skip_to(ids[i])
            moved = True
        self._done = True
        return moved

    def is_active(self) -> bool:
        return not self._done and self.child.is_active()

    def reset(self) -> None:
        self.child.reset()
        self._i, self._done = 0, False
        self._find()

    def copy(self):
        return _Within(self.child.copy(), self._ids)

    def _replacement(self, newchild):
        return _Within(newchild, self._ids)

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def depth(self) -> int:
        return 1 + self.child.depth()

    def next(self):
        moved = self.child.next()
        # Any skip may enter a new block: telling the collector so only makes it check quality.
        return self._find() or moved

    def skip_to(self, id):
        self.child.skip_to(id)
        self._find()

    def skip_to_quality(self, minquality):
        skipped = self.child.skip_to_quality(minquality)
        self._find()
        return skipped

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def score(self):
        return self.child.score()


def _local(searcher, docs: Collection[int]) -> list[int]:
    """`docs` (whole-index document numbers) as the sorted numbers of `searcher`'s segment."""
    top = searcher.get_parent()
    offset = 0 if top is searcher else top._offset_for_subsearcher(searcher)
    end = offset + searcher.reader().doc_count_all()
    return sorted(d - offset for d in docs if offset <= d < end)


def postings_at(matcher, docs: list[int]):
    """(document, posting value) for each of `docs` (sorted, segment numbers) that `matcher`
    holds: it skips to each in turn, never reading the blocks in between."""
    if _blockwise(matcher):
        yield from _block_postings_at(matcher, docs)
        return
    for doc in docs:
        if matcher.is_active() and matcher.id() < doc:
            matcher.skip_to(doc)
        if not matcher.is_active():
            return
        if matcher.id() == doc:
            yield doc, matcher.value()


def _blockwise(matcher) -> bool:
    """Whether `matcher` is a plain whoosh 3 block reader (no deletions filter, another codec)."""
    return all(hasattr(matcher, name) for name in ("_read_ids", "_read_values", "_maxid", "_next_block", "_i"))


def _block_postings_at(matcher, docs: list[int]):
    """`postings_at` a block at a time: a block none of `docs` can be in is passed by its
    header alone, and in a block that holds some, each is found by one dictionary look-up
    instead of whoosh's `skip_to` stepping posting by posting through Python calls."""
    i, count = 0, len(docs)
    while i < count and matcher.is_active():
        top = matcher._maxid
        if docs[i] > top:
            matcher._next_block()
            continue
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._values is None:
            matcher._read_values()
        ids, values, first = matcher._ids, matcher._values, matcher._i
        where = {doc: k for k, doc in enumerate(ids) if k >= first}
        while i < count and docs[i] <= top:
            k = where.get(docs[i])
            if k is not None:
                yield docs[i], values[k]
            i += 1
        if i < count:
            matcher._next_block()


class Within(wq.WrappingQuery):
    """`child`, matching only the documents in `docs` (whole-index numbers), scored as `child`."""

    def __init__(self, child: wq.Query, docs: Collection[int]):
        super().__init__(child)
        self.docs = docs

    def _rewrap(self, child):
        return Within(child, self.docs)

    def matcher(self, searcher, context=None):
        ids = _local(searcher, self.docs)
        if not ids:
            return matching.NullMatcher()
        return _Within(cached(self.child.matcher(searcher, context), searcher, values=False), ids)


class KnownPhrase(wq.Phrase):
    """A phrase whose documents (whole-index numbers) are known, so no position is checked.

    Whoosh's own phrase matcher scores a document as the intersection of its words' term
    matchers does (the span check only decides *which* documents); this builds the same
    intersection over the same terms and keeps only the known documents, so scores are equal."""

    def __init__(self, fieldname: str, words: list[str], docs: Collection[int]):
        super().__init__(fieldname, words)
        self.docs = docs

    def normalize(self):
        return self  # whoosh's Phrase.normalize rebuilds the query and would drop `docs`

    def matcher(self, searcher, context=None):
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        words = [field.to_bytes(word) for word in self.words]
        if any((self.fieldname, word) not in reader for word in words):
            return matching.NullMatcher()
        ids = _local(searcher, self.docs)
        if not ids:
            return matching.NullMatcher()
        terms = [cached(wq.Term(self.fieldname, word).matcher(searcher, context), searcher, values=False)
                 for word in words]
        matcher = _Within(make_binary_tree(IntersectionMatcher, terms), ids)
        return matcher if self.boost == 1.0 else matching.WrappingMatcher(matcher, boost=self.boost)


def phrase_docs_in(searcher, fieldname: str, words: list[str], docs: set[int]) -> set[int]:
    """The documents of `docs` holding `words` at consecutive positions in `fieldname`.

    The same test as whoosh's phrase matcher (slop 1, in order), made directly on each word's
    decoded positions: whoosh builds span objects for every position of every word in every
    document, some ten times the cost when a word occurs dozens of times in each."""
    field = searcher.schema[fieldname]
    if not field.format.supports("positions"):
        return set(searcher.docs_for_query(wq.Phrase(fieldname, words)))
    decode = field.format.decode_positions
    encoded = [field.to_bytes(w) for w in words]
    found: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if any((fieldname, w) not in reader for w in encoded):
            continue
        local = _local(leaf, docs)
        if not local:
            continue
        # Each word's positions in each candidate (the rarest word first narrows the rest).
        starts: dict[int, set[int]] | None = None
        for shift, word in sorted(enumerate(encoded), key=lambda item: reader.doc_frequency(fieldname, item[1])):
            matcher = cached(reader.postings(fieldname, word), leaf)
            here: dict[int, set[int]] = {}
            for doc, value in postings_at(matcher, local if starts is None else sorted(starts)):
                positions = {p - shift for p in decode(value)}
                kept = positions if starts is None else starts[doc] & positions
                if kept:
                    here[doc] = kept
            starts = here
            if not starts:
                break
        found.update(doc + offset for doc in starts or ())
    return found
