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
from ingest.changed_files import Delta, Scan, delta
from ingest.report import IngestReport
from ingest.stored_objects import KIND_ORDER, count_unchanged, report_missing


def look(settings: Settings, found: Scan) -> tuple[Delta | None, IngestReport | None]:
    """What changed in `found` since the last ingest (None when this cannot be told without the
    store's code), and when nothing did, the ingest's report (None otherwise). The full path
    takes the comparison as it is (`ingest.pipeline.ingest`'s `known`), not made twice."""
    path = settings.sqlite_path
    if path is None or not path.is_file():
        return None, None
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)  # read only: never a write
    except sqlite3.Error:
        return None, None
    try:
        known = delta(db, found)
        if known is None or not known.unchanged:
            return known, None
        report = IngestReport()
        report_missing(db.execute, report, settings.content_dir, KIND_ORDER)
        count_unchanged(db.execute, report, KIND_ORDER)
        return known, report
    except sqlite3.Error:  # an older store, without these tables: the full path knows what to do
        return None, None
    finally:
        db.close()
