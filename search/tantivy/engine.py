"""The tantivy engine: a Rust core for collections of 100,000 objects and more.

Optional (`pip install 'reckoning[tantivy]'`), chosen by the `search_engine` setting. It
answers the same query trees, filters and facets as the whoosh engine: words are stemmed
by tantivy's English stemmer (`en_stem`'s chain, run once a distinct word in Python and cached,
search/tantivy/stems.py), facets are one terms aggregation over a combined
fast field (search/tantivy/facets.py), date sorting reads fast fields, two-word phrases of
common words are one term of a word-pair field (search/tantivy/pairs.py), and snippets are
cut by search/snippets.py from the stored text.

An index written before the pair and combined facet fields existed lacks them; it is
answered the old way (a phrase query, five aggregations), with the same answers, and its
writers keep its format. So does one whose searched fields tantivy stemmed itself (storing
their text): it answers the same, and `reckon index --rebuild` brings it the speed-ups.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from search.engine import STORED_FIELDS, EngineHit, EngineResult, Reader, Request, Writer
from search.language import (
    TEXT_FIELDS,
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
from search.tantivy.facets import FIELD as ALL_FACETS
from search.tantivy.facets import count_facets, facet_values
from search.tantivy.pairs import FIELD as PAIRS
from search.tantivy.pairs import TOKENIZER as PAIR_TOKENIZER
from search.tantivy.pairs import PairMaker, codes, idf, read_common, term, write_common
from search.tantivy.pairs import tokenizer as pair_tokenizer
from search.tantivy.stems import TOKENIZER as STEMS_TOKENIZER
from search.tantivy.stems import Stems, line
from search.tantivy.stems import analyzer as _analyzer
from search.tantivy.stems import tokenizer as stems_tokenizer

# Each searched field's text as written, stored apart (bytes, not indexed): the field itself is
# indexed from the stems made in Python (search/tantivy/stems.py) and stores nothing.
STORED_TEXT = {name: f"{name}_stored" for name in TEXT_FIELDS}
KEYWORDS = ("id", "type", "parent", "harm_type", "affected_group", "institution", "decade",
            "language", "collection")
FAST = ("type", "harm_type", "affected_group", "institution", "decade")
TITLE_BOOST = 2.0
# The writer's memory budget (a ceiling; tantivy's arena grows page by page). Each time it
# fills, tantivy writes a segment: 128 MB made two segments at 60,000 records, 512 MB one,
# which took 13% less build CPU (36.4 → 31.8 s) and leaves queries fewer segments to search.
HEAP = 512_000_000
# Threads counting facets beside the searches that asked (see TantivyReader.search).
COUNTING_THREADS = 2


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in KEYWORDS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=name in FAST)
    for name in TEXT_FIELDS:
        # The stems of the text (search/tantivy/stems.py): the same tokens and positions as
        # tantivy's en_stem makes of it, stemmed once a word instead of once a word an index.
        builder.add_text_field(name, stored=False, tokenizer_name=STEMS_TOKENIZER)
        builder.add_bytes_field(STORED_TEXT[name], stored=True)
        # The same words unstemmed ("default": simple, remove_long(40), lowercase), for prefixes
        # (search.language.UNSTEMMED): documents only, no frequencies or positions.
        builder.add_text_field(UNSTEMMED[name], stored=False, tokenizer_name="default", index_option="basic")
    for name in ("url", "date", "time", "context"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("date_lower", "date_upper"):
        builder.add_integer_field(name, stored=True, indexed=True, fast=True)
    # Neighbouring common stems of the full text as one term each (search/tantivy/pairs.py):
    # a two-word phrase becomes one term. Frequencies, no positions.
    builder.add_text_field(PAIRS, stored=False, tokenizer_name=PAIR_TOKENIZER, index_option="freq")
    # Every facet value as "name/value" in one column, counted by one aggregation
    # (search/tantivy/facets.py).
    builder.add_text_field(ALL_FACETS, stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    return builder.build()


def _open(ix: tantivy.Index) -> tantivy.Index:
    ix.register_tokenizer(PAIR_TOKENIZER, pair_tokenizer())
    ix.register_tokenizer(STEMS_TOKENIZER, stems_tokenizer())
    return ix


def _has_field(sch: tantivy.Schema, name: str, value: str | bytes = "") -> bool:
    """Whether the index has this field (`value`: an empty one of its type): indexes built
    before the pair and combined facet fields existed lack them, and are answered without them
    (the same answers, slower); those built before the stems were made in Python store their
    text in the searched fields themselves."""
    try:
        Query.term_query(sch, name, value)
    except ValueError:
        return False
    return True


def _stores_text_apart(sch: tantivy.Schema) -> bool:
    """Whether the searched fields are indexed from stems made in Python, their text stored
    apart (STORED_TEXT); else (an index built before) tantivy's en_stem indexes and stores them."""
    return _has_field(sch, STORED_TEXT["text"], b"")


