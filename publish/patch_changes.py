"""What a patched rebuild must remake, from the objects the change log names (`publish.incremental`).

Two kinds of objects, two ways:

- **Records** (the kind that grows to 100,000) one by one: each changed record's view is made
  afresh through the Catalog (the access rule decides) and compared with the one the live
  build published (`publish.build_cache`): its key, and its entry in the site index (what
  shared pages show of it: `publish.pages.site_index`).
- **The small kinds** (narratives, harms, timelines, and the ledger made from them) as a whole:
  when any of them changed, every one of their views is made again (a few hundred objects), and
  their entries compared with those the index holds. A record whose title or visibility changed
  and that one of them cites (evidence, an event, a timeline entry, a ledger source) makes them
  change too; a harm whose title or visibility changed changes the records it cites, and so
  does any change to the ledger's links to records (a commitment's source, its progress's
  evidence, a harm's attribution stages, a reply's claims), compared with the live build's.

Every entry that differs is put into the index, and each list it was or is in notes the pages
(`publish.pages.listings`) that hold a different member now: the one it stands on, or, when it
entered, left or moved, the pages between. `Unpatchable` is raised whenever a change reaches
what this does not follow (images: IIIF files; agents, terms or the code making views).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlmodel import SQLModel, select

from archive import change_log
from archive import models as m
from archive.catalog import Catalog
from archive.embargo_days import embargoes_ending
from publish.apply_patch import Unpatchable
from publish.build_cache import (
    CachedView,
    StoredIndex,
    ViewStore,
    context_of,
    ledger_links,
    record_bulk_for,
    record_key,
)
from publish.outputs import SMALL_KINDS
from publish.pages.listings import page_count, page_of
from publish.pages.site_index import Entry, entry_of

# Tables written beside the small kinds that only the small kinds' outputs show (the ledger).
LEDGER_TABLES = frozenset({"commitment", "response", "involvement", "attributionstage", "progressentry",
                           "ledgeredit"})


class RecordRow(NamedTuple):
    """What a record's key and its place in the feed take from its row."""

    id: str
    content_hash: str
    updated_at: datetime
    access: str
    embargo_until: str | None
    created_at: datetime


@dataclass
class RecordChange:
    """A record whose outputs differ from the live build's."""

    id: str
    old: CachedView | None  # as the live build published it (None: it was not public)
    view: dict | None  # now (None: no longer public)
    key: str | None  # its new key (`publish.build_cache.record_key`)
    added: str = ""  # when it was first ingested, as the feed says it


@dataclass
class Small:
    """Every view of the small kinds, and the withdrawn narratives' tombstones, made again."""

    views: dict[str, list[dict]]
    tombstones: list[dict]
    added: dict[str, str]


@dataclass
class ChangeSet:
    records: list[RecordChange] = field(default_factory=list)
    small: Small | None = None
    lists: dict[str, set[int]] = field(default_factory=dict)  # list name → its pages to make again
    sizes_before: dict[str, int] = field(default_factory=dict)  # of the lists whose size changed
    entries_changed: set[str] = field(default_factory=set)  # objects whose index entry changed
    made: int = 0  # record views made through the Catalog
    meta: dict[str, str] = field(default_factory=dict)  # the cache's meta values to keep (`ledger_links`)


def added_text(created_at: datetime) -> str:
    return created_at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # as Catalog.added_on says it


@dataclass(frozen=True)
class Days:
    """The access rule's date moved since the live build (`before` → `now`, ISO days): what
    the public may see changes by itself. Embargoes end on a day (a record's, or a small
    kind's), and a commitment lapses or counts another overdue day (the ledger, made with
    the small kinds); nothing else a public view shows depends on the date."""

    before: str
    now: str

    def embargoes_ending(self, catalog: Catalog) -> set[str]:
        """The records whose embargo ends between the two days (either way: a preview date,
        `RECKON_TODAY`, may go back), so whose visibility may differ."""
        return embargoes_ending(catalog.session, self.before, self.now, ("record",)).get("record", set())


