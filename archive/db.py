"""Opening the store: SQLite (WAL, foreign keys, busy timeout) by default, any SQLAlchemy URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

# Importing these registers their tables on SQLModel.metadata.
# change_log: its triggers log every write, so a site rebuild finds what changed (publish/incremental.py).
# Every module that defines tables, so create_all below makes them all: the catalogue, the
# ledger, transcripts, recordings, redactions, tag suggestions, and the staff app's tables (curators' ledger
# edits, the shared sign-in rate limit, staff-made consent decisions).
from archive import (  # noqa: F401
    change_log,
    json_columns,
    ledger,
    ledger_edits,
    media,
    models,
    passage_notes,
    recordings,
    redactions,
    signin_limits,
    site_lag,
    source_files,
    staff_sessions,
    store_consent,
    submissions,
    tag_suggestions,
    transcripts,
    users,
)
from archive.settings import Settings
from archive.store_schema import bring_up_to_date, is_current
from archive.transaction import transaction

BUSY_MS = 5000  # how long a write waits for another writer's lock


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_engine(settings: Settings) -> Engine:
    """Create the engine, and the tables and columns the store lacks (`archive.store_schema`)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        if settings.sqlite_path is not None:
            settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, json_deserializer=json_columns.loads)
        event.listen(engine, "connect", _sqlite_pragmas)
    elif url.startswith("postgresql"):
        # A write waits at most as long for a lock as SQLite's busy timeout, then fails (the API
        # answers 503, try again: web/errors.py) rather than hanging behind a long ingest.
        engine = create_engine(url, pool_pre_ping=True, connect_args={"options": f"-c lock_timeout={BUSY_MS}"},
                               json_deserializer=json_columns.loads)
    else:
        engine = create_engine(url, pool_pre_ping=True, json_deserializer=json_columns.loads)
    if _already_made(engine):
        return engine  # every table, trigger and column is there: `reckon build` skips ~0.2 s of DDL
    with _one_at_a_time(engine):
        if not _already_made(engine):  # another process may have made it while we waited
            new_store = not set(inspect(engine).get_table_names()) & set(SQLModel.metadata.tables)
            SQLModel.metadata.create_all(engine)
            bring_up_to_date(engine, SQLModel.metadata, new_store)  # an older store gains its new columns
    return engine


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, processes opening a new store at once (the workers of `reckon serve
    --workers N`) make its tables one after another: a session-level advisory lock, held on a
    connection of its own while the DDL runs on others. SQLite's file lock does this itself."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as holder:
        holder.exec_driver_sql("SET lock_timeout = 0")  # as long as the other process's DDL takes
        holder.exec_driver_sql(f"SELECT pg_advisory_lock({DDL_LOCK})")
        holder.commit()
        try:
            yield
        finally:
            holder.exec_driver_sql(f"SELECT pg_advisory_unlock({DDL_LOCK})")
            holder.exec_driver_sql("RESET lock_timeout")
            holder.commit()


DDL_LOCK = 0x7265636B6F6E + 1  # beside change_log.WRITERS_LOCK; any constant nothing else uses


def _already_made(engine: Engine) -> bool:
    """A store this code already brought up to date (`store_schema.is_current`) that still has
    every table and every change-log trigger: `create_all` and the comparison would change
    nothing. Checked in one read of the catalogue, so a store that lost a trigger (or a table)
    still gets it back from `create_all`."""
    dialect = engine.dialect.name
    if dialect not in TABLES_QUERY or not is_current(engine, SQLModel.metadata):
        return False
    with engine.connect() as conn:
        tables = {name for (name,) in conn.exec_driver_sql(TABLES_QUERY[dialect])}
        triggers = change_log.installed(conn)
    return set(SQLModel.metadata.tables) <= tables \
        and set(change_log.trigger_names(SQLModel.metadata, dialect)) <= triggers


TABLES_QUERY = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
}


@contextmanager
def store_transaction(settings: Settings) -> Iterator[Session]:
    """A command's one unit of work: open the store, commit (or roll back), and close it."""
    engine = open_engine(settings)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def store_exists(settings: Settings) -> bool:
    path = settings.sqlite_path
    return path is None or path.exists()
