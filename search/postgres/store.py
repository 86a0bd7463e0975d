"""Where the postgres engine keeps an index: tables in the store's own PostgreSQL database.

Why the store's database: an archive on PostgreSQL runs several server processes, on several
machines, sharing one store; an index kept in the same database needs no copy of an index
folder per machine, and its replicas are the database's own.

Each index (the public one, the staff one) is its own pair of tables, named at random when a
full build makes it (`reckon_search_<hex>` for the documents, `<name>_terms` for the stems
fuzzy terms are matched against, `<name>_vocab` for "did you mean"), so the public index is a document set of its own that never
holds what only the staff index may. The index folder keeps, beside the manifest and the state
file every engine has, `postgres-index.json` naming its table. A full build makes new tables
and the folder that names them is swapped into place, so readers move to the new tables when
they see the new manifest; the tables made for that folder before are then dropped (they are
listed in `reckon_search_tables`, so a build that stopped half-way is cleaned up by the next).

The connection is the store's DATABASE_URL (a SQLAlchemy URL, `postgresql+psycopg://...`),
handed down from the settings; its password is never written anywhere.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
from contextlib import contextmanager
from pathlib import Path

from search.engine import EngineError

POINTER = "postgres-index.json"
REGISTRY = "reckon_search_tables"
PREFIX = "reckon_search_"


def conninfo(database_url: str | None) -> str:
    """A libpq connection string for the store's DATABASE_URL; EngineError for a store that is
    not PostgreSQL (the engine keeps its tables in the store's database)."""
    from sqlalchemy.engine import make_url

    scheme = (database_url or "").partition(":")[0] or "none"
    if database_url is None or not scheme.startswith("postgresql"):
        raise EngineError(f"RECKON_SEARCH_ENGINE=postgres keeps the search index in the store's PostgreSQL "
                          f"database, but DATABASE_URL is a {scheme} store: set DATABASE_URL to a "
                          f"postgresql+psycopg:// URL, or RECKON_SEARCH_ENGINE to whoosh or tantivy")
    try:
        import psycopg
    except ImportError as exc:
        raise EngineError(f"the postgres search engine needs psycopg: pip install 'reckoning[postgres]' ({exc})") from exc
    url = make_url(database_url)
    parts = {"dbname": url.database, "user": url.username, "password": url.password, "host": url.host,
             "port": url.port}
    parts.update({k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()})
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items() if v not in (None, "")})


class Connections:
    """A few connections to the store, reused: readers share one instance across threads, each
    query takes a connection of its own for its duration."""

    def __init__(self, database_url: str | None):
        self.info = conninfo(database_url)
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._all: list = []

    def _connect(self):
        import psycopg

        conn = psycopg.connect(self.info, autocommit=True)
        self._all.append(conn)
        return conn

    @contextmanager
    def connection(self):
        """A connection in autocommit mode (a query, or a `with conn.transaction()` block)."""
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._connect()
        if conn.closed or conn.broken:
            conn = self._connect()
        try:
            yield conn
        except Exception:
            if not conn.broken and conn.info.transaction_status != 0:  # not idle: roll back what is open
                conn.rollback()
            raise
        if not conn.closed:
            self._idle.put(conn)

    def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()


def new_table_name() -> str:
    return PREFIX + secrets.token_hex(6)


def read_pointer(folder: Path) -> str | None:
    """The documents table the index folder names, or None when it names none."""
    table = _read(folder).get("table")
    return table if isinstance(table, str) and table.startswith(PREFIX) and table[len(PREFIX):].isalnum() else None


def read_common(folder: Path) -> frozenset[str]:
    """The index's common stems (search.postgres.vectors: their neighbours are pair lexemes);
    none for an index made before them, whose phrases are answered without pairs."""
    common = _read(folder).get("common")
    return frozenset(common) if isinstance(common, list) else frozenset()


def _read(folder: Path) -> dict:
    try:
        found = json.loads((Path(folder) / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_pointer(folder: Path, table: str, common: list[str] | None = None) -> None:
    path = Path(folder) / POINTER
    tmp = path.with_name(f".{POINTER}.tmp")
    tmp.write_text(json.dumps({"table": table, "common": common or []}), encoding="utf-8")
    os.replace(tmp, path)


def register(conn, table: str, folder: Path) -> None:
    """Note that `table` was made for the index at `folder` (in the caller's transaction)."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {REGISTRY} (name text PRIMARY KEY, folder text NOT NULL, "
                 "made timestamptz NOT NULL DEFAULT now())")
    conn.execute(f"INSERT INTO {REGISTRY} (name, folder) VALUES (%s, %s)", (table, str(Path(folder).resolve())))


def release(connections: Connections, folder: Path) -> list[str]:
    """Drop the tables made for the index at `folder` other than the one it names now (the
    index it replaced, or builds that stopped half-way); the names dropped."""
    keep = read_pointer(folder)
    dropped = []
    with connections.connection() as conn:
        if conn.execute("SELECT to_regclass(%s)", (REGISTRY,)).fetchone()[0] is None:
            return []
        rows = conn.execute(f"SELECT name FROM {REGISTRY} WHERE folder = %s AND name <> %s",
                            (str(Path(folder).resolve()), keep or "")).fetchall()
        for (name,) in rows:
            with conn.transaction():
                for table in (f"{name}_terms", f"{name}_vocab", name):
                    conn.execute(f"DROP TABLE IF EXISTS {table}")
                conn.execute(f"DELETE FROM {REGISTRY} WHERE name = %s", (name,))
            dropped.append(name)
    return dropped
