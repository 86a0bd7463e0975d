"""The site build's cache of public record views, so a rebuild reads only changed records.

Records are the kind that grows to 100,000 objects; making each one's public view (a Markdown
parse, its subjects, images and the harms citing it) is most of a build. A view depends on:

- the record's row: its `content_hash` (ingest sets it from the file's content) and
  `updated_at` (every other write, through `archive.revisions.record_write`, moves it);
- whether the public may see it today: decided by `archive.access.visibility` itself, on the
  row's access fields and the build's date, every build, for every record. A record that is
  hidden today is left out and dropped from the cache, whatever the cache held;
- what it takes from other tables: the harms citing it (as this viewer sees them today),
  accepted tag suggestions and images. These are read in bulk every build and hashed into
  the record's key, so a harm that becomes hidden, or a newly accepted tag, re-makes the view;
- the agents and taxonomy terms it names, and the code that makes views (`SHAPING_ROOTS` and what they import):
  a digest of those is the cache's generation, and any change to them starts the cache afresh.

A record's key holds the generation too, since it also keys the record's page and citation
file. Anything else (templates, base URL, build date) shapes pages, not views: page keys hold it.
The cache lives beside the published folder (`.public.cache/views.sqlite`), never in it, one
row per public record (its key, its view and the pieces made from it, each a pickle: the
fastest to load of the standard formats), so a rebuild after one change reads and writes
single rows (`publish.incremental`) instead of loading 600 MB at 100,000 records. It is as
private as the store itself: it lives in the working folder, never under `public/`. It holds
exactly the records public at the last build whose token it carries (`token`), which the
site's manifest names too, so a cache and a site that do not belong together are never used
as if they did.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

from sqlmodel import select

from archive import models as m
from archive.access import visibility
from archive.catalog import Catalog, citing_ids
from archive.code_digest import code_digest
from archive.gc_paused import gc_paused
from archive.ledger import ledger_citations
from archive.media import Media
from archive.tag_suggestions import ACCEPTED, TagSuggestion
from archive.views import Ref
from publish.pages.member_list import Member, dump_members, load_members
from publish.pages.site_index import Entry, SiteIndex

CACHE_VERSION = "record-views-7"  # change when a record view's shape or the key's recipe changes


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


# The code that shapes a record's view and the pieces cached with it: a change to any of these
# files (a new field, a new redaction, another Markdown version) starts the cache afresh, so
# no view made by older code outlives an upgrade.
SHAPING_ROOTS = ("publish.build_cache", "publish.downloads", "publish.static_search.index")


def generation(catalog: Catalog) -> str:
    """What every record view shares: the agents and terms it names, and the code making it."""
    agents = sorted((a.id, a.name, a.kind) for a in catalog.agents.values())
    concepts = sorted((c.id, c.label, c.scheme, c.notation) for c in catalog.concepts.values())
    return _digest(CACHE_VERSION, code_digest(*SHAPING_ROOTS, outside=("markdown_it",)), agents, concepts)


def context_of(catalog: Catalog, bulk: dict, record_id: str, refs: dict) -> tuple | None:
    """What a record's view takes from other tables (the harms and timelines citing it as the
    viewer sees them today, accepted tags, images), as it enters the record's key."""
    cited = bulk["cited_by"].get(record_id)
    tags = bulk["tags"].get(record_id)
    images = bulk["images"].get(record_id)
    if not (cited or tags or images):
        return None
    return ([refs[h] if h in refs else refs.setdefault(h, catalog.ref(h)) for h in cited or []],
            tags, [(i.id, i.width, i.height, i.sha256) for i in images or []])


def ledger_links(catalog: Catalog) -> dict[str, list[list]]:
    """Record id -> the ledger's objects citing it as the viewer sees them today ([id, title],
    the title None when hidden). The ledger's tables are logged by name only (archive/change_log.py),
    so a patched rebuild compares this with the live build's (kept in the cache's meta) to find
    the record pages whose "cited by" changed."""
    refs: dict[str, Ref | None] = {}
    links: dict[str, list[list]] = {}
    for record_id, object_id in sorted(ledger_citations(catalog.session)):
        ref = refs[object_id] if object_id in refs else refs.setdefault(object_id, catalog.ref(object_id))
        links.setdefault(record_id, []).append([object_id, ref["title"] if ref else None])
    return links


