"""The whoosh engine: pure Python, the default, fine for a collection of a few thousand objects.

Tuned as far as whoosh goes: facets and date sorting read sortable columns (multi-valued
facets from list columns) through `groupedby`, one searcher is kept open and shared, and
the build can use several writer processes. Measured figures are in bench/README.md.
"""

from __future__ import annotations

import html
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from whoosh import columns, index, matching, sorting
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.lang.snowball.english import EnglishStemmer

from search.engine import STORED_FIELDS, EngineHit, EngineResult, Reader, Request, Writer
from search.language import (
    TEXT_FIELDS,
    TOKEN,
    UNSTEMMED,
    And,
    Everything,
    Fuzzy,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
)
from search.snippets import SNIPPET_CHARS, Highlighter, query_terms
from search.whoosh import neighbours
from search.whoosh.blocks import BlockCache, attach
from search.whoosh.pairs import PAIR_FIELD, PairField, Pairs, choose_common
from search.whoosh.pairs import load as load_pairs
from search.whoosh.pairs import save as save_pairs
from search.whoosh.ranking import ScoreTables, candidates, rankable, restrict
from search.whoosh.within import KnownPhrase, phrase_docs_in

LIST_FIELDS = ("harm_type", "affected_group", "institution", "decade")
CACHE_FROM = 500             # posting sets at least this big are kept per searcher...
CACHED_POSTINGS = 1_000_000  # ...up to this many document numbers in all (some 40 MB)
FEW = 200                    # matches whoosh scores itself rather than read a common word's score table
SPARSE = 4                   # a phrase's word in this many times its rarest word's documents is not intersected


class FacetKeyword(KEYWORD):
    """A space-separated keyword field whose column holds the list of values, for facets."""

    def __init__(self) -> None:
        super().__init__(stored=True, lowercase=True, scorable=False)
        self.column_type = columns.VarBytesListColumn()

    def to_column_value(self, value):
        return [v.encode("utf-8") for v in (value or "").split()]

    def from_column_value(self, value):
        return [v.decode("utf-8") for v in value]


STEM = EnglishStemmer().stem  # Snowball English (Porter2), the stemmer tantivy uses


def schema() -> Schema:
    # No stop words: a phrase such as "the color bar" must match as written. The Snowball
    # English stemmer (Porter2) is the one tantivy uses, so both engines find the same words.
    # search.whoosh.pairs repeats this analysis to make its pair terms: change both together.
    stem = StemmingAnalyzer(expression=TOKEN, stoplist=None, minsize=1, maxsize=40, stemfn=STEM)
    return Schema(
        id=ID(stored=True, unique=True),
        type=ID(stored=True, sortable=True),
        parent=ID(stored=True),
        url=STORED(),
        title=TEXT(stored=True, analyzer=stem, field_boost=2.0),
        # Character offsets are stored so snippets are cut from the index's own record of
        # where each match is, instead of re-analysing every hit's text per query.
        text=TEXT(stored=True, analyzer=stem, chars=True),
        people=TEXT(stored=True, analyzer=stem),
        # The same words unstemmed, for prefixes (search.language.UNSTEMMED): documents only.
        **{words: TEXT(analyzer=RegexTokenizer(TOKEN) | LowercaseFilter(), phrase=False)
           for words in UNSTEMMED.values()},
        date=STORED(),
        time=STORED(),
        context=STORED(),
        date_lower=NUMERIC(int, bits=32, stored=True, sortable=True),
        date_upper=NUMERIC(int, bits=32, stored=True, sortable=True),
        language=ID(stored=True),
        collection=ID(stored=True),
        **{name: FacetKeyword() for name in LIST_FIELDS},
        **{PAIR_FIELD: PairField()},
    )


