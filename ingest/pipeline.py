"""The ingest pipeline: read every source, check it whole, then write it in one transaction.

Nothing is written unless every file is valid, so a bad file can never leave the archive
half-updated. Objects are upserted by their stable id and compared by content hash, so
re-running on unchanged content writes nothing at all (not even a revision).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from archive import ledger_edits, store_consent
from archive import models as m
from archive.db import open_engine, transaction
from archive.errors import ContentError, ContentProblem
from archive.settings import Settings
from ingest.attachments import read_attachments
from ingest.bulk import BulkWriter, fewer_collections
from ingest.progress import Progress, reading
from ingest.readers.csv_catalog import read_csv_argument
from ingest.readers.parsed import Parsed, ReadResult
from ingest.readers.registry import read_content
from ingest.recordings import read_recordings
from ingest.redaction import refresh_redactions
from ingest.references import check_references
from ingest.tagging import suggest_tags

ACTOR = "ingest"
# Write order: what is referenced is written (and flushed) before what refers to it.
KIND_ORDER = ("agent", "concept", "record", "narrative", "harm", "timeline", "commitment", "response")


@dataclass
class IngestReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    warnings: list[ContentProblem] = field(default_factory=list)
    # Stored objects whose source is gone from this run: reported, kept (unless --prune).
    missing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    suggestions: int = 0  # new harm-tag suggestions waiting for a curator (reckon tags)

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


CsvSource = tuple[str | Path, str | Path | None]  # (spreadsheet, mapping name or file)


def read_and_check(settings: Settings, csv_sources: Sequence[CsvSource] = (),
                   progress: Progress | None = None) -> ReadResult:
    """Read and validate all content without touching the store. Raises ContentError.

    Every problem of the run is collected before raising, so one run lists them all."""
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
           csv_sources: Sequence[CsvSource] = (), progress: Progress | None = None) -> IngestReport:
    """Bring the store in line with the content, in one all-or-nothing transaction.

    A stored object whose source is gone is reported in `missing` and kept; `prune=True`
    soft-deletes it (with a revision), as removing a file is easy to do by accident."""
    with fewer_collections():
        try:
            result = read_and_check(settings, csv_sources, progress)
        except ContentError as exc:
            if strict and exc.warnings:  # every warning is an error too, listed in the same run
                raise ContentError(exc.problems + exc.warnings) from exc
            raise
        if strict and result.warnings:
            raise ContentError(result.warnings)
        report = IngestReport(warnings=result.warnings)
        report.skipped["record"] = result.skipped
        engine = open_engine(settings)
        try:
            with transaction(engine) as session:
                writer = BulkWriter(session, report, prune=prune, progress=progress,
                                    order=_parents_first, before_update=_before_update)
                for kind in KIND_ORDER:
                    writer.upsert_kind(kind, [o for o in result.objects if o.kind == kind])
                if writer.problems:  # found against the store (e.g. an edited consent log): roll back
                    raise ContentError(writer.problems, result.warnings)
                # Proposals for curators, stored apart from the content; both skip what is unchanged.
                refresh_redactions(session, result.objects)
                report.suggestions = suggest_tags(session, result.objects)
                # Decisions and edits made in the staff app outrank the files: kept, and reported.
                report.warnings += store_consent.reapply(session)
                report.warnings += ledger_edits.reconcile(session)
        finally:
            engine.dispose()
            if progress is not None:
                progress.finish()
    return report


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
