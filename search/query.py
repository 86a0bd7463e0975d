"""Searching an index: the one entry point behind `reckon search`, `/api/search` and the site.

`open_index` gives a handle that stays valid while the index beneath it is rebuilt (a new
folder swapped into place) or updated: before each query it checks the manifest's identity
and reopens when it changed, so a long-running API process never serves a stale or deleted
index. `search` reads the query language (search.language), the date range and facet
filters, asks whichever engine built the index, and returns plain results with facet
counts and a "did you mean" suggestion.

Snippets are cut from the text stored in the index, which is the viewer's visible form of
each object, so a snippet cannot show what its page would not.
"""

from __future__ import annotations

import calendar
import functools
import math
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.spelling import ListCorrector

from archive.dates import parse_date
from archive.errors import DateError, NotBuilt
from search import engine
from search.engine import SORTS, Request
from search.indexer import MANIFEST, read_manifest
from search.language import FACETS, QueryError, parse, plain_words

__all__ = ["Hit", "QueryError", "Results", "SearchIndex", "date_bound", "open_index", "search"]
MAX_PER_PAGE = 100
MAX_OFFSET = 1_000_000  # deepest result a page may start at (tantivy's offsets are 32-bit)
# What an anonymous caller can make one search cost: a query's length, and the words a
# "did you mean" compares with the vocabulary (each comparison is an edit distance).
MAX_QUERY = 1_000
MAX_SUGGESTED_WORD = 40
MAX_SUGGESTED_WORDS = 8
ISO_PREFIX = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>0[1-9]|[12]\d|3[01]))?)?$")


@dataclass
class Hit:
    id: str
    type: str
    title: str
    url: str
    date: str
    score: float
    snippet: str
    parent: str | None = None   # for a narrative segment: the narrative's id
    time: str | None = None     # for a narrative segment: its timestamp, HH:MM:SS
    locator: str | None = None  # for a narrative segment: its stretch, HH:MM:SS–HH:MM:SS (for citing it)

    def as_dict(self) -> dict:
        # What `dataclasses.asdict` gives, in field order, without its recursive deep copy
        # (a third of a search's Python time for 20 hits).
        return {"id": self.id, "type": self.type, "title": self.title, "url": self.url, "date": self.date,
                "score": self.score, "snippet": self.snippet, "parent": self.parent, "time": self.time,
                "locator": self.locator}


@dataclass
class Results:
    query: str
    total: int
    hits: list[Hit]
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    date_from: str | None = None
    date_to: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: dict[str, list[dict]] = field(default_factory=dict)
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.per_page else 0

    def as_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "page": self.page, "per_page": self.per_page,
                "pages": self.pages, "sort": self.sort, "from": self.date_from, "to": self.date_to,
                "filters": self.filters, "hits": [h.as_dict() for h in self.hits],
                "facets": self.facets, "suggestion": self.suggestion}


