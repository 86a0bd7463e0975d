"""The one query language, read into a small tree that every engine compiles its own way.

Users get one documented language whichever engine runs it: words (all must match),
`"exact phrases"`, `AND` / `OR` / `NOT` and parentheses, `field:value`, `word~` / `word~2`
for fuzzy matching and `word*` for prefixes (matched against the words as written, not
their stems, on both engines: `UNSTEMMED`). Whoosh's query parser reads the text (it is
always installed), and the result is turned into the plain nodes below, holding the words
as the user typed them (lowercased, split into tokens). Each engine then analyses those
words with its own stemmer, so "apologies" finds "apology" in both.

Whoosh's parser is forgiving: it silently drops what it cannot read. A historian must know
when a query was not understood, so the few mistakes that change a query's meaning (an
unclosed phrase or parenthesis, an operator with nothing on one side, an unknown field) are
refused here with a QueryError that says what to fix.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.errors import ReckoningError

if TYPE_CHECKING:  # whoosh is imported where a query is parsed: `reckon build` never parses one
    from whoosh import qparser
    from whoosh import query as wq

# Searched when a word has no field: the title (boosted), the full text and the people named.
TEXT_FIELDS = ("title", "text", "people")
# Each text field's words again, lowercased but not stemmed: a prefix (`segregati*`) is matched
# against these, since it may run past a word's stem ("segregation" is indexed as "segreg").
# An index made before they existed answers prefixes from the stems, as it did.
UNSTEMMED = {name: f"{name}_words" for name in TEXT_FIELDS}
# Exact-value fields: the facets, and a few identifiers.
KEYWORD_FIELDS = ("id", "type", "parent", "harm_type", "affected_group", "institution",
                  "decade", "language", "collection")
FIELDS = TEXT_FIELDS + KEYWORD_FIELDS
FACETS = ("type", "harm_type", "affected_group", "institution", "decade")
TOKEN = r"[^\W_]+"  # letters and digits, as tantivy's simple tokenizer splits them
MAX_FUZZY = 2
_DEFAULT = "anywhere"
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


class QueryError(ReckoningError):
    """A query the search language cannot read; the message says what to change."""


@dataclass(frozen=True)
class Word:
    field: str | None  # None: any of TEXT_FIELDS
    text: str


@dataclass(frozen=True)
class Phrase:
    field: str | None
    words: tuple[str, ...]


@dataclass(frozen=True)
class Fuzzy:
    field: str | None
    text: str
    distance: int


@dataclass(frozen=True)
class Prefix:
    field: str | None
    text: str


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Everything:
    pass


Node = Word | Phrase | Fuzzy | Prefix | And | Or | Not | Everything


@functools.cache  # made on the first query, so a process that parses none never imports whoosh
def _parser() -> qparser.QueryParser:
    from whoosh import qparser
    from whoosh.analysis import LowercaseFilter, RegexTokenizer
    from whoosh.fields import ID, TEXT, Schema

    words = RegexTokenizer(TOKEN) | LowercaseFilter()
    fields = {name: TEXT(analyzer=words) for name in (_DEFAULT, *TEXT_FIELDS)}
    fields.update({name: ID() for name in KEYWORD_FIELDS})
    parser = qparser.QueryParser(_DEFAULT, Schema(**fields))
    for plugin in (qparser.SingleQuotePlugin, qparser.RangePlugin, qparser.BoostPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser




def _outside_quotes(text: str) -> str:
    return re.sub(r'"[^"]*"', " phrase ", text)


def check(text: str) -> None:
    """Refuse the mistakes whoosh's parser would silently drop."""
    if text.count('"') % 2:
        raise QueryError(f'cannot read the query {text!r}: a phrase is not closed; add the missing "')
    if re.search(r'""', text):
        raise QueryError(f'cannot read the query {text!r}: an empty phrase ""; put words between the quotes')
    bare = _outside_quotes(text)
    depth = 0
    for char in bare:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError(f"cannot read the query {text!r}: a ')' closes nothing; remove it")
    if depth:
        raise QueryError(f"cannot read the query {text!r}: a '(' is not closed; add the missing ')'")
    for name in re.findall(r"(?:^|[\s(])([A-Za-z_]+):", bare):
        if name not in FIELDS:
            raise QueryError(f"cannot read the query {text!r}: unknown field '{name}'; "
                             f"use one of {', '.join(FIELDS)}")
    tokens = re.findall(r"\(|\)|[^\s()]+", bare)
    for i, token in enumerate(tokens):
        if token not in _OPERATORS:
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        needs_left = token != "NOT"
        if after is None or after == ")" or after in _OPERATORS - {"NOT"}:
            raise QueryError(f"cannot read the query {text!r}: '{token}' needs a word after it")
        if needs_left and (before is None or before == "(" or before in _OPERATORS):
            raise QueryError(f"cannot read the query {text!r}: '{token}' needs a word before it")
    for match in re.finditer(r"~(\d+)", bare):
        if int(match.group(1)) > MAX_FUZZY:
            raise QueryError(f"cannot read the query {text!r}: fuzzy distance {match.group(1)} is too "
                             f"large; use word~1 or word~2")