def record_key(gen: str, content_hash, updated_at, access, embargo, context) -> str:
    return _digest(gen, content_hash, str(updated_at), access, embargo, context)


def record_bulk_for(catalog: Catalog, ids: list[str]) -> dict:
    """`Catalog._record_bulk`'s answer for a few records only (cited by, tags, images)."""
    session = catalog.session
    tags: dict[str, set[str]] = {}
    for object_id, concept_id in session.exec(select(TagSuggestion.object_id, TagSuggestion.concept_id).where(
            TagSuggestion.object_type == "record", TagSuggestion.status == ACCEPTED,
            TagSuggestion.object_id.in_(ids))):
        tags.setdefault(object_id, set()).add(concept_id)
    images: dict[str, list] = {}
    for row in session.exec(select(Media).where(Media.record_id.in_(ids)).order_by(Media.record_id, Media.position)):
        images.setdefault(row.record_id, []).append(row)
    return {"cited_by": citing_ids(session, ids),
            "tags": {k: sorted(v) for k, v in tags.items()}, "images": images}


def _columns(parts: dict) -> tuple[bytes, str | None, str | None, str | None]:
    """A record's pieces as columns: its download lines (for one base URL) apart, the rest pickled."""
    lines = [n for n in parts if n.startswith(("jsonl\0", "csv\0"))]
    bases = {n.split("\0", 1)[1] for n in lines}
    if len(lines) != 2 or len(bases) != 1:
        return pickle.dumps(parts, pickle.HIGHEST_PROTOCOL), None, None, None
    base = bases.pop()
    rest = {n: v for n, v in parts.items() if n not in lines}
    return pickle.dumps(rest, pickle.HIGHEST_PROTOCOL), base, parts["jsonl\0" + base], parts["csv\0" + base]


def _parts(rest: bytes, base: str | None, jsonl: str | None, csv: str | None) -> dict:
    parts = pickle.loads(rest)
    if base is not None:
        parts.update({"jsonl\0" + base: jsonl, "csv\0" + base: csv})
    return parts


COLUMNS = ("id", "key", "view", "parts", "base", "jsonl", "csv")
ENTRY_COLUMNS = ("id", "kind", "added", "data")
FIELD_TABLES = {"summary": "summaries", "listing": "listings"}  # an entry's fields a list page reads, by table


class CachedView(NamedTuple):
    """One record in the cache: its key, its public view, and the pieces made from the view
    (its download lines, its search terms: `RecordViews.memo`)."""

    key: str
    view: dict
    parts: dict


