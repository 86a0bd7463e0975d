"""The postgres engine: PostgreSQL's own full-text search, with the index in the store's database.

Chosen by `RECKON_SEARCH_ENGINE=postgres`, valid only on a PostgreSQL store (`DATABASE_URL`).
Each index is a table of its own (search.postgres.store): one row per document with its
stored fields, a `tsvector` of its words made here as the other engines analyse them
(search.postgres.vectors) under a GIN index, its facet values in one `text[]` column
("harm_type/ht-x", under a GIN index too: filters and `field:` queries), and its date bounds.
A query is one SQL statement (search.postgres.compile) that matches, counts, groups the
facets and ranks, over the matches of a MATERIALIZED common table expression, so the text is
searched once; the page's stored fields are then read by id. Snippets are cut by
search/snippets.py from the stored text, fuzzy terms (marked in snippets too) and "did you
mean" are looked up with pg_trgm (search.postgres.fuzzy).

Updates are transactions: a writer deletes and adds in one, visible at `commit`. A full build
fills fresh tables and makes their indexes after the rows (several times faster than keeping
a GIN index up to date row by row).
"""

from __future__ import annotations

import html
import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from archive.errors import NotBuilt
from search.documents import count_words, vocabulary_of
from search.engine import STORED_FIELDS, EngineHit, EngineResult, Reader, Request, Writer
from search.language import FACETS, TEXT_FIELDS
from search.postgres import fuzzy
from search.postgres.compile import RANK_WEIGHTS, Compiler, facet_value, rank_queries
from search.postgres.store import (
    Connections,
    new_table_name,
    read_common,
    read_pointer,
    register,
    write_pointer,
)
from search.postgres.store import release as release_tables
from search.postgres.vectors import stem, stems, vector
from search.snippets import SNIPPET_CHARS, Highlighter, query_terms
from search.whoosh.pairs import choose_common

IN_STORE = True  # keeps its documents in the store's database: search.engine hands it DATABASE_URL
LIST_FIELDS = ("harm_type", "affected_group", "institution", "decade")
COLUMNS = ("id", "type", "parent", "url", "title", "text", "people", "date", "time", "context", "language",
           "collection", "date_lower", "date_upper", "facets", "doc", "words")
DOCUMENT_FIELDS = (*STORED_FIELDS, "text", "people", "language", "collection", "date_lower", "date_upper")
SUGGEST_PREFIX = 1  # "did you mean" keeps a word's first letter, as whoosh's corrector does
log = logging.getLogger(__name__)


def _q(name: str) -> str:
    return f'"{name}"'


def _table_sql(table: str, lz4: bool) -> list[str]:
    # lz4 where the server has it: a ranked match's vector is decompressed for every query that
    # finds it, and lz4 does that several times faster than PostgreSQL's own pglz.
    packed = " COMPRESSION lz4" if lz4 else ""
    return [
        f"""CREATE TABLE {table} (
            id text PRIMARY KEY, type text NOT NULL, parent text NOT NULL, url text NOT NULL,
            title text NOT NULL, "text" text NOT NULL, people text NOT NULL, "date" text NOT NULL,
            "time" text NOT NULL, context text NOT NULL, language text NOT NULL, collection text NOT NULL,
            date_lower integer NOT NULL, date_upper integer NOT NULL, facets text[] NOT NULL,
            doc tsvector{packed} NOT NULL, words tsvector{packed} NOT NULL)""",
        # The stems' vector inline in the row (compressed, up to a page), not in the TOAST table:
        # a ranked match then costs a decompression, not three more index and page reads. The
        # text, read only for a page's hits, goes out of line to keep rows small.
        f"ALTER TABLE {table} SET (toast_tuple_target = 8160)",
        f"ALTER TABLE {table} ALTER COLUMN doc SET STORAGE MAIN",
        f'ALTER TABLE {table} ALTER COLUMN "text" SET STORAGE EXTERNAL',
        f"CREATE TABLE {table}_terms (stem text PRIMARY KEY)",
        f"CREATE TABLE {table}_vocab (word text PRIMARY KEY, n integer NOT NULL)",
    ]


def _index_sql(table: str) -> list[str]:
    return [
        f"CREATE INDEX {table}_doc ON {table} USING gin (doc)",
        f"CREATE INDEX {table}_words ON {table} USING gin (words)",
        f"CREATE INDEX {table}_facets ON {table} USING gin (facets)",
        f"CREATE INDEX {table}_parent ON {table} (parent) WHERE parent <> ''",
        f"CREATE INDEX {table}_lower ON {table} (date_lower, id)",
        f"CREATE INDEX {table}_upper ON {table} (date_upper DESC, id)",
        f"CREATE INDEX {table}_terms_trgm ON {table}_terms USING gin (stem gin_trgm_ops)",
        f"CREATE INDEX {table}_vocab_trgm ON {table}_vocab USING gin (word gin_trgm_ops)",
    ]


