"""A log of which rows of the store were written, kept by SQLite triggers, so a site rebuild
can ask "what changed since my last build?" without reading every row.

Every write to a table the public site is made from (an insert, an update or a delete, by
our code, an ingest, or a hand-made SQL statement) appends one `buildchange` row in the same
transaction: for records, the record's id; for every other table, only the table's name
(those changes send the next build down its full comparison). Bookkeeping tables that no
public output reads (revisions, the audit log, users, API tokens, sign-in failures) are left
out (and the tagger's note of what it last read), so a curator's login or an audit line does
not cost a full rebuild.

The triggers are created with the tables (`create_all`, which `open_engine` runs on every
open, so a store made before this module gains them at its next open). A build reads the
log's latest `seq` first, before any other row, so a write that lands while it runs is
always at a later `seq` and seen by the next build. The log is never pruned: another site
folder built from the same store may still need older entries (each row is a few bytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlmodel import Field, Session, SQLModel

TABLE = "buildchange"
PER_ROW = {"record"}  # tables whose changed ids are logged (the rest: the table name only)
NOT_PUBLISHED = {"revision", "auditevent", "user", "apitoken", "signinfailure", "taggedstate", "sitelag", "sourcefile", TABLE}


class BuildChange(SQLModel, table=True):
    __tablename__ = TABLE
    __table_args__ = {"info": {"preserve": False}}  # operational, not archive: no preservation bag holds it
    seq: int | None = Field(default=None, primary_key=True, sa_column_kwargs={"autoincrement": True})
    tbl: str
    object_id: str | None = None


def _triggers(table: str) -> list[str]:
    statements = []
    for action, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        values = f"'{table}', {row}.id" if table in PER_ROW else f"'{table}', NULL"
        also = f" INSERT INTO {TABLE} (tbl, object_id) VALUES ('{table}', OLD.id);" \
            if table in PER_ROW and action == "UPDATE" else ""  # an id changed: both ids changed
        statements.append(
            f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_{table}_{action.lower()}" AFTER {action} ON "{table}" '
            f"BEGIN INSERT INTO {TABLE} (tbl, object_id) VALUES ({values});{also} END")
    return statements


def trigger_names(metadata) -> list[str]:
    """The names of the triggers `_install` creates (archive/db.py checks a store has them all)."""
    return [f"{TABLE}_{table}_{action}" for table in metadata.tables if table not in NOT_PUBLISHED
            for action in ("insert", "update", "delete")]


@event.listens_for(SQLModel.metadata, "after_create")
def _install(metadata, connection, **_kw) -> None:
    """Create the triggers (idempotent) for every table the site may read: a table added by
    a later module is logged too, and so makes the next build compare everything."""
    if connection.dialect.name != "sqlite":
        return  # other databases: no log, so every build takes the full comparison
    for table in metadata.sorted_tables:
        if table.name not in NOT_PUBLISHED:
            for statement in _triggers(table.name):
                connection.execute(text(statement))


@dataclass
class Changes:
    records: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)  # other tables written


def latest(session: Session) -> list | None:
    """The log's newest entry as `[seq, table, id]` (`[0, None, None]` when the log is empty),
    or None when this store keeps no log. A build keeps it as its place in the log."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    try:
        row = session.connection().execute(
            text(f"SELECT seq, tbl, object_id FROM {TABLE} ORDER BY seq DESC LIMIT 1")).first()
    except Exception:  # noqa: BLE001 - no such table: a store this code cannot follow
        return None
    return list(row) if row is not None else [0, None, None]


def entry(session: Session, seq: int) -> list | None:
    """The log's entry `seq` as `[seq, table, id]`, or None when the log holds no such entry."""
    row = session.connection().execute(text(f"SELECT seq, tbl, object_id FROM {TABLE} WHERE seq = :s"),
                                       {"s": seq}).first()
    return list(row) if row is not None else None


def since(session: Session, mark: list, upto: list) -> Changes | None:
    """What was written after the entry `mark` (a `latest()` answer) up to `upto`; None when
    this log cannot tell, because `mark` is not in it as it was (another store put in this
    one's place, say by a restore) or was the empty log's."""
    if not mark or not mark[0] or upto[0] < mark[0]:
        return None
    if entry(session, mark[0]) != list(mark):
        return None
    found = Changes()
    rows = session.connection().execute(text(f"SELECT tbl, object_id FROM {TABLE} WHERE seq > :a AND seq <= :b"),
                                        {"a": mark[0], "b": upto[0]}).all()
    for table, object_id in rows:
        if table in PER_ROW and object_id is not None:
            found.records.add(object_id)
        else:
            found.tables.add(table)
    return found