class ViewStore:
    """The cache file: one row per record, read and written a row at a time. It lives in the
    build's cache folder (`Settings.build_cache_dir`), beside the site, never in it."""

    def __init__(self, cache_dir: Path):
        self.path = cache_dir / "views.sqlite"
        self._db: sqlite3.Connection | None = None
        self._new: sqlite3.Connection | None = None  # the file made whole, while rows go in (`spool`)
        self._adopted = False  # that file was begun by a forked process (`finish_spool`, `adopt_spool`)

    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # A record made hidden, or an old version of its text, leaves no bytes behind in free pages.
            self._db.execute("PRAGMA secure_delete=ON")
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(records)")]
            entry_columns = [row[1] for row in self._db.execute("PRAGMA table_info(entries)")]
            if (columns and columns != list(COLUMNS)) or (entry_columns and entry_columns != list(ENTRY_COLUMNS)):
                for table in ("records", "lengths", "meta", "entries", *FIELD_TABLES.values(), "lists", "words"):
                    # an older layout: start afresh
                    self._db.execute(f"DROP TABLE IF EXISTS {table}")
            _create(self._db)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def meta(self, name: str) -> str | None:
        try:
            row = self.db().execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else None

    def all(self) -> dict[str, CachedView]:
        try:
            rows = self.db().execute("SELECT id, key, view, parts, base, jsonl, csv FROM records").fetchall()
        except sqlite3.DatabaseError:
            return {}  # an unreadable cache: every view is made afresh
        return {row[0]: CachedView(row[1], pickle.loads(row[2]), _parts(*row[3:])) for row in rows}

    def entry(self, record_id: str) -> CachedView | None:
        row = self.db().execute("SELECT key, view, parts, base, jsonl, csv FROM records WHERE id = ?",
                                (record_id,)).fetchone()
        return CachedView(row[0], pickle.loads(row[1]), _parts(*row[2:])) if row else None

    def count(self) -> int:
        return self.db().execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def ranks(self, ids: list[str]) -> dict[str, int]:
        """How many cached records sort before each of these ids (its place in id order), counted
        in one walk of the lines' lengths table, from each id to the next: a `COUNT(*) ... WHERE
        id < ?` per record walked the records' index from the start each time (100 records
        spread over 100,000 walked ~5 million entries, ~1 s of a patch)."""
        ranks, counted, before = {}, 0, None
        db = self.db()
        for record_id in sorted(set(ids)):
            if before is None:
                counted = db.execute("SELECT COUNT(*) FROM lengths WHERE id < ?", (record_id,)).fetchone()[0]
            else:
                counted += db.execute("SELECT COUNT(*) FROM lengths WHERE id >= ? AND id < ?",
                                      (before, record_id)).fetchone()[0]
            ranks[record_id], before = counted, record_id
        return ranks

    def offsets(self, record_id: str, count: int) -> tuple[int, int] | None:
        """The byte lengths, summed, of the download lines (JSON Lines, CSV) of the `count`
        records just before this id: where its lines stand in its download part. From a table
        of the lengths alone (a few bytes a row): reading them from the lines' columns loaded
        2,000 lines (~12 MB) for each part a patch touched. None when a length is not kept
        (lines made for no base URL): the caller then searches the part."""
        if count == 0:
            return 0, 0
        kept, jsonl, csv = self.db().execute(
            "SELECT COUNT(jsonl) + COUNT(csv), SUM(jsonl), SUM(csv) FROM "
            "(SELECT jsonl, csv FROM lengths WHERE id < ? ORDER BY id DESC LIMIT ?)", (record_id, count)).fetchone()
        return (jsonl, csv) if kept == 2 * count else None

    def ids(self) -> list[str]:
        return [i for (i,) in self.db().execute("SELECT id FROM records ORDER BY id")]

    def all_views(self) -> list[dict]:
        """Every cached record view, in id order (a patched rebuild that must remake an
        output of every record, such as the static search index)."""
        return [pickle.loads(view) for (view,) in self.db().execute("SELECT view FROM records ORDER BY id")]

    def lines_of(self, ids: list[str], base: str) -> dict[str, tuple[str, str]]:
        """These records' download lines (JSON Lines, CSV) made for the base URL `base`."""
        found = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update({i: (jsonl, csv) for i, jsonl, csv in self.db().execute(
                f"SELECT id, jsonl, csv FROM records WHERE base = ? AND id IN ({','.join('?' * len(chunk))})",
                [base, *chunk])})
        return found

    def views_of(self, ids: list[str]) -> dict[str, dict]:
        marks = ",".join("?" * len(ids))
        rows = self.db().execute(f"SELECT id, view FROM records WHERE id IN ({marks})", ids).fetchall()
        return {i: pickle.loads(view) for i, view in rows}

    def write(self, gen: str, token: str | None, put: dict[str, CachedView], drop: set[str],
              everything: bool = False, mark: list | None = None, whole: WholeIndex | None = None) -> None:
        """One transaction: these rows written, those dropped, the generation and token set
        (and, from a full build, the site index, small kinds' paths and word counts whole).
        With `everything` (or another generation), `put` is the whole cache: written as a new
        file renamed over the old one (no journal, no row-by-row delete of 100,000 rows)."""
        if everything or self.meta("gen") != gen:
            self._write_new(gen, token, put, mark, whole)
            return
        db = self.db()
        db.execute("BEGIN IMMEDIATE")
        try:
            _delete_rows(db, drop)
            _insert(db, gen, token, put, mark)
            if whole is not None:
                _put_whole(db, whole)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def commit_patch(self, gen: str, token: str | None, mark: list, put: dict[str, CachedView], drop: set[str],
                     index: StoredIndex, small_paths: list[str] | None, words: dict[str, int],
                     small_words: dict[str, int] | None, whole_words: bool = False,
                     extra: dict[str, str] | None = None) -> None:
        """A patched rebuild's cache, in one transaction: its record views written and dropped,
        the site index's changes, the small kinds' paths and the search word counts, the
        other outputs' `extra` meta values, the generation, the build's token and its place in
        the change log."""
        db = self.db()
        db.execute("BEGIN IMMEDIATE")
        try:
            _delete_rows(db, drop)
            _insert(db, gen, token, put, mark)
            index.save()
            if small_paths is not None:
                db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('small_paths', ?)",
                           (json.dumps(small_paths),))
            db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", sorted((extra or {}).items()))
            if whole_words:
                db.execute("DELETE FROM words")
                db.executemany("INSERT INTO words (term, n, small) VALUES (?, ?, ?)",
                               ((t, n, (small_words or {}).get(t, 0)) for t, n in words.items()))
            else:
                self.put_words(words, small_words)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def small_words(self) -> dict[str, int]:
        """Each term's count of documents in the static search index's first block."""
        return dict(self.db().execute("SELECT term, small FROM words WHERE small > 0"))

    def words_between(self, least: int, most: int, known: set[str]) -> dict[str, int]:
        """Terms in `least` to `most` documents, but those `known` (`static_search.patch.vocabulary_after`:
        the few near the vocabulary's edge, found by the index on the counts)."""
        return {t: n for t, n in self.db().execute("SELECT term, n FROM words WHERE n BETWEEN ? AND ?", (least, most))
                if t not in known}

    def put_words(self, totals: dict[str, int], small: dict[str, int] | None) -> None:
        """These terms' counts now (`small`, when given: every term's count in the first block)."""
        db = self.db()
        if small is not None:
            db.execute("UPDATE words SET small = 0 WHERE small > 0")
        db.executemany("INSERT INTO words (term, n, small) VALUES (?, ?, 0) "
                       "ON CONFLICT(term) DO UPDATE SET n = excluded.n", totals.items())
        if small is not None:
            db.executemany("UPDATE words SET small = ? WHERE term = ?", ((n, t) for t, n in small.items()))
        db.execute("DELETE FROM words WHERE n <= 0")

    def spool(self, rows: dict[str, CachedView]) -> None:
        """Put these rows into a new cache file now, before the rest of it is written whole
        (`write`, with `everything` or another generation; nothing is read from it until then)."""
        _insert_rows(self._new_file(), rows)

    def finish_spool(self) -> None:
        """Commit and close the rows spooled so far (in a forked process: `adopt_spool` in its
        parent then goes on writing the same file)."""
        if self._new is not None:
            self._new.execute("COMMIT")
            self._new.close()
            self._new = None

    def adopt_spool(self) -> None:
        """The new cache file was begun by another process (`finish_spool`): keep its rows."""
        self._adopted = True

    def _new_file(self) -> sqlite3.Connection:
        if self._new is None:
            temp = self.path.with_name(self.path.name + ".new")
            temp.parent.mkdir(parents=True, exist_ok=True)
            if not self._adopted:
                temp.unlink(missing_ok=True)  # a build that failed before renaming it left it
            self._new = sqlite3.connect(temp, isolation_level=None)
            self._new.execute("PRAGMA journal_mode=OFF")  # a file no one reads until it is renamed into place
            self._new.execute("PRAGMA synchronous=OFF")
            _create(self._new)
            self._new.execute("BEGIN")
        return self._new

    def _write_new(self, gen: str, token: str | None, put: dict[str, CachedView], mark: list | None,
                   whole: WholeIndex | None) -> None:
        self.close()  # the last connection to close checkpoints and removes the old file's WAL
        db = self._new_file()
        try:
            _insert(db, gen, token, put, mark)
            if whole is not None:
                _put_whole(db, whole)
            db.execute("COMMIT")
        finally:
            db.close()
            self._new = None
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        os.replace(self.path.with_name(self.path.name + ".new"), self.path)


