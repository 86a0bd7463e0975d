"""Bringing a store made by an older Reckoning up to the tables and columns this code expects.

`create_all` adds missing tables but never touches a table that exists, so a column added to a
model in a later version would make every query on an older store fail ("no such column"), a
500 for every page. Opening the store therefore compares it with the models and makes the
additive changes itself: missing columns (with their default, so existing rows get a value)
and missing indexes, all in one transaction, so a failure leaves the store exactly as it was.
Alembic's autogenerate comparison finds the differences and its operations write the DDL for
SQLite and PostgreSQL alike.

Only additions are made. Anything else the comparison reports (a type or nullability that
differs, a column the code no longer has) is left alone: those need a written migration, and
guessing would risk the archive's data. A column that cannot be added safely (a primary key,
or NOT NULL with no default to give the existing rows) stops the open with an error naming it.

The comparison needs to reflect every table, so it runs only when the models changed: a
fingerprint of the code's schema is kept in the store (`store_schema`) and checked first.
Computing that fingerprint compiles every table's DDL (~0.1 s), too much for every `reckon
build`, so a cheap key is kept beside it (`source_key`: a digest of the code that defines the
tables, the table names and the library versions). When the stored key matches, the stored
fingerprint was written by this very code, and `is_current` says so without compiling anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from importlib.metadata import version
from pathlib import Path

from pydantic_core import PydanticUndefined
from sqlalchemy import Column, Connection, Index, MetaData, delete, insert, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.schema import CreateIndex, CreateTable, DefaultClause
from sqlmodel import Field, SQLModel
from sqlmodel.main import default_registry

from archive.errors import ReckoningError

log = logging.getLogger("reckoning")
KEY = "tables"
SOURCE_KEY = "source"  # the cheap key of the code that wrote the KEY row (see `source_key`)
_ARCHIVE = Path(__file__).resolve().parent


class StoreSchema(SQLModel, table=True):
    """The fingerprint of the models the store's tables were last brought up to."""

    __tablename__ = "store_schema"
    __table_args__ = {"info": {"preserve": False}}  # about this store's tables, not the archive

    key: str = Field(primary_key=True)
    fingerprint: str


class StoreSchemaError(ReckoningError):
    """The store lacks something this version needs and it cannot be added safely."""


def fingerprint(metadata: MetaData, dialect: Dialect) -> str:
    """A hash of the DDL the models make on this database: it changes when a model does."""
    key = (id(metadata), len(metadata.tables), dialect.name)
    if key not in _FINGERPRINTS:  # compiling every table's DDL takes milliseconds: once a process
        digest = hashlib.sha256()
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            digest.update(str(CreateTable(table).compile(dialect=dialect)).encode())
            for index in sorted(table.indexes, key=lambda i: i.name or ""):
                digest.update(str(CreateIndex(index).compile(dialect=dialect)).encode())
        _FINGERPRINTS[key] = digest.hexdigest()
    return _FINGERPRINTS[key]


_FINGERPRINTS: dict[tuple[int, int, str], str] = {}


def source_key(metadata: MetaData, dialect: Dialect) -> str | None:
    """A cheap stand-in for `fingerprint`: a digest of every archive/*.py file (where the models,
    their column types and the change-log triggers are written), of any other file defining a
    table, of the table names (which modules were imported) and of the versions of the libraries
    that write the DDL. Same key, same code, so the same fingerprint. None when a table's model
    has no source file to read, or a table is not a model's (then only the full fingerprint can say)."""
    if metadata is not SQLModel.metadata:
        return None
    key = (len(metadata.tables), dialect.name)
    if key not in _SOURCE_KEYS:  # `reckon build` opens the store 3 times: once a process
        _SOURCE_KEYS[key] = _source_key(metadata, dialect)
    return _SOURCE_KEYS[key]


_SOURCE_KEYS: dict[tuple[int, str], str | None] = {}


def _source_key(metadata: MetaData, dialect: Dialect) -> str | None:
    files = set(_ARCHIVE.glob("*.py"))
    mapped = set()
    for mapper in default_registry.mappers:
        if metadata.tables.get(mapper.local_table.name) is not mapper.local_table:
            continue
        source = getattr(sys.modules.get(mapper.class_.__module__), "__file__", None)
        if source is None:
            return None
        files.add(Path(source).resolve())
        mapped.add(mapper.local_table.name)
    if mapped != set(metadata.tables):
        return None
    digest = hashlib.sha256()
    digest.update(f"{dialect.name} {version('sqlalchemy')} {version('sqlmodel')}".encode())
    digest.update(" ".join(sorted(metadata.tables)).encode())
    for path in sorted(files):
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(engine: Engine, metadata: MetaData) -> bool:
    """The store's schema was last brought up to date by this code (its cheap key matches and the
    fingerprint row is there): nothing to compare or add. False for a store without the table."""
    key = source_key(metadata, engine.dialect)
    if key is None:
        return False
    table = StoreSchema.__table__
    try:
        with engine.connect() as conn:
            stored = dict(conn.execute(select(table.c.key, table.c.fingerprint)).all())
    except (OperationalError, ProgrammingError):  # no store_schema table: a new or very old store
        return False
    return stored.get(SOURCE_KEY) == key and KEY in stored


