"""The records' block of the static search index: open addressing, and the patch for records
edited, added or gone (`publish.static_search.slots`, `records_patch`).

Every patch is compared, byte for byte and file by file, with a fresh build of the archive
after the change; where the patch declines (the table changes size, a facet value comes or
goes), the caller builds whole, which the comparison covers trivially, so the tests also
count that most changes are patched.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.static_search.index import SMALL, static_index
from publish.static_search.patch import patch_terms
from publish.static_search.records_patch import patch_records
from publish.static_search.slots import home, place, replace, table_size
from search.documents import documents_of

WORDS = ["apology", "exclusion", "delegate", "hospital", "ward", "segregated", "county", "society",
         "minutes", "letter", "petition", "membership", "1910", "zz"]
INSTITUTIONS = ["agent-ama", "agent-nma", "agent-county"]
HARMS = ["ht-exclusion", "ht-segregation"]


def record(number: int, words: list[str], institution: int, harm: int, year: int | None, parts: int) -> dict:
    """A public record's view, as much of it as its search documents read."""
    rid = f"rec-{number:04d}"
    view = {"id": rid, "url": f"/records/{rid}/", "title": f"{words[0]} {rid}", "text": " ".join(words),
            "creators": [{"id": INSTITUTIONS[institution], "name": INSTITUTIONS[institution].title()}],
            "subjects": [{"id": HARMS[harm], "scheme": "harm-type", "label": HARMS[harm].title()}],
            "language": "en", "collection": "", "date": None}
    if year is not None:
        view["date"] = {"edtf": str(year), "lower": f"{year}0101", "upper": f"{year}1231", "display": str(year)}
    if parts:
        view["parts"] = [{"anchor": f"part-{p}", "title": f"{words[-1]} part {p}", "description": words[p % len(words)]}
                         for p in range(1, parts + 1)]
    return view


RECORD = st.builds(record, st.integers(0, 400), st.lists(st.sampled_from(WORDS), min_size=1, max_size=6),
                   st.integers(0, len(INSTITUTIONS) - 1), st.integers(0, len(HARMS) - 1),
                   st.one_of(st.none(), st.integers(1870, 2020)), st.sampled_from([0, 0, 0, 1, 2]))
SMALL_VIEWS = {"harm": [{"id": "harm-exclusion", "url": "/harms/harm-exclusion/", "title": "Exclusion",
                         "text": "exclusion from membership", "responsible": [{"id": "agent-ama", "name": "AMA"}],
                         "harm_types": [{"id": "ht-exclusion", "label": "Exclusion"}], "language": "en",
                         "date": None}]}


def fresh(records: dict[str, dict]) -> dict[str, bytes]:
    return static_index({**SMALL_VIEWS, "record": list(records.values())}).files


def patched(before: dict[str, dict], after: dict[str, dict]) -> dict[str, bytes] | None:
    """The files of `fresh(before)` patched for every record that differs in `after`."""
    files = fresh(before)
    changed = sorted(i for i in before.keys() | after.keys() if before.get(i) != after.get(i))

    def docs(view: dict | None) -> list[dict]:
        return documents_of("record", view) if view else []

    def docs_of(urls: list[str]) -> dict[str, dict]:
        every = {d["url"]: d for view in after.values() for d in docs(view)}
        return {url: every[url] for url in urls}

    done = patch_records(files.get, [(docs(before.get(i)), docs(after.get(i))) for i in changed], docs_of, {})
    if done is None:
        return None
    out = dict(files)
    for path, content in done.files.items():
        if content is None:
            out.pop(path, None)
        else:
            out[path] = content
    return out


def by_id(views: list[dict]) -> dict[str, dict]:
    return {v["id"]: v for v in views}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RECORD, max_size=40), st.data())
def test_records_added_removed_and_edited_patch_to_the_fresh_build(views, data):
    """Any mix of records added, made non-public and edited (words, titles, dates, parts,
    facet values among those already used) gives, where the patch takes it, exactly the files
    a fresh build of the result writes (vocab.json excepted: its caller makes it,
    `vocabulary_after`, tested in test_static_search_terms)."""
    before = by_id(views)
    after = dict(before)
    for view in data.draw(st.lists(RECORD, max_size=6)):
        after[view["id"]] = view  # added, or an edit of a record with that number
    for gone in data.draw(st.lists(st.sampled_from(sorted(before) or ["none"]), max_size=4)):
        after.pop(gone, None)
    result = patched(before, after)
    if result is not None:
        expected = fresh(after)
        assert {p for p in result if p != "search/vocab.json"} == {p for p in expected if p != "search/vocab.json"}
        for path, content in expected.items():
            if path != "search/vocab.json":
                assert result[path] == content, path


def test_most_records_coming_or_going_are_patched_not_built_whole():
    """A record added or gone, one at a time over a block of 150, is patched (only a table
    size change or a facet value's first or last user builds whole), and each patch is the
    fresh build."""
    rng = random.Random(7)
    views = by_id(record(n, rng.sample(WORDS, 4), n % 3, n % 2, 1900 + n % 100, n % 7 == 0) for n in range(150))
    taken = 0
    for step in range(40):
        after = dict(views)
        if step % 2:
            after.pop(rng.choice(sorted(after)))
        else:
            n = 150 + step
            after[f"rec-{n:04d}"] = record(n, rng.sample(WORDS, 4), n % 3, n % 2, None, 0)
        result = patched(views, after)
        if result is not None:
            taken += 1
            expected = fresh(after)
            assert {p: c for p, c in result.items() if p != "search/vocab.json"} == \
                {p: c for p, c in expected.items() if p != "search/vocab.json"}
        views = after
    assert taken >= 38


