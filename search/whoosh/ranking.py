"""Ranking a whoosh query's matches without whoosh stepping through every one of them.

The whoosh engine already knows a query's matching documents as a set (posting lists
combined in C; phrases through search.whoosh.pairs). To rank them, whoosh's matchers would
visit every match in Python: for a common word that is most of the index, and most of a
query's time. Here each word's score in each document is taken once from whoosh's own
scorer (the same function on the same weight and field length whoosh's term matcher uses)
and kept per searcher, so a query's scores are sums of table entries. Those sums pick the
few candidates that can be in the requested page (the top `k` and anything within rounding
of the k-th); whoosh then scores just those candidates itself, through the query's own
matcher tree cut to them (search.whoosh.within), and its exact scores give the order.

The result is the order whoosh gives when it scores every match (its top-N search can drop
a document that belongs in the top hits: see tests/test_whoosh_ranking.py).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from whoosh import query as wq
from whoosh.scoring import BM25FScorer, WeightLengthScorer

from search.whoosh.blocks import cached
from search.whoosh.within import KnownPhrase, Within

CACHE_FROM = 500             # tables of at least this many documents are kept per searcher...
CACHED_SCORES = 600_000      # ...up to this many entries in all (some 60 MB)
MARGIN = 1e-6                # relative: sums in another order differ by far less than this


def rankable(query: wq.Query) -> bool:
    """Whether `approximate` can score `query`: words, known phrases, AND, OR, AND NOT, unboosted."""
    if getattr(query, "boost", 1.0) != 1.0:
        return False
    if isinstance(query, (wq.Or, wq.And)):
        return type(query) in (wq.Or, wq.And) and not getattr(query, "scale", None) and \
            all(rankable(q) for q in query.subqueries)
    if isinstance(query, wq.AndNot):
        return rankable(query.a)
    return type(query) in (wq.Term, KnownPhrase) or query is wq.NullQuery


class ScoreTables:
    """Each (field, word)'s score in every document holding it, from whoosh's scorer."""

    def __init__(self, searcher, leaves: list[tuple], docset: Callable[[wq.Query], set[int]]):
        self.searcher = searcher
        self.leaves = leaves  # (leaf reader, offset) pairs of the searcher's segments
        self.docset = docset  # the documents a query matches (for what AND NOT excludes)
        self._tables: dict[tuple[str, bytes], dict[int, float]] = {}  # oldest first
        self._entries = 0
        self._lengths: dict[tuple[int, str], list[int]] = {}

    def table(self, field: str, text: str | bytes) -> dict[int, float]:
        word = self.searcher.schema[field].to_bytes(text)
        key = (field, word)
        found = self._tables.get(key)
        if found is None:
            found = self._read(field, word)
            if CACHE_FROM <= len(found) <= CACHED_SCORES:
                while self._tables and self._entries + len(found) > CACHED_SCORES:
                    self._entries -= len(self._tables.pop(next(iter(self._tables))))
                self._tables[key] = found
                self._entries += len(found)
        return found

    def _read(self, field: str, word: bytes) -> dict[int, float]:
        found: dict[int, float] = {}
        top = self.searcher
        subsearchers = top.leaf_searchers()
        for (searcher, offset), (reader, _) in zip(subsearchers, self.leaves, strict=True):
            if (field, word) not in reader:
                continue
            matcher = cached(searcher.postings(field, word, weighting=top.weighting), top, values=False)
            scorer = getattr(matcher, "scorer", None)
            plain = (isinstance(scorer, WeightLengthScorer) and hasattr(matcher, "_read_ids")
                     and hasattr(matcher, "_read_weights") and not reader.has_deletions())
            if not plain:  # another scorer or codec, or deletions: ask the matcher document by document
                while matcher.is_active():
                    found[matcher.id() + offset] = matcher.score()
                    matcher.next()
                continue
            lengths = self._field_lengths(searcher, offset, field)
            if type(scorer) is BM25FScorer:
                # whoosh.scoring.bm25, written out with its operations in the same order (so
                # the same result) and the length part worked out once per distinct length.
                idf, k1, b, avgfl, k1_1 = scorer.idf, scorer.K1, scorer.B, scorer.avgfl, scorer.K1 + 1
                norms = {n: k1 * ((1 - b) + b * n / avgfl) for n in set(lengths) if n is not None}
                for ids, weights in _blocks(matcher):
                    found.update((doc + offset, idf * ((w * k1_1) / (w + norms[lengths[doc]])))
                                 for doc, w in zip(ids, weights, strict=True))
                continue
            score = scorer._score
            for ids, weights in _blocks(matcher):
                for doc, weight in zip(ids, weights, strict=True):
                    found[doc + offset] = score(weight, lengths[doc])
        return found

    def _field_lengths(self, searcher, offset: int, field: str) -> list[int]:
        """The field's length in each document of one segment, as the scorer reads it."""
        key = (offset, field)
        if key not in self._lengths:
            length = searcher.doc_field_length
            self._lengths[key] = [length(n, field, 1) for n in range(searcher.reader().doc_count_all())]
        return self._lengths[key]

    def cold(self, query: wq.Query) -> bool:
        """Whether ranking `query` by tables would read a big table not kept yet: for a word in
        most records that is every one of its posting blocks, where whoosh scoring a few
        hundred matches itself reads only the blocks that hold them."""
        if isinstance(query, wq.AndNot):
            return self.cold(query.a)
        if isinstance(query, (wq.Term, KnownPhrase)):
            words = [query.text] if isinstance(query, wq.Term) else query.words
            if query.fieldname not in self.searcher.schema:
                return False
            field = self.searcher.schema[query.fieldname]
            for word in words:
                key = (query.fieldname, field.to_bytes(word))
                if key not in self._tables and self.searcher.doc_frequency(*key) >= CACHE_FROM:
                    return True
            return False
        return any(self.cold(sub) for sub in query.children())

    # -- a query's approximate scores -------------------------------------------------------

    def approximate(self, query: wq.Query, docs: set[int]) -> dict[int, float]:
        """The score of each of `docs` that `query` matches, summed from the tables."""
        if isinstance(query, wq.Term):
            table = self.table(query.fieldname, query.text)
            if len(table) < len(docs):
                return {d: s for d, s in table.items() if d in docs}
            return {d: table[d] for d in docs if d in table}
        if isinstance(query, KnownPhrase):
            inside = query.docs & docs
            tables = [self.table(query.fieldname, w) for w in query.words]
            return {d: sum(t[d] for t in tables) for d in inside}
        if isinstance(query, wq.Or):
            total: dict[int, float] = {}
            for sub in query.subqueries:
                for d, s in self.approximate(sub, docs).items():
                    total[d] = total.get(d, 0.0) + s
            return total
        if isinstance(query, wq.And):
            parts = [self.approximate(sub, docs) for sub in query.subqueries]
            parts.sort(key=len)
            return {d: sum(p[d] for p in parts) for d in parts[0] if all(d in p for p in parts[1:])}
        if isinstance(query, wq.AndNot):
            excluded = self.docset(query.b)
            return {d: s for d, s in self.approximate(query.a, docs).items() if d not in excluded}
        return {}


