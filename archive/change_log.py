"""A log of which rows of the store were written, kept by the database's own triggers, so a
site rebuild can ask "what changed since my last build?" without reading every row.

Every write to a table the public site is made from (an insert, an update or a delete, by
our code, an ingest, or a hand-made SQL statement) appends one `buildchange` row in the same
transaction: for records, the record's id; for every other table, only the table's name
(those changes send the next build down its full comparison). Bookkeeping tables that no
public output reads (revisions, the audit log, users, API tokens, sign-in failures, staff
sessions) are left out (and the tagger's note of what it last read), so a curator's login or an
audit line does not cost a full rebuild (nor, on PostgreSQL, wait for the writers' turn). A table
moved into that list loses its triggers at the next open.

The triggers are SQLite triggers, or on PostgreSQL PL/pgSQL ones that do the same (one
function, `buildchange_log()`, and the same three triggers a table; a hand-made TRUNCATE logs
the table's name). They are created with the tables (`create_all`, which `open_engine` runs on
a store it has not brought up to date, so a store made before this module gains them at its
next open). A build reads the log's latest `seq` first, before any other row, so a write that
lands while it runs is at a later `seq` and seen by the next build. On SQLite that holds
because writers take turns; on PostgreSQL, where a transaction that took its `seq` earlier
could commit later, the trigger makes writers take turns from their first logged row to
their commit (a transaction-level advisory lock), so the log's order is the order of commits.
The log is never pruned: another site folder built from the same store may still need older
entries (each row is a few bytes).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Field, Session, SQLModel

TABLE = "buildchange"
PER_ROW = {"record"}  # tables whose changed ids are logged (the rest: the table name only)
NOT_PUBLISHED = {"revision", "auditevent", "user", "apitoken", "signinfailure", "staffsession", "taggedstate",
                 TABLE}


class BuildChange(SQLModel, table=True):
    __tablename__ = TABLE
    __table_args__ = {"info": {"preserve": False}}  # operational, not archive: no preservation bag holds it
    seq: int | None = Field(default=None, primary_key=True, sa_column_kwargs={"autoincrement": True})
    tbl: str
    object_id: str | None = None


# Writers on PostgreSQL take turns on this advisory lock (any constant our code uses for nothing else).
WRITERS_LOCK = 0x7265636B6F6E  # "reckon"
ACTIONS = ("insert", "update", "delete")

# One function serves every table: TG_ARGV[0] says whether the table's ids are logged.
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TABLE}_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITERS_LOCK});
    IF TG_ARGV[0] = 'ids' AND TG_LEVEL = 'ROW' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO {TABLE} (tbl, object_id) VALUES (TG_TABLE_NAME, OLD.id);
        ELSE
            INSERT INTO {TABLE} (tbl, object_id) VALUES (TG_TABLE_NAME, NEW.id);
            IF TG_OP = 'UPDATE' THEN  -- an id changed: both ids changed
                INSERT INTO {TABLE} (tbl, object_id) VALUES (TG_TABLE_NAME, OLD.id);
            END IF;
        END IF;
    ELSE
        INSERT INTO {TABLE} (tbl, object_id) VALUES (TG_TABLE_NAME, NULL);
    END IF;
    RETURN NULL;
END $$"""


def _sqlite_triggers(table: str) -> list[str]:
    statements = []
    for action, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        values = f"'{table}', {row}.id" if table in PER_ROW else f"'{table}', NULL"
        also = f" INSERT INTO {TABLE} (tbl, object_id) VALUES ('{table}', OLD.id);" \
            if table in PER_ROW and action == "UPDATE" else ""  # an id changed: both ids changed
        statements.append(
            f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_{table}_{action.lower()}" AFTER {action} ON "{table}" '
            f"BEGIN INSERT INTO {TABLE} (tbl, object_id) VALUES ({values});{also} END")
    return statements


def _postgresql_triggers(table: str, present: set[str]) -> list[str]:
    """The triggers of `table` the store lacks (creating one locks its table against writes, so
    those already there are not made again)."""
    kind = "ids" if table in PER_ROW else "table"
    wanted = {f"{TABLE}_{table}_{action}": f"AFTER {action.upper()} ON \"{table}\" FOR EACH ROW"
              for action in ACTIONS}
    wanted[f"{TABLE}_{table}_truncate"] = f'AFTER TRUNCATE ON "{table}" FOR EACH STATEMENT'
    return [f'CREATE TRIGGER "{name}" {when} EXECUTE FUNCTION {TABLE}_log(\'{kind}\')'
            for name, when in wanted.items() if name not in present]


def trigger_names(metadata, dialect: str = "sqlite") -> list[str]:
    """The names of the triggers `_install` creates (archive/db.py checks a store has them all)."""
    actions = ACTIONS + ("truncate",) if dialect == "postgresql" else ACTIONS
    return [f"{TABLE}_{table}_{action}" for table in metadata.tables if table not in NOT_PUBLISHED
            for action in actions]


def installed(connection) -> set[str]:
    """The names of the triggers the store has (of any table)."""
    if connection.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return {row[0] for row in connection.execute(text(query))}


@event.listens_for(SQLModel.metadata, "after_create")
def _install(metadata, connection, **_kw) -> None:
    """Create the triggers (idempotent) for every table the site may read: a table added by
    a later module is logged too, and so makes the next build compare everything. Triggers an
    older version made on a table now in NOT_PUBLISHED are dropped."""
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return  # other databases: no log, so every build takes the full comparison
    if dialect == "postgresql":
        connection.execute(text(PG_FUNCTION))
    present = installed(connection)
    for table in metadata.sorted_tables:
        if table.name in NOT_PUBLISHED:
            statements = _stale_triggers(table.name, present, dialect)
        elif dialect == "sqlite":
            statements = _sqlite_triggers(table.name)
        else:
            statements = _postgresql_triggers(table.name, present)
        for statement in statements:
            connection.execute(text(statement))


def _stale_triggers(table: str, present: set[str], dialect: str) -> list[str]:
    on = f' ON "{table}"' if dialect == "postgresql" else ""
    names = {f"{TABLE}_{table}_{action}" for action in (*ACTIONS, "truncate")}
    return [f'DROP TRIGGER "{name}"{on}' for name in sorted(names & present)]


@dataclass
class Changes:
    records: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)  # other tables written


def latest(session: Session) -> list | None:
    """The log's newest entry as `[seq, table, id]` (`[0, None, None]` when the log is empty),
    or None when this store keeps no log. A build keeps it as its place in the log."""
    if session.get_bind().dialect.name not in ("sqlite", "postgresql"):
        return None
    query = text(f"SELECT seq, tbl, object_id FROM {TABLE} ORDER BY seq DESC LIMIT 1")
    # On PostgreSQL in a savepoint: a failed statement would end the whole transaction.
    guard = session.begin_nested() if session.get_bind().dialect.name == "postgresql" else nullcontext()
    try:
        with guard:
            row = session.connection().execute(query).first()
    except DBAPIError:  # no such table: a store this code cannot follow
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