def _row(doc: dict, common: frozenset[str]) -> tuple[tuple, set[str]]:
    literal, written, found = vector(doc, common)
    facets = [facet_value("type", doc.get("type") or "")] if doc.get("type") else []
    for name in LIST_FIELDS:
        value = doc.get(name) or []
        facets.extend(facet_value(name, v) for v in ([value] if isinstance(value, str) else value) if v)
    row = (doc["id"], (doc.get("type") or "").lower(), doc.get("parent") or "", doc.get("url") or "",
           doc.get("title") or "", doc.get("text") or "", doc.get("people") or "", doc.get("date") or "",
           doc.get("time") or "", doc.get("context") or "", (doc.get("language") or "").lower(),
           (doc.get("collection") or "").lower(), int(doc["date_lower"]), int(doc["date_upper"]), facets, literal,
           written)
    return row, found


class PostgresWriter(Writer):
    """Deletes and adds in one transaction, committed by `commit`; a fresh table gets its
    indexes at that commit, after its rows. The "did you mean" vocabulary (each word's document
    count) is adjusted by the words of the documents deleted and added, as the manifest's is."""

    def __init__(self, connections: Connections, table: str, path: Path, fresh: bool = False,
                 folder: Path | None = None):
        self.connections = connections
        self.table = table
        self.path = path
        self.fresh = fresh
        # A fresh index's common stems are chosen from its first documents (as the other
        # engines choose theirs) and kept for good in the folder's pointer.
        self.common = frozenset() if fresh else read_common(path)
        self.choose = fresh
        self.stems: set[str] = set()
        self.added: Counter = Counter()
        self.removed: Counter = Counter()
        self._context = connections.connection()
        self.conn = self._context.__enter__()
        self._transaction = self.conn.transaction()
        self._transaction.__enter__()
        if fresh:
            # pg_trgm is a trusted extension: the store's owner may make it (once per database).
            self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            lz4 = self.conn.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                    "WHERE name = 'default_toast_compression'").fetchone()
            for statement in _table_sql(table, bool(lz4 and lz4[0])):
                self.conn.execute(statement)
            register(self.conn, table, folder or Path("."))

    def add(self, docs: Iterable[dict]) -> None:
        docs = list(docs)
        if self.choose and docs:
            chosen = choose_common(docs, stem)
            self.common, self.choose = frozenset(chosen), False
            write_pointer(self.path, self.table, chosen)
        rows = []
        for doc in docs:
            row, found = _row(doc, self.common)
            rows.append(row)
            self.stems |= found
        if not rows:
            return
        count_words(docs, self.added)
        with self.conn.cursor().copy(f"COPY {self.table} ({', '.join(map(_q, COLUMNS))}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        gone = self.conn.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s) OR (parent <> '' AND parent = ANY(%s)) "
                                 f"RETURNING title, {_q('text')}, people", (ids, ids))
        count_words(({"title": t, "text": x, "people": p} for t, x, p in gone), self.removed)

    def commit(self) -> None:
        try:
            if self.stems:
                self.conn.execute(f"INSERT INTO {self.table}_terms SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                                  (sorted(self.stems),))
            self._vocabulary()
            if self.fresh:
                self.conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for statement in _index_sql(self.table):
                    self.conn.execute(statement)
            self._transaction.__exit__(None, None, None)
            if self.fresh:
                self.conn.execute(f"ANALYZE {self.table}")
        except BaseException as exc:
            self._transaction.__exit__(type(exc), exc, exc.__traceback__)
            raise
        finally:
            self._context.__exit__(None, None, None)
            self.connections.close()

    def _vocabulary(self) -> None:
        delta = Counter(vocabulary_of(self.added))
        delta.subtract(vocabulary_of(self.removed))
        changed = {w: n for w, n in delta.items() if n}
        if not changed:
            return
        words = sorted(changed)
        self.conn.execute(f"INSERT INTO {self.table}_vocab AS v (word, n) SELECT * FROM unnest(%s::text[], %s::int[]) "
                          "ON CONFLICT (word) DO UPDATE SET n = v.n + excluded.n", (words, [changed[w] for w in words]))
        self.conn.execute(f"DELETE FROM {self.table}_vocab WHERE word = ANY(%s) AND n <= 0", (words,))


def create(path: Path, database_url: str | None = None, folder: Path | None = None) -> Writer:
    """A writer filling fresh tables for the index being made in `path` (its staging folder;
    `folder` is where it will be swapped in, under which name its tables are registered)."""
    path.mkdir(parents=True, exist_ok=True)
    table = new_table_name()
    writer = PostgresWriter(Connections(database_url), table, path, fresh=True, folder=folder or path)
    write_pointer(path, table)
    return writer


def _table(path: Path) -> str:
    table = read_pointer(path)
    if table is None:
        raise NotBuilt(f"the search index at {path} names no PostgreSQL table: run 'reckon index --rebuild'")
    return table


def open_writer(path: Path, database_url: str | None = None) -> Writer:
    return PostgresWriter(Connections(database_url), _table(path), path)


def open_reader(path: Path, database_url: str | None = None) -> Reader:
    return PostgresReader(Connections(database_url), _table(path), path)


def missing(path: Path, database_url: str | None = None) -> str | None:
    """Why the index at `path` cannot be updated in place: it names no table, or its table is
    not in this store (a store restored from a bag, or another store's folder)."""
    table = read_pointer(path)
    if table is None:
        return "its postgres-index.json names no table"
    connections = Connections(database_url)
    try:
        with connections.connection() as conn:
            found = conn.execute("SELECT to_regclass(%s), to_regclass(%s), to_regclass(%s)",
                                 (table, f"{table}_terms", f"{table}_vocab")).fetchone()
    finally:
        connections.close()
    return None if all(found) else f"its table {table} is not in the store"


def release(folder: Path, database_url: str | None = None) -> None:
    """After a full build swapped `folder` into place: drop the tables it no longer names."""
    connections = Connections(database_url)
    try:
        dropped = release_tables(connections, folder)
    finally:
        connections.close()
    if dropped:
        log.debug("dropped the replaced search tables %s", ", ".join(dropped))


class PostgresReader(Reader):
    in_process = False  # every query waits on the store's server: never made on an event loop

    def __init__(self, connections: Connections, table: str, folder: Path | None = None):
        self.connections = connections
        self.table = table
        self.folder = folder
        self.compiler = Compiler(self.expand_fuzzy, read_common(folder) if folder is not None else frozenset())
        self.highlighter = Highlighter(stems)
        with connections.connection() as conn:
            if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
                raise NotBuilt(f"the search index's table {table} is not in this store: run 'reckon index --rebuild'")

    def close(self) -> None:
        self.connections.close()

    # -- fuzzy terms and suggestions -------------------------------------------------------------

    def expand_fuzzy(self, name: str | None, text: str, distance: int) -> list[str]:
        """What a fuzzy term matches: stems for the text fields, stored values for the others."""
        with self.connections.connection() as conn:
            if name in (None, *TEXT_FIELDS):
                found = stems(text)
                if not found:
                    return []
                return sorted(v for _, v in fuzzy.within(conn, f"{self.table}_terms", "stem", found[0], distance))
            values = self._exact_values(conn, name)
            word = text.lower()
            return sorted(v for v in values if fuzzy.edit_distance(word, v, distance) <= distance)

    def _exact_values(self, conn, name: str) -> list[str]:
        if name in FACETS:
            rows = conn.execute(f"SELECT DISTINCT substr(f, %s) FROM {self.table}, unnest(facets) f WHERE f LIKE %s",
                                (len(name) + 2, name + "/%"))
        else:
            rows = conn.execute(f"SELECT DISTINCT {_q(name)} FROM {self.table}")
        return [r[0] for r in rows if r[0]]

    def fuzzy_stems(self, text: str, distance: int) -> list[str]:
        return self.expand_fuzzy("text", text, distance)

    def corrections(self, word: str, distance: int = 2) -> list[tuple[int, str]]:
        """The vocabulary's words within `distance` edits of `word`, first letter kept
        (Levenshtein, as whoosh's ListCorrector), as (-distance, word): "did you mean"."""
        if "\0" in word:
            return []  # no word holds a NUL (and PostgreSQL refuses one in text)
        with self.connections.connection() as conn:
            found = fuzzy.within(conn, f"{self.table}_vocab", "word", word, distance, transpositions=False,
                                 prefix=SUGGEST_PREFIX)
        return [(-d, w) for d, w in found if w != word]

    # -- searching ----------------------------------------------------------------------------------

    def search(self, request: Request) -> EngineResult:
        import psycopg

        try:
            return self._search(request)
        except psycopg.errors.UndefinedTable:
            # A full build swapped the folder and dropped this table between the caller's look
            # at the manifest and this query: answer from the table the folder names now.
            table = read_pointer(self.folder) if self.folder is not None else None
            if table is None or table == self.table:
                raise NotBuilt(f"the search index's table {self.table} is not in this store: "
                               "run 'reckon index --rebuild'") from None
            self.table = table
            self.compiler = Compiler(self.expand_fuzzy, read_common(self.folder))
            return self._search(request)

    def _search(self, request: Request) -> EngineResult:
        part = self.compiler.compile(request.node)
        where, params = part.condition()
        filters, filter_params = _filters(request)
        ranks = [(column, q) for column, q in zip(("doc", "words"), rank_queries(part), strict=True) if q]
        if request.sort != "relevance":
            ranks = []
        score = " + ".join(f"ts_rank('{RANK_WEIGHTS}', {column}, %s::tsquery)" for column, _ in ranks) or "0"
        order = {"relevance": "r DESC, id", "date": "date_lower, id", "-date": "date_upper DESC, id"}[request.sort]
        counted = ("SELECT coalesce(json_agg(json_build_array(f, n)), '[]') FROM "
                   "(SELECT f, count(*) AS n FROM m, unnest(m.facets) f GROUP BY f) x") if request.facets else "NULL"
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT id, facets, date_lower, date_upper, {score} AS r FROM {self.table}
                WHERE ({where}){filters})
            SELECT (SELECT count(*) FROM m), ({counted}),
                   (SELECT coalesce(json_agg(json_build_array(id, r) ORDER BY k), '[]') FROM
                      (SELECT id, r, row_number() OVER (ORDER BY {order}) AS k FROM m
                       ORDER BY {order} LIMIT %s OFFSET %s) top)"""
        values = [q for _, q in ranks] + params + filter_params + [request.limit, request.offset]
        with self.connections.connection() as conn:
            total, facet_rows, top = conn.execute(sql, values).fetchone()
            stored = self._stored(conn, [i for i, _ in top])
        terms = query_terms(request.node, stems, self.fuzzy_stems)
        hits = []
        for object_id, score_value in top:
            doc = stored[object_id]
            text = doc.pop("text")
            snippet = self.highlighter.snippet(text, terms) or html.escape(text[:SNIPPET_CHARS], quote=False)
            hits.append(EngineHit(doc, float(score_value or 0.0), snippet))
        return EngineResult(total, hits, _facets(facet_rows or [], request.facets))

    def _stored(self, conn, ids: list[str]) -> dict[str, dict]:
        if not ids:
            return {}
        names = (*STORED_FIELDS, "text")
        rows = conn.execute(f"SELECT {', '.join(map(_q, names))} FROM {self.table} WHERE id = ANY(%s)", (ids,))
        return {row[0]: dict(zip(names, row, strict=True)) for row in rows}

    def texts(self, ids: list[str]) -> list[dict]:
        if not ids:
            return []
        with self.connections.connection() as conn:
            rows = conn.execute(f"SELECT id, title, {_q('text')}, people FROM {self.table} WHERE id = ANY(%s)",
                                (list(ids),)).fetchall()
        return [dict(zip(("id", *TEXT_FIELDS), row, strict=True)) for row in rows]

    def stored_documents(self) -> list[dict]:
        names = [n for n in DOCUMENT_FIELDS if n not in LIST_FIELDS]
        with self.connections.connection() as conn:
            rows = conn.execute(f"SELECT {', '.join(map(_q, names))}, facets FROM {self.table} ORDER BY id").fetchall()
        docs = []
        for row in rows:
            doc = dict(zip(names, row[:-1], strict=True))
            for name in LIST_FIELDS:
                doc[name] = [f.partition("/")[2] for f in row[-1] if f.startswith(name + "/")]
            docs.append(doc)
        return docs


def _filters(request: Request) -> tuple[str, list]:
    clauses, params = [], []
    if request.date_to is not None:
        clauses.append("date_lower <= %s")
        params.append(request.date_to)
    if request.date_from is not None:
        clauses.append("date_upper >= %s")
        params.append(request.date_from)
    for name, values in sorted(request.filters.items()):
        clauses.append("facets && %s::text[]")  # any value of one facet, every facet
        # A value with a NUL matches nothing (PostgreSQL text cannot hold one): left out, and a
        # facet left with no value then matches nothing, as an unknown value does.
        params.append(sorted({facet_value(name, v) for v in values if "\0" not in v}))
    return "".join(f" AND {c}" for c in clauses), params


def _facets(rows: list, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {name: {} for name in names}
    for key, n in rows:
        name, _, value = key.partition("/")
        if value and name in counts:
            counts[name][value] = n
    return counts