def collect(catalog: Catalog, store: ViewStore, index: StoredIndex, changes: change_log.Changes,
            gen: str, days: Days | None = None) -> ChangeSet:
    """The changes to publish: record changes, the small kinds remade when any changed (or
    the day did), and the site index brought up to date with the pages each list must remake."""
    unknown = changes.tables - LEDGER_TABLES
    if unknown:
        raise Unpatchable(f"tables the patched rebuild does not follow were written: {sorted(unknown)}")
    result = ChangeSet()
    small_changed = bool(days or changes.tables or set(changes.objects) - {"record"})
    changed_records = changes.records | (days.embargoes_ending(catalog) if days else set())
    records = _record_changes(catalog, store, sorted(changed_records), gen, result)
    if not small_changed and _cited_and_shown_changed(catalog, index, records):
        small_changed = True
    if small_changed:
        result.small = _remake_small(catalog)
        more = _records_citing(catalog, _small_refs_changed(index, result.small))
        more |= _ledger_links_changed(catalog, store, result)
        more -= {c.id for c in records}
        records += _record_changes(catalog, store, sorted(more), gen, result)
        _index_small(index, result)
    result.records = records
    for change in records:
        old = index.entries([change.id]).get(change.id)
        new = entry_of(change.view, change.added) if change.view is not None else None
        _put(index, result, old, new)
    return result


# -- records ------------------------------------------------------------------------------------
def _record_changes(catalog: Catalog, store: ViewStore, ids: list[str], gen: str, result: ChangeSet) -> list[RecordChange]:
    """The records among `ids` whose outputs differ from the live build's."""
    if not ids:
        return []
    views = {v["id"]: v for v in catalog.views("record", ids)}  # the access rule decides, as ever
    result.made += len(views)
    rows = _record_rows(catalog, ids)
    bulk = record_bulk_for(catalog, ids)
    refs: dict[str, dict | None] = {}
    found = []
    for record_id in ids:
        cached, view, row = store.entry(record_id), views.get(record_id), rows.get(record_id)
        if cached is None and view is None:
            continue  # hidden before and after (or gone): no output shows it
        if (cached is not None and cached.view.get("images")) or (view is not None and view.get("images")):
            raise Unpatchable("images: IIIF manifests and tiles are made by the full build")
        key = None
        if view is not None and row is not None:
            context = context_of(catalog, bulk, record_id, refs)
            key = record_key(gen, row.content_hash, row.updated_at, row.access, row.embargo_until, context)
        if cached is not None and key == cached.key:
            continue
        found.append(RecordChange(record_id, cached, view if key is not None else None, key,
                                  added_text(row.created_at) if row is not None else ""))
    return found


def _record_rows(catalog: Catalog, ids: list[str]) -> dict[str, RecordRow]:
    table = m.Record
    rows: dict[str, RecordRow] = {}
    for start in range(0, len(ids), 500):
        query = select(table.id, table.content_hash, table.updated_at, table.access, table.embargo_until,
                       table.created_at).where(table.id.in_(ids[start:start + 500]))
        rows.update({row.id: row for row in (RecordRow(*values) for values in catalog.session.exec(query))})
    return rows


def _citing_columns() -> list:
    """Columns of other objects' rows naming a record whose title they show (evidence, events,
    ledger sources, timeline entries): derived from the tables' foreign keys, not listed."""
    own = {table for table, parts in change_log.PART_OF.items() if parts == (("record", "record_id"),)}
    columns = [m.TimelineEntry.ref]
    for table in SQLModel.metadata.sorted_tables:
        if table.name in own:
            continue
        for column in table.columns:
            if any(fk.column.table.name == "record" for fk in column.foreign_keys):
                columns.append(column)
    return columns