def _field(name: str | None) -> str | None:
    return None if name in (None, _DEFAULT) else name


def _convert(q: wq.Query) -> Node | None:
    from whoosh import query as wq

    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return None
    if isinstance(q, wq.Every):
        return Everything()
    if isinstance(q, wq.FuzzyTerm):
        return Fuzzy(_field(q.fieldname), q.text, min(q.maxdist, MAX_FUZZY))
    if isinstance(q, wq.Prefix):
        return Prefix(_field(q.fieldname), q.text)
    if isinstance(q, wq.Wildcard):
        raise QueryError(f"cannot read the wildcard {q.text!r}: only a trailing * is allowed, as in apolog*")
    if isinstance(q, wq.Term):
        return Word(_field(q.fieldname), str(q.text))
    if isinstance(q, wq.Phrase):
        return Phrase(_field(q.fieldname), tuple(q.words))
    if isinstance(q, wq.Not):
        inner = _convert(q.query)
        return Not(inner) if inner is not None else None
    if isinstance(q, wq.AndNot):
        positive, negative = _convert(q.a), _convert(q.b)
        return And(tuple(n for n in (positive, Not(negative) if negative else None) if n))
    if isinstance(q, wq.AndMaybe):
        return _convert(q.a)
    if isinstance(q, (wq.And, wq.Or)):
        items = tuple(n for n in (_convert(s) for s in q.subqueries) if n is not None)
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        return And(items) if isinstance(q, wq.And) else Or(items)
    raise QueryError(f"cannot read part of the query: {q}")


_SIMPLE = re.compile(r"[^\W_]+(?:\s+[^\W_]+)*")
# Two more common forms read without the grammar (whose parse cost ~0.7 ms, most of such a
# search's time at 100,000 records): one quoted phrase of plain words, and one fuzzy word.
# Each gives the node the grammar gives (tests/test_search_language.py compares them).
_QUOTED = re.compile(r'"([^\W_]+(?:\s+[^\W_]+)*)"')
_FUZZY = re.compile(r"([^\W_]+)~([12]?)")


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Node | None:
    """Read `text` into a query tree; None for an empty query. Raises QueryError."""
    text = text.strip()
    if not text:
        return None
    words = text.split()
    if _SIMPLE.fullmatch(text) and not _OPERATORS.intersection(words):
        # Plain words, the commonest query, need no grammar: every word must match.
        nodes = tuple(Word(None, w.lower()) for w in words)
        return nodes[0] if len(nodes) == 1 else And(nodes)
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        phrase = tuple(quoted[1].lower().split())
        return Word(None, phrase[0]) if len(phrase) == 1 else Phrase(None, phrase)
    fuzzy = _FUZZY.fullmatch(text)
    if fuzzy:
        return Fuzzy(None, fuzzy[1].lower(), int(fuzzy[2] or 1))
    check(text)
    try:
        parsed = _parser().parse(text)
    except Exception as exc:  # whoosh raises several error types on odd input
        raise QueryError(f"cannot read the query {text!r}: {exc}") from exc
    node = _convert(parsed)
    return lift_negation(node) if node is not None else None


def lift_negation(node: Node) -> Node:
    """A query of only NOTs means "everything except": make that explicit for the engines."""
    if isinstance(node, Not):
        return And((Everything(), node))
    if isinstance(node, And) and all(isinstance(i, Not) for i in node.items):
        return And((Everything(), *node.items))
    return node


def plain_words(node: Node | None) -> list[str]:
    """The free-text words of a query (not phrases or exact fields): what "did you mean" checks."""
    if node is None:
        return []
    if isinstance(node, Word):
        return [node.text] if node.field in (None, *TEXT_FIELDS) else []
    if isinstance(node, (And, Or)):
        return [w for item in node.items for w in plain_words(item)]
    return []
