"""The records' block of the static search index patched for records edited, added or gone.

The block is a table of slots (`publish.static_search.slots`): a record coming into the
public set, or leaving it, moves only the documents of its probe cluster, so a patch touches
their postings, lines and attributes and nothing else. Before, a record added or made
non-public renumbered every later record, and the whole index (~260 MB at 100,000 records)
was made again: 80 s and 3.2 GB for one daily ingest that added a record.

Each term shard a change touches is read once and written once: the postings to remove, add
or reweigh, found by bisecting each term's sorted list in the shard's bytes, and the runs
between them copied as slices (`patch_terms`). The result is byte for byte a fresh build's
(tests/test_static_search_records.py builds both and compares). None, for a whole build,
when the table would change size, a facet value would come or go (values are numbered), or
the published files are not the ones this change applies to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from publish.static_search.index import (
    ATTRS_PER_SHARD,
    DOCS_PER_SHARD,
    _facet_values,
    _json,
    attributes,
    doc_line,
    doc_weights,
    meta_file,
)
from publish.static_search.patch import Ops, Stale, patch_terms
from publish.static_search.slots import block_slots, home, replace


@dataclass
class RecordsPatch:
    files: dict[str, bytes | None]  # path -> new bytes (None: the file goes)
    totals: dict[str, int]  # each touched term's count of documents now
    docs: int  # documents in the index now (meta.json's "docs")


class _Lists:
    """The docs and attributes shards the patch reads or changes, parsed once; `dirty` those changed."""

    def __init__(self, read: Callable[[str], bytes | None]):
        self.read = read
        self.lists: dict[str, list] = {}
        self.dirty: set[str] = set()

    def shard(self, folder: str, per: int, number: int) -> tuple[str, list]:
        path = f"search/{folder}/{number // per}.json"
        found = self.lists.get(path)
        if found is None:
            raw = self.read(path)
            if raw is None:
                raise Stale(path)
            found = self.lists[path] = json.loads(raw)
        return path, found

    def get(self, folder: str, per: int, number: int):
        items = self.shard(folder, per, number)[1]
        if number % per >= len(items):
            raise Stale(folder)
        return items[number % per]

    def put(self, folder: str, per: int, number: int, value) -> None:
        path, items = self.shard(folder, per, number)
        items[number % per] = value
        self.dirty.add(path)

    def files(self) -> dict[str, bytes]:
        return {path: _json(self.lists[path]) for path in sorted(self.dirty)}


def patch_records(read: Callable[[str], bytes | None], changes: list[tuple[list[dict], list[dict]]],
                  docs_of: Callable[[list[str]], dict[str, dict]], counts: dict[str, int]) -> RecordsPatch | None:
    """The files that change when each record's documents go from `before` to `after` (the
    pairs of `changes`; an empty list: not public), read from the published ones (`read`, as
    earlier patches of the same rebuild left them). `docs_of(urls)`: the documents, as now,
    of records not in `changes` that a change moves. `counts`: each term's count of documents
    as published, where known (updated here)."""
    try:
        return _patch(read, changes, docs_of, counts)
    except Stale:
        return None


def _patch(read: Callable[[str], bytes | None], changes: list[tuple[list[dict], list[dict]]],
           docs_of: Callable[[list[str]], dict[str, dict]], counts: dict[str, int]) -> RecordsPatch | None:
    meta = json.loads(read("search/meta.json") or b"{}")
    facets = json.loads(read("search/facets.json") or b"{}")
    if "record_values" not in meta or not meta.get("blocks") or "values" not in facets:
        return None
    (_, small), (base, end) = meta["blocks"]
    size, records = end - base, meta["docs"] - small
    old = {d["url"]: d for before, _ in changes for d in before}
    new = {d["url"]: d for _, after in changes for d in after}
    if not old and not new:
        return RecordsPatch({}, {}, meta["docs"])
    leaving, coming = old.keys() - new.keys(), new.keys() - old.keys()
    now = records - len(leaving) + len(coming)
    if block_slots(now) != size:
        return None  # the table grows or shrinks: every number changes
    record_values = meta["record_values"]
    codes = {(name, value): n for n, (name, value, _label) in enumerate(facets["values"][:record_values])}
    used_now = {pair for d in new.values() for pair in _facet_values(d)}
    used_before = {pair for d in old.values() for pair in _facet_values(d)}
    if not used_now <= codes.keys():
        return None  # a value the records did not use: the values are numbered again
    if not used_before <= codes.keys():
        return None
    lists = _Lists(read)

    def at(slot: int) -> str | None:
        line = lists.get("docs", DOCS_PER_SHARD, base + slot)
        return line[2] if line else None

    where = {url: _find(url, size, at) for url in old}
    gone = {codes[pair] for pair in used_before - used_now}
    if gone and _unused(lists, base, size, gone, {base + slot for slot in where.values()}):
        return None  # a value's last record goes: the values are numbered again
    moves = replace(size, at, where, leaving, coming)
    if moves is None:
        return None
    before, after = moves
    unchanged = [url for url in after if url not in new]  # moved by a change, not changed
    current = docs_of(unchanged) if unchanged else {}
    if set(unchanged) - current.keys():
        return None
    ops: dict[str, Ops] = {}
    for url, slot in before.items():
        if slot is not None:
            number = base + slot
            for term, weight in doc_weights(old.get(url) or current[url]).items():
                ops.setdefault(term, {})[number] = (weight, None)
            lists.put("docs", DOCS_PER_SHARD, number, None)
            lists.put("attrs", ATTRS_PER_SHARD, number, None)
    for url in old.keys() & new.keys():
        if url not in before:  # changed in its place
            number, was, will = base + where[url], doc_weights(old[url]), doc_weights(new[url])
            for term in was.keys() | will.keys():
                if was.get(term) != will.get(term):
                    ops.setdefault(term, {})[number] = (was.get(term), will.get(term))
            for folder, per, value in (("docs", DOCS_PER_SHARD, doc_line(new[url])),
                                       ("attrs", ATTRS_PER_SHARD, attributes(new[url], codes))):
                if lists.get(folder, per, number) != value:
                    lists.put(folder, per, number, value)
    for url, slot in after.items():
        number, doc = base + slot, new.get(url) or current[url]
        for term, weight in doc_weights(doc).items():
            was = ops.setdefault(term, {}).get(number, (None, None))[0]
            ops[term][number] = (was, weight)
        lists.put("docs", DOCS_PER_SHARD, number, doc_line(doc))
        lists.put("attrs", ATTRS_PER_SHARD, number, attributes(doc, codes))
    files: dict[str, bytes | None] = dict(lists.files())
    totals: dict[str, int] = {}
    by_shard: dict[str, dict[str, Ops]] = {}
    for term, term_ops in ops.items():
        term_ops = {n: o for n, o in term_ops.items() if o[0] != o[1]}
        if term_ops:
            by_shard.setdefault(term[:2], {})[term] = term_ops
    for prefix, term_ops in sorted(by_shard.items()):
        path = f"search/terms/{prefix}.json"
        files[path] = patch_terms(read(path), term_ops, totals)
    counts.update(totals)
    if now != records:
        files["search/meta.json"] = meta_file(small, now, record_values, size)
    return RecordsPatch(files, totals, small + now)


def _find(url: str, size: int, at: Callable[[int], str | None]) -> int:
    """The slot holding `url`: probed from its home slot, as it was placed."""
    slot = home(url, size)
    for _ in range(size):
        found = at(slot)
        if found is None:
            break
        if found == url:
            return slot
        slot = (slot + 1) & (size - 1)
    raise Stale(url)


def _unused(lists: _Lists, base: int, size: int, values: set[int], skip: set[int]) -> bool:
    """Whether one of these facet values has no record left: none of the block's documents
    but those numbered in `skip` (which change) uses it. The attributes shards are read until
    every value has a user (a value most records use is found at once)."""
    pending = set(values)
    for first in range(base, base + size, ATTRS_PER_SHARD):
        items = lists.shard("attrs", ATTRS_PER_SHARD, first)[1]
        for offset, entry in enumerate(items):
            if entry and first + offset not in skip:
                pending.difference_update(entry[2])
                if not pending:
                    return False
    return True