@dataclass
class WholeIndex:
    """What a full build keeps beside its record views: the site index, the paths of the small
    kinds' outputs, the static search index's word counts (all, and in its first block), and
    `extra` meta values other outputs keep for the next patch (the charts, the rights statements)."""

    index: SiteIndex
    small_paths: list[str]
    words: dict[str, int]
    small_words: dict[str, int]
    extra: dict[str, str] = field(default_factory=dict)


def _put_whole(db: sqlite3.Connection, whole: WholeIndex) -> None:
    for table in ("entries", *FIELD_TABLES.values(), "lists", "words"):
        db.execute(f"DELETE FROM {table}")
    db.executemany("INSERT INTO words (term, n, small) VALUES (?, ?, ?)",
                   ((t, n, whole.small_words.get(t, 0)) for t, n in whole.words.items()))
    index = whole.index
    _put_index(db, index.entries(sorted(index.all_ids())).values(),
               {name: index.members(name) for name in index.list_names()})
    db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('small_paths', ?)", (json.dumps(whole.small_paths),))
    db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", sorted(whole.extra.items()))


def _put_index(db: sqlite3.Connection, entries, lists: dict[str, list]) -> None:
    entries = list(entries)
    db.executemany("INSERT OR REPLACE INTO entries (id, kind, added, data) VALUES (?, ?, ?, ?)",
                   ((e.id, e.kind, e.added, e.dumps()) for e in entries))
    for field_name, table in FIELD_TABLES.items():
        db.executemany(f"INSERT OR REPLACE INTO {table} (id, value) VALUES (?, ?)",
                       ((e.id, marshal.dumps(getattr(e, field_name), 2)) for e in entries))
    db.executemany("INSERT OR REPLACE INTO lists (name, size, members) VALUES (?, ?, ?)",
                   ((name, len(members), dump_members(members)) for name, members in sorted(lists.items()) if members))
    db.executemany("DELETE FROM lists WHERE name = ?", ((name,) for name, members in lists.items() if not members))


