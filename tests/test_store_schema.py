"""A store made by an older Reckoning opens with this version: its missing columns are added.

Older stores are made for real: an archive is ingested and published with this code, then
columns a later version added are dropped with SQLite's own ALTER TABLE (what the store would
look like had it been made before those columns existed), and its schema fingerprint removed.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest
from starlette.testclient import TestClient

from archive.db import open_engine
from archive.store_schema import StoreSchemaError
from reckon.cli import main
from server.app import create_app


@pytest.fixture
def archive(published_copy):
    """The minimal archive, ingested and published with this code: the test's own copy."""
    return published_copy


def make_older(settings, *drops: tuple[str, str]) -> None:
    with sqlite3.connect(settings.sqlite_path) as db:
        for table, column in drops:
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute("DELETE FROM store_schema")


def columns(settings, table: str) -> set[str]:
    with sqlite3.connect(settings.sqlite_path) as db:
        return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def test_an_older_store_gains_the_new_columns_with_defaults_and_keeps_its_rows(archive, caplog):
    with sqlite3.connect(archive.sqlite_path) as db:
        titles = db.execute("SELECT id, title FROM record ORDER BY id").fetchall()
    with sqlite3.connect(archive.sqlite_path) as db:
        db.execute("DROP INDEX ix_record_date_lower")
    make_older(archive, ("record", "coverage"), ("record", "keywords"), ("narrative", "fictional"))
    assert "coverage" not in columns(archive, "record")

    caplog.set_level(logging.WARNING, logger="reckoning")
    with TestClient(create_app(archive)) as client:
        answer = client.get("/api/records/rec-2008-apology")
    assert answer.status_code == 200, answer.text
    assert "added column record.coverage" in caplog.text and "added column narrative.fictional" in caplog.text
    assert "added index ix_record_date_lower" in caplog.text

    with sqlite3.connect(archive.sqlite_path) as db:
        assert db.execute("SELECT id, title FROM record ORDER BY id").fetchall() == titles
        # The rows already stored get the model's defaults, not NULL: the code reads lists as lists.
        assert {row for row in db.execute("SELECT coverage, keywords FROM record")} == {("", "[]")}
        assert {row[0] for row in db.execute("SELECT fictional FROM narrative")} <= {0}
        assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ix_record_date_lower'").fetchone()
    # Opened again: the fingerprint matches, nothing is compared or added.
    caplog.clear()
    open_engine(archive).dispose()
    assert "upgraded the store" not in caplog.text


def test_a_column_that_cannot_be_added_stops_the_open_naming_it_and_changes_nothing(archive, capsys):
    # created_at is required and its default is the time of writing: no fact about older rows.
    make_older(archive, ("record", "coverage"), ("agent", "created_at"))
    with pytest.raises(StoreSchemaError, match="table 'agent' has no column 'created_at'.*written migration"):
        open_engine(archive)
    assert "coverage" not in columns(archive, "record")  # the addable one was rolled back too
    with sqlite3.connect(archive.sqlite_path) as db:
        assert db.execute("SELECT count(*) FROM store_schema").fetchone() == (0,)

    assert main(["--home", str(archive.home), "audit"]) == 1
    assert "error: the store's table 'agent' has no column 'created_at'" in capsys.readouterr().err
