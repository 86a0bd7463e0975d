"""A list's members kept as columns (`publish.pages.member_list`) behave as the list of tuples
they replace, and come back from the cache as they went in."""

from __future__ import annotations

import bisect
import marshal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publish.pages.member_list import (
    _HEAD,
    _SPLIT_MAGIC,
    MemberList,
    count_of_kind,
    dump_members,
    ids_of_kind,
    load_members,
)

MEMBERS = st.lists(st.tuples(st.integers(-(2**40), 2**40), st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
                             st.sampled_from(["record", "narrative", "harm", "timeline", "événement"])),
                   unique_by=lambda m: m[1]).map(sorted)


@given(MEMBERS, st.lists(st.tuples(st.booleans(), st.integers(0, 2**20), st.from_regex(r"[a-z]{1,4}", fullmatch=True),
                                   st.sampled_from(["record", "harm", "commitment"]))))
def test_members_as_columns_are_the_list_of_tuples_under_every_use(members, changes):
    """What a patch does (bisect, insort, delete), what a page does (len, slices, iteration),
    and the cache's round trip, alike for the columns and the list."""
    plain, kept = list(members), load_members(dump_members(members))
    assert kept == plain and list(kept) == plain and len(kept) == len(plain)
    for drop, lower, object_id, kind in changes:
        member = (lower, object_id, kind)
        if drop and plain:
            at = bisect.bisect_left(plain, plain[lower % len(plain)])
            assert bisect.bisect_left(kept, plain[at]) == at
            del plain[at]
            del kept[at]
        else:
            assert bisect.bisect_left(kept, member) == bisect.bisect_left(plain, member)
            bisect.insort(plain, member)
            bisect.insort(kept, member)
        assert kept[2:7] == plain[2:7] and kept[-1:] == plain[-1:]
    assert list(load_members(dump_members(kept))) == plain
    assert [kept[n] for n in range(len(kept))] == plain


@given(MEMBERS)
def test_a_list_the_cache_kept_marshalled_is_read_too(members):
    """A cache written before the columns (a marshalled list of tuples) is still read."""
    assert list(load_members(marshal.dumps(members, 2))) == members


def test_an_empty_list_goes_and_comes_back_empty():
    assert list(load_members(dump_members([]))) == []
    assert len(MemberList()) == 0


WIDE_MEMBERS = st.lists(st.tuples(st.integers(-(2**40), 2**40), st.text(st.characters(blacklist_characters="\0",
                                                                                 blacklist_categories=["Cs"]),
                                                                   min_size=1, max_size=8),
                                  st.sampled_from(["record", "harm"])),
                        unique_by=lambda m: m[1]).map(sorted)


@given(WIDE_MEMBERS, st.lists(st.integers(-40, 40), max_size=6), st.lists(st.tuples(st.integers(-40, 40),
                                                                                    st.integers(-40, 40))))
def test_a_list_read_from_the_cache_answers_reads_without_splitting_its_ids(members, places, slices):
    """Indexing, slices and bisection of a list just read give what the list gives, ids outside
    ASCII included, and leave its ids joined; written back unchanged, it is the same bytes."""
    data = dump_members(members)
    kept = load_members(data)
    for at in places:
        if -len(members) <= at < len(members):
            assert kept[at] == members[at]
        else:
            with pytest.raises(IndexError):
                kept[at]
    for start, stop in slices:
        assert kept[start:stop] == members[start:stop]
    for member in members[:5]:
        assert bisect.bisect_left(kept, member) == bisect.bisect_left(members, member)
    assert len(kept) == len(members)
    assert kept._blob is not None or not members  # nothing above split the ids
    assert dump_members(kept) == data
    assert list(kept) == members  # read whole: split, then the same members
    assert dump_members(kept) == data


@given(MEMBERS)
def test_a_list_kept_with_its_ids_joined_only_is_read_too(members):
    """The format before the offsets (ML1: the ids joined, split when read) is still read."""
    plain = MemberList(members)
    ids = "\0".join(plain._ids).encode()
    names = "\0".join(plain._names).encode()
    old = b"".join([_HEAD.pack(_SPLIT_MAGIC, len(plain), len(ids), len(names)), plain._lowers.tobytes(),
                    ids, names, bytes(plain._kinds)])
    assert list(load_members(old)) == members


def test_a_list_cut_short_is_refused():
    data = dump_members([(1, "rec-a", "record"), (2, "rec-b", "record")])
    with pytest.raises(ValueError, match="cut short"):
        load_members(data[:-3])


@given(MEMBERS, st.sampled_from(["record", "harm", "événement", "commitment"]), st.integers(0, 5))
def test_the_ids_of_one_kind_are_found_alike_in_columns_and_in_tuples(members, kind, limit):
    """An institution's page takes its first records and every harm, and counts its records."""
    kept = load_members(dump_members(members))
    expected = [object_id for _, object_id, of in members if of == kind]
    for given_list in (members, kept):
        assert ids_of_kind(given_list, kind) == expected
        assert ids_of_kind(given_list, kind, limit) == expected[:limit]
        assert count_of_kind(given_list, kind) == len(expected)
