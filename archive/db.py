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
# ledger, transcripts, redactions, tag suggestions, and the staff app's tables (curators' ledger
# edits, the shared sign-in rate limit, staff-made consent decisions).
from archive import (  # noqa: F401
    change_log,
    ledger,
    ledger_edits,
    media,
    models,
    passage_notes,
    redactions,
    signin_limits,
    site_lag,
    source_files,
    store_consent,
    submissions,
    tag_suggestions,
    transcripts,
    users,
)
from archive.settings import Settings
from archive.store_schema import bring_up_to_date, is_current
from archive.transaction import transaction


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_engine(settings: Settings) -> Engine:
    """Create the engine, and the tables and columns the store lacks (`archive.store_schema`)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        if settings.sqlite_path is not None:
            settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if _already_made(engine):
        return engine  # every table, trigger and column is there: `reckon build` skips ~0.2 s of DDL
    new_store = not set(inspect(engine).get_table_names()) & set(SQLModel.metadata.tables)
    SQLModel.metadata.create_all(engine)
    bring_up_to_date(engine, SQLModel.metadata, new_store)  # a store made by an older version gains its new columns
    return engine


def _already_made(engine: Engine) -> bool:
    """A SQLite store this code already brought up to date (`store_schema.is_current`) that still
    has every table and every change-log trigger: `create_all` and the comparison would change
    nothing. Checked in one read of sqlite_master, so a store that lost a trigger (or a table)
    still gets it back from `create_all`."""
    if engine.dialect.name != "sqlite" or not is_current(engine, SQLModel.metadata):
        return False
    with engine.connect() as conn:
        present = {(kind, name) for kind, name in
                   conn.exec_driver_sql("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    wanted = {("table", name) for name in SQLModel.metadata.tables}
    wanted |= {("trigger", name) for name in change_log.trigger_names(SQLModel.metadata)}
    return wanted <= present


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