def _document(doc: dict, pairs: PairMaker | None = None, all_facets: bool = False,
              unstemmed: bool = False, stems: Stems | None = None) -> tantivy.Document:
    values = {}
    for name in (*KEYWORDS, *TEXT_FIELDS, "url", "date", "time", "context"):
        value = doc.get(name)
        if isinstance(value, str):
            value = value.lower() if name in KEYWORDS and name not in ("id", "parent") else value
            values[name] = [value] if value != "" or name in STORED_FIELDS else []
        else:
            values[name] = [v.lower() for v in value or []]
    text_tokens = None  # the text's stems, made once for the pairs and the searched field
    if pairs is not None:
        text_tokens, values[PAIRS] = pairs.tokens_and_values(pairs.stems.split(doc.get("text") or ""))
    if all_facets:
        values[ALL_FACETS] = facet_values(values)
    if unstemmed:
        values.update({words: values[name] for name, words in UNSTEMMED.items()})
    if stems is not None:  # the searched fields get the stems, the text is stored apart
        for name in TEXT_FIELDS:
            texts = values[name]
            values[STORED_TEXT[name]] = [t.encode() for t in texts]
            values[name] = [line(text_tokens if name == "text" and text_tokens is not None and len(texts) == 1
                                 else stems.tokens(stems.split(t))) for t in texts]
    values = {k: v for k, v in values.items() if v}
    return tantivy.Document(**values, date_lower=int(doc["date_lower"]), date_upper=int(doc["date_upper"]))