def _prepare(doc: dict, pairs: Pairs | None, unstemmed: bool = True) -> dict:
    out = {k: v for k, v in doc.items() if k not in LIST_FIELDS}
    for name in LIST_FIELDS:
        out[name] = " ".join(doc.get(name) or [])
    if unstemmed:  # not in an index made before the unstemmed fields
        for name, words in UNSTEMMED.items():
            out[words] = doc.get(name) or ""
    if pairs is not None:
        out[PAIR_FIELD] = pairs.tokens(doc)
    return out


def _pairs(ix, path: Path) -> Pairs | None:
    """The index's common-word pairs; None for an index made before pairs (phrases are then
    checked position by position, as they were: slower, never wrong)."""
    return Pairs(load_pairs(path), STEM) if PAIR_FIELD in ix.schema else None


class WhooshWriter(Writer):
    def __init__(self, ix, path: Path, procs: int = 1):
        self.ix = ix
        self.path = path
        self.pairs = _pairs(ix, path)
        self.unstemmed = UNSTEMMED["text"] in ix.schema
        # Several processes and segments make a large build faster on more than one core.
        options = {"procs": procs, "multisegment": True, "limitmb": 256} if procs > 1 else {"limitmb": 128}
        self.writer = ix.writer(**options)

    def add(self, docs: Iterable[dict]) -> None:
        for doc in docs:
            self.writer.update_document(**_prepare(doc, self.pairs, self.unstemmed))

    def delete(self, ids: Iterable[str]) -> None:
        for object_id in ids:
            self.writer.delete_by_term("id", object_id)
            self.writer.delete_by_term("parent", object_id)

    def commit(self) -> None:
        self.writer.commit()


class _BulkWriter(WhooshWriter):
    """Writes a fresh index; its common stems are chosen from the first batch of documents."""

    def __init__(self, ix, path: Path, procs: int = 1):
        self.ix, self.path, self.pairs = ix, path, None
        options = {"procs": procs, "multisegment": True, "limitmb": 256} if procs > 1 else {"limitmb": 128}
        self.writer = ix.writer(**options)

    def add(self, docs: Iterable[dict]) -> None:
        docs = list(docs)
        if self.pairs is None:
            self.pairs = Pairs(choose_common(docs, STEM), STEM)
        for doc in docs:  # a fresh index has nothing to replace
            self.writer.add_document(**_prepare(doc, self.pairs))

    def commit(self) -> None:
        # Recorded before the index is swapped into place, so no reader sees pairs without it.
        save_pairs(self.path, sorted(self.pairs.common) if self.pairs else [])
        super().commit()


def create(path: Path, procs: int = 1) -> Writer:
    path.mkdir(parents=True, exist_ok=True)
    return _BulkWriter(index.create_in(str(path), schema()), path, procs)


def open_writer(path: Path) -> Writer:
    return WhooshWriter(index.open_dir(str(path)), path)


def open_reader(path: Path) -> Reader:
    ix = index.open_dir(str(path))
    return WhooshReader(ix, _pairs(ix, path))


class _AndNotMatcher(matching.AndNotMatcher):
    """Whoosh 2.7's AndNotMatcher with one fix: after skipping blocks by quality the positive
    side may be used up, and the original then reads its id and fails with an IndexError
    (a query such as `(word OR other) NOT common` crashed the search)."""

    def _find_next(self):
        if not self.a.is_active():
            return False
        return super()._find_next()


class AndNot(wq.AndNot):
    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(scored, excluded)


