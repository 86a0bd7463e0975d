"""Rendered API answers kept in memory until the store changes or the day turns.

The record endpoints must answer well over a thousand requests a second on one worker
(ARCHITECTURE.md measured ~580/s for a sync SQLModel endpoint through the thread pool).
Views are pure functions of (store contents, today): the access rule judges embargoes by
the day, and every write to the store adds a `Revision`. So the bytes of an answer can be
kept, keyed by what was asked, and dropped all at once when either the store's latest
revision or the date changes. Nothing here decides what is public; it only remembers what
the Catalog answered.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime, time

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from archive.settings import Settings
from web.http_cache import Representation

LATEST_REVISION = "SELECT id, at FROM revision ORDER BY id DESC LIMIT 1"
# Elsewhere than on SQLite, the store's generation is the change log's latest entry (every write
# to a table a public answer is made from adds one, archive/change_log.py) with the latest
# revision, read in one round trip.
GENERATION = ("SELECT (SELECT max(seq) FROM buildchange), revision.id, revision.at FROM (SELECT 1) AS one "
              "LEFT JOIN (SELECT id, at FROM revision ORDER BY id DESC LIMIT 1) AS revision ON true")


def _as_utc(value: object) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StoreClock:
    """The store's generation (it moves with every commit) and when it last changed.

    On SQLite `PRAGMA data_version` on a connection of our own tells, for a few
    microseconds, whether any other connection (this process's pool, or `reckon ingest`
    in another process) committed since we last looked; only then is the revision table
    read. On PostgreSQL the generation is kept in the database itself (the change log's
    latest `seq`) and read on every call, on a connection of our own outside any
    transaction: each `reckon serve` process asks the database, so a write through one
    process is seen by every other process's next answer, not seconds later.
    """

    def __init__(self, engine: Engine, settings: Settings):
        # The generation is opaque: compare it, never read it.
        self.engine = engine
        self.path = settings.sqlite_path
        self._conn: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._state: tuple[object, datetime | None] = (0, None)
        self._server: Connection | None = None  # on a database server: our own connection
        self._lock = threading.Lock()  # which the event loop and the thread pool may both use

    def current(self) -> tuple[object, datetime | None]:
        if self.path is None:
            with self._lock:
                return self._read_generation()
        if self._conn is None:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            weakref.finalize(self, self._conn.close)  # closed with the app, not left to the collector
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            row = self._conn.execute(LATEST_REVISION).fetchone()
            # Any commit at all moves the generation, even one that wrote no revision.
            self._state = ((version, row[0] if row else 0), _as_utc(row[1]) if row else None)
            self._data_version = version
        return self._state

    def _read_generation(self) -> tuple[object, datetime | None]:
        try:
            return self._ask()
        except DBAPIError:  # a connection the server closed (say, it restarted): made again, once
            if self._server is not None:
                self._server.invalidate()
            self._server = None
            return self._ask()

    def _ask(self) -> tuple[object, datetime | None]:
        if self._server is None:
            self._server = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            weakref.finalize(self, self._server.close)
        seq, revision, at = self._server.execute(text(GENERATION)).one()
        return (seq or 0, revision or 0), _as_utc(at)


class ViewCache:
    """Representations keyed by request, valid for one (store generation, today)."""

    def __init__(self, clock: StoreClock, today: Callable[[], date], max_entries: int = 10_000):
        self.clock = clock
        self.today = today
        self.max_entries = max_entries
        self._state: tuple = ()
        self._entries: dict[Hashable, Representation] = {}
        self._shared: dict = {}
        self.last_modified: datetime | None = None

    def _check(self) -> tuple:
        (generation, changed_at), today = self.clock.current(), self.today()
        state = (generation, today)
        if state != self._state:
            self._entries.clear()
            self._shared = {}  # a new dict: a build of the old state still holds the old one
            self._state = state
            # Answers change when the store does, and when the day turns (embargoes lift):
            # whichever is later, but never a moment in the future.
            day_start = datetime.combine(today, time.min, UTC)
            candidates = [c for c in (changed_at, day_start) if c is not None]
            self.last_modified = min(max(candidates), datetime.now(UTC))
        return state

    async def get(self, key: Hashable, build: Callable[[datetime | None, dict], Representation],
                  inline: bool = False) -> Representation:
        """The kept answer for `key`, or `build(last_modified, shared)` run in the thread pool,
        or on the event loop itself when `inline` (a store on local disk: see below).

        `shared` is what every answer of this (store generation, today) may reuse (the agents
        and concepts, say), emptied like the answers when either changes. It is taken before
        `build` reads the store, so what is read into it is never older than the generation it
        is kept for. `build` may raise a domain error (NotFound, Gone): errors are not kept.
        """
        state = self._check()
        found = self._entries.get(key)
        if found is not None:
            return found
        shared = self._shared
        if inline:
            # SQLite in WAL mode: a reader never waits for a writer, and a record view is a
            # fraction of a millisecond of Python, which holds the GIL either way. Handing it
            # to a worker thread cost more than the view (the hop, and 32 threads taking turns
            # on the GIL with the event loop), so it runs here.
            rep = build(self.last_modified, shared)
        else:
            rep = await run_in_threadpool(build, self.last_modified, shared)
        if self._check() == state:  # the store did not change while we were building
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = rep
        return rep


class PerGeneration:
    """What every public answer of one (store generation, today) may share, whichever part of
    the app makes it: the Catalog's public summaries of each kind, which an API collection, an
    agent's or a concept's answer, every chart and OAI-PMH's headers all read (at 100,000
    records each made them again, three times over). A new dict when either changes; it is
    taken before the store is read, so what is put in it is never older than its key."""

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.clock = StoreClock(engine, settings)
        self.today = settings.today
        self._lock = threading.Lock()  # asked from the event loop and the thread pool
        self._state: tuple = ()
        self._data: dict = {}

    def current(self) -> dict:
        with self._lock:
            state = (self.clock.current()[0], self.today())
            if state != self._state:
                self._state, self._data = state, {}
            return self._data


def public_summaries(app_state, settings: Settings) -> dict:
    """The public summaries kept for the app's current store generation and day, by kind
    (`Catalog(summaries=...)`); `app_state` is the app's `state`, holding its engine."""
    engine = app_state.engine
    shared = getattr(app_state, "per_generation", None)
    if shared is None or shared.engine is not engine:  # one per app lifespan
        shared = app_state.per_generation = PerGeneration(engine, settings)
    return shared.current().setdefault("public summaries", {})
