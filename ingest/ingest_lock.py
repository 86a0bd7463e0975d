"""One ingest at a time per store: from the content's scan to the write of what it found.

The files' stats the store keeps are only proof of anything when they were taken after the
watch mark kept with them (`ingest.watched_changes`). Two ingests of one store running at once
could leave the older one's stats beside the newer one's mark: a change made between the two
would then be named by no event after the mark, and never read. Before the watch, such an
interleaving only cost a second reading of a file; now it could leave a withdrawn narrative
public. So every ingest of a SQLite store holds an exclusive lock on a file beside it, taken
before the scan and released after its transaction (a second ingest waits). Re-entrant within a
process: `reckon ingest` holds it across its look and the pipeline, which takes it too.
PostgreSQL stores never use the watch's partial comparison, so they need no such lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from archive.settings import Settings

_held: set[str] = set()  # lock files this process holds


def lock_path(settings: Settings) -> str | None:
    store = settings.sqlite_path
    return None if store is None else os.fspath(store.with_name(store.name + ".ingest-lock"))


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    path = lock_path(settings)
    if path is None or path in _held or not os.path.isdir(os.path.dirname(path) or "."):
        yield  # no SQLite store (or none yet), or this process holds the lock already
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits for another ingest of this store to finish
        _held.add(path)
        try:
            yield
        finally:
            _held.discard(path)
    finally:
        os.close(fd)  # releases the lock