class StoredIndex(SiteIndex):
    """The site index as the last build kept it, read as asked (entries by id, a list whole),
    changed with `put`, and saved with the patched rebuild's other rows (`changes`)."""

    def __init__(self, store: ViewStore):
        super().__init__()
        self.db = store.db()
        self._dropped: set[str] = set()
        self._put: set[str] = set()
        self._moved: set[str] = set()  # the lists whose members changed: only those are written back
        self._sizes: dict[str, int] | None = None
        self._columns: dict[str, dict] = {}  # stored summaries and listings read so far, by id

    def entries(self, ids: list[str]) -> dict[str, Entry]:
        missing = [i for i in ids if i not in self._entries and i not in self._dropped]
        self._entries.update({i: Entry.loads(i, data) for i, data in self._stored("entries", "data", missing)})
        return super().entries(ids)

    def summaries(self, ids: list[str]) -> dict[str, dict]:
        return self._field("summary", ids, lambda entry: entry.summary)

    def listings(self, ids: list[str]) -> dict[str, dict]:
        found = self._field("listing", ids, lambda entry: entry.listing)
        return {i: listing for i, listing in found.items() if listing is not None}

    def _field(self, column: str, ids: list[str], of) -> dict:
        """One column of the entries asked, each entry already read or put taken as it is now.
        A stored value read once is kept: a record stands in several lists (by date, by each
        subject, place, kind...), so 100 changed records at 100,000 ask ~88,000 summaries for
        their ~440 list pages, far fewer of them distinct."""
        kept = self._columns.setdefault(column, {})
        found = {}
        missing = []
        for i in ids:
            if i in self._entries:
                found[i] = of(self._entries[i])
            elif i in kept:
                found[i] = kept[i]
            elif i not in self._dropped:
                missing.append(i)
        with gc_paused():  # thousands of small dicts, no cycles
            read = {i: marshal.loads(data) for i, data in self._stored(FIELD_TABLES[column], "value", missing)}
        kept.update(read)
        found.update(read)
        return found

    def _stored(self, table: str, column: str, ids: list[str]):
        """(id, `column`) of these entries as the cache keeps them (in `table`), 500 ids a statement, asked
        in id order: each statement's rows then lie in neighbouring pages of the table, where
        500 ids drawn from all over it read a page each (60,000 summaries at 100,000 records,
        beside each entry's data: ~160 ms against ~400 ms; bench/results/59)."""
        ids = sorted(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            yield from self.db.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({','.join('?' * len(chunk))})",
                                       chunk).fetchall()

    def members(self, name: str) -> list[Member]:
        return self._loaded(name)

    def _loaded(self, name: str) -> list[Member]:
        if name not in self._members:
            row = self.db.execute("SELECT members FROM lists WHERE name = ?", (name,)).fetchone()
            self._members[name] = load_members(row[0]) if row else []
        return self._members[name]

    def kind_entries(self, kind: str) -> dict[str, Entry]:
        """Every entry of one kind (the small kinds: a few hundred), as it stands now."""
        ids = [i for (i,) in self.db.execute("SELECT id FROM entries WHERE kind = ?", (kind,))]
        found = self.entries([i for i in ids if i not in self._dropped])
        found.update({i: e for i, e in self._entries.items() if e.kind == kind})
        return found

    def list_sizes(self) -> dict[str, int]:
        if self._sizes is None:
            self._sizes = dict(self.db.execute("SELECT name, size FROM lists"))
        sizes = dict(self._sizes)
        sizes.update({name: len(members) for name, members in self._members.items()})
        return {name: size for name, size in sizes.items() if size}

    def counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind"))
        for object_id in self._dropped:
            kind = self._was.get(object_id)
            if kind is not None:
                found[kind] -= 1
        for object_id in self._put:
            if self._was.get(object_id) is None:  # not stored before: a new public object
                kind = self._entries[object_id].kind
                found[kind] = found.get(kind, 0) + 1
        return {k: n for k, n in found.items() if n}

    def recent(self, limit: int) -> list[Entry]:
        stored = [i for (i,) in self.db.execute("SELECT id FROM entries ORDER BY added DESC, id DESC LIMIT ?",
                                                (limit + len(self._dropped) + len(self._put),))]
        candidates = self.entries([i for i in stored if i not in self._dropped] + sorted(self._put))
        return sorted(candidates.values(), key=lambda e: (e.added, e.id), reverse=True)[:limit]

    def put(self, old: Entry | None, new: Entry | None) -> None:
        for entry in (old, new):
            if entry is not None and entry.id not in self._was:
                self._was[entry.id] = self._stored_kind(entry.id)
        super().put(old, new)
        self._moved |= moved_lists(old, new)
        if new is None and old is not None:
            self._dropped.add(old.id)
            self._put.discard(old.id)
        elif new is not None:
            self._put.add(new.id)
            self._dropped.discard(new.id)

    @property
    def _was(self) -> dict[str, str | None]:
        return self.__dict__.setdefault("_was_kinds", {})

    def _stored_kind(self, object_id: str) -> str | None:
        row = self.db.execute("SELECT kind FROM entries WHERE id = ?", (object_id,)).fetchone()
        return row[0] if row else None

    def save(self) -> None:
        """Write what changed (in the caller's transaction on the cache file)."""
        for table in ("entries", *FIELD_TABLES.values()):
            self.db.executemany(f"DELETE FROM {table} WHERE id = ?", ((i,) for i in sorted(self._dropped)))
        # Not every list read: the records list alone is 4 MB at 100,000, read by every patch to
        # place its record, and written back by none whose record kept its place.
        _put_index(self.db, [self._entries[i] for i in sorted(self._put)],
                   {name: self._members[name] for name in self._moved})