def test_a_record_gone_touches_only_its_own_and_its_clusters_files():
    """At 2,000 records a record made non-public rewrites its own terms' shards and the docs
    and attributes shards of its cluster, not the index."""
    rng = random.Random(3)
    views = by_id(record(n, rng.sample(WORDS, 3), n % 3, n % 2, 1950, 0) for n in range(2000))
    files = fresh(views)
    gone = "rec-0777"
    after = {i: v for i, v in views.items() if i != gone}
    result = patch_records(files.get, [(documents_of("record", views[gone]), [])],
                           lambda urls: {d["url"]: d for u in urls for d in documents_of("record", after[u.split("/")[2]])},
                           {})
    assert result is not None
    changed_docs = [p for p in result.files if p.startswith("search/docs/")]
    assert len(changed_docs) <= 2 and len([p for p in result.files if p.startswith("search/attrs/")]) <= 2
    assert len([p for p in result.files if p.startswith("search/terms/")]) <= len(WORDS)
    assert result.docs == len(after) + 1  # the harm, and the records left


def test_the_layout_depends_on_the_set_alone():
    """Placed in sorted order whatever order they come in; each slot inside the table, each
    probe starting at its home and never passing an empty slot."""
    urls = [f"/records/rec-{n}/" for n in range(300)]
    size = table_size(len(urls))
    assert size == 1024 and table_size(0) == 64 and table_size(32) == 64 and table_size(33) == 128
    slots = place(urls, size)
    assert slots == place(reversed(urls), size)
    assert len(set(slots.values())) == len(urls)
    taken = set(slots.values())
    for url, slot in slots.items():
        s = home(url, size)
        while s != slot:
            assert s in taken
            s = (s + 1) % size


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(0, 200), max_size=60), st.sets(st.integers(0, 200), max_size=8),
       st.sets(st.integers(0, 200), max_size=8), st.sampled_from([128, 256]))
def test_replacing_a_few_gives_the_placement_of_the_new_set(now, leave, come, size):
    """`replace` moves exactly the documents whose slot differs between the placements of
    the set before and after, in a table small enough for long clusters."""
    before_set = {f"/r/{n}/" for n in now}
    leaving = {f"/r/{n}/" for n in leave} & before_set
    coming = {f"/r/{n}/" for n in come} - before_set
    after_set = (before_set - leaving) | coming
    was, will = place(before_set, size), place(after_set, size)
    table = {slot: url for url, slot in was.items()}
    moves = replace(size, table.get, was, leaving, coming)
    assert moves is not None
    moved_before, moved_after = moves
    assert moved_after == {url: slot for url, slot in will.items() if was.get(url) != slot}
    assert moved_before == {url: was.get(url) for url in
                            {u for u in before_set if will.get(u) != was[u]} | coming}


def test_term_postings_patched_as_bytes_are_what_a_fresh_build_writes():
    """`patch_terms`, every case at once (weights changed, postings added and removed, terms
    added and gone, the shard emptied), against the JSON the index builder writes."""
    from publish.static_search.index import _json

    rng = random.Random(5)
    for _ in range(400):
        size = rng.choice([40, 400])
        shard = {f"ab{w}": [[n, rng.randint(1, 12)] for n in sorted(rng.sample(range(size), rng.randint(1, size // 4)))]
                 for w in rng.sample("cdefgh", rng.randint(0, 4))}
        ops: dict[str, dict[int, tuple[int | None, int | None]]] = {}
        expected = {t: dict(map(tuple, postings)) for t, postings in shard.items()}
        for term in rng.sample([f"ab{w}" for w in "cdefgh"], rng.randint(1, 3)):
            for number in rng.sample(range(size), rng.randint(1, 5)):
                was = expected.get(term, {}).get(number)
                will = rng.choice([None, rng.randint(1, 12)])
                ops.setdefault(term, {})[number] = (was, will)
                if will is None:
                    expected.get(term, {}).pop(number, None)
                else:
                    expected.setdefault(term, {})[number] = will
        expected = {t: [[n, w] for n, w in sorted(p.items())] for t, p in sorted(expected.items()) if p}
        totals: dict[str, int] = {}
        raw = _json(dict(sorted(shard.items()))) if shard else None
        assert patch_terms(raw, ops, totals) == (_json(expected) if expected else None), (shard, ops)
        assert totals == {t: len(expected.get(t, [])) for t in ops}
    stale = {"abc": {3: (5, None)}}
    from publish.static_search.patch import Stale
    try:
        patch_terms(_json({"abc": [[3, 4]]}), stale, {})
    except Stale:
        pass
    else:
        raise AssertionError("a posting of another weight than the change expects is refused")


def test_the_small_kinds_come_before_the_records_block():
    files = fresh(by_id([record(1, ["ward"], 0, 0, None, 0)]))
    assert SMALL[0] == "harm" and b"/harms/harm-exclusion/" in files["search/docs/0.json"]
