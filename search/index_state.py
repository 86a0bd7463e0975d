"""An index's own bookkeeping, kept in a small SQLite file beside the engine's files.

Why a database and not the JSON manifest: an update after one record changed must know that
record's previous fingerprint and facet values, and must say where in the store's change log
the index stands, without reading or rewriting every document's entry (the manifest held
all fingerprints: megabytes at 100,000 records, parsed and rewritten whole on every update).
Here one update reads and writes a few rows in one transaction.

What it holds:
- `doc`: every indexed document's id, fingerprint and the facet values it uses (for labels);
- `used`: how many documents use each facet value, so a label leaves the manifest when the
  last document using it does, as it would in a fresh build;
- `meta`: the change log's place (`mark`), the stamp of what the documents were made with
  (date, code, engine) and `applying`, set while an update writes and cleared in the same
  transaction as its results, so an update stopped half-way sends the next one down the full
  comparison, which repairs everything derived.

The mark's object id is kept only as a hash: the public index's folder must not name a
hidden record, even in bookkeeping.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

STATE_FILE = "reckoning-index.db"
FACET_FIELDS = ("type", "harm_type", "affected_group", "institution")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS doc (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, facets TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS used (value TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


def facet_values(doc: dict) -> list[str]:
    """The facet values a document uses (those whose labels the manifest keeps)."""
    found: set[str] = set()
    for name in FACET_FIELDS:
        value = doc[name]
        found.update([value] if isinstance(value, str) else value)
    return sorted(found)


def facet_delta(removed: dict[str, tuple[str, list[str]]],
                added: dict[str, tuple[str, list[str]]]) -> dict[str, int]:
    """How many more (or fewer) documents use each facet value once `removed` are replaced by `added`."""
    delta: dict[str, int] = {}
    for entries, sign in ((removed, -1), (added, 1)):
        for _, values in entries.values():
            for value in values:
                delta[value] = delta.get(value, 0) + sign
    return delta


def hashed_mark(mark: list | None) -> list | None:
    """A change-log mark `[seq, table, id]` with the id replaced by a short hash."""
    if mark is None:
        return None
    seq, table, object_id = mark
    return [seq, table, None if object_id is None else _hash(object_id)]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def matches_mark(kept: list, row: list) -> bool:
    """Whether a log entry `row` ([seq, table, id]) is the one a hashed mark was made from."""
    return hashed_mark(row) == kept


class IndexState:
    """The bookkeeping file of one index folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.executescript(_SCHEMA)

    @classmethod
    def open(cls, folder: Path) -> IndexState | None:
        """The state of the index in `folder`, or None if it has none (an index made before it)."""
        path = Path(folder) / STATE_FILE
        if not path.exists():
            return None
        try:
            state = cls(path)
            state.db.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.DatabaseError:
            return None
        return state

    @classmethod
    def create(cls, folder: Path, docs: dict[str, tuple[str, list[str]]], meta: dict) -> None:
        """Write a fresh state file for a freshly written index (inside its staging folder)."""
        path = Path(folder) / STATE_FILE
        path.unlink(missing_ok=True)
        state = cls(path)
        try:
            state.replace_all(docs, {**meta, "applying": False})
        finally:
            state.close()

    def transaction(self):
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()

    # -- reading -------------------------------------------------------------------------
    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def documents_of(self, object_ids: Iterable[str]) -> dict[str, tuple[str, list[str]]]:
        """The kept documents of these objects (each one's own and its segments': `id#…`)."""
        found = {}
        for object_id in object_ids:
            rows = self.db.execute("SELECT id, fingerprint, facets FROM doc WHERE id = ? OR (id > ? AND id < ?)",
                                   (object_id, object_id + "#", object_id + "$"))
            found.update({i: (fp, facets.split()) for i, fp, facets in rows})
        return found

    def fingerprints(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, fingerprint FROM doc"))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM doc").fetchone()[0]

    # -- writing ---------------------------------------------------------------------------
    def set_meta(self, **values) -> None:
        with self.transaction():
            self._set_meta(values)

    def _set_meta(self, values: dict) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            ((k, json.dumps(v)) for k, v in values.items()))

    def apply(self, removed: dict[str, tuple[str, list[str]]], added: dict[str, tuple[str, list[str]]],
              meta: dict) -> None:
        """Replace the `removed` documents' entries by the `added` ones and set `meta`, at once."""
        with self.transaction():
            self._apply(removed, added, meta)

    def _apply(self, removed: dict[str, tuple[str, list[str]]], added: dict[str, tuple[str, list[str]]],
               meta: dict) -> None:
        self.db.executemany("DELETE FROM doc WHERE id = ?", ((i,) for i in removed))
        self.db.executemany("INSERT OR REPLACE INTO doc VALUES (?, ?, ?)",
                            ((i, fp, " ".join(f)) for i, (fp, f) in added.items()))
        delta = facet_delta(removed, added)
        self.db.executemany("INSERT INTO used VALUES (?, ?) ON CONFLICT(value) DO UPDATE SET n = n + excluded.n",
                            ((v, n) for v, n in delta.items() if n))
        self.db.execute("DELETE FROM used WHERE n <= 0")
        self._set_meta(meta)

    def replace_all(self, docs: dict[str, tuple[str, list[str]]], meta: dict) -> None:
        """Make the file hold exactly `docs` (after a full comparison), and set `meta`."""
        with self.transaction():
            self.db.execute("DELETE FROM doc")
            self.db.execute("DELETE FROM used")
            self._apply({}, docs, meta)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, traceback):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False