def moved_lists(old: Entry | None, new: Entry | None) -> set[str]:
    """The lists whose members an entry's replacement changes: those it left or joined, and
    those it stays in under another place (a new date)."""
    before = {(name, old.member) for name in old.lists} if old else set()
    after = {(name, new.member) for name in new.lists} if new else set()
    return {name for name, _member in before ^ after}


def _create(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
    # The site index (`publish.pages.site_index`): each public object's entry, each list's members.
    # `summaries` and `listings` repeat two fields of `data`: a list page of 200 needs only one of
    # them, and loading it alone takes a fifth of the time of the whole entry (~3 against ~15 µs;
    # 100 changed records re-render ~500 such pages at 100,000 records). Tables of their own, each
    # row only an id and the field (no rowid: one lookup a row): 100 spread records ask ~60,000
    # summaries, read in ~90 ms where rows beside the whole entry's data took ~160 ms.
    db.execute("CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY, kind TEXT, added TEXT, data BLOB)")
    for table in FIELD_TABLES.values():
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
    db.execute("CREATE INDEX IF NOT EXISTS entries_added ON entries (added, id)")
    # A patch counts the public objects by kind (the data package, `StoredIndex.counts`): from
    # this index, not by reading every entry's data (~5 instead of ~50 ms at 100,000 records).
    db.execute("CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind)")
    db.execute("CREATE TABLE IF NOT EXISTS lists (name TEXT PRIMARY KEY, size INTEGER, members BLOB)")
    # The static search index's count of documents per term, and of those in its first block.
    db.execute("CREATE TABLE IF NOT EXISTS words (term TEXT PRIMARY KEY, n INTEGER, small INTEGER)")
    db.execute("CREATE INDEX IF NOT EXISTS words_n ON words (n)")
    # A record's download lines have columns of their own: the full build joins a download
    # part from them without unpickling anything, and a patched rebuild finds its old lines.
    db.execute("CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, key TEXT, view BLOB, "
               "parts BLOB, base TEXT, jsonl TEXT, csv TEXT)")
    # The byte lengths of those lines, row for row: a patch places a record's lines in its
    # download part (`offsets`) and counts its place in id order (`ranks`) from these few bytes
    # a row, never loading the lines (the records' rows run to ~10 KB, mostly in overflow pages).
    db.execute("CREATE TABLE IF NOT EXISTS lengths (id TEXT PRIMARY KEY, jsonl INTEGER, csv INTEGER) WITHOUT ROWID")


def _insert(db: sqlite3.Connection, gen: str, token: str | None, put: dict[str, CachedView],
            mark: list | None) -> None:
    _insert_rows(db, put)
    # `mark`: the build's place in the store's change log (archive/change_log.py). Kept here, in
    # the private cache, not in the published manifest: it may name a record since hidden.
    db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                   [("gen", gen), ("token", token or ""), ("mark", json.dumps(mark))])


