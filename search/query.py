"""Queries against the index: ranked hits with highlighted snippets.

Snippets are cut from the text stored in the index, which is the viewer's visible form of
each object, so a snippet cannot show what its page would not.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from pathlib import Path

from whoosh import highlight, index
from whoosh.qparser import MultifieldParser, OrGroup

from archive.errors import NotBuilt, ReckoningError


class QueryError(ReckoningError):
    """A query the search language cannot read."""


@dataclass
class Hit:
    id: str
    type: str
    title: str
    url: str
    date: str
    score: float
    snippet: str


@dataclass
class Results:
    query: str
    total: int
    hits: list[Hit]

    def as_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "hits": [asdict(h) for h in self.hits]}


def open_index(index_dir: Path):
    if not index.exists_in(str(index_dir)):
        raise NotBuilt(f"no search index at {index_dir}: run 'reckon build' first")
    return index.open_dir(str(index_dir))


def search(ix, query: str, limit: int = 20) -> Results:
    """Run `query` (whoosh's query language: AND/OR/NOT, "phrases", field:value)."""
    query = query.strip()
    if not query:
        return Results(query, 0, [])
    parser = MultifieldParser(["title", "text"], schema=ix.schema, group=OrGroup.factory(0.9))
    try:
        parsed = parser.parse(query)
    except Exception as exc:  # whoosh raises several parser errors
        raise QueryError(f"cannot read the query {query!r}: {exc}") from exc
    with ix.searcher() as searcher:
        results = searcher.search(parsed, limit=limit)
        results.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
        results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        hits = [
            Hit(id=r["id"], type=r["type"], title=r["title"], url=r["url"], date=r["date"],
                score=round(r.score, 4), snippet=r.highlights("text") or html.escape(r["text"][:200]))
            for r in results
        ]
        return Results(query, len(results), hits)