def _cited_and_shown_changed(catalog: Catalog, index: StoredIndex, records: list[RecordChange]) -> bool:
    """Whether a record whose link (title, visibility) changed is cited by another object."""
    shown = []
    for change in records:
        old = change.old.view["title"] if change.old is not None else None
        new = change.view["title"] if change.view is not None else None
        if old != new:
            shown.append(change.id)
    if not shown:
        return False
    session = catalog.session
    for column in _citing_columns():
        for start in range(0, len(shown), 500):
            if session.execute(select(column).where(column.in_(shown[start:start + 500])).limit(1)).first():
                return True
    return False


# -- the small kinds -------------------------------------------------------------------------------
def _remake_small(catalog: Catalog) -> Small:
    views = {kind: catalog.all(kind) for kind in SMALL_KINDS}
    added: dict[str, str] = {}
    for kind in SMALL_KINDS:
        added.update(catalog.added_on(kind))
    return Small(views, catalog.tombstones(), added)


def _small_refs_changed(index: StoredIndex, small: Small) -> set[str]:
    """Harms and timelines whose link (title, visibility) differs from the one the live build
    showed: the record pages citing them link back to them."""
    changed = set()
    for kind in ("harm", "timeline"):
        old = index.kind_entries(kind)
        new = {v["id"]: v["title"] for v in small.views[kind]}
        changed |= {i for i in old.keys() | new.keys() if (old[i].summary["title"] if i in old else None) != new.get(i)}
    return changed


def _records_citing(catalog: Catalog, objects: set[str]) -> set[str]:
    """The records these harms and timelines cite (`archive.catalog.citing_ids`' links, read back)."""
    if not objects:
        return set()
    wanted = sorted(objects)
    queries = [select(m.Evidence.record_id).where(m.Evidence.harm_id.in_(wanted)),
               select(m.AccountabilityEvent.source_record_id).where(m.AccountabilityEvent.harm_id.in_(wanted)),
               select(m.TimelineEntry.ref).where(m.TimelineEntry.timeline_id.in_(wanted))]
    return {r for query in queries for r in catalog.session.exec(query) if r is not None}


def _ledger_links_changed(catalog: Catalog, store: ViewStore, result: ChangeSet) -> set[str]:
    """The records whose links from the ledger (commitments, progress, attribution, replies)
    differ from the live build's: the ledger's tables are logged by name only, so the links are
    compared whole (they are few)."""
    kept = store.meta("ledger_links")
    if kept is None:
        raise Unpatchable("the cache does not hold the ledger's links to records (made by an older build)")
    before, now = json.loads(kept), ledger_links(catalog)
    result.meta["ledger_links"] = json.dumps(now, sort_keys=True)
    return {r for r in before.keys() | now.keys() if before.get(r) != now.get(r)}


def _index_small(index: StoredIndex, result: ChangeSet) -> None:
    small = result.small
    assert small is not None
    old = {}
    for kind in SMALL_KINDS:
        old.update(index.kind_entries(kind))
    new = {v["id"]: entry_of(v, small.added[v["id"]]) for kind in SMALL_KINDS for v in small.views[kind]}
    for object_id in sorted(old.keys() | new.keys()):
        _put(index, result, old.get(object_id), new.get(object_id))


# -- the index and its lists ----------------------------------------------------------------------
def _put(index: StoredIndex, result: ChangeSet, old: Entry | None, new: Entry | None) -> None:
    """Put an entry into the index and note the list pages it changes."""
    if old == new:
        return
    result.entries_changed.add((old or new).id)  # type: ignore[union-attr]
    names = sorted(set(old.lists if old else ()) | set(new.lists if new else ()))
    before = {name: (len(index.members(name)), index.place(name, old.member) if old and name in old.lists else None)
              for name in names}
    index.put(old, new)
    for name in names:
        size_before, at_before = before[name]
        size_after = len(index.members(name))
        at_after = index.place(name, new.member) if new and name in new.lists else None
        places = [at for at in (at_before, at_after) if at is not None]
        if size_before == size_after:
            first, last = page_of(min(places)), page_of(max(places))
        else:  # every page says how many the list holds
            result.sizes_before.setdefault(name, size_before)
            first, last = 1, max(page_count(size_before), page_count(size_after))
        result.lists.setdefault(name, set()).update(range(first, last + 1))