def _insert_rows(db: sqlite3.Connection, put: dict[str, CachedView]) -> None:
    rows = [(i, key, pickle.dumps(view, pickle.HIGHEST_PROTOCOL), *_columns(parts))
            for i, (key, view, parts) in sorted(put.items())]
    db.executemany("INSERT OR REPLACE INTO records (id, key, view, parts, base, jsonl, csv) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   rows)
    db.executemany("INSERT OR REPLACE INTO lengths (id, jsonl, csv) VALUES (?, ?, ?)",
                   ((row[0], _byte_length(row[5]), _byte_length(row[6])) for row in rows))


def _byte_length(line: str | None) -> int | None:
    return None if line is None else len(line.encode("utf-8"))


def _delete_rows(db: sqlite3.Connection, drop: set[str]) -> None:
    db.executemany("DELETE FROM records WHERE id = ?", [(i,) for i in sorted(drop)])
    db.executemany("DELETE FROM lengths WHERE id = ?", [(i,) for i in sorted(drop)])


class RecordViews:
    """Public record views for one build: cached ones reused, the rest made by the Catalog."""

    def __init__(self, cache_dir: Path):
        self.store = ViewStore(cache_dir)
        self.fresh: dict[str, CachedView] = {}
        self.made = 0
        self.reused = 0
        self._dirty: set[str] = set()  # records to write back
        self._dropped: set[str] = set()  # records cached but no longer public
        self.gen = ""  # the generation of the views, once `views` has read them (a build keeps it)
        self._everything = False

    def load(self, gen: str) -> dict[str, CachedView]:
        if self.store.meta("gen") != gen:
            self._everything = True
            return {}
        return self.store.all()

    def views(self, catalog: Catalog) -> tuple[list[dict], dict[str, str]]:
        """Every record the catalog's viewer may see today, in id order, and each one's key."""
        gen = generation(catalog)
        table = m.Record
        rows = catalog.session.exec(select(table.id, table.content_hash, table.updated_at, table.access,
                                           table.embargo_until, table.deleted).order_by(table.id)).all()
        bulk = catalog._record_bulk()
        refs: dict[str, dict | None] = {}
        keys: dict[str, str] = {}
        for record_id, content_hash, updated_at, access, embargo, deleted in rows:
            # The one access rule, on the row's own access fields and today's date.
            seen = visibility(SimpleNamespace(access=access, embargo_until=embargo, deleted=deleted),
                              catalog.viewer, catalog.today)
            if not seen.visible:
                continue
            context = context_of(catalog, bulk, record_id, refs)
            keys[record_id] = record_key(gen, content_hash, updated_at, access, embargo, context)
        stored = self.load(gen)
        missing = {i for i, key in keys.items() if stored.get(i, ("",))[0] != key}
        made = {v["id"]: v for v in catalog.views("record", sorted(missing))} if missing else {}
        views = []
        for record_id, key in keys.items():
            view = made.get(record_id)
            if view is not None:
                self.fresh[record_id] = CachedView(key, view, {})
            elif record_id in missing:
                continue  # the Catalog did not show it after all: never fall back to the cache
            else:
                self.fresh[record_id] = stored[record_id]
                view = stored[record_id].view
            views.append(view)
        self.made, self.reused = len(made), len(views) - len(made)
        self._dirty = set(made)
        self._dropped = stored.keys() - self.fresh.keys()
        self.gen = gen
        return views, {i: keys[i] for i in self.fresh}

    def memo(self, view: dict, name: str, make):
        """A piece an aggregate output makes from one record's view (its download line, its
        search terms), kept with the view: made again only when the record's key changes."""
        entry = self.fresh.get(view["id"]) if view.get("type") == "record" else None
        if entry is None or entry.view is not view:
            return make()
        parts = entry.parts
        if name not in parts:
            parts[name] = make()
            self._dirty.add(view["id"])
        return parts[name]

    def spill(self, ids: list[str]) -> None:
        """Write these records' rows into the cache file being made whole, and let go of their
        download lines (`publish.record_downloads`: at 100,000 records, ~1 GB held until the
        build ends otherwise). Only when this build writes the cache whole (its first build, or
        new code); otherwise the rows stay for `save`."""
        if not self._everything:
            return
        rows = {i: self.fresh[i] for i in ids if i in self._dirty and i in self.fresh}
        self.store.spool(rows)
        self._dirty -= rows.keys()
        for key, view, parts in rows.values():
            parts.clear()  # written with the row; a later `memo` would make them again, and write them with `save`

    @property
    def written_whole(self) -> bool:
        """This build writes the cache file whole (its first build, or new code): rows may be
        spooled into it as they are made (`spill`)."""
        return self._everything

    def spilled_elsewhere(self, ids: set[str]) -> None:
        """These records' rows were spilled by a forked process into the cache file being made
        (`ViewStore.finish_spool`): this process's copies of them need not be written."""
        self._dirty -= ids
        self.store.adopt_spool()

    def save(self, token: str | None, mark: list | None = None, whole: WholeIndex | None = None) -> None:
        """Keep this build's views for the next one: only the records that changed are
        written; `token` names the build (its manifest holds the same token), `mark` its
        place in the store's change log; `whole`, the rest of the cache (site index, word
        counts), is written whole in the same transaction."""
        try:
            self.store.write(self.gen, token, {i: self.fresh[i] for i in self._dirty if i in self.fresh},
                             self._dropped, self._everything, mark, whole)
        finally:
            self.store.close()
