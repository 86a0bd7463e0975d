"""The tantivy engine: a Rust core for collections of 100,000 objects and more.

Optional (`pip install 'reckoning[tantivy]'`), chosen by the `search_engine` setting. It
answers the same query trees, filters and facets as the whoosh engine: words are stemmed
by tantivy's English stemmer (`en_stem`), facets are terms aggregations over fast fields,
date sorting reads fast fields, and snippets come from tantivy's snippet generator, with
the text escaped here and matches wrapped in <mark>.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from search.engine import STORED_FIELDS, EngineHit, EngineResult, Reader, Request, Writer
from search.language import (
    TEXT_FIELDS,
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

STEM = "en_stem"
KEYWORDS = ("id", "type", "parent", "harm_type", "affected_group", "institution", "decade",
            "language", "collection")
FAST = ("type", "harm_type", "affected_group", "institution", "decade")
TITLE_BOOST = 2.0
HEAP = 128_000_000


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in KEYWORDS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=name in FAST)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name=STEM)
    for name in ("url", "date", "time", "context"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("date_lower", "date_upper"):
        builder.add_integer_field(name, stored=True, indexed=True, fast=True)
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    # The same chain as tantivy's built-in en_stem, to analyse query words as the index did.
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english")).build())


def _document(doc: dict) -> tantivy.Document:
    values = {}
    for name in (*KEYWORDS, *TEXT_FIELDS, "url", "date", "time", "context"):
        value = doc.get(name)
        if isinstance(value, str):
            value = value.lower() if name in KEYWORDS and name not in ("id", "parent") else value
            values[name] = [value] if value != "" or name in STORED_FIELDS else []
        else:
            values[name] = [v.lower() for v in value or []]
    values = {k: v for k, v in values.items() if v}
    return tantivy.Document(**values, date_lower=int(doc["date_lower"]), date_upper=int(doc["date_upper"]))


class TantivyWriter(Writer):
    def __init__(self, ix: tantivy.Index, threads: int = 1):
        self.writer = ix.writer(HEAP, threads)

    def add(self, docs: Iterable[dict]) -> None:
        for doc in docs:
            self.writer.add_document(_document(doc))

    def delete(self, ids: Iterable[str]) -> None:
        for object_id in ids:
            self.writer.delete_documents_by_term("id", object_id)
            self.writer.delete_documents_by_term("parent", object_id)

    def commit(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()


def create(path: Path, threads: int = 1) -> Writer:
    path.mkdir(parents=True, exist_ok=True)
    return TantivyWriter(tantivy.Index(schema(), path=str(path), reuse=False), threads)


def open_writer(path: Path) -> Writer:
    return TantivyWriter(tantivy.Index.open(str(path)))


def open_reader(path: Path) -> Reader:
    return TantivyReader(tantivy.Index.open(str(path)))


def _all(items: list[Query], occur: Occur) -> Query:
    return items[0] if len(items) == 1 and occur is not Occur.MustNot else \
        Query.boolean_query([(occur, q) for q in items])


class Compiler:
    def __init__(self, sch: tantivy.Schema):
        self.schema = sch
        self.analyzer = _analyzer()

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
        return Query.phrase_query(self.schema, field, stems)

    def fuzzy(self, field: str, text: str, distance: int) -> Query | None:
        stems = self.stems(text) if field in TEXT_FIELDS else [text.lower()]
        return Query.fuzzy_term_query(self.schema, field, stems[0], distance, True) if stems else None

    def prefix(self, field: str, text: str) -> Query:
        return Query.regex_query(self.schema, field, _regex_escape(text.lower()) + ".*")


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
        parts.append(Query.term_set_query(sch, name, [v.lower() for v in values]))
    if not parts:
        return None
    return _all(parts, Occur.Must)


class TantivyReader(Reader):
    def __init__(self, ix: tantivy.Index):
        self.ix = ix
        self.schema = ix.schema
        self.compiler = Compiler(self.schema)
        self.searcher = ix.searcher()
        self.highlighter = Highlighter(self.compiler.stems)

    def search(self, request: Request) -> EngineResult:
        main = self.compiler.compile(request.node)
        filters = filter_query(self.schema, request)
        # Filters select; they must not change scores, so they count for nothing.
        query = main if filters is None else Query.boolean_query(
            [(Occur.Must, main), (Occur.Must, Query.const_score_query(filters, 0.0))])
        options: dict = {"limit": request.limit, "offset": request.offset, "count": True}
        if request.sort == "date":
            options.update(order_by_field="date_lower", order=tantivy.Order.Asc)
        elif request.sort == "-date":
            options.update(order_by_field="date_upper", order=tantivy.Order.Desc)
        found = self.searcher.search(query, **options)
        # Fuzzy terms stay unmarked: the binding does not say which words they matched (and
        # tantivy's own snippet generator marks none for them either).
        terms = query_terms(request.node, self.compiler.stems, lambda text, distance: [])
        hits = []
        for key, address in found.hits:
            doc = self.searcher.doc(address)
            stored = {name: (doc.get_first(name) or "") for name in STORED_FIELDS}
            text = doc.get_first("text") or ""
            snippet = self.highlighter.snippet(text, terms) or html.escape(text[:SNIPPET_CHARS], quote=False)
            score = float(key) if request.sort == "relevance" else 0.0
            hits.append(EngineHit(stored, score, snippet))
        return EngineResult(found.count or 0, hits, self.facets(query, request.facets))

    def facets(self, query: Query, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
        if not names:
            return {}
        spec = {name: {"terms": {"field": name, "size": 10_000}} for name in names}
        answer = self.searcher.aggregate(query, spec)
        return {name: {b["key"]: b["doc_count"] for b in answer[name]["buckets"] if b["key"]}
                for name in names}

    def stored_documents(self) -> list[dict]:
        total = self.searcher.num_docs
        found = self.searcher.search(Query.all_query(), limit=max(total, 1), count=False)
        return [self.searcher.doc(address).to_dict() for _, address in found.hits]


def _mark(snippet: tantivy.Snippet) -> str:
    """The fragment, escaped, with each highlighted range in <mark>; ranges count UTF-8 bytes."""
    fragment = snippet.fragment().encode("utf-8")
    if not fragment:
        return ""
    out, last = [], 0
    for part in sorted(snippet.highlighted(), key=lambda r: r.start):
        if part.start < last:
            continue
        out.append(html.escape(fragment[last:part.start].decode("utf-8", "replace"), quote=False))
        out.append("<mark>" + html.escape(fragment[part.start:part.end].decode("utf-8", "replace"),
                                          quote=False) + "</mark>")
        last = part.end
    out.append(html.escape(fragment[last:].decode("utf-8", "replace"), quote=False))
    return "".join(out)
