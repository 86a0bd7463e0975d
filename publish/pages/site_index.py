"""What the site's shared pages show of each public object, and the lists it stands in.

A record at 100,000 records appears, beyond its own page, in the records list, in the browse
lists of its decade, harm types, affected groups and institutions, on its institution's page,
perhaps in the feed and on the home page. Those pages show little of it (its `summary`: id,
type, title, link, date) and order it by date. This index holds, for every public object, that
summary, its place in each list (`lists`, by name) and when it was added; and for every list
its members in order. Every shared page is made from it (`publish.pages.listings`): the full
build makes the index from all views, the patched rebuild (`publish.incremental`) keeps it up
to date from the changed objects and remakes only the pages where their entries changed.

It is kept in the build's private cache (`publish.build_cache.ViewStore`'s file, never under
`public/`), for the public objects of the last build only.
"""

from __future__ import annotations

import bisect
import heapq
import marshal
from dataclasses import dataclass

from publish.pages.browse import facets_of, summary
from publish.pages.member_list import Member

SECTION, BROWSE = "s", "b"
PLACED = "m\0placed"  # the objects with a place on the map (`publish.charts.places`): no page lists them


def section_list(kind: str) -> str:
    """The list of one kind's objects (the records list: `/records/`, `/records/page/2/`…)."""
    return f"{SECTION}\0{kind}"


def browse_list(facet: str, value) -> str:
    """The list of the objects carrying one browse facet value (`/browse/decade/1930/`)."""
    return f"{BROWSE}\0{facet}\0{value}"


def browse_parts(name: str) -> tuple[str, str]:
    """A browse list's facet and value (as text: a decade's value is a number in `lists`)."""
    _, facet, value = name.split("\0", 2)
    return facet, value


LISTED_KINDS = ("record",)  # kinds whose section list pages are made from this index (the big one)


@dataclass(frozen=True)
class Entry:
    """One public object as the shared pages show it."""

    id: str
    kind: str
    lower: int
    added: str  # when it was first ingested (the feed's and the home page's order)
    summary: dict  # `publish.pages.browse.summary`: what browse and agent pages list
    listing: dict | None  # records: what the records list shows (with the whole date)
    lists: tuple[str, ...]  # the lists it is in (sorted)
    facets: tuple[tuple[str, tuple], ...]  # its browse facet values, as `facets_of` gives them

    @property
    def member(self) -> Member:
        return (self.lower, self.id, self.kind)

    def dumps(self) -> bytes:
        return marshal.dumps((self.kind, self.lower, self.added, self.summary, self.listing, self.lists,
                              self.facets), 2)

    @classmethod
    def loads(cls, object_id: str, data: bytes) -> Entry:
        return cls(object_id, *marshal.loads(data))


def entry_of(view: dict, added: str) -> Entry:
    """A public view's entry (`added`: `Catalog.added_on`'s value for it)."""
    kind = view["type"]
    brief = summary(view)
    facets = facets_of(view)
    lists = [browse_list(facet, value) for facet, values in facets.items() for value in values]
    listing = None
    if "place" in brief:
        lists.append(PLACED)
    if kind in LISTED_KINDS:
        lists.append(section_list(kind))
        listing = {k: view[k] for k in ("id", "url", "title", "date", "record_type")}
    return Entry(view["id"], kind, brief["lower"] or 0, added, brief, listing, tuple(sorted(lists)),
                 tuple((facet, tuple(values)) for facet, values in facets.items()))


def placed_summaries(index: SiteIndex) -> list[dict]:
    """The summaries of the objects with a place on the map, in the list's order (date, id)."""
    found = index.summaries([object_id for _, object_id, _ in index.members(PLACED)])
    return [found[object_id] for _, object_id, _ in index.members(PLACED) if object_id in found]


class SiteIndex:
    """Entries by id and each list's members in order. The full build makes it whole in
    memory (`of`); the patched rebuild reads what it needs from the cache (`StoredIndex`,
    `publish.build_cache`), changes it with `put`, and saves what changed."""

    def __init__(self, entries: dict[str, Entry] | None = None, members: dict[str, list[Member]] | None = None):
        self._entries = entries or {}
        self._members = members or {}

    @classmethod
    def of(cls, entries: list[Entry]) -> SiteIndex:
        members: dict[str, list[Member]] = {}
        for entry in sorted(entries, key=lambda e: e.member):
            for name in entry.lists:
                members.setdefault(name, []).append(entry.member)
        return cls({e.id: e for e in entries}, members)

    # -- reading (a stored index loads what is asked for) ------------------------------------
    def entries(self, ids: list[str]) -> dict[str, Entry]:
        return {i: self._entries[i] for i in ids if i in self._entries}

    def summaries(self, ids: list[str]) -> dict[str, dict]:
        """Each entry's summary (what browse and agent pages list), by id: all a list page needs."""
        return {i: e.summary for i, e in self.entries(ids).items()}

    def listings(self, ids: list[str]) -> dict[str, dict]:
        """Each record entry's listing (what the records list shows), by id."""
        return {i: e.listing for i, e in self.entries(ids).items() if e.listing is not None}

    def members(self, name: str) -> list[Member]:
        return self._members.get(name, [])

    def all_ids(self) -> list[str]:
        return list(self._entries)

    def list_names(self) -> list[str]:
        return list(self._members)

    def place(self, name: str, member: Member) -> int:
        """Where `member` is (or would go) in the list `name`."""
        return bisect.bisect_left(self.members(name), member)

    def list_sizes(self) -> dict[str, int]:
        """Every list's name and size."""
        return {name: len(members) for name, members in self._members.items() if members}

    def counts(self) -> dict[str, int]:
        """Public objects by kind."""
        found: dict[str, int] = {}
        for entry in self._entries.values():
            found[entry.kind] = found.get(entry.kind, 0) + 1
        return found

    def recent(self, limit: int) -> list[Entry]:
        """The most recently added entries, newest first (ties by id), as `publish.feeds.recent`."""
        return heapq.nlargest(limit, self._entries.values(), key=lambda e: (e.added, e.id))

    # -- changing --------------------------------------------------------------------------
    def put(self, old: Entry | None, new: Entry | None) -> None:
        """An object's entry replaced (None: it was not, or is no longer, public). A list it
        stays in at the same place is left as it is: taking the member out and putting it back
        would change nothing but make a list read from the cache split its ids
        (`publish.pages.member_list`), the records list's 100,000 for one edited title."""
        kept = set(old.lists) & set(new.lists) if old is not None and new is not None and old.member == new.member else set()
        if old is not None:
            for name in old.lists:
                if name in kept:
                    continue
                members = self._loaded(name)
                at = bisect.bisect_left(members, old.member)
                if at < len(members) and members[at] == old.member:
                    del members[at]
            self._entries.pop(old.id, None)
        if new is not None:
            for name in new.lists:
                members = self._loaded(name)
                at = bisect.bisect_left(members, new.member)
                if at == len(members) or members[at] != new.member:
                    members.insert(at, new.member)
            self._entries[new.id] = new

    def _loaded(self, name: str) -> list[Member]:
        return self._members.setdefault(name, [])
