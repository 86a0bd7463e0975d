"""The write path: whole batches through the session's connection, not object by object.

Adding ORM objects one at a time and flushing each is what made ingest slow (82 s against
18 s for 100,000 records in the architecture notes), so each kind is written as a few
executemany statements: new rows, changed rows, their revisions and audit lines, and their
child rows. It all runs inside the caller's transaction, so a failure still leaves nothing
behind, and every write still gets its revision (with the previous values) and audit line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session, SQLModel

from archive import models as m
from archive.errors import ContentError, ContentProblem
from archive.revisions import diff
from ingest.progress import Progress
from ingest.readers.parsed import Parsed
from ingest.rows import CHILD_TABLES, child_rows, content_hash, main_fields

ACTOR = "ingest"
BOOKKEEPING = {"created_at", "updated_at", "content_hash"}  # as in archive.revisions.snapshot
CHUNK = 500  # ids per IN (...) clause, well under SQLite's variable limit
BATCH = 2000  # objects written per round of executemany statements


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def snapshot_values(values: dict) -> dict:
    """What a revision keeps of a row given as a dict (the same shape as revisions.snapshot)."""
    return {k: _plain(v) for k, v in values.items() if k not in BOOKKEEPING}


def _defaults(table: type[SQLModel]) -> dict:
    return {name: info.get_default(call_default_factory=True)
            for name, info in table.model_fields.items() if not info.is_required()}


def _row_dict(obj: SQLModel) -> dict:
    """A child row as column values, leaving autoincrement ids to the database."""
    values = {c.key: getattr(obj, c.key) for c in obj.__table__.columns}  # type: ignore[attr-defined]
    if values.get("id") is None:
        values.pop("id", None)
    return values


class BulkWriter:
    """Upserts one kind at a time and fills the report; the caller owns the transaction."""

    def __init__(self, session: Session, report, *, prune: bool = False, progress: Progress | None = None,
                 order: Callable[[list[Parsed]], list[Parsed]] = list,
                 before_update: Callable[[Session, Parsed], None] | None = None):
        self.session = session
        self.report = report
        self.prune = prune
        self.progress = progress
        self.order = order
        self.before_update = before_update
        # Problems found against the stored rows (before_update), collected so a run reports
        # them all; the caller rolls the transaction back when there are any.
        self.problems: list[ContentProblem] = []

    def upsert_kind(self, kind: str, objects: list[Parsed], partial: bool = False) -> None:
        """Write one kind in batches of BATCH objects, so what a batch builds (rows, revisions,
        bound parameters) is freed before the next one; only ids and hashes of stored rows are
        held for the whole kind, and full rows are read only for objects that changed.

        `partial`: `objects` are only those read from changed files (`ingest.changed_files`),
        so only their stored rows are compared and none of the others counts as gone."""
        table = m.OBJECT_TYPES[kind]
        core = table.__table__  # type: ignore[attr-defined]
        columns = select(core.c.id, core.c.content_hash, core.c.deleted, core.c.source_path)
        if partial:
            ids = [o.id for o in objects]
            stored = {row.id: (row.content_hash, row.deleted, row.source_path)
                      for start in range(0, len(ids), CHUNK)
                      for row in self.session.execute(columns.where(core.c.id.in_(ids[start:start + CHUNK])))}
        else:
            stored = {row.id: (row.content_hash, row.deleted, row.source_path)
                      for row in self.session.execute(columns)}
        now = m.utcnow()
        template = _defaults(table)
        if self.progress is not None and objects:
            self.progress.set_stage(f"{kind}s", len(objects))
        ordered = self.order(objects)
        for start in range(0, len(ordered), BATCH):
            self._upsert_batch(kind, table, ordered[start:start + BATCH], stored, template, now)
        if partial:
            return
        seen = {o.id for o in objects}
        # Only rows read from a content file can go missing from it; objects made in the staff
        # app (source_path "staff:<user>") live in the store alone and are never reported or pruned.
        gone = sorted((row_id, path) for row_id, (_, deleted, path) in stored.items()
                      if row_id not in seen and not deleted and not path.startswith("staff:"))
        if gone and self.prune:
            for start in range(0, len(gone), CHUNK):
                rows = self._full_rows(table, [row_id for row_id, _ in gone[start:start + CHUNK]])
                updates = [row | {"deleted": True, "updated_at": now} for row in rows.values()]
                bookkeeping = [(row_id, "delete", {"deleted": [False, True]}) for row_id in rows]
                self.report.deleted[kind] += len(rows)
                self._write(table, kind, [], updates, bookkeeping, [], [], now)
        elif gone:
            self.report.missing[kind] = gone

    def _full_rows(self, table, ids: list[str]) -> dict[str, dict]:
        core = table.__table__
        rows: dict[str, dict] = {}
        for start in range(0, len(ids), CHUNK):
            statement = select(*core.columns).where(core.c.id.in_(ids[start:start + CHUNK]))
            rows |= {row["id"]: dict(row) for row in self.session.execute(statement).mappings()}
        return rows

    def _upsert_batch(self, kind: str, table, objects: list[Parsed], stored: dict, template: dict,
                      now: datetime) -> None:
        creates: list[dict] = []
        changed: list[tuple[Parsed, dict]] = []
        children: list[SQLModel] = []
        for obj in objects:
            if self.progress is not None:
                self.progress.advance()
            digest = content_hash(obj)
            old = stored.get(obj.id)
            if old is not None and old[0] == digest and not old[1]:
                self.report.unchanged[kind] += 1
                continue
            values = {"id": obj.id, **main_fields(obj), "deleted": False, "content_hash": digest,
                      "source_path": obj.doc.display_path, "updated_at": now}
            if old is None:
                creates.append(template | {"created_at": now} | values)
                self.report.created[kind] += 1
            else:
                if self.before_update is not None:
                    try:
                        self.before_update(self.session, obj)
                    except ContentError as exc:
                        self.problems += exc.problems
                        continue
                changed.append((obj, values))
                self.report.updated[kind] += 1
            children += child_rows(obj)
        bookkeeping: list[tuple[str, str, dict]] = [
            (row["id"], "create", diff({}, snapshot_values(row))) for row in creates]
        updates: list[dict] = []
        if changed:
            olds = self._full_rows(table, [obj.id for obj, _ in changed])
            for obj, values in changed:
                old_row = olds[obj.id]
                row = old_row | values
                updates.append(row)
                bookkeeping.append((obj.id, "update", diff(snapshot_values(old_row), snapshot_values(row))))
        self._write(table, kind, creates, updates, bookkeeping, [obj.id for obj, _ in changed], children, now)

    def _write(self, table, kind, creates, updates, bookkeeping, replaced_children, children, now) -> None:
        # Core statements on the session's own connection: executemany, no per-object ORM work.
        connection = self.session.connection()
        core = table.__table__
        if creates:
            connection.execute(core.insert(), creates)
        if updates:
            statement = core.update().where(core.c.id == bindparam("_id"))
            connection.execute(statement, [{"_id": row["id"]} | {k: v for k, v in row.items() if k != "id"}
                                           for row in updates])
        for child_table, column in CHILD_TABLES.get(kind, []):
            for start in range(0, len(replaced_children), CHUNK):
                chunk = replaced_children[start:start + CHUNK]
                connection.execute(delete(child_table).where(getattr(child_table, column).in_(chunk)))
        by_table: dict[type[SQLModel], list[dict]] = {}
        for child in children:
            by_table.setdefault(type(child), []).append(_row_dict(child))
        for child_table, rows in by_table.items():
            connection.execute(child_table.__table__.insert(), rows)  # type: ignore[attr-defined]
        if bookkeeping:
            connection.execute(m.Revision.__table__.insert(), [  # type: ignore[attr-defined]
                {"object_type": kind, "object_id": object_id, "action": action, "actor": ACTOR,
                 "at": now, "changes": changes} for object_id, action, changes in bookkeeping])
            connection.execute(m.AuditEvent.__table__.insert(), [  # type: ignore[attr-defined]
                {"actor": ACTOR, "action": action, "object_type": kind, "object_id": object_id, "at": now,
                 "detail": "source file removed" if action == "delete" else ""}
                for object_id, action, _ in bookkeeping])
