"""PostgreSQL as a store: the same site as SQLite's, and the change log kept by PL/pgSQL triggers.

Runs under `pytest --postgres` only (tests/helpers/postgres.py starts the cluster); the rest of
the store-backed suite runs there too, with every archive's store in PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from archive import change_log, staff_sessions
from archive import models as m
from archive.db import open_engine
from archive.preservation import export_bag, import_bag
from archive.transaction import transaction
from ingest.pipeline import ingest
from publish.pipeline import publish
from tests.helpers import postgres
from tests.helpers.archives import SAMPLE, make_settings

pytestmark = pytest.mark.skipif(not postgres.in_use(), reason="PostgreSQL tests run with `pytest --postgres`")


def site_files(public: Path) -> dict[str, bytes]:
    return {str(p.relative_to(public)): p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_the_sample_moved_by_bag_into_postgresql_publishes_the_same_site_byte_for_byte(tmp_path):
    """The sample ingested into SQLite, carried into PostgreSQL by a preservation bag (every row
    as it was, write times included), and published from each store: the same files, bytes,
    manifests and feed."""
    sqlite_home, postgres_home = tmp_path / "sqlite", tmp_path / "postgresql"
    sqlite_home.mkdir()
    postgres_home.mkdir()
    from_sqlite = dataclasses.replace(make_settings(sqlite_home, SAMPLE), source_date_epoch=1_700_000_000,
                                      database_url=f"sqlite:///{sqlite_home / 'reckon.db'}")
    from_postgres = dataclasses.replace(make_settings(postgres_home, SAMPLE), source_date_epoch=1_700_000_000)
    assert from_postgres.database_url.startswith("postgresql")
    ingest(from_sqlite)
    export_bag(from_sqlite, tmp_path / "bag")
    import_bag(from_postgres, tmp_path / "bag")
    sites = {}
    for settings in (from_sqlite, from_postgres):
        publish(settings)
        sites[settings.database_url.split(":")[0]] = site_files(settings.public_dir.resolve())
    assert len(sites["sqlite"]) > 100 and ".manifest.json" in sites["sqlite"] and "feed.xml" in sites["sqlite"]
    assert sites["sqlite"].keys() == sites["postgresql+psycopg"].keys()
    different = [name for name, data in sites["sqlite"].items() if sites["postgresql+psycopg"][name] != data]
    assert different == []


# -- the change log -----------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    """A new, empty store in PostgreSQL, opened by our code (tables and triggers made)."""
    settings = make_settings(tmp_path, tmp_path / "content")
    open_engine(settings).dispose()
    engine = create_engine(settings.database_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def logged(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text("SELECT tbl, object_id FROM buildchange ORDER BY seq"))]


def new_row(model, **values):
    """An INSERT of a row with the model's defaults (the SQL is ours, the ORM is not involved)."""
    return insert(model.__table__).values(model(**values).model_dump(exclude_none=True))


def test_every_hand_made_write_is_logged_as_sqlite_logs_it(store):
    made = len(logged(store))  # the store's own first writes (its schema's fingerprint)
    with store.begin() as conn:
        conn.execute(new_row(m.Record, id="rec-a", title="A"))
        conn.execute(text("UPDATE record SET id = 'rec-b' WHERE id = 'rec-a'"))
        conn.execute(text("DELETE FROM record WHERE id = 'rec-b'"))
    # an update logs both ids, as SQLite's triggers do: an id that changed changed both pages
    assert logged(store)[made:] == [("record", "rec-a"), ("record", "rec-b"), ("record", "rec-a"), ("record", "rec-b")]
    with store.begin() as conn:
        conn.execute(text("TRUNCATE record CASCADE"))
    assert ("record", None) in logged(store)[made + 4:]  # no ids to tell: the next build compares everything


def test_a_table_no_public_output_reads_is_not_logged(store):
    before = logged(store)
    with store.begin() as conn:
        conn.execute(new_row(m.AuditEvent, actor="x", action="test", object_type="record", object_id="rec-a"))
    with Session(store) as session:
        staff_sessions.start(session, user_id=1)  # a sign-in: no full rebuild for it
        session.commit()
    assert logged(store) == before


def test_writers_take_turns_so_the_log_is_in_commit_order(store):
    """A transaction that logged first but commits last must not leave an entry below a place a
    build has already read: the second writer waits for the first to commit."""
    first = store.connect()
    first.begin()
    first.execute(new_row(m.Record, id="rec-first", title="First"))  # logged, not committed
    done = threading.Event()

    def second() -> None:
        with store.begin() as conn:
            conn.execute(new_row(m.Record, id="rec-second", title="Second"))
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1)
    assert not done.is_set()  # waiting for the first writer's turn to end
    first.commit()
    first.close()
    thread.join(10)
    with store.connect() as conn:
        rows = conn.execute(text("SELECT object_id FROM buildchange WHERE tbl = 'record' ORDER BY seq")).all()
    assert [r[0] for r in rows] == ["rec-first", "rec-second"]


def test_latest_and_since_read_the_log_as_on_sqlite(store):
    with store.begin() as conn:  # a first entry to count from: a mark on the empty log tells nothing (None)
        conn.execute(new_row(m.Record, id="rec-old", title="Old"))
    with Session(store) as session:
        mark = change_log.latest(session)
        assert change_log.since(session, [0], mark) is None
    with store.begin() as conn:
        conn.execute(new_row(m.Record, id="rec-new", title="New"))
        conn.execute(new_row(m.Agent, id="agent-x", name="X"))
    with transaction(store) as session:
        upto = change_log.latest(session)
        changes = change_log.since(session, mark, upto)
    assert upto[0] > mark[0] and changes.records == {"rec-new"} and changes.tables == {"agent"}