class SearchIndex:
    """An open index that follows rebuilds and updates of its folder."""

    def __init__(self, index_dir: Path, database_url: str | None = None):
        self.index_dir = Path(index_dir)
        self._manifest_path = os.fspath(self.index_dir / MANIFEST)  # stat'ed before every query
        self.database_url = database_url  # the store's, for an engine keeping its documents there
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._reader: engine.Reader | None = None
        self._retired: engine.Reader | None = None
        self._manifest: dict = {}
        self._corrector: ListCorrector | None = None
        self._current()

    def _identity(self) -> tuple:
        try:
            stat = os.stat(self._manifest_path)
        except FileNotFoundError:
            raise NotBuilt(f"no search index at {self.index_dir}: run 'reckon build' first "
                           "(or 'reckon index')") from None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _current(self) -> tuple[engine.Reader, dict]:
        stamp = self._identity()
        with self._lock:
            if stamp != self._stamp:
                manifest = read_manifest(self.index_dir)
                if manifest is None:
                    raise NotBuilt(f"the index at {self.index_dir} is from an older version: run 'reckon index --rebuild'")
                reader = engine.open_reader(manifest["engine"], self.index_dir, self.database_url)
                # The reader being replaced may still be answering a query in another thread:
                # close it only at the next swap, seconds or days later.
                if self._retired is not None:
                    self._retired.close()
                self._retired, self._reader = self._reader, reader
                self._manifest, self._corrector, self._stamp = manifest, None, stamp
            return self._reader, self._manifest

    def generation(self) -> tuple:
        """Changes whenever the index is rebuilt or updated: a key for caching answers."""
        self._current()
        return self._stamp

    @property
    def engine_name(self) -> str:
        return self._current()[1]["engine"]

    @property
    def in_process(self) -> bool:
        """Whether this index answers within this process (not waiting on a database server)."""
        return self._current()[0].in_process

    def run(self, request: Request) -> engine.EngineResult:
        reader, _ = self._current()
        return reader.search(request)

    def labels(self) -> dict[str, str]:
        return self._current()[1]["labels"]

    def stored_documents(self) -> list[dict]:
        return self._current()[0].stored_documents()

    def suggest(self, word: str) -> str | None:
        """The closest known word to a word the index does not hold, or None."""
        reader, manifest = self._current()
        vocab: dict[str, int] = manifest["vocabulary"]
        word = word.lower()
        if word in vocab or not 3 <= len(word) <= MAX_SUGGESTED_WORD or word.isdigit():
            return None  # (a 20,000-letter "word" cost 10 s of edit distances: no word is that long)
        # An engine that can look the candidates up itself (postgres, through pg_trgm) spares
        # this process a sorted copy of the whole vocabulary; the choice below is the same.
        candidates = reader.corrections(word, 2)
        if candidates is None:
            if self._corrector is None:
                self._corrector = ListCorrector(sorted(vocab))
            candidates = list(self._corrector._suggestions(word, 2, 1))
        if not candidates:
            return None
        # Closest first, then the commonest, then alphabetical: the same answer every time.
        return min(candidates, key=lambda c: (-c[0], -vocab.get(c[1], 0), c[1]))[1]

    def close(self) -> None:
        with self._lock:
            for reader in (self._reader, self._retired):
                if reader is not None:
                    reader.close()
            self._reader = self._retired = self._stamp = None


def open_index(index_dir: Path, database_url: str | None = None) -> SearchIndex:
    """Open the index at `index_dir`, whichever engine built it; NotBuilt when there is none.
    `database_url`: the store's (settings.database_url), which the postgres engine keeps its
    documents in; the folder-based engines ignore it."""
    return SearchIndex(index_dir, database_url)


def date_bound(text: str | None, end: str) -> int | None:
    """A `from`/`to` value (a year, YYYY-MM, YYYY-MM-DD or any EDTF date) as YYYYMMDD."""
    if text is None or not str(text).strip():
        return None
    return _bound(str(text).strip(), end)


@functools.lru_cache(maxsize=4096)
def _bound(text: str, end: str) -> int:
    # The common forms need no EDTF grammar, whose parser costs ~20 ms a date.
    plain = ISO_PREFIX.match(text)
    if plain:
        year, month, day = int(plain["year"]), plain["month"], plain["day"]
        if end == "from":
            return year * 10000 + int(month or 1) * 100 + int(day or 1)
        last_month = int(month or 12)
        last_day = int(day) if day else calendar.monthrange(year, last_month)[1]
        return year * 10000 + last_month * 100 + last_day
    try:
        parsed = parse_date(text)
    except DateError as exc:
        raise QueryError(f"{end}: expected a year such as 1900, or a date such as 1900-05-01 ({exc})") from exc
    return parsed.lower if end == "from" else parsed.upper


def _suggestion(ix: SearchIndex, query: str, words: list[str]) -> str | None:
    corrected = query
    for word in words[:MAX_SUGGESTED_WORDS]:
        better = ix.suggest(word)
        if better:
            corrected = re.sub(rf"(?<![\w:]){re.escape(word)}(?!\w)", better, corrected, flags=re.IGNORECASE)
    return corrected if corrected != query else None


