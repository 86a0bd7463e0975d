"""The ingest pipeline: read every source, check it whole, then write it in one transaction.

Nothing is written unless every file is valid, so a bad file can never leave the archive
half-updated. Objects are upserted by their stable id and compared by content hash, so
re-running on unchanged content writes nothing at all (not even a revision).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import Session, select

from archive import models as m
from archive.db import open_engine, transaction
from archive.errors import ContentError, ContentProblem
from archive.revisions import record_write, snapshot
from archive.settings import Settings
from ingest.readers import Parsed, read_content
from ingest.references import check_references
from ingest.rows import CHILD_TABLES, child_rows, content_hash, main_fields

ACTOR = "ingest"
# Write order: what is referenced is written (and flushed) before what refers to it.
KIND_ORDER = ("agent", "concept", "record", "narrative", "harm", "timeline", "commitment", "response")


@dataclass
class IngestReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    warnings: list[ContentProblem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values()))

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.deleted) | set(self.unchanged))
        parts = []
        for kind in kinds:
            parts.append(f"{kind}s: {self.created[kind]} new, {self.updated[kind]} changed, "
                         f"{self.deleted[kind]} removed, {self.unchanged[kind]} unchanged")
        return "; ".join(parts) or "nothing to ingest"


def check_content(settings: Settings) -> tuple[list[Parsed], list[ContentProblem]]:
    """Read and validate all content without touching the store. Raises ContentError."""
    result = read_content(settings.content_dir)
    # References are checked only once every file reads cleanly, so one broken file gives
    # one clear error rather than a cascade of "unknown id" errors in the files citing it.
    problems = result.problems or check_references(result.objects)
    if problems:
        raise ContentError(problems)
    return result.objects, result.warnings


def ingest(settings: Settings, *, strict: bool = False) -> IngestReport:
    """Bring the store in line with the content folder."""
    objects, warnings = check_content(settings)
    if strict and warnings:
        raise ContentError(warnings)
    report = IngestReport(warnings=warnings)
    engine = open_engine(settings)
    try:
        with transaction(engine) as session:
            for kind in KIND_ORDER:
                _upsert_kind(session, kind, [o for o in objects if o.kind == kind], report)
    finally:
        engine.dispose()
    return report


def _parents_first(objects: list[Parsed]) -> list[Parsed]:
    """Agents and concepts refer to a parent of their own kind; insert parents first."""
    by_id = {o.id: o for o in objects}
    ordered: list[Parsed] = []
    seen: set[str] = set()

    def visit(obj: Parsed, path: tuple[str, ...]) -> None:
        if obj.id in seen:
            return
        parent = getattr(obj.source, "parent", None) or getattr(obj.source, "broader", None)
        if parent in path:
            raise ContentError([obj.problem(("parent",), f"'{parent}' is its own ancestor")])
        if parent in by_id:
            visit(by_id[parent], path + (obj.id,))
        seen.add(obj.id)
        ordered.append(obj)

    for obj in objects:
        visit(obj, ())
    return ordered


def _upsert_kind(session: Session, kind: str, objects: list[Parsed], report: IngestReport) -> None:
    table = m.OBJECT_TYPES[kind]
    existing = {row.id: row for row in session.exec(select(table))}
    for obj in _parents_first(objects):
        digest = content_hash(obj)
        row = existing.get(obj.id)
        if row is not None and row.content_hash == digest and not row.deleted:
            report.unchanged[kind] += 1
            continue
        if kind == "narrative" and row is not None:
            _check_consent_is_appended(session, obj)
        before = snapshot(row) if row is not None else None
        if row is None:
            row = table(id=obj.id, **main_fields(obj))
            action = "create"
            report.created[kind] += 1
        else:
            for key, value in main_fields(obj).items():
                setattr(row, key, value)
            action = "update"
            report.updated[kind] += 1
        row.deleted = False
        row.content_hash = digest
        row.source_path = obj.doc.display_path
        record_write(session, row, object_type=kind, action=action, actor=ACTOR, before=before)
        for child_table, column in CHILD_TABLES.get(kind, []):
            session.exec(delete(child_table).where(getattr(child_table, column) == obj.id))
        session.flush()
        session.add_all(child_rows(obj))
    seen = {o.id for o in objects}
    for row in existing.values():
        if row.id not in seen and not row.deleted:
            before = snapshot(row)
            row.deleted = True
            record_write(session, row, object_type=kind, action="delete", actor=ACTOR,
                         before=before, detail="source file removed")
            report.deleted[kind] += 1
    session.flush()


def _check_consent_is_appended(session: Session, obj: Parsed) -> None:
    """Consent is an append-only log: a past decision may never be edited or removed."""
    stored = session.exec(
        select(m.ConsentEntry).where(m.ConsentEntry.narrative_id == obj.id).order_by(m.ConsentEntry.position)
    ).all()
    new = obj.source.consent
    for index, old in enumerate(stored):
        if index >= len(new) or (old.date, old.use, old.granted) != (new[index].date, new[index].use, new[index].granted):
            raise ContentError([obj.problem(
                ("consent", min(index, max(len(new) - 1, 0))),
                f"consent is an append-only log: the recorded decision of {old.date} ({old.use}, "
                f"{'granted' if old.granted else 'refused'}) was changed or removed; add a new entry instead",
            )])
