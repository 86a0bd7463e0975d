"""A store made by an older Reckoning opens with this version: its missing columns are added.

Older stores are made for real: an archive is ingested and published with this code, then
columns a later version added are dropped with SQLite's own ALTER TABLE (what the store would
look like had it been made before those columns existed), and its schema fingerprint removed.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, inspect
from starlette.testclient import TestClient

from archive import change_log
from archive.db import open_engine
from archive.store_schema import StoreSchemaError
from reckon.cli import main
from server.app import create_app


@pytest.fixture
def archive(published_copy):
    """The minimal archive, ingested and published with this code: the test's own copy."""
    return published_copy


def sql(settings, *statements: str) -> list[list[tuple]]:
    """Run hand-written SQL on the store (SQLite or PostgreSQL) in one transaction: each
    statement's rows."""
    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as db:
            results = [db.exec_driver_sql(statement) for statement in statements]
            return [[tuple(row) for row in result] if result.returns_rows else [] for result in results]
    finally:
        engine.dispose()


def make_older(settings, *drops: tuple[str, str]) -> None:
    sql(settings, *[f"ALTER TABLE {table} DROP COLUMN {column}" for table, column in drops],
        "DELETE FROM store_schema")


def columns(settings, table: str) -> set[str]:
    engine = create_engine(settings.database_url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_an_older_store_gains_the_new_columns_with_defaults_and_keeps_its_rows(archive, caplog):
    [titles] = sql(archive, "SELECT id, title FROM record ORDER BY id")
    sql(archive, "DROP INDEX ix_record_date_lower")
    make_older(archive, ("record", "coverage"), ("record", "keywords"), ("narrative", "fictional"))
    assert "coverage" not in columns(archive, "record")

    caplog.set_level(logging.WARNING, logger="reckoning")
    with TestClient(create_app(archive)) as client:
        answer = client.get("/api/records/rec-2008-apology")
    assert answer.status_code == 200, answer.text
    assert "added column record.coverage" in caplog.text and "added column narrative.fictional" in caplog.text
    assert "added index ix_record_date_lower" in caplog.text

    stored, kept, fictional = sql(archive, "SELECT id, title FROM record ORDER BY id",
                                  "SELECT coverage, keywords FROM record", "SELECT fictional FROM narrative")
    assert stored == titles
    # The rows already stored get the model's defaults, not NULL: the code reads lists as lists.
    assert kept and all(coverage == "" and keywords in ("[]", []) for coverage, keywords in kept)  # JSON: text or list
    assert {row[0] for row in fictional} <= {0}  # 0 or False: equal in Python
    engine = create_engine(archive.database_url)
    assert "ix_record_date_lower" in {index["name"] for index in inspect(engine).get_indexes("record")}
    engine.dispose()
    # Opened again: the fingerprint matches, nothing is compared or added.
    caplog.clear()
    open_engine(archive).dispose()
    assert "upgraded the store" not in caplog.text


def test_a_column_that_cannot_be_added_stops_the_open_naming_it_and_changes_nothing(archive, capsys, monkeypatch):
    # created_at is required and its default is the time of writing: no fact about older rows.
    make_older(archive, ("record", "coverage"), ("agent", "created_at"))
    with pytest.raises(StoreSchemaError, match="table 'agent' has no column 'created_at'.*written migration"):
        open_engine(archive)
    assert "coverage" not in columns(archive, "record")  # the addable one was rolled back too
    assert sql(archive, "SELECT count(*) FROM store_schema") == [[(0,)]]

    monkeypatch.setenv("DATABASE_URL", archive.database_url)
    assert main(["--home", str(archive.home), "audit"]) == 1
    assert "error: the store's table 'agent' has no column 'created_at'" in capsys.readouterr().err


def test_a_table_no_longer_logged_loses_its_change_log_triggers_at_the_next_open(archive):
    """Staff sessions were logged once (a sign-in then cost the next build its full comparison):
    a store made then has their triggers, which the next open by newer code drops."""
    engine = create_engine(archive.database_url)
    with engine.begin() as conn:
        # what an older version made: staffsession's triggers, as for any logged table
        if conn.dialect.name == "sqlite":
            statements = change_log._sqlite_triggers("staffsession")
        else:
            statements = change_log._postgresql_triggers("staffsession", set())
        for statement in statements:
            conn.exec_driver_sql(statement)
        assert "buildchange3_staffsession_insert" in change_log.installed(conn)
    sql(archive, "DELETE FROM store_schema")  # as an older version's store: compared at the next open
    open_engine(archive).dispose()
    with engine.connect() as conn:
        assert not [name for name in change_log.installed(conn) if "staffsession" in name]
    engine.dispose()


def test_a_store_from_before_the_map_gains_its_coordinates_empty(archive, caplog):
    make_older(archive, ("record", "latitude"), ("record", "longitude"), ("narrative", "latitude"),
               ("narrative", "longitude"))
    caplog.set_level(logging.WARNING, logger="reckoning")
    with TestClient(create_app(archive)) as client:
        answer = client.get("/api/records/rec-2008-apology")
        charts = client.get("/api/charts/places")
    assert answer.status_code == 200 and (answer.json()["latitude"], answer.json()["longitude"]) == (None, None)
    assert charts.json()["places"] == []
    for column in ("record.latitude", "record.longitude", "narrative.latitude", "narrative.longitude"):
        assert f"added column {column}" in caplog.text
    [stored] = sql(archive, "SELECT latitude, longitude FROM record")
    assert stored and all(row == (None, None) for row in stored)
