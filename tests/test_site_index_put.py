"""Replacing an entry in the site index (`SiteIndex.put`) gives each list its members in order,
once each, and leaves a list alone when the entry keeps its place in it: a list read from the
build cache is then not split (`publish.pages.member_list`), the records list's 100,000 ids
for one edited title."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from publish.pages.member_list import dump_members, load_members
from publish.pages.site_index import Entry, SiteIndex

LISTS = ("s\0record", "b\0decade\x001920", "b\0harm_type\0ht-a", "b\0harm_type\0ht-b")


def _entry(object_id: str, lower: int, lists: tuple[str, ...], title: str = "A title") -> Entry:
    return Entry(object_id, "record", lower, "2026-01-01", {"title": title}, {"title": title}, tuple(sorted(lists)), ())


ENTRIES = st.dictionaries(st.from_regex(r"rec-[a-z]{1,3}", fullmatch=True),
                          st.tuples(st.integers(0, 9), st.sets(st.sampled_from(LISTS), min_size=1)), min_size=1)


@given(ENTRIES, st.lists(st.tuples(st.integers(0, 50), st.integers(0, 9), st.sets(st.sampled_from(LISTS)),
                                   st.booleans())))
def test_each_list_holds_its_entries_in_order_after_any_replacements(start, changes):
    entries = {i: _entry(i, lower, tuple(lists)) for i, (lower, lists) in start.items()}
    index = SiteIndex.of(list(entries.values()))
    # Read back as the cache keeps them: columns with the ids joined, as a patch reads them.
    index._members = {name: load_members(dump_members(members)) for name, members in index._members.items()}
    for pick, lower, lists, retitle in changes:
        object_id = sorted(entries)[pick % len(entries)]
        old = entries[object_id]
        new = _entry(object_id, old.lower if retitle else lower, tuple(lists) or old.lists,
                     "Edited" if retitle else old.summary["title"])
        index.put(old, new)
        entries[object_id] = new
    expected = SiteIndex.of(list(entries.values()))
    for name in LISTS:
        assert list(index.members(name)) == list(expected.members(name))


def test_an_entry_that_keeps_its_place_leaves_its_lists_unsplit():
    entries = [_entry(f"rec-{n:03d}", n % 7, LISTS[:2]) for n in range(300)]
    index = SiteIndex.of(entries)
    index._members = {name: load_members(dump_members(members)) for name, members in index._members.items()}
    old = entries[150]
    index.put(old, _entry(old.id, old.lower, old.lists, "Edited"))
    assert all(index.members(name)._blob is not None for name in LISTS[:2])
    moved = _entry(old.id, old.lower + 1, old.lists)
    index.put(old, moved)
    assert list(index.members(LISTS[0])) == sorted(e.member for e in [*entries[:150], moved, *entries[151:]])
