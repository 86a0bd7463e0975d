"""The query language's tree as one SQL condition on the documents table, and the tsquery it ranks by.

Text leaves become tsquery lexemes (`search.postgres.vectors` made the documents' lexemes the
same way): a word is its stem, a phrase its stems joined by `<->`, a field restricts the
lexeme to that field's weight (`'apolog':A` is a title word), a prefix is `'=segregati':*` on
the words as written, a fuzzy term the stems within its distance (`search.postgres.fuzzy`).
A subtree of text leaves only is one tsquery (`a & !b`), so PostgreSQL answers it from the GIN
index in one pass; exact-value fields (facets, id, language...) are SQL conditions on their
columns, combined with the text by AND/OR/NOT as the tree says.

Ranking: `ts_rank` of the document against every text leaf outside a NOT, with the title
weighted double (as the other engines boost it). Scores are PostgreSQL's own, not BM25: the
order of near-equal hits may differ from whoosh's and tantivy's, never the hits or counts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from search.language import (
    FACETS,
    TEXT_FIELDS,
    TOKEN,
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
from search.postgres.vectors import WEIGHTS, pair, quote, stems

# ts_rank's weights, in its order {D, C, B, A}: text, (unused), people, title.
RANK_WEIGHTS = "{0.5, 0, 0.5, 1.0}"
_WHOLE_TOKEN = re.compile(TOKEN)
SCALAR_KEYWORDS = {"id": "id", "parent": "parent", "language": "language", "collection": "collection"}


@dataclass
class Part:
    """A compiled subtree: a tsquery (text only) or an SQL condition with its parameters."""

    ts: str | None = None
    sql: str | None = None
    params: list = field(default_factory=list)
    ranked: list[str] = field(default_factory=list)  # tsqueries of its positive text leaves
    ranked_words: list[str] = field(default_factory=list)  # ...and of its positive prefixes

    def condition(self) -> tuple[str, list]:
        if self.ts is not None:
            return "doc @@ %s::tsquery", [self.ts]
        return self.sql or "TRUE", self.params


NOTHING = Part(sql="FALSE")
EVERYTHING = Part(sql="TRUE")


def _weights(name: str | None) -> str:
    return "" if name is None else WEIGHTS[name]


def _lexeme(text: str, weights: str, prefix: bool = False) -> str:
    options = ("*" if prefix else "") + weights
    return quote(text) + (":" + options if options else "")


def facet_value(name: str, value: str) -> str:
    """A facet value as the combined `facets` column holds it ("harm_type/ht-x")."""
    return f"{name}/{value.lower()}"


class Compiler:
    """Compiles trees for one index; `expand_fuzzy(field, text, distance)` gives a fuzzy term's
    matching values (stems for text fields, stored values for exact fields)."""

    def __init__(self, expand_fuzzy: Callable[[str | None, str, int], list[str]],
                 common: frozenset[str] = frozenset()):
        self.expand_fuzzy = expand_fuzzy
        self.common = common  # the index's common stems, whose neighbours are pair lexemes

    def compile(self, node: Node | None) -> Part:
        if node is None or isinstance(node, Everything):
            return EVERYTHING
        if isinstance(node, (Word, Phrase)):
            texts = [node.text] if isinstance(node, Word) else list(node.words)
            if node.field in (None, *TEXT_FIELDS):
                return self.phrase(node.field, texts)
            return self.exact(node.field, " ".join(texts).lower())
        if isinstance(node, Prefix):
            return self.prefix(node.field, node.text.lower())
        if isinstance(node, Fuzzy):
            return self.fuzzy(node.field, node.text, node.distance)
        if isinstance(node, And):
            return self.combine([self.compile(i) for i in node.items], " & ", " AND ")
        if isinstance(node, Or):
            return self.combine([self.compile(i) for i in node.items], " | ", " OR ")
        if isinstance(node, Not):
            return self.negate(self.compile(node.item))
        raise TypeError(node)

    # -- leaves --------------------------------------------------------------------------------

    def phrase(self, name: str | None, texts: list[str]) -> Part:
        found = [s for t in texts for s in stems(t)]
        if not found:
            return NOTHING
        weights = _weights(name)
        ts = " <-> ".join(_lexeme(s, weights) for s in found)
        ts = f"({ts})" if len(found) > 1 else ts
        pairs = [_lexeme(pair(a, b), weights) for a, b in itertools.pairwise(found)
                 if a in self.common and b in self.common]
        if len(found) == 2 and pairs:
            return Part(ts=pairs[0], ranked=[ts])  # the pair lexeme is the phrase, exactly
        if pairs:  # positions are checked only where every pair occurs
            return Part(ts=f"({ts} & {' & '.join(pairs)})", ranked=[ts])
        return Part(ts=ts, ranked=[ts])

    def prefix(self, name: str | None, text: str) -> Part:
        if "\0" in text:
            return NOTHING  # no stored value holds a NUL (and PostgreSQL refuses one in text)
        if name in (None, *TEXT_FIELDS):
            if not _WHOLE_TOKEN.fullmatch(text):
                return NOTHING  # words are tokens: a prefix with another character begins none
            ts = _lexeme(text, _weights(name), prefix=True)
            return Part(sql="words @@ %s::tsquery", params=[ts], ranked_words=[ts])
        like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if name in FACETS:
            return Part(sql="EXISTS (SELECT 1 FROM unnest(facets) f WHERE f LIKE %s)",
                        params=[facet_value(name, "") + like])
        return Part(sql=f"{SCALAR_KEYWORDS[name]} LIKE %s", params=[like])

    def fuzzy(self, name: str | None, text: str, distance: int) -> Part:
        matches = self.expand_fuzzy(name, text, distance) if "\0" not in text else []
        if not matches:
            return NOTHING
        if name in (None, *TEXT_FIELDS):
            ts = "(" + " | ".join(_lexeme(s, _weights(name)) for s in matches) + ")"
            return Part(ts=ts, ranked=[ts])
        if name in FACETS:
            return Part(sql="facets && %s::text[]", params=[[facet_value(name, m) for m in matches]])
        return Part(sql=f"{SCALAR_KEYWORDS[name]} = ANY(%s)", params=[matches])

    def exact(self, name: str, value: str) -> Part:
        if "\0" in value:
            return NOTHING
        if name in FACETS:
            return Part(sql="facets @> %s::text[]", params=[[facet_value(name, value)]])
        return Part(sql=f"{SCALAR_KEYWORDS[name]} = %s", params=[value])

    # -- operators -----------------------------------------------------------------------------

    def combine(self, parts: list[Part], ts_operator: str, sql_operator: str) -> Part:
        ranked = [r for p in parts for r in p.ranked]
        words = [r for p in parts for r in p.ranked_words]
        if all(p.ts is not None for p in parts):
            return Part(ts="(" + ts_operator.join(p.ts for p in parts) + ")", ranked=ranked)  # type: ignore[misc]
        texts = [p.ts for p in parts if p.ts is not None]
        conditions, params = [], []
        if texts:  # the text parts as one tsquery: one pass over the GIN index
            conditions.append("doc @@ %s::tsquery")
            params.append("(" + ts_operator.join(texts) + ")")
        for part in parts:
            if part.ts is None:
                conditions.append(f"({part.sql})")
                params.extend(part.params)
        return Part(sql=sql_operator.join(conditions), params=params, ranked=ranked, ranked_words=words)

    def negate(self, part: Part) -> Part:
        if part.ts is not None:
            return Part(ts=f"!{part.ts}")
        return Part(sql=f"NOT ({part.sql})", params=part.params)


def rank_queries(part: Part) -> tuple[str | None, str | None]:
    """The tsqueries a hit is ranked by, on the stems' vector and on the words' (prefixes):
    any of the positive text leaves."""
    return (" | ".join(part.ranked) if part.ranked else None,
            " | ".join(part.ranked_words) if part.ranked_words else None)