class TantivyWriter(Writer):
    def __init__(self, ix: tantivy.Index, path: Path, threads: int = 1, heap: int = HEAP):
        self.writer = ix.writer(heap, threads)
        self.path = path
        self.pairs = None
        self.all_facets = _has_field(ix.schema, ALL_FACETS)
        self.unstemmed = _has_field(ix.schema, UNSTEMMED["text"])
        words = Stems()  # each distinct word stemmed once, for the searched fields and the pairs
        self.stems = words if _stores_text_apart(ix.schema) else None
        if _has_field(ix.schema, PAIRS):
            common = read_common(path)
            self.pairs = PairMaker(words, common)
            self.choose = common is None

    def add(self, docs: Iterable[dict]) -> None:
        self.add_prepared(self.prepare(list(docs)))

    def prepare(self, docs: list[dict]) -> list[tantivy.Document]:
        if self.pairs is not None and self.choose and docs:
            # The first documents written fix the index's common stems for good.
            self.pairs.set_common(self.pairs.choose_common([d.get("text") or "" for d in docs]))
            write_common(self.path, self.pairs.common)
            self.choose = False
        return [_document(doc, self.pairs, self.all_facets, self.unstemmed, self.stems) for doc in docs]

    def add_prepared(self, items: list[tantivy.Document]) -> None:
        for item in items:
            self.writer.add_document(item)

    def form(self) -> object:
        # A prepared document holds the pair field made with this index's common stems.
        if self.pairs is not None and self.choose:
            return None
        return (self.all_facets, self.unstemmed, self.stems is not None,
                tuple(self.pairs.common) if self.pairs is not None else None)

    def delete(self, ids: Iterable[str]) -> None:
        for object_id in ids:
            self.writer.delete_documents_by_term("id", object_id)
            self.writer.delete_documents_by_term("parent", object_id)

    def commit(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()


def create(path: Path, threads: int = 1, heap: int = HEAP) -> Writer:
    """A writer for a fresh index; `heap`, its memory budget (search.shared_build opens two
    writers at once and gives each half)."""
    path.mkdir(parents=True, exist_ok=True)
    return TantivyWriter(_open(tantivy.Index(schema(), path=str(path), reuse=False)), path, threads, heap)


def open_writer(path: Path) -> Writer:
    return TantivyWriter(_open(tantivy.Index.open(str(path))), path)


def open_reader(path: Path) -> Reader:
    return TantivyReader(_open(tantivy.Index.open(str(path))), read_common(path))


def _all(items: list[Query], occur: Occur) -> Query:
    return items[0] if len(items) == 1 and occur is not Occur.MustNot else \
        Query.boolean_query([(occur, q) for q in items])


class Compiler:
    def __init__(self, sch: tantivy.Schema, searcher: tantivy.Searcher | None = None,
                 common: list[str] | None = None):
        self.schema = sch
        self.analyzer = _analyzer()
        # With the pair field, phrases of common stems over the full text are answered from
        # it (see phrase()); `common` is the list the index's pairs were made from.
        self.code_of = codes(common or [])
        self.searcher = searcher if searcher is not None and self.code_of and _has_field(sch, PAIRS) else None
        self._bm25_documents: int | None = None

    def stems(self, text: str) -> list[str]:
        return self.analyzer.analyze(text)

    def leaf(self, field: str | None, make) -> Query:
        parts = []
        for name in TEXT_FIELDS if field is None else (field,):
            query = make(name)
            if query is not None:
                parts.append(Query.boost_query(query, TITLE_BOOST) if name == "title" else query)
        if not parts:
            return Query.empty_query()
        return _all(parts, Occur.Should)

    def compile(self, node: Node | None) -> Query:
        if node is None or isinstance(node, Everything):
            return Query.all_query()
        if isinstance(node, Word):
            return self.leaf(node.field, lambda f: self.words(f, [node.text]))
        if isinstance(node, Phrase):
            return self.leaf(node.field, lambda f: self.words(f, list(node.words)))
        if isinstance(node, Fuzzy):
            return self.leaf(node.field, lambda f: self.fuzzy(f, node.text, node.distance))
        if isinstance(node, Prefix):
            return self.leaf(node.field, lambda f: self.prefix(f, node.text))
        if isinstance(node, And):
            clauses = [(Occur.MustNot, self.compile(i.item)) if isinstance(i, Not) else
                       (Occur.Must, self.compile(i)) for i in node.items]
            return Query.boolean_query(clauses)
        if isinstance(node, Or):
            return _all([self.compile(i) for i in node.items], Occur.Should)
        if isinstance(node, Not):
            return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, self.compile(node.item))])
        raise TypeError(node)

    def words(self, field: str, words: list[str]) -> Query | None:
        if field not in TEXT_FIELDS:
            return Query.term_query(self.schema, field, " ".join(words).lower())
        stems = [s for w in words for s in self.stems(w)]
        if not stems:
            return None
        if len(stems) == 1:
            return Query.term_query(self.schema, field, stems[0])
        if field == "text" and self.searcher is not None and all(s in self.code_of for s in stems):
            return self.phrase(stems)
        return Query.phrase_query(self.schema, field, stems)

    def phrase(self, stems: list[str]) -> Query:
        """The phrase over the full text, through the pair field: the same matches and scores.

        Two words: the pair term, whose frequency and field lengths are the phrase's (see
        search/tantivy/pairs.py), boosted by idf(phrase) / idf(pair) so its BM25 score is the
        phrase query's (tantivy scores a phrase with the sum of its words' idf). Longer: the
        phrase query itself, ANDed with its pairs (scoring nothing) so positions are checked
        only in documents holding every pair.
        """
        searcher = self.searcher
        assert searcher is not None
        pairs = [term(self.code_of, a, b) for a, b in itertools.pairwise(stems)]
        if len(pairs) > 1:
            narrow = _all([Query.term_query(self.schema, PAIRS, p) for p in pairs], Occur.Must)
            return Query.boolean_query([(Occur.Must, Query.phrase_query(self.schema, "text", stems)),
                                        (Occur.Must, Query.const_score_query(narrow, 0.0))])
        pair_freq = searcher.doc_freq(PAIRS, pairs[0])
        if pair_freq == 0:
            return Query.empty_query()
        total = self.bm25_documents()
        if total is None:
            return Query.phrase_query(self.schema, "text", stems)
        words = sum(idf(searcher.doc_freq("text", s), total) for s in stems)
        return Query.boost_query(Query.term_query(self.schema, PAIRS, pairs[0]),
                                 words / idf(pair_freq, total))

    def bm25_documents(self) -> int | None:
        """The N of tantivy's BM25 idf: every document of the searcher's segments, deleted ones
        not yet merged away included (`searcher.num_docs` counts live ones only, and a boost
        computed from it gave other scores once documents were deleted). Read once, from an
        explanation of a score; None if it cannot be read (phrases then skip the pair field)."""
        if self._bm25_documents is None and self.searcher is not None:
            found = self.searcher.search(Query.all_query(), limit=1, count=False).hits
            if not found:
                return None
            address = found[0][1]
            query = Query.term_query(self.schema, "id", self.searcher.doc(address).get_first("id") or "")
            self._bm25_documents = _explained_n(json.loads(query.explain(self.searcher, address).to_json()))
        return self._bm25_documents or None

    def fuzzy(self, field: str, text: str, distance: int) -> Query | None:
        stems = self.stems(text) if field in TEXT_FIELDS else [text.lower()]
        return Query.fuzzy_term_query(self.schema, field, stems[0], distance, True) if stems else None

    def prefix(self, field: str, text: str) -> Query:
        """Words starting with `text`: looked up in the field's unstemmed words, when the index
        has them (a prefix may run past the stem: "segregati*" must find "segregation")."""
        words = UNSTEMMED.get(field)
        if words is not None and _has_field(self.schema, words):
            field = words
        return Query.regex_query(self.schema, field, _regex_escape(text.lower()) + ".*")


