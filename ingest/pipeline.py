"""The ingest pipeline: read every source, check it whole, then write it in one transaction.

Nothing is written unless every file is valid, so a bad file can never leave the archive
half-updated. Objects are upserted by their stable id and compared by content hash, so
re-running on unchanged content writes nothing at all (not even a revision).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlmodel import Session, select

from archive import models as m
from archive.db import open_engine, transaction
from archive.errors import ContentError, ContentProblem
from archive.settings import Settings
from ingest.changed_files import Delta, Scan, delta, remember, scan
from ingest.gc_pause import fewer_collections
from ingest.ingest_lock import ingest_lock
from ingest.progress import Progress, reading
from ingest.report import IngestReport
from ingest.stored_objects import (
    KIND_ORDER,
    count_unchanged,
    none_missing_before,
    note_missing,
    nothing_changed,
    report_missing,
)

# The readers and the write path are imported by the functions using them, once something
# changed: an ingest that finds no file changed (the common case) never loads them.
if TYPE_CHECKING:
    from ingest.readers.parsed import Parsed, ReadResult

ACTOR = "ingest"


CsvSource = tuple[str | Path, str | Path | None]  # (spreadsheet, mapping name or file)


def read_and_check(settings: Settings, csv_sources: Sequence[CsvSource] = (),
                   progress: Progress | None = None) -> ReadResult:
    """Read and validate all content without touching the store. Raises ContentError.

    Every problem of the run is collected before raising, so one run lists them all."""
    from ingest.attachments import read_attachments
    from ingest.readers.csv_catalog import read_csv_argument
    from ingest.readers.registry import read_content
    from ingest.recordings import read_recordings
    from ingest.references import check_references

    with reading(progress):
        result = read_content(settings.content_dir)
    for path, mapping in csv_sources:
        part = read_csv_argument(path, mapping, settings.content_dir)
        result.objects += part.objects
        result.problems += part.problems
        result.warnings += part.warnings
        result.skipped += part.skipped
    # References are checked only once every file reads cleanly, so one broken file gives
    # one clear error rather than a cascade of "unknown id" errors in the files citing it.
    problems = result.problems or check_references(result.objects)
    roots = [settings.content_dir, *(Path(path).parent for path, _ in csv_sources)]
    problems = problems + read_attachments(result.objects, roots)
    recording_problems, recording_warnings = read_recordings(result.objects, roots)
    problems += recording_problems
    result.warnings += recording_warnings
    if problems:
        raise ContentError(problems, result.warnings)
    return result


def check_content(settings: Settings, csv_sources: Sequence[CsvSource] = ()
                  ) -> tuple[list[Parsed], list[ContentProblem]]:
    result = read_and_check(settings, csv_sources)
    return result.objects, result.warnings


def ingest(settings: Settings, *, strict: bool = False, prune: bool = False,
           csv_sources: Sequence[CsvSource] = (), progress: Progress | None = None,
           found: Scan | None = None, known: Delta | None = None) -> IngestReport:
    """Bring the store in line with the content, in one all-or-nothing transaction.

    A stored object whose source is gone is reported in `missing` and kept; `prune=True`
    soft-deletes it (with a revision), as removing a file is easy to do by accident.

    Only what changed is read (`ingest.changed_files`, from each file's stat): nothing when no
    file changed since the last ingest, only the changed record files when those are all that
    changed (and no other object cites them); everything otherwise, and always with `strict`,
    `prune` or spreadsheets named on the command line. `found`: the content folder's scan, when
    the caller made it already (`reckon ingest` makes it before loading the store's code), and
    `known` its comparison with the store, when made (`ingest.unchanged_content.look`)."""
    with fewer_collections(), ingest_lock(settings):  # re-entrant: `reckon ingest` holds it already
        found = found if found is not None else scan(settings.content_dir)
        engine = open_engine(settings)
        try:
            if known is None:
                with Session(engine) as session:
                    known = delta(session.connection().connection, found)
            trusted = known is not None and not (strict or prune or csv_sources)
            if trusted and known.unchanged:
                return _nothing_changed(engine, settings.content_dir)
            changed = _read_changed_records(settings, engine, known) if trusted else None
            result = changed.result if changed is not None else _read_everything(settings, strict, csv_sources,
                                                                                progress)
            report = _write(engine, result, changed, found, known, settings, prune, csv_sources, progress)
        finally:
            engine.dispose()
            if progress is not None:
                progress.finish()
    return report


def _write(engine, result: ReadResult, changed: ChangedRecords | None, found: Scan, known: Delta | None,
           settings: Settings, prune: bool, csv_sources: Sequence[CsvSource], progress: Progress | None) -> IngestReport:
    """Write what was read, in one transaction (the rows, the proposals for curators, the
    staff's decisions reapplied, the files' stats for the next ingest)."""
    from archive import ledger_edits, store_consent
    from ingest.bulk import BulkWriter
    from ingest.redaction import refresh_redactions
    from ingest.tagging import TagsBeside, suggest_tags

    report = IngestReport(warnings=result.warnings)
    report.skipped["record"] = result.skipped
    with transaction(engine) as session, closing(TagsBeside(session, result.objects)) as tags:
        # (the new records' tag suggestions are made on the other core while the rows are written)
        writer = BulkWriter(session, report, prune=prune, progress=progress,
                            order=_parents_first, before_update=_before_update)
        for kind in KIND_ORDER:
            if changed is not None and kind not in PARTIAL_KINDS:
                continue  # not read: its files did not change
            writer.upsert_kind(kind, [o for o in result.objects if o.kind == kind],
                               partial=changed is not None and kind == "record")
        if writer.problems:  # found against the store (e.g. an edited consent log): roll back
            raise ContentError(writer.problems, result.warnings)
        # Proposals for curators, stored apart from the content; both skip what is unchanged.
        refresh_redactions(session, result.objects)
        report.suggestions = suggest_tags(session, result.objects, tags)
        # Decisions and edits made in the staff app outrank the files: kept, and reported.
        report.warnings += store_consent.reapply(session)
        report.warnings += ledger_edits.reconcile(session)
        remember(session, found, known, whole_content=not csv_sources)  # for the next ingest
        execute = _executor(session)
        if changed is not None:  # after `remember`: the missing are told from the files it keeps
            kinds = [k for k in KIND_ORDER if k not in PARTIAL_KINDS] + ["record"]
            if known is None or known.removed or changed.missing or not none_missing_before(execute):
                report_missing(execute, report, settings.content_dir, kinds, changed.missing)
            count_unchanged(execute, report, kinds)
        note_missing(execute, report)  # every kind's missing are told by now (the full read tells its own)
    return report


def _read_everything(settings: Settings, strict: bool, csv_sources: Sequence[CsvSource],
                     progress: Progress | None) -> ReadResult:
    try:
        result = read_and_check(settings, csv_sources, progress)
    except ContentError as exc:
        if strict and exc.warnings:  # every warning is an error too, listed in the same run
            raise ContentError(exc.problems + exc.warnings) from exc
        raise
    if strict and result.warnings:
        raise ContentError(result.warnings)
    return result


# Read again whenever some record files changed: the files records refer to (agents and the
# taxonomy: small), and those records; every other kind keeps what it has.
PARTIAL_KINDS = ("agent", "concept", "record")


@dataclass
class ChangedRecords:
    result: ReadResult
    missing: list[tuple[str, str]]  # records whose file is gone (or now holds another id)


def _read_changed_records(settings: Settings, engine, known: Delta) -> ChangedRecords | None:
    """Read and check only the record files that changed (with the agents and taxonomy they
    refer to), or None when that cannot be decided without reading everything: a record
    another object cites (its quotation must be found again), or an id held elsewhere."""
    from ingest.attachments import read_attachments
    from ingest.readers.markdown_folders import read_agents, read_taxonomy
    from ingest.readers.parsed import ReadResult, display_path
    from ingest.readers.registry import RECORDS_FOLDER, read_records
    from ingest.references import check_references

    content = settings.content_dir
    if not known.within(content / RECORDS_FOLDER, ".md"):
        return None  # other files changed too
    names = [os.path.basename(path) for path in known.added + known.modified]
    result = ReadResult()
    for part in (read_agents(content), read_taxonomy(content), read_records(content, only=names)):
        result.objects += part.objects
        result.problems += part.problems
        result.warnings += part.warnings
    problems = result.problems or check_references(result.objects)
    problems = problems + read_attachments(result.objects, [content])
    if problems:
        raise ContentError(problems, result.warnings)
    ids = [o.id for o in result.objects if o.kind == "record"]
    paths = {o.id: o.doc.display_path for o in result.objects if o.kind == "record"}
    touched = [display_path(Path(p), content) for p in known.modified + known.removed]
    with Session(engine) as session:
        if _held_elsewhere(session, paths) or _cited(session, ids):
            return None
        gone = [(row_id, path) for start in range(0, len(touched), 500)
                for row_id, path in session.exec(select(m.Record.id, m.Record.source_path).where(
                    m.Record.source_path.in_(touched[start:start + 500]), m.Record.deleted == False))
                if row_id not in paths]
        if _cited(session, [row_id for row_id, _ in gone]):
            return None
    return ChangedRecords(result, sorted(gone))


def _held_elsewhere(session: Session, paths: dict[str, str]) -> bool:
    """Whether one of these ids is held by another source (a duplicate the full read reports)."""
    ids = list(paths)
    for table in m.OBJECT_TYPES.values():
        for start in range(0, len(ids), 500):
            for row_id, source in session.exec(select(table.id, table.source_path)
                                               .where(table.id.in_(ids[start:start + 500]))):
                if table is not m.Record or source != paths[row_id]:
                    return True
    return False


def _cited(session: Session, ids: list[str]) -> bool:
    """Whether another object refers to one of these records (evidence, an event, a timeline)."""
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for column in (m.Evidence.record_id, m.AccountabilityEvent.source_record_id, m.TimelineEntry.ref):
            if session.exec(select(column).where(column.in_(chunk)).limit(1)).first() is not None:
                return True
    return False


def _nothing_changed(engine, content: Path) -> IngestReport:
    """No content file changed since the last ingest: nothing is read, nothing written."""
    with Session(engine) as session:
        return nothing_changed(_executor(session), content)


def _executor(session: Session):
    """`ingest.stored_objects`'s statements run in this session (its named parameters are
    SQLAlchemy's too)."""
    return lambda sql, params: session.execute(text(sql), params)


def _before_update(session: Session, obj: Parsed) -> None:
    if obj.kind == "narrative":
        _check_consent_is_appended(session, obj)


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


def _check_consent_is_appended(session: Session, obj: Parsed) -> None:
    """Consent is an append-only log: a past decision may never be edited or removed."""
    from archive import store_consent

    stored = session.exec(
        select(m.ConsentEntry).where(m.ConsentEntry.narrative_id == obj.id).order_by(m.ConsentEntry.position)
    ).all()
    stored = store_consent.without_store_decisions(session, obj.id, stored)  # the file never knew those
    new = obj.source.consent
    for index, old in enumerate(stored):
        if index >= len(new) or (old.date, old.use, old.granted) != (new[index].date, new[index].use, new[index].granted):
            raise ContentError([obj.problem(
                ("consent", min(index, max(len(new) - 1, 0))),
                f"consent is an append-only log: the recorded decision of {old.date} ({old.use}, "
                f"{'granted' if old.granted else 'refused'}) was changed or removed; add a new entry instead",
            )])