class Compiler:
    """Turns the language's tree into whoosh queries, stemming words as the index did."""

    def __init__(self, sch: Schema):
        self.schema = sch

    def stems(self, field: str, text: str) -> list[str]:
        return [t.text for t in self.schema[field].analyzer(text, mode="query")]

    def unstemmed(self, field: str) -> str:
        """Where a prefix on `field` is looked up: its unstemmed words, when the index has them."""
        words = UNSTEMMED.get(field)
        return words if words is not None and words in self.schema else field

    def fields(self, field: str | None) -> tuple[str, ...]:
        return TEXT_FIELDS if field is None else (field,)

    def leaf(self, field: str | None, make) -> wq.Query:
        parts = [q for f in self.fields(field) if (q := make(f)) is not None]
        if not parts:
            return wq.NullQuery
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def compile(self, node: Node | None) -> wq.Query:
        if node is None or isinstance(node, Everything):
            return wq.Every()
        if isinstance(node, Word):
            return self.leaf(node.field, lambda f: self.word(f, node.text))
        if isinstance(node, Phrase):
            return self.leaf(node.field, lambda f: self.phrase(f, node.words))
        if isinstance(node, Fuzzy):
            return self.leaf(node.field, lambda f: self.fuzzy(f, node.text, node.distance))
        if isinstance(node, Prefix):
            return self.leaf(node.field, lambda f: wq.Prefix(self.unstemmed(f), node.text.lower()))
        if isinstance(node, And):
            positive = [self.compile(i) for i in node.items if not isinstance(i, Not)]
            negative = [self.compile(i.item) for i in node.items if isinstance(i, Not)]
            query = positive[0] if len(positive) == 1 else wq.And(positive)
            return AndNot(query, wq.Or(negative)) if negative else query
        if isinstance(node, Or):
            return wq.Or([self.compile(i) for i in node.items])
        if isinstance(node, Not):
            return AndNot(wq.Every(), self.compile(node.item))
        raise TypeError(node)

    def word(self, field: str, text: str) -> wq.Query | None:
        if field not in TEXT_FIELDS:
            return wq.Term(field, text.lower())
        return self.phrase(field, (text,))

    def phrase(self, field: str, words: tuple[str, ...]) -> wq.Query | None:
        if field not in TEXT_FIELDS:
            return wq.Term(field, " ".join(words).lower())
        stems = [s for w in words for s in self.stems(field, w)]
        if not stems:
            return None
        if len(stems) == 1:
            return wq.Term(field, stems[0])
        return wq.Phrase(field, stems)

    def fuzzy(self, field: str, text: str, distance: int) -> wq.Query | None:
        if field not in TEXT_FIELDS:
            return wq.FuzzyTerm(field, text.lower(), maxdist=distance, prefixlength=1)
        stems = self.stems(field, text)
        return wq.FuzzyTerm(field, stems[0], maxdist=distance, prefixlength=1) if stems else None


def _leaves(reader) -> list[tuple]:
    return list(reader.leaf_readers()) if not reader.is_atomic() else [(reader, 0)]


def _ids(matcher) -> list[int]:
    """A posting list's document numbers, a block at a time where the codec allows it."""
    if not (hasattr(matcher, "_read_ids") and hasattr(matcher, "_blocklength")):
        return list(matcher.all_ids())  # a segment with deletions (filtered), or another codec
    found: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        found.extend(matcher._ids[matcher._i:])
        matcher._i = matcher._blocklength - 1
        matcher.next()
    return found


def _set_algebra(query: wq.Query) -> bool:
    """Whether `docset` answers `query` from posting lists alone (no phrase to check)."""
    if isinstance(query, (wq.Or, wq.And)):
        return all(_set_algebra(sub) for sub in query.subqueries)
    if isinstance(query, wq.AndNot):
        return _set_algebra(query.a) and _set_algebra(query.b)
    return isinstance(query, (wq.Term, wq.Every, wq.FuzzyTerm, wq.Prefix, KnownPhrase)) or query is wq.NullQuery


def _has_known(query: wq.Query) -> bool:
    return isinstance(query, KnownPhrase) or any(_has_known(q) for q in query.children())


def _text(key) -> str:
    return key.decode("utf-8") if isinstance(key, bytes) else str(key)


def facet_filter(request: Request) -> wq.Query | None:
    parts: list[wq.Query] = []
    for name, values in sorted(request.filters.items()):
        terms = [wq.Term(name, v.lower()) for v in values]
        parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