def _explained_n(node) -> int:
    """The "N, total number of docs" figure in a BM25 explanation (0 if there is none)."""
    if isinstance(node, dict):
        if str(node.get("description", "")).startswith("N, total number of docs"):
            return int(node["value"])
        node = list(node.values())
    if isinstance(node, list):
        return next((n for n in map(_explained_n, node) if n), 0)
    return 0


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if not c.isalnum() else c for c in text)


def filter_query(sch: tantivy.Schema, request: Request) -> Query | None:
    parts: list[Query] = []
    if request.date_to is not None:
        parts.append(Query.range_query(sch, "date_lower", tantivy.FieldType.Integer, 0, request.date_to))
    if request.date_from is not None:
        parts.append(Query.range_query(sch, "date_upper", tantivy.FieldType.Integer, request.date_from,
                                       99_999_999))
    for name, values in sorted(request.filters.items()):
        terms = sorted({v.lower() for v in values})
        # One value: a plain term's posting list, which tantivy intersects with the query by
        # skipping (half the time of a term set, which first marks every match in a bitset).
        parts.append(Query.term_query(sch, name, terms[0]) if len(terms) == 1 else
                     Query.term_set_query(sch, name, terms))
    if not parts:
        return None
    return _all(parts, Occur.Must)


class TantivyReader(Reader):
    def __init__(self, ix: tantivy.Index, common: list[str] | None = None):
        self.ix = ix
        self.schema = ix.schema
        self.searcher = ix.searcher()
        self.common = common
        self.all_facets = _has_field(self.schema, ALL_FACETS)
        # Where each searched field's text is stored (STORED_TEXT, as bytes), in an index that
        # keeps it apart; else in the field itself.
        self.stored_apart = STORED_TEXT if _stores_text_apart(self.schema) else {}
        self.compiler = Compiler(self.schema, self.searcher, common)
        self.highlighter = Highlighter(self.compiler.stems)
        self._counter = ThreadPoolExecutor(COUNTING_THREADS, thread_name_prefix="facet-counts")

    def search(self, request: Request) -> EngineResult:
        main = self.compiler.compile(request.node)
        filters = filter_query(self.schema, request)
        # Filters select; they must not change scores, so they count for nothing.
        query = main if filters is None else Query.boolean_query(
            [(Occur.Must, main), (Occur.Must, Query.const_score_query(filters, 0.0))])
        # With type counts asked for, the total is their sum (search/tantivy/facets.py), so
        # the search for the top hits need not count (tantivy-py cannot count facets and
        # collect the top hits in one pass).
        by_type = "type" in request.facets and self.all_facets
        options: dict = {"limit": request.limit, "offset": request.offset, "count": not by_type}
        if request.sort == "date":
            options.update(order_by_field="date_lower", order=tantivy.Order.Asc)
        elif request.sort == "-date":
            options.update(order_by_field="date_upper", order=tantivy.Order.Desc)
        # The facet counts (an aggregation over every match: the costliest part of a broad
        # search) are made on another thread while this one collects the top hits, their stored
        # fields and snippets; tantivy releases the GIL while it aggregates, so on a second core
        # the two overlap and the answer comes sooner.
        counting = self._counting(query, request.facets) if request.facets else None
        found = self.searcher.search(query, **options)
        # Fuzzy terms stay unmarked: the binding does not say which words they matched (and
        # tantivy's own snippet generator marks none for them either).
        terms = query_terms(request.node, self.compiler.stems, lambda text, distance: [])
        hits = []
        for key, address in found.hits:
            doc = self.searcher.doc(address)
            stored = {name: self._stored(doc, name) for name in STORED_FIELDS}
            text = self._stored(doc, "text")
            snippet = self.highlighter.snippet(text, terms) or html.escape(text[:SNIPPET_CHARS], quote=False)
            score = float(key) if request.sort == "relevance" else 0.0
            hits.append(EngineHit(stored, score, snippet))
        total = found.count or 0
        facets: dict[str, dict[str, int]] = {}
        if counting is not None:
            facets, type_total = counting.result()
            total = type_total if by_type else total
        return EngineResult(total, hits, facets)

    def _counting(self, query: Query, names: tuple[str, ...]) -> Future:
        try:
            return self._counter.submit(self._count, query, names)
        except RuntimeError:  # closed (replaced twice) while a query was under way: count here
            done: Future = Future()
            done.set_result(self._count(query, names))
            return done

    def _count(self, query: Query, names: tuple[str, ...]) -> tuple[dict[str, dict[str, int]], int]:
        """Facet counts, and the number of matches when the combined field gives it (else 0)."""
        if self.all_facets:
            return count_facets(self.searcher, query, names)
        return self.facets(query, names), 0

    def facets(self, query: Query, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """Counts per facet value, one aggregation per facet (indexes without the combined field)."""
        spec = {name: {"terms": {"field": name, "size": 10_000}} for name in names}
        answer = self.searcher.aggregate(query, spec)
        return {name: {b["key"]: b["doc_count"] for b in answer[name]["buckets"] if b["key"]}
                for name in names}

    def _stored(self, doc: tantivy.Document, name: str) -> str:
        """A stored field's first value ("" if none), read where this index stores it."""
        apart = self.stored_apart.get(name)
        if apart is None:
            return doc.get_first(name) or ""
        value = doc.get_first(apart)
        return value.decode() if value else ""

    def close(self) -> None:
        self._counter.shutdown(wait=False)

    def texts(self, ids: list[str]) -> list[dict]:
        if not ids:
            return []
        found = self.searcher.search(Query.term_set_query(self.schema, "id", list(ids)), limit=len(ids), count=False)
        docs = [self.searcher.doc(address) for _, address in found.hits]
        return [{name: self._stored(doc, name) for name in ("id", *TEXT_FIELDS)} for doc in docs]

    def stored_documents(self) -> list[dict]:
        total = self.searcher.num_docs
        found = self.searcher.search(Query.all_query(), limit=max(total, 1), count=False)
        docs = [self.searcher.doc(address).to_dict() for _, address in found.hits]
        for doc in docs:  # the text stored apart, under its field's name, as the index was given it
            for name, apart in self.stored_apart.items():
                if apart in doc:
                    doc[name] = [value.decode() for value in doc.pop(apart)]
        return docs
