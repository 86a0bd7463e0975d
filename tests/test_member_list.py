"""A list's members kept as columns (`publish.pages.member_list`) behave as the list of tuples
they replace, and come back from the cache as they went in."""

from __future__ import annotations

import bisect
import marshal

from hypothesis import given
from hypothesis import strategies as st

from publish.pages.member_list import MemberList, dump_members, load_members

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
