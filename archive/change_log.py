"""A log of which rows of the store were written, kept by the database's own triggers, so a
site rebuild and a search index update can ask "what changed since I last looked?" without
reading every row.

Every write to a table the public site is made from (an insert, an update or a delete, by
our code, an ingest, or a hand-made SQL statement) appends `buildchange` rows in the same
transaction, naming the objects it touched:

- a write to a record, narrative, harm or timeline names that object (`PER_ROW`);
- a write to a table holding part of such an object names the object it belongs to
  (`PART_OF`): a consent entry, transcript segment, passage note, redaction or recording its narrative;
  a harm's concepts, agents, evidence and events the harm (evidence and events also the record
  or narrative they cite: "cited by" shows on their pages); an image or attachment its record; a
  timeline entry its timeline and the record it is on; a tag suggestion the object it tags;
- any other table is named by its table name only (those changes make the next build and
  index update take the full comparison, or for the small tables of the ledger, remake them).

Bookkeeping tables that no public output reads (revisions, the audit log, users, API tokens,
sign-in failures, staff sessions and submissions, the site's lag, ingest's file stats) are left
out (and the tagger's note of what it last read), so a curator's login or an audit line costs
nothing (nor, on PostgreSQL, waits for the writers' turn).

The triggers are SQLite triggers, or on PostgreSQL PL/pgSQL ones that do the same (a function
a table, made from the same statements; a hand-made TRUNCATE logs the table's name). They are
created with the tables (`create_all`, which `open_engine` runs on a store it has not brought
up to date, so a store made before this module gains them at its next open; triggers of an
older recipe, another name prefix, are dropped then). A build reads the log's latest `seq`
first, before any other row, so a write that lands while it runs is at a later `seq` and seen
by the next build. On SQLite that holds because writers take turns; on PostgreSQL, where a
transaction that took its `seq` earlier could commit later, the trigger makes writers take
turns from their first logged row to their commit (a transaction-level advisory lock), so the
log's order is the order of commits. The log is never pruned: another site folder built from
the same store may still need older entries (each row is a few bytes)."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Field, Session, SQLModel

TABLE = "buildchange"
TRIGGERS = "buildchange3"  # the triggers' name prefix; a new recipe gets a new one (old ones are dropped)
PER_ROW = ("record", "narrative", "harm", "timeline")  # tables whose changed ids are logged
# Tables holding part of an object: (its kind, the column naming it). A column may be empty.
PART_OF: dict[str, tuple[tuple[str, str], ...]] = {
    "consententry": (("narrative", "narrative_id"),),
    "storeconsentdecision": (("narrative", "narrative_id"),),
    "transcriptsegment": (("narrative", "narrative_id"),),
    "transcriptsource": (("narrative", "narrative_id"),),
    "passagenote": (("narrative", "narrative_id"),),
    "redaction": (("narrative", "narrative_id"),),
    "recording": (("narrative", "narrative_id"),),
    "harmconcept": (("harm", "harm_id"),),
    "harmagent": (("harm", "harm_id"),),
    "evidence": (("harm", "harm_id"), ("record", "record_id"), ("narrative", "narrative_id")),
    "accountabilityevent": (("harm", "harm_id"), ("record", "source_record_id")),
    "timelineentry": (("timeline", "timeline_id"), ("record", "ref")),
    "media": (("record", "record_id"),),
    "attachment": (("record", "record_id"),),
    "tagsuggestion": (("", "object_id"),),  # the kind is the row's own `object_type`
}
# store_schema: the fingerprint of the code that last opened the store, rewritten when the same
# code is opened from another folder (a second install): logged, it made both indexes and the site
# compare every object (~50 s of CPU at 100,000 records) though nothing public changed.
NOT_PUBLISHED = {"revision", "auditevent", "user", "apitoken", "signinfailure", "staffsession", "taggedstate",
                 "sitelag", "sourcefile", "submission", "store_schema", TABLE}
# Writers on PostgreSQL take turns on this advisory lock (any constant our code uses for nothing else).
WRITERS_LOCK = 0x7265636B6F6E  # "reckon"
ACTIONS = ("insert", "update", "delete")


class BuildChange(SQLModel, table=True):
    __tablename__ = TABLE
    __table_args__ = {"info": {"preserve": False}}  # operational, not archive: no preservation bag holds it
    seq: int | None = Field(default=None, primary_key=True, sa_column_kwargs={"autoincrement": True})
    tbl: str
    object_id: str | None = None


def _names(table: str, row: str) -> list[str]:
    """The INSERTs naming what a written row (`NEW` or `OLD`) of `table` touched."""
    if table in PER_ROW:
        return [f"INSERT INTO {TABLE} (tbl, object_id) VALUES ('{table}', {row}.id);"]
    if table in PART_OF:
        return [f"INSERT INTO {TABLE} (tbl, object_id) SELECT "
                f"{f'{row}.object_type' if not kind else repr(kind)}, {row}.{column} "
                f"WHERE {row}.{column} IS NOT NULL;" for kind, column in PART_OF[table]]
    return [f"INSERT INTO {TABLE} (tbl, object_id) VALUES ('{table}', NULL);"]


def _sqlite_triggers(table: str) -> list[str]:
    statements = []
    for action, rows in (("INSERT", ("NEW",)), ("UPDATE", ("NEW", "OLD")), ("DELETE", ("OLD",))):
        # An update names what the row touched before and after (an id or a parent changed).
        body = " ".join(statement for row in rows for statement in _names(table, row))
        statements.append(f'CREATE TRIGGER IF NOT EXISTS "{TRIGGERS}_{table}_{action.lower()}" AFTER {action} '
                          f'ON "{table}" BEGIN {body} END')
    return statements


def _postgresql_triggers(table: str, present: set[str]) -> list[str]:
    """The function logging `table`'s writes (the same statements as SQLite's triggers, behind
    the writers' lock) and the triggers the store lacks (creating one locks its table against
    writes, so those already there are not made again)."""
    function = f'"{TRIGGERS}_{table}"'
    body = (f"PERFORM pg_advisory_xact_lock({WRITERS_LOCK}); "
            f"IF TG_OP = 'TRUNCATE' THEN INSERT INTO {TABLE} (tbl, object_id) VALUES ('{table}', NULL); END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {' '.join(_names(table, 'NEW'))} END IF; "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {' '.join(_names(table, 'OLD'))} END IF; "
            "RETURN NULL;")
    statements = [f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$"]
    wanted = {f"{TRIGGERS}_{table}_{action}": f'AFTER {action.upper()} ON "{table}" FOR EACH ROW'
              for action in ACTIONS}
    wanted[f"{TRIGGERS}_{table}_truncate"] = f'AFTER TRUNCATE ON "{table}" FOR EACH STATEMENT'
    return statements + [f'CREATE TRIGGER "{name}" {when} EXECUTE FUNCTION {function}()'
                         for name, when in wanted.items() if name not in present]


def trigger_names(metadata, dialect: str = "sqlite") -> list[str]:
    """The names of the triggers `_install` creates (archive/db.py checks a store has them all)."""
    actions = (*ACTIONS, "truncate") if dialect == "postgresql" else ACTIONS
    return [f"{TRIGGERS}_{table}_{action}" for table in metadata.tables if table not in NOT_PUBLISHED
            for action in actions]


def installed(connection) -> set[str]:
    """The names of the triggers the store has (of any table)."""
    return set(_trigger_tables(connection))


def _trigger_tables(connection) -> dict[str, str]:
    if connection.dialect.name == "postgresql":
        query = ("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                 "WHERE NOT t.tgisinternal")
    else:
        query = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
    return dict(connection.execute(text(query)).all())


@event.listens_for(SQLModel.metadata, "after_create")
def _install(metadata, connection, **_kw) -> None:
    """Create the triggers (idempotent) for every table the site may read: a table added by
    a later module is logged too, and so makes the next build compare everything. Triggers
    of an older recipe (another name prefix) or on a table now in NOT_PUBLISHED are dropped."""
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return  # other databases: no log, so every build takes the full comparison
    wanted = set(trigger_names(metadata, dialect))
    present = _trigger_tables(connection)
    on = dialect == "postgresql"
    for name, table in present.items():
        if name.startswith(TABLE) and name not in wanted:
            connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}"' + (f' ON "{table}"' if on else "")))
    for table in metadata.sorted_tables:
        if table.name in NOT_PUBLISHED:
            continue
        statements = (_sqlite_triggers(table.name) if dialect == "sqlite"
                      else _postgresql_triggers(table.name, set(present)))
        for statement in statements:
            connection.execute(text(statement))


@dataclass
class Changes:
    objects: dict[str, set[str]] = field(default_factory=dict)  # kind → ids of the objects written
    tables: set[str] = field(default_factory=set)  # other tables written

    @property
    def records(self) -> set[str]:
        return self.objects.get("record", set())


def latest(session: Session) -> list | None:
    """The log's newest entry as `[seq, table, id]` (`[0, None, None]` when the log is empty),
    or None when this store keeps no log. A build keeps it as its place in the log."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return None
    query = text(f"SELECT seq, tbl, object_id FROM {TABLE} ORDER BY seq DESC LIMIT 1")
    # On PostgreSQL in a savepoint: a failed statement would end the whole transaction.
    guard = session.begin_nested() if dialect == "postgresql" else nullcontext()
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
            found.objects.setdefault(table, set()).add(object_id)
        else:
            found.tables.add(table)
    return found
