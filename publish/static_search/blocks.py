"""The static search index's first block (harms, timelines, narratives and their passages)
written again whole, the records' block left as it is (`publish.static_search.index`).

A narrative withdrawn, or any other change to the few objects of the first block, must leave
the fallback index at once, but the index's term shards hold every record's postings too
(megabytes at 100,000 records). In each term's posting list the first block's postings come
first (their numbers are below the records' base), so each term the first block used or uses
gets its leading postings replaced in the shard's bytes; the docs and attributes shards of the
first block are made again from its documents; facet values the records use keep their
numbers (they are numbered first). The result is byte for byte a fresh build's (the tests
compare). None when the records' numbers would move (the first block outgrew its shards).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from publish.static_search.index import (
    ATTRS_PER_SHARD,
    DOCS_PER_SHARD,
    SMALL,
    _facet_values,
    _json,
    _label,
    attributes,
    doc_weights,
    docs_shard,
    documents,
    facet_codes,
    meta_file,
    record_base,
    value_labels,
)
from publish.static_search.patch import _first_after, term_entries
from search.language import FACETS


@dataclass
class BlockPatch:
    files: dict[str, bytes | None]  # path → new bytes (None: the file goes)
    totals: dict[str, int]  # each touched term's count of documents now
    small: dict[str, int]  # each term's count of documents in the first block now


def patch_first_block(read: Callable[[str], bytes | None], views: dict[str, list[dict]],
                      kept_small: dict[str, int]) -> BlockPatch | None:
    """The index's files once the first block holds the documents of `views` (the small kinds'
    public views); `kept_small`: each term's count in the first block as published."""
    meta = json.loads(read("search/meta.json") or b"{}")
    blocks = meta.get("blocks")
    if not blocks or "record_values" not in meta:
        return None
    (_, old_count), (base, end) = blocks
    docs = documents(views, SMALL)
    records = meta["docs"] - old_count
    if end > base and record_base(len(docs)) != base:
        return None  # the records' numbers would move
    files: dict[str, bytes | None] = {}
    codes = _facets(read, meta["record_values"], docs, views, files)
    if codes is None:
        return None
    for folder, per, make in (("docs", DOCS_PER_SHARD, docs_shard),
                              ("attrs", ATTRS_PER_SHARD, lambda chunk: _json([attributes(d, codes) for d in chunk]))):
        for shard in range(max(-(-old_count // per), -(-len(docs) // per))):
            chunk = docs[shard * per:(shard + 1) * per]
            files[f"search/{folder}/{shard}.json"] = make(chunk) if chunk else None
    postings: dict[str, list[bytes]] = {}
    for number, doc in enumerate(docs):
        for term, weight in doc_weights(doc).items():
            postings.setdefault(term, []).append(b"[%d,%d]" % (number, weight))
    totals: dict[str, int] = {}
    terms = sorted(set(kept_small) | set(postings))
    for prefix in sorted({t[:2] for t in terms}):
        path = f"search/terms/{prefix}.json"
        mine = [(t, b",".join(postings.get(t, []))) for t in terms if t[:2] == prefix]
        files[path] = _rewrite(read(path), mine, base, totals)
    files["search/meta.json"] = meta_file(len(docs), records, meta["record_values"], end - base)
    return BlockPatch(files, totals, {t: len(p) for t, p in postings.items()})


def _facets(read: Callable[[str], bytes | None], record_values: int, docs: list[dict],
            views: dict[str, list[dict]], files: dict) -> dict[tuple[str, str], int] | None:
    """The facet values' numbers: the records' as published, then the first block's others, sorted."""
    raw = read("search/facets.json")
    if raw is None:
        return None
    published = json.loads(raw)["values"][:record_values]
    codes = facet_codes({(name, value) for name, value, _label_text in published},
                        {pair for doc in docs for pair in _facet_values(doc)})
    labels = value_labels(views)
    values = published + [[name, value, _label(name, value, labels)] for (name, value) in list(codes)[record_values:]]
    files["search/facets.json"] = _json({"facets": list(FACETS), "values": values})
    return codes


def _rewrite(shard: bytes | None, changes: list[tuple[str, bytes]], base: int,
             totals: dict[str, int]) -> bytes | None:
    """`shard` with each term's postings below `base` replaced by the given ones (sorted by
    term; empty: none), its entry added or removed as needed; None when left empty. Entries
    of other terms are copied as they are, each run of them between two changed terms as one
    slice of the shard's bytes (a withdrawal rewrites most of the 300 shards at 100,000
    records, thousands of entries each)."""
    data = shard or b"{}"
    starts = dict(term_entries(data))  # term → where its entry begins
    order = list(starts)  # the shard's terms, sorted as written

    def run(first: int, stop: int) -> bytes:  # the entries order[first:stop], as written
        return data[starts[order[first]]:starts[order[stop]] - 1 if stop < len(order) else len(data) - 1]

    entries: list[bytes] = []
    index = 0  # the next of the shard's terms not yet copied
    for term, small in changes:
        copied = index
        while index < len(order) and order[index] < term:
            index += 1
        if index > copied:
            entries.append(run(copied, index))
        record = b""
        if index < len(order) and order[index] == term:
            start = starts[term] + len(term) + 4  # after '"term":['
            end = data.index(b"]]", start) + 1
            record = data[_first_after(data, start, end, base - 1):end]  # the records' postings
            index += 1
        postings = small + (b"," if small and record else b"") + record
        totals[term] = postings.count(b"],[") + 1 if postings else 0
        if postings:
            entries.append(b'"' + term.encode() + b'":[' + postings + b"]")
    if index < len(order):
        entries.append(run(index, len(order)))
    return b"{" + b",".join(entries) + b"}" if entries else None
