"""The narrow interface every search engine implements, and how one is chosen.

Nothing above `search/` knows which engine runs: the indexer hands an engine plain
documents (search.documents), the query side hands it a parsed query tree
(search.language) plus filters, and gets back ids, scores, stored fields, snippets and
facet counts. Three engines implement it: whoosh (pure Python, the default, fine for a few
thousand objects), tantivy (a Rust core, for 100,000 and more; `pip install
'reckoning[tantivy]'`) and postgres (PostgreSQL's full-text search in the store's own
database, for archives whose store is PostgreSQL).

An engine keeps its index in the folder it is given. One that keeps its documents in the
store's database instead (its module says `IN_STORE = True`) is also handed the store's
DATABASE_URL, which the callers pass down from the settings; the others never see it.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import ReckoningError
from search.language import Node

ENGINES = {"whoosh": "search.whoosh.engine", "tantivy": "search.tantivy.engine",
           "postgres": "search.postgres.engine"}
SORTS = ("relevance", "date", "-date")
# Stored with every document and handed back with each hit.
STORED_FIELDS = ("id", "type", "parent", "url", "title", "date", "time", "context")


class EngineError(ReckoningError):
    """An engine that is unknown or not installed."""


@dataclass(frozen=True)
class Request:
    """One query as an engine sees it: already parsed and checked."""

    node: Node | None                     # None: every document
    date_from: int | None = None          # YYYYMMDD; a document matches when its dates overlap
    date_to: int | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # OR within, AND across
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    facets: tuple[str, ...] = ()


@dataclass
class EngineHit:
    fields: dict          # the STORED_FIELDS of the document
    score: float
    snippet: str          # HTML: the stored text escaped, matches wrapped in <mark>


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]
    facets: dict[str, dict[str, int]]


class Reader(ABC):
    """An open index: queries run here. Safe to share between threads."""

    # Whether a query is answered within this process (from files it has open), so a first
    # page costs about a millisecond of CPU; False when it waits on a database server.
    in_process = True

    @abstractmethod
    def search(self, request: Request) -> EngineResult: ...

    @abstractmethod
    def stored_documents(self) -> list[dict]:
        """Every stored document (for checks that nothing hidden is in the index)."""

    def texts(self, ids: list[str]) -> list[dict]:
        """The stored id, title, text and people of these documents (those the index holds):
        an update subtracts their words from the vocabulary when it replaces them. Engines
        override this with lookups by id; this reads every document."""
        wanted = set(ids)
        fields = ("id", "title", "text", "people")
        return [{f: _first(d.get(f)) for f in fields} for d in self.stored_documents() if _first(d.get("id")) in wanted]

    def corrections(self, word: str, distance: int = 2) -> list[tuple[int, str]] | None:
        """The indexed words within `distance` edits of `word` (first letter kept), as
        (-distance, word), for "did you mean"; None where the engine leaves it to the manifest's
        vocabulary (search.query.SearchIndex.suggest)."""
        return None

    def close(self) -> None:
        pass


class Writer(ABC):
    """Adds, replaces and deletes documents; nothing is visible until `commit`."""

    @abstractmethod
    def add(self, docs: Iterable[dict]) -> None: ...

    def prepare(self, docs: list[dict]) -> list:
        """The documents in the engine's own form, for `add_prepared`: an engine that converts
        them (tantivy) does it here, so one conversion can be added to two indexes
        (search.shared_build). Called first with the first documents an index is given."""
        return docs

    def add_prepared(self, items: list) -> None:
        """Add documents `prepare` made (by this writer, or by one of the same `form`)."""
        self.add(items)

    def form(self) -> object:
        """What the prepared form of a document depends on besides the document: two writers
        of equal form may add each other's prepared documents. None while it is not yet fixed."""
        return type(self)

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Delete these objects and every document whose parent they are (segments)."""

    @abstractmethod
    def commit(self) -> None: ...


def _first(value) -> str:
    return (value[0] if value else "") if isinstance(value, list) else (value or "")


def engine_module(name: str):
    """The module of engine `name`, which has create(path), open_writer(path) and open_reader(path)."""
    if name not in ENGINES:
        raise EngineError(f"unknown search engine {name!r}: expected one of {', '.join(ENGINES)} "
                          f"(setting RECKON_SEARCH_ENGINE)")
    try:
        return importlib.import_module(ENGINES[name])
    except ImportError as exc:
        raise EngineError(f"the {name} search engine is not installed: "
                          f"pip install 'reckoning[{name}]' ({exc})") from exc


def in_store(name: str) -> bool:
    """Whether engine `name` keeps its documents in the store's database (postgres)."""
    return bool(getattr(engine_module(name), "IN_STORE", False))


def _store(module, database_url: str | None) -> dict:
    """The store's URL as an engine's keyword argument, for an engine that keeps its documents there."""
    return {"database_url": database_url} if getattr(module, "IN_STORE", False) else {}


def create(name: str, path: Path, database_url: str | None = None, folder: Path | None = None,
           **options) -> Writer:
    """A writer for a fresh index in `path` (a staging folder to be swapped in at `folder`)."""
    module = engine_module(name)
    store = _store(module, database_url)
    if store:
        store["folder"] = Path(folder or path)
    return module.create(Path(path), **options, **store)


def open_writer(name: str, path: Path, database_url: str | None = None) -> Writer:
    module = engine_module(name)
    return module.open_writer(Path(path), **_store(module, database_url))


def open_reader(name: str, path: Path, database_url: str | None = None) -> Reader:
    module = engine_module(name)
    return module.open_reader(Path(path), **_store(module, database_url))


def release(folder: Path, database_url: str | None = None) -> None:
    """After a full build swapped a new index into `folder`: free what the indexes it replaced
    kept outside the folder, whichever engine made them or the new one (the tables of the
    engines keeping their documents in a PostgreSQL store: an index switched to whoosh leaves
    none behind). Nothing to do on any other store."""
    if not (database_url or "").startswith("postgresql"):
        return
    for name in ENGINES:
        try:
            module = engine_module(name)
        except EngineError:  # not installed (tantivy): it kept nothing anywhere
            continue
        if getattr(module, "IN_STORE", False):
            module.release(Path(folder), database_url=database_url)


def missing(name: str, folder: Path, database_url: str | None = None) -> str | None:
    """Why the index at `folder` lacks what it keeps outside the folder (the postgres engine's
    tables: a store restored from a bag has none), or None. Such an index is rebuilt."""
    module = engine_module(name)
    if not hasattr(module, "missing"):
        return None
    return module.missing(Path(folder), **_store(module, database_url))
