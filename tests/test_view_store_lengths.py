"""The view cache's table of download-line lengths (`publish.build_cache.ViewStore.ranks`,
`offsets`): a patch places each changed record's lines in its download part from it, so its
answers must be what counting and summing the cached lines themselves gives, after any writes
and drops, and None where a record keeps no lines for a base URL."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from publish.build_cache import CachedView, ViewStore

BASE = "https://archive.example/"
LINE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _view(line: str | None) -> CachedView:
    parts = {} if line is None else {"jsonl\0" + BASE: line + "\n", "csv\0" + BASE: line + "é\r\n"}
    return CachedView("key", {"id": "x"}, parts)


@settings(max_examples=40, deadline=None)
@given(first=st.dictionaries(st.from_regex(r"rec-[a-z0-9]{1,4}", fullmatch=True), st.none() | LINE, max_size=30),
       second=st.dictionaries(st.from_regex(r"rec-[a-z0-9]{1,4}", fullmatch=True), st.none() | LINE, max_size=10),
       drop=st.sets(st.from_regex(r"rec-[a-z0-9]{1,4}", fullmatch=True), max_size=8))
def test_ranks_and_offsets_are_those_of_the_cached_lines(tmp_path_factory, first, second, drop):
    store = ViewStore(tmp_path_factory.mktemp("cache"))
    store.write("gen", "t1", {i: _view(line) for i, line in first.items()}, set(), everything=True)
    store.write("gen", "t2", {i: _view(line) for i, line in second.items()}, drop - second.keys())
    lines = {i: line for i, line in {**first, **second}.items() if i not in drop - second.keys()}
    order = sorted(lines)
    assert store.ids() == order
    asked = order + ["rec-", "rec-zzzzz"]  # ids between and past the cached ones count too
    assert store.ranks(asked) == {i: sum(1 for j in order if j < i) for i in asked}
    for place, record_id in enumerate(order):
        for count in range(place + 1):
            before = [lines[j] for j in order[place - count:place]]
            expected = None if any(b is None for b in before) else (
                sum(len((b + "\n").encode()) for b in before), sum(len((b + "é\r\n").encode()) for b in before))
            assert store.offsets(record_id, count) == expected, (record_id, count)
    store.close()