def candidates(scores: dict[int, float], k: int) -> set[int]:
    """The documents that can be among the top `k`: the top k, and any within rounding of the k-th."""
    if len(scores) <= k:
        return set(scores)
    kth = heapq.nlargest(k, scores.values())[-1]
    floor = kth - MARGIN * max(1.0, abs(kth))
    return {d for d, s in scores.items() if s >= floor}


def restrict(query: wq.Query, docs: set[int]) -> wq.Query:
    """`query` with every word and phrase cut to `docs`: the same tree, so the same scores."""
    if isinstance(query, KnownPhrase):
        return KnownPhrase(query.fieldname, list(query.words), query.docs & docs)
    if isinstance(query, (wq.Or, wq.And)):
        return query.__class__([restrict(q, docs) for q in query.subqueries], boost=query.boost)
    if isinstance(query, wq.AndNot):
        return query.__class__(restrict(query.a, docs), restrict(query.b, docs))
    if query is wq.NullQuery:
        return query
    return Within(query, docs)


def _blocks(matcher):
    """The document numbers and weights of each posting block from the matcher's place on,
    read a whole block at a time instead of a posting at a time."""
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()  # with the block cache's values=False: the weights too, no values
        if matcher._weights is None:
            matcher._read_weights()
        i = matcher._i
        yield matcher._ids[i:], matcher._weights[i:]
        matcher._i = matcher._blocklength - 1
        matcher.next()
