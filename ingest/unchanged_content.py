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
from ingest import watched_changes
from ingest.changed_files import Delta, Scan, delta, scan
from ingest.report import IngestReport
from ingest.stored_objects import nothing_changed


def look(settings: Settings) -> tuple[Scan | None, Delta | None, IngestReport | None]:
    """The content's scan (None when this cannot be told without the store's code: the caller
    scans), what changed in it since the last ingest (None when the store cannot tell), and when
    nothing did, the ingest's report (None otherwise). The full path takes the scan and the
    comparison as they are (`ingest.pipeline.ingest`'s `found` and `known`), not made twice.
    Run by the warm process, the scan is the watch's (`ingest.watched_changes`) when it can be."""
    path = settings.sqlite_path
    if path is None or not path.is_file():
        return None, None, None
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)  # read only: never a write
    except sqlite3.Error:
        return None, None, None
    try:
        if watched_changes.watching():
            found, known = watched_changes.look(db, settings.content_dir)
        else:
            found = scan(settings.content_dir)
            known = delta(db, found)
        if known is None or not known.unchanged:
            return found, known, None
        report = nothing_changed(db.execute, settings.content_dir)
    except sqlite3.Error:  # an older store, without these tables: the full path knows what to do
        return None, None, None
    finally:
        db.close()
    if found.watch is not None and found.asked is None:  # statted whole under a new watch: keep its mark
        watched_changes.keep_mark(path, found)
    return found, known, report