class WhooshReader(Reader):
    def __init__(self, ix, pairs: Pairs | None = None):
        self.ix = ix
        self.pairs = pairs
        self.compiler = Compiler(ix.schema)
        # One searcher, opened once and shared: opening one per query costs more than most
        # queries. Whoosh searchers are not documented thread-safe, so queries take turns.
        self.searcher = ix.searcher()
        attach(self.searcher, BlockCache())  # posting blocks read once per query, not thrice
        self.lock = threading.Lock()
        self._bounds: list[tuple[int, int]] | None = None
        self._columns: dict[str, list] = {}
        self._postings: dict[tuple[str, str], set[int]] = {}  # oldest first
        self._cached_ids = 0
        self.highlighter = Highlighter(self.stems)
        self.tables = ScoreTables(self.searcher, _leaves(self.searcher.reader()), self.docset)

    def date_docs(self, date_from: int | None, date_to: int | None) -> set[int]:
        """Documents whose dates overlap the range, read from the date columns.

        Whoosh's numeric range queries walk many terms per query; the two sortable columns,
        read once per searcher, answer the same question with one pass over plain integers.
        """
        if self._bounds is None:
            reader = self.searcher.reader()
            self._bounds = list(zip(reader.column_reader("date_lower"), reader.column_reader("date_upper"),
                                    strict=True))
        low = 0 if date_from is None else date_from
        high = 99_999_999 if date_to is None else date_to
        return {n for n, (lower, upper) in enumerate(self._bounds) if lower <= high and upper >= low}

    def filter_docs(self, request: Request) -> set[int] | None:
        found: set[int] | None = None
        if request.date_from is not None or request.date_to is not None:
            found = self.date_docs(request.date_from, request.date_to)
        facets = facet_filter(request)
        if facets is not None:
            matching = set(self.searcher.docs_for_query(facets))
            found = matching if found is None else found & matching
        return found

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()

    # -- matching documents as sets: counts and facets without whoosh's per-document loop ----

    def term_docs(self, field: str, text: str) -> set[int]:
        """Every live document holding `text` in `field`, read block by block.

        A common word's set (thousands of documents) costs milliseconds to read and recurs
        across queries, so the biggest are kept while this searcher lives, up to
        CACHED_POSTINGS document numbers in all; callers must not change the set returned."""
        key = (field, text)
        found = self._postings.get(key)
        if found is None:
            found = self._read_term_docs(field, text)
            if len(found) >= CACHE_FROM and len(found) <= CACHED_POSTINGS:
                while self._postings and self._cached_ids + len(found) > CACHED_POSTINGS:
                    self._cached_ids -= len(self._postings.pop(next(iter(self._postings))))
                self._postings[key] = found
                self._cached_ids += len(found)
        return found

    def _read_term_docs(self, field: str, text: str) -> set[int]:
        if field in TEXT_FIELDS:
            # Reading a word's documents decompresses its postings, positions and all; the
            # score table reads them once for both (and is needed to rank its matches anyway).
            return set(self.tables.table(field, text))
        reader = self.searcher.reader()
        if (field, text) not in reader:
            return set()
        found: set[int] = set()
        for leaf, offset in _leaves(reader):
            if (field, text) not in leaf:
                continue
            matcher = leaf.postings(field, text)
            found.update(n + offset for n in _ids(matcher))
        return found

    def docset(self, query: wq.Query) -> set[int]:
        """The documents `query` matches, combined with C-speed set operations.

        Whoosh counts a query's matches (and groups them into facets) by stepping through every
        matching document in Python, which for a common word is most of a query's time.
        """
        if isinstance(query, wq.Term):
            return self.term_docs(query.fieldname, query.text)  # shared: never changed in place
        if isinstance(query, KnownPhrase):
            return query.docs  # shared: never changed in place
        if isinstance(query, wq.Or):
            found: set[int] = set()
            for sub in query.subqueries:
                found |= self.docset(sub)
            return found
        if isinstance(query, wq.And):
            parts = sorted((self.docset(sub) for sub in query.subqueries), key=len)
            return parts[0].intersection(*parts[1:]) if parts else set()
        if isinstance(query, wq.AndNot):
            return self.docset(query.a) - self.docset(query.b)
        if isinstance(query, wq.Every):
            return set(self.searcher.reader().all_doc_ids())
        if query is wq.NullQuery:
            return set()
        if isinstance(query, (wq.FuzzyTerm, wq.Prefix)):
            reader = self.searcher.reader()
            found = set()
            for text in query._btexts(reader):
                found |= self.term_docs(query.fieldname, _text(text))
            return found
        return set(self.searcher.docs_for_query(query))

    # -- phrases through common-word pairs (search.whoosh.pairs) --------------------------------

    def known_phrases(self, query: wq.Query) -> wq.Query:
        """`query` with each phrase replaced by one whose documents are found through pair terms,
        when the index has them; the tree is otherwise the same, so scores are the same."""
        if self.pairs is None:
            return query
        if isinstance(query, wq.Phrase):
            return KnownPhrase(query.fieldname, list(query.words), self.phrase_docs(query.fieldname, list(query.words)))
        if isinstance(query, (wq.And, wq.Or)):
            return query.__class__([self.known_phrases(q) for q in query.subqueries], boost=query.boost)
        if isinstance(query, wq.AndNot):
            return AndNot(self.known_phrases(query.a), self.known_phrases(query.b))
        return query

    def phrase_docs(self, field: str, stems: list[str]) -> set[int]:
        """The documents holding the phrase `stems` in `field`.

        Two common stems: their pair term's documents, exactly. A longer phrase with common
        pairs: the position check runs only where all its pair terms and words occur. A phrase
        with no common pair holds a rarer word, so few documents need checking."""
        pairs = self.pairs
        terms = pairs.terms(field, stems)
        if pairs.exact(stems):
            return self.term_docs(PAIR_FIELD, terms[0])
        parts = sorted([self.term_docs(PAIR_FIELD, t) for t in terms] + self.narrowing(field, stems), key=len)
        candidates = parts[0].intersection(*parts[1:])
        if not candidates:
            return set()
        if not terms and neighbours.worthwhile(self.searcher.reader(), field, stems, len(candidates)):
            return neighbours.phrase_docs(self.searcher, stems, candidates, pairs.stem)
        return phrase_docs_in(self.searcher, field, stems, candidates)

    def narrowing(self, field: str, stems: list[str]) -> list[set[int]]:
        """The document sets of the phrase's words worth intersecting before the position check.

        The rarest word's set always; a word in SPARSE times as many documents or more is left
        out: reading its set decompresses every one of its posting blocks (a word found in every
        record is most of a query's time), while the position check, which tests every word
        anyway, reads only the blocks that hold the rarer word's documents."""
        reader = self.searcher.reader()
        frequency = {s: reader.doc_frequency(field, s) if (field, s) in reader else 0 for s in stems}
        least = min(frequency.values())
        return [self.term_docs(field, s) for s in dict.fromkeys(stems) if frequency[s] < SPARSE * max(least, 1)]

    def facet_values(self, name: str) -> list:
        """The facet's value(s) of every document, by document number, read once per searcher."""
        if name not in self._columns:
            reader = self.searcher.reader()
            column = reader.column_reader(name) if reader.has_column(name) else None
            self._columns[name] = list(column) if column is not None else []
        return self._columns[name]

    def facet_counts(self, name: str, docs: set[int]) -> dict[str, int]:
        values = self.facet_values(name)
        counts: Counter = Counter()
        if name in LIST_FIELDS:
            for n in docs:
                counts.update(values[n])
        else:
            counts.update(values[n] for n in docs)
        return {_text(k): v for k, v in counts.items() if k not in (None, "", b"")}

    def search(self, request: Request) -> EngineResult:
        query = self.compiler.compile(request.node)
        options: dict = {"limit": max(request.offset + request.limit, 1)}
        if request.sort == "date":
            options["sortedby"] = [sorting.FieldFacet("date_lower"), sorting.FieldFacet("id")]
        elif request.sort == "-date":
            options["sortedby"] = [sorting.FieldFacet("date_upper", reverse=True), sorting.FieldFacet("id")]
        with self.lock:
            options["filter"] = allowed = self.filter_docs(request)
            if allowed is not None and not allowed:  # whoosh reads an empty filter as no filter
                return EngineResult(0, [], {name: {} for name in request.facets})
            query = self.known_phrases(query)
            if _set_algebra(query):
                matched = self.docset(query)
                if allowed is not None:
                    matched = matched & allowed
                if not matched:
                    return EngineResult(0, [], {name: {} for name in request.facets})
                results = self.top(query, matched, request, options)
            else:
                # A phrase is checked position by position, which is the cost: do it once, for
                # every match, and take both the count and the top hits from that one pass.
                results = self.searcher.search(query, **{**options, "limit": None})
                matched = set(results.docs())
            facets = {name: self.facet_counts(name, matched) for name in request.facets}
            terms = query_terms(request.node, self.stems, self.fuzzy_stems)
            hits = []
            for hit in results[request.offset:request.offset + request.limit]:
                stored = hit.fields()
                text = stored.get("text", "")
                snippet = self.highlighter.snippet(text, terms) or html.escape(text[:SNIPPET_CHARS], quote=False)
                hits.append(EngineHit({k: stored.get(k, "") for k in STORED_FIELDS},
                                      hit.score if isinstance(hit.score, float) else 0.0, snippet))
            return EngineResult(len(matched), hits, facets)

    def top(self, query: wq.Query, matched: set[int], request: Request, options: dict):
        """Whoosh's results holding the requested page of `query`'s matches (all in `matched`)."""
        if request.sort == "relevance" and len(matched) <= request.offset + request.limit:
            # Every match is on the page: whoosh scores them all, with no tables to read.
            return self.searcher.search(restrict(query, matched), limit=None)
        if request.sort == "relevance" and len(matched) <= FEW and self.tables.cold(query):
            # Few matches, and a table to read would be a common word's whole posting list:
            # whoosh scores every match, reading only the blocks that hold them.
            return self.searcher.search(restrict(query, matched), limit=None)
        if request.sort == "relevance" and rankable(query):
            # Scores summed from per-word tables choose the few documents that can be on the
            # page; whoosh scores only those, exactly (search.whoosh.ranking).
            scores = self.tables.approximate(query, matched)
            if len(scores) == len(matched):
                chosen = candidates(scores, request.offset + request.limit)
                return self.searcher.search(restrict(query, chosen), limit=None)
        if _has_known(query):
            # Whoosh's top-N search can drop a document that belongs in the top hits of an OR
            # of phrases (it rewrites unions by their maximum scores): rank every match.
            return self.searcher.search(query, **{**options, "limit": None})
        # The top hits only: without a count or facets whoosh may skip low-scoring blocks.
        return self.searcher.search(query, **options)

    def stems(self, text: str) -> list[str]:
        return self.compiler.stems("text", text)

    def fuzzy_stems(self, text: str, distance: int) -> list[str]:
        """The indexed words a fuzzy term matches in the text field, for marking them."""
        query = self.compiler.fuzzy("text", text, distance)
        if query is None:
            return []
        return [_text(t) for t in query._btexts(self.searcher.reader())]

    def stored_documents(self) -> list[dict]:
        with self.lock:
            return [dict(fields) for fields in self.searcher.all_stored_fields()]

    def texts(self, ids: list[str]) -> list[dict]:
        with self.lock:
            numbers = [self.searcher.document_number(id=i) for i in ids]
            return [{k: self.searcher.stored_fields(n).get(k) or "" for k in ("id", *TEXT_FIELDS)}
                    for n in numbers if n is not None]