def search(
    ix: SearchIndex,
    query: str = "",
    limit: int = 20,
    *,
    page: int = 1,
    date_from: str | None = None,
    date_to: str | None = None,
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    facets: tuple[str, ...] = FACETS,
) -> Results:
    """Run one search. Raises QueryError (with a message for the user) for anything unreadable.

    `query` is the documented language; `date_from`/`date_to` keep objects whose dates overlap
    the range; `filters` maps a facet name to values (any value of one facet, every facet);
    `sort` is relevance, date (oldest first) or -date (newest first); `page` counts from 1.
    An empty query with no filters finds nothing; with filters it lists what they select.
    """
    query = (query or "").strip()
    if len(query) > MAX_QUERY:
        raise QueryError(f"the query is {len(query):,} characters long; a search takes at most {MAX_QUERY:,}")
    clean = _clean_filters(filters)
    _check_paging(sort, limit, page)
    lower, upper = _date_range(date_from, date_to)
    node = parse(query)
    results = Results(query, 0, [], page, limit, sort, date_from or None, date_to or None, clean)
    if node is None and not clean and lower is None and upper is None:
        return results
    request = Request(node, lower, upper, {k: tuple(v) for k, v in clean.items()}, sort,
                      (page - 1) * limit, limit, tuple(facets))
    found = ix.run(request)
    labels = ix.labels()
    results.total = found.total
    results.hits = _hits(found)
    results.facets = _facet_counts(found, labels)
    results.suggestion = _suggestion(ix, query, plain_words(node))
    return results


def _clean_filters(filters: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """The filters with blank values and facets left without a value dropped, each facet's
    values sorted and distinct; QueryError for a facet the index does not have."""
    clean = {k: sorted({v for v in vs if v}) for k, vs in (filters or {}).items()}
    clean = {k: vs for k, vs in clean.items() if vs}
    for name in clean:
        if name not in FACETS:
            raise QueryError(f"unknown filter '{name}': use one of {', '.join(FACETS)}")
    return clean


def _check_paging(sort: str, limit: int, page: int) -> None:
    """QueryError for a sort the engines do not have or a page out of range (too deep for
    tantivy's 32-bit offsets past MAX_OFFSET)."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if not 1 <= limit <= MAX_PER_PAGE:
        raise QueryError(f"limit must be a whole number from 1 to {MAX_PER_PAGE}")
    if page < 1:
        raise QueryError("page must be a whole number from 1")
    if (page - 1) * limit > MAX_OFFSET:
        raise QueryError(f"page {page} starts past result {MAX_OFFSET:,}, the deepest a search pages to; "
                         "narrow the search instead")


def _date_range(date_from: str | None, date_to: str | None) -> tuple[int | None, int | None]:
    """The `from`/`to` values as YYYYMMDD bounds (None when not given); QueryError when
    either is unreadable or from is after to."""
    lower, upper = date_bound(date_from, "from"), date_bound(date_to, "to")
    if lower is not None and upper is not None and lower > upper:
        raise QueryError(f"from ({date_from}) is after to ({date_to})")
    return lower, upper


def _hits(found: engine.EngineResult) -> list[Hit]:
    """The engine's hits as results show them: blank stored fields become "" or None."""
    return [
        Hit(id=h.fields["id"], type=h.fields["type"], title=_title(h.fields), url=h.fields["url"],
            date=h.fields["date"] or "", score=round(h.score, 4), snippet=h.snippet,
            parent=h.fields["parent"] or None, time=h.fields["time"].partition("–")[0] or None,
            locator=h.fields["time"] or None)
        for h in found.hits
    ]


def _facet_counts(found: engine.EngineResult, labels: dict[str, str]) -> dict[str, list[dict]]:
    """Each facet's values with their labels and counts, in the facet's order (`_facet_order`)."""
    return {
        name: [{"value": value, "label": labels.get(value, value), "count": count}
               for value, count in sorted(counts.items(), key=_facet_order(name))]
        for name, counts in found.facets.items()
    }


def _title(stored: dict) -> str:
    """A segment is shown under its narrative: "Narrative title [00:07:15] Segment heading"."""
    if stored.get("context"):
        return f"{stored['context']} [{stored['time'].partition('–')[0]}] {stored['title']}"
    return stored["title"]


def _facet_order(name: str):
    if name == "decade":
        return lambda item: item[0]
    return lambda item: (-item[1], item[0])