def bring_up_to_date(engine: Engine, metadata: MetaData, new_store: bool = False) -> list[str]:
    """Add the columns and indexes the models have and the store lacks; what was added, as
    `column table.name` / `index name` lines (empty when the store was already up to date).

    `new_store`: every table was just made by `create_all` (the store had none of them before),
    so there is nothing to compare."""
    wanted = fingerprint(metadata, engine.dialect)
    cheap = source_key(metadata, engine.dialect)
    table = StoreSchema.__table__
    if not new_store:
        with engine.connect() as conn:
            stored = dict(conn.execute(select(table.c.key, table.c.fingerprint)).all())
        if stored.get(KEY) == wanted:
            if cheap is not None and stored.get(SOURCE_KEY) != cheap:
                _write_source_key(engine, cheap)  # the next open can skip the comparison
            return []
    with engine.begin() as conn:
        # A write first: it opens the transaction and takes the write lock, so the DDL below
        # runs inside it (Python's sqlite3 would otherwise autocommit each ALTER TABLE) and a
        # second process opening the same old store waits, then finds nothing left to add.
        conn.execute(delete(table).where(table.c.key.in_((KEY, SOURCE_KEY))))
        added = [] if new_store else _add_missing(conn, metadata)
        conn.execute(insert(table).values(key=KEY, fingerprint=wanted))
        if cheap is not None:
            conn.execute(insert(table).values(key=SOURCE_KEY, fingerprint=cheap))
    for line in added:
        log.warning("upgraded the store: added %s", line)
    return added


def _write_source_key(engine: Engine, cheap: str) -> None:
    table = StoreSchema.__table__
    with engine.begin() as conn:
        conn.execute(delete(table).where(table.c.key == SOURCE_KEY))
        conn.execute(insert(table).values(key=SOURCE_KEY, fingerprint=cheap))


def _add_missing(conn: Connection, metadata: MetaData) -> list[str]:
    # Imported here: alembic costs ~0.3 s to import, and only an older store needs it (every
    # command opens the store; a one-record site rebuild should not pay for it).
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    context = MigrationContext.configure(conn)
    operations = Operations(context)
    added: list[str] = []
    for diff in compare_metadata(context, metadata):
        if not isinstance(diff, tuple):
            continue  # grouped changes to existing columns (type, nullability): not additions
        if diff[0] == "add_column":
            _, schema, table_name, column = diff
            operations.add_column(table_name, _addable(table_name, column), schema=schema)
            added.append(f"column {table_name}.{column.name}")
        elif diff[0] == "add_index":
            index: Index = diff[1]
            index.create(conn)
            added.append(f"index {index.name}")
    return added


def _addable(table_name: str, column: Column) -> Column:
    """A copy of `column` that can be added to a table with rows in it, or a clear refusal.

    The rows already stored get the model's default: a scalar default, or an empty list or
    mapping for JSON fields made by `default_factory=list`/`dict` (the code iterates them, so
    NULL would break it). A time-dependent default such as `utcnow` is no fact about old rows."""
    where = f"the store's table '{table_name}' has no column '{column.name}'"
    if column.primary_key:
        raise StoreSchemaError(f"{where}, and a primary key cannot be added to a table in place; "
                               "export the archive as a bag and import it into a new store")
    copy = column._copy()
    copy.constraints = set()  # a foreign key added in place cannot be enforced on SQLite anyway
    copy.foreign_keys = set()
    copy.index = None  # its index is its own difference (`add_index`), made after the column
    if column.server_default is None:
        found, value = _model_default(table_name, column)
        if found:
            copy.server_default = DefaultClause(_literal(value))
        elif not column.nullable:
            raise StoreSchemaError(f"{where}; it is required and has no default value to give the "
                                   "rows already stored, so it needs a written migration")
    return copy


def _model_default(table_name: str, column: Column) -> tuple[bool, object]:
    if column.default is not None and getattr(column.default, "is_scalar", False):
        return True, column.default.arg
    model = next((m.class_ for m in default_registry.mappers if m.local_table.name == table_name), None)
    info = model.model_fields.get(column.name) if model is not None else None
    if info is None:
        return False, None
    if info.default_factory in (list, dict):
        return True, info.default_factory()
    if info.default is not PydanticUndefined and info.default is not None:
        return True, info.default
    return False, None


def _literal(value) -> str:
    """A default as SQL text for the column's server default (JSON for lists and mappings)."""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(getattr(value, "value", value))  # str enums by their value
