"""What an ingest reports of the objects already in the store: those whose file is gone, and
how many are unchanged.

The statements are written once, here, and run by both paths that report: the full ingest
through its SQLAlchemy session (`text()`), and an ingest that finds nothing changed through the
standard library's `sqlite3` (`ingest.unchanged_content`), which never loads the store's code.
Both take named parameters (`:name`), so the same SQL reads the same rows and the two reports
cannot differ."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ingest.report import IngestReport

# Write order: what is referenced is written (and flushed) before what refers to it. Each kind's
# table is named after it (`archive.models.OBJECT_TYPES`; tests/test_ingest_unchanged_content.py
# checks that they agree).
KIND_ORDER = ("agent", "concept", "record", "narrative", "harm", "timeline", "commitment", "response")
SOURCE_FILES = "sourcefile"  # `archive.source_files.SourceFile`'s table (checked by the same test)
# The row of that table noting how many stored objects the last ingest that looked found
# missing (their file gone), in `size` (`note_missing`): none then, and no file gone since,
# means none now, and the look (a lookup of every stored object's file) is spared. One of
# `ingest.changed_files.SPECIAL_ROWS`: never a file's path (those are absolute).
MISSING_ROW = "<missing objects>"

# Runs one statement with named parameters and gives its rows as tuples: `sqlite3.Connection.execute`,
# or a session's `lambda sql, params: session.execute(text(sql), params)`.
Execute = Callable[[str, dict], Iterable[tuple]]


def report_missing(execute: Execute, report: IngestReport, content: Path, kinds: Sequence[str],
                   also: Sequence[tuple[str, str]] = ()) -> None:
    """Stored objects of these kinds whose file is no longer there (as a full read reports them).

    Told by the store itself, against the files the last ingest kept (`ingest.changed_files`;
    call once they are this ingest's, that is with nothing changed or after `remember`): a
    stored `source_path` is the content folder's name and the file's path under it, and the
    file is there when the kept files hold that path under the content folder. One query per
    kind, each of 100,000 records looked up in the store's own index, instead of reading
    every row and every path into Python (0.2 s of a one-record ingest at 100,000 records)."""
    prefix = content.name + "/"
    params = {"length": len(prefix), "prefix": prefix, "root": os.path.join(os.fspath(content), ""),
              "after": len(prefix) + 1}
    for kind in kinds:
        gone = {(row_id, path) for row_id, path in execute(
            f"SELECT id, source_path FROM {kind} WHERE NOT deleted AND source_path NOT LIKE 'staff:%' "
            f"AND NOT (substr(source_path, 1, CAST(:length AS INTEGER)) = CAST(:prefix AS VARCHAR) AND EXISTS "
            f"(SELECT 1 FROM {SOURCE_FILES} WHERE path = CAST(:root AS VARCHAR) || "
            f"substr(source_path, CAST(:after AS INTEGER))))", params)}
        gone |= set(also) if kind == "record" else set()
        if gone:
            report.missing[kind] = sorted(gone)


def none_missing_before(execute: Execute) -> bool:
    """Whether the last ingest that looked for missing objects found none (its note, kept with
    the files' rows: `ingest.changed_files.MISSING_ROW`). An ingest with no file removed and no
    file now holding another id then has none either, and need not look: an object's file can
    only go by being removed or by holding another id, and every object written since came from
    a file that is there. A store without the note (older, or its rows made afresh) is looked at."""
    rows = list(execute(f"SELECT size FROM {SOURCE_FILES} WHERE path = :path", {"path": MISSING_ROW}))
    return bool(rows) and rows[0][0] == 0


def note_missing(execute: Execute, report: IngestReport) -> None:
    """Keep how many stored objects this ingest found missing, for the next (`none_missing_before`)."""
    execute(f"DELETE FROM {SOURCE_FILES} WHERE path = :path", {"path": MISSING_ROW})
    execute(f"INSERT INTO {SOURCE_FILES} (path, size, mtime_ns, ino, ctime_ns, digest) "
            "VALUES (:path, :size, 0, 0, 0, '')",
            {"path": MISSING_ROW, "size": sum(len(gone) for gone in report.missing.values())})


def nothing_changed(execute: Execute, content: Path) -> IngestReport:
    """The report of an ingest that found no content file changed: every stored object read
    from a file is unchanged but the missing, looked for only when some were last time (none
    then, and no file changed since, means none now)."""
    report = IngestReport()
    if not none_missing_before(execute):
        report_missing(execute, report, content, KIND_ORDER)
    count_unchanged(execute, report, KIND_ORDER)
    return report


def count_unchanged(execute: Execute, report: IngestReport, kinds: Sequence[str]) -> None:
    """Count as unchanged the stored objects of these kinds read from files, not written now and
    not missing (call after `report_missing`)."""
    for kind in kinds:
        (stored,), = execute(f"SELECT count(*) FROM {kind} WHERE NOT deleted "
                             "AND source_path NOT LIKE 'staff:%'", {})
        report.unchanged[kind] = stored - report.created[kind] - report.updated[kind] - len(report.missing.get(kind, []))
