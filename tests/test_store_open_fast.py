"""Opening a store this code already brought up to date makes no DDL (a fresh `reckon build`
should not pay ~0.2 s for it), yet a store that lacks anything still gets it on open: a lost
change-log trigger or table comes back, and an older store's missing columns are added even
when a cheap key from some other version is stored."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from archive.change_log import trigger_names
from archive.db import open_engine
from archive.store_schema import SOURCE_KEY, is_current
from tests.helpers.archives import make_settings


@pytest.fixture
def settings(tmp_path: Path):
    settings = make_settings(tmp_path, tmp_path / "content")
    open_engine(settings).dispose()  # a new store, made by this code
    return settings


def opened_statements(settings) -> list[str]:
    """The SQL `open_engine` runs on this store."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        open_engine(settings).dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return statements


def test_a_store_this_code_made_opens_without_ddl_and_still_works(settings):
    engine = open_engine(settings)
    try:
        assert is_current(engine, SQLModel.metadata)
    finally:
        engine.dispose()
    statements = opened_statements(settings)
    assert not [s for s in statements if s.lstrip().upper().startswith(("CREATE", "ALTER", "DELETE", "INSERT"))]
    assert not [s for s in statements if "table_info" in s or "table_xinfo" in s]  # no reflection
    with sqlite3.connect(settings.sqlite_path) as db:  # and the change log's triggers are all there
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert set(trigger_names(SQLModel.metadata)) <= names and "buildchange3_record_update" in names


def test_a_store_that_lost_a_change_log_trigger_gets_it_back_on_open(settings):
    with sqlite3.connect(settings.sqlite_path) as db:
        db.execute('DROP TRIGGER "buildchange3_record_update"')
    open_engine(settings).dispose()
    with sqlite3.connect(settings.sqlite_path) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "buildchange3_record_update" in names


def test_a_store_that_lost_a_table_gets_it_back_on_open(settings):
    with sqlite3.connect(settings.sqlite_path) as db:
        db.execute("DROP TABLE signinfailure")
    open_engine(settings).dispose()
    with sqlite3.connect(settings.sqlite_path) as db:
        assert db.execute("SELECT count(*) FROM signinfailure").fetchone() == (0,)


def test_an_older_store_with_another_versions_key_is_still_upgraded(settings, caplog):
    with sqlite3.connect(settings.sqlite_path) as db:
        db.execute("ALTER TABLE record DROP COLUMN coverage")
        db.execute("UPDATE store_schema SET fingerprint = 'an older version' WHERE key = ?", (SOURCE_KEY,))
        db.execute("UPDATE store_schema SET fingerprint = 'an older schema' WHERE key = 'tables'")
    caplog.set_level(logging.WARNING, logger="reckoning")
    open_engine(settings).dispose()
    assert "added column record.coverage" in caplog.text
    with sqlite3.connect(settings.sqlite_path) as db:
        assert "coverage" in {row[1] for row in db.execute("PRAGMA table_info(record)")}
    assert not [s for s in opened_statements(settings) if s.lstrip().upper().startswith(("CREATE", "ALTER"))]


def test_a_store_with_a_matching_fingerprint_gains_the_cheap_key_then_skips_the_ddl(settings):
    with sqlite3.connect(settings.sqlite_path) as db:  # as a store made before the cheap key existed
        db.execute("DELETE FROM store_schema WHERE key = ?", (SOURCE_KEY,))
    open_engine(settings).dispose()
    with sqlite3.connect(settings.sqlite_path) as db:
        assert db.execute("SELECT count(*) FROM store_schema WHERE key = ?", (SOURCE_KEY,)).fetchone() == (1,)
    assert not [s for s in opened_statements(settings) if s.lstrip().upper().startswith(("CREATE", "ALTER"))]



def test_the_schema_key_rewritten_by_another_install_is_no_change_a_build_must_follow(settings):
    """The same code opened from another folder writes its own cheap key; the change log does not
    name it, so the indexes and the site are still patched rather than compared whole."""
    with sqlite3.connect(settings.sqlite_path) as db:
        db.execute("UPDATE store_schema SET fingerprint = 'another install' WHERE key = ?", (SOURCE_KEY,))
        logged = db.execute("SELECT count(*) FROM buildchange").fetchone()
    open_engine(settings).dispose()
    with sqlite3.connect(settings.sqlite_path) as db:
        assert db.execute("SELECT fingerprint FROM store_schema WHERE key = ?", (SOURCE_KEY,)).fetchone() \
            != ("another install",)
        assert db.execute("SELECT count(*) FROM buildchange").fetchone() == logged
        assert db.execute("SELECT count(*) FROM buildchange WHERE tbl = 'store_schema'").fetchone() == (0,)

def test_the_build_command_imports_neither_whoosh_nor_edtf_nor_alembic():
    """What `reckon build` loads in a fresh process (whoosh comes with the whoosh engine only)."""
    probe = ("import sys, reckon.cli, publish.pipeline; "
             "print(sorted(m for m in ('whoosh', 'edtf', 'alembic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
