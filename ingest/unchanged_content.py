"""An ingest whose content did not change, told without loading the store's code.

`reckon ingest` on an unchanged tree of 100,000 records spent about half of its ~2 s importing
SQLAlchemy, SQLModel, pydantic and the tables, only to learn from the files' stat that nothing
had changed. With a SQLite store, that answer needs only the standard library: the stat scan
(`ingest.changed_files.scan`), its comparison with the stats the last ingest kept (`delta`,
the same function the full path runs) and the report's counts (`ingest.stored_objects`, the
same statements), read through `sqlite3` in read-only mode. Anything else (a file changed, a
store that is not a SQLite file, one that cannot tell, a store of an older layout) answers None
and the full path decides, exactly as before."""

from __future__ import annotations

import sqlite3

from archive.settings import Settings
from ingest.changed_files import Scan, delta
from ingest.report import IngestReport
from ingest.stored_objects import KIND_ORDER, count_unchanged, report_missing


def report_if_unchanged(settings: Settings, found: Scan) -> IngestReport | None:
    """The report of an ingest that would find nothing changed in `found`, or None when a file
    changed or this cannot be told without the store's code."""
    path = settings.sqlite_path
    if path is None or not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)  # read only: never a write
    except sqlite3.Error:
        return None
    try:
        known = delta(db, found)
        if known is None or not known.unchanged:
            return None
        report = IngestReport()
        report_missing(db.execute, report, settings.content_dir, KIND_ORDER)
        count_unchanged(db.execute, report, KIND_ORDER)
        return report
    except sqlite3.Error:  # an older store, without these tables: the full path knows what to do
        return None
    finally:
        db.close()
