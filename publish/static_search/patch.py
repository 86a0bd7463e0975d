"""Patching the static search index's term shards and vocabulary (`publish.static_search.index`), as bytes.

At 100,000 records a common word's postings fill a megabyte of its term shard, and a
record's words touch a few dozen shards: parsing and re-serialising them as JSON costs more
than the whole of a one-record rebuild may. The shards are compact JSON written in one
shape (`{"term":[[doc,weight],…],…}`, terms and postings sorted, no spaces), so postings
are found, changed, added or removed in the bytes directly (`patch_terms`), and the result
is byte for byte what `build_static_index` writes from scratch (the tests build both and
compare). The records' block is patched with it (`publish.static_search.records_patch`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from publish.static_search.index import VOCAB_SIZE, _in_vocabulary, _json

_FIRST_KEY = re.compile(rb'\{"([a-z0-9]+)":\[\[')
_NEXT_KEY = re.compile(rb'\]\],"([a-z0-9]+)":\[\[')
Ops = dict[int, tuple[int | None, int | None]]  # a term's changes: number -> (weight before, after; None: absent)


class Stale(Exception):
    """The published shard does not hold what a change expects: the index is made whole."""


def term_entries(shard: bytes) -> Iterator[tuple[str, int]]:
    """Each term of a term shard, in the shard's (sorted) order, and where its entry
    (`"term":[[`) begins.

    Every entry but the first follows the `]],` that ends the one before: a pattern that begins
    with those literal bytes is sought by the regex engine's fast literal search, where one
    beginning with a class of characters (`[{,]`) stopped at every comma of the postings. On a
    30 MB shard at 100,000 records: 17 ms against 287 ms, paid once for each shard a changed
    term lies in (a withdrawn narrative's words: most of the 300 shards)."""
    first = _FIRST_KEY.match(shard)
    if first is None:
        return
    yield first.group(1).decode(), 1
    for found in _NEXT_KEY.finditer(shard):
        yield found.group(1).decode(), found.start() + 3


def published_vocabulary(read: Callable[[str], bytes | None]) -> dict[str, int]:
    raw = read("search/vocab.json")
    return json.loads(raw) if raw is not None else {}


def vocabulary_after(published: dict[str, int], totals: dict[str, int],
                     outside: Callable[[int, int, set[str]], dict[str, int]]) -> bytes:
    """vocab.json once these terms' document counts changed: the published top words and the
    changed ones compared, and, where a count fell, any word outside them that now ranks in
    (`outside(least, most, known)`: words with `least` to `most` documents, from the build
    cache's count of every word). A word outside the published vocabulary whose count did not
    change had no more documents than its last word (it ranked after it): only words between
    the new edge and that count are asked for, not the ~20,000 above the edge (46 ms a patch
    at 100,000 records)."""
    candidates = {w: c for w, c in published.items() if w not in totals}
    candidates.update({w: c for w, c in totals.items() if c > 0 and _in_vocabulary(w)})
    top = _top(candidates, VOCAB_SIZE)
    if len(published) >= VOCAB_SIZE:  # words outside the published vocabulary exist: may one rank in?
        least = candidates[top[-1]] if len(top) >= VOCAB_SIZE else 1
        more = {w: c for w, c in outside(least, min(published.values()), set(candidates) | set(totals)).items()
                if _in_vocabulary(w)}
        if more:
            candidates.update(more)
            top = _top(candidates, VOCAB_SIZE)
    return _json({w: candidates[w] for w in sorted(top)})


def _top(counts: dict[str, int], size: int) -> list[str]:
    """The `size` words of most documents, ties in the words' order: the order
    build_static_index uses, `sorted(counts, key=lambda w: (-counts[w], w))[:size]`.

    Without sorting 20,000 words by a key made for each (a third of a one-record patch's
    vocabulary): the words are grouped by count, whole groups taken from the highest count
    down, and only the last group's words sorted."""
    groups: dict[int, list[str]] = {}
    for word, count in counts.items():
        group = groups.get(count)
        if group is None:
            groups[count] = [word]
        else:
            group.append(word)
    top: list[str] = []
    for count in sorted(groups, reverse=True):
        top += sorted(groups[count])
        if len(top) >= size:
            return top[:size]
    return top


def _first_after(shard: bytes, start: int, end: int, number: int) -> int:
    """Where the first posting of a document after `number` starts in `shard[start:end]` (a
    list sorted by document), or `end`: a bisection over the bytes, a few dozen steps for a
    list of 100,000."""
    low, high = start, end  # postings before `low` are of documents <= number; the one at `high` (if any) is after
    while True:
        posting = shard.find(b"[", (low + high) // 2, high)
        if posting < 0:
            posting = shard.find(b"[", low, high)
            if posting < 0:
                return high
        if int(shard[posting + 1:shard.index(b",", posting)]) > number:
            high = posting
        else:
            low = shard.index(b"]", posting) + 1


def patch_terms(shard: bytes | None, ops: dict[str, Ops], totals: dict[str, int]) -> bytes | None:
    """`shard` with each term's postings changed as `ops` says (number -> (weight before,
    after)), its entry added or removed as needed, and each term's count of postings after
    into `totals`; None when left empty (no file, as a fresh build has it). The entries of
    other terms, and the postings between the changed ones, are copied as slices."""
    data = shard or b"{}"
    starts = dict(term_entries(data))
    order = list(starts)
    entries: list[bytes] = []
    index = 0
    for term in sorted(ops):
        copied = index
        while index < len(order) and order[index] < term:
            index += 1
        if index > copied:
            entries.append(data[starts[order[copied]]:starts[order[index]] - 1 if index < len(order) else len(data) - 1])
        if index < len(order) and order[index] == term:
            start = starts[term] + len(term) + 4  # after '"term":['
            postings = _changed(data, start, data.index(b"]]", start) + 1, ops[term])
            index += 1
        else:
            postings = _changed(data, 0, 0, ops[term])
        totals[term] = postings.count(b"],[") + 1 if postings else 0
        if postings:
            entries.append(b'"' + term.encode() + b'":[' + postings + b"]")
    if index < len(order):
        entries.append(data[starts[order[index]]:len(data) - 1])
    return b"{" + b",".join(entries) + b"}" if entries else None


def _changed(data: bytes, start: int, end: int, ops: Ops) -> bytes:
    """The postings `data[start:end]` (`[n,w],[n,w]…`, sorted) with `ops` applied."""
    pieces: list[bytes] = []
    cursor = start
    for number, (was, will) in sorted(ops.items()):
        place = _first_after(data, cursor, end, number - 1) if cursor < end else end
        if place < end and data.startswith(b"[%d," % number, place):
            close = data.index(b"]", place) + 1
            if was is None or int(data[data.index(b",", place) + 1:close - 1]) != was:
                raise Stale(number)
        elif was is not None:
            raise Stale(number)
        else:
            close = place
        run = data[cursor:place]
        if run.endswith(b","):
            run = run[:-1]
        if run:
            pieces.append(run)
        if will is not None:
            pieces.append(b"[%d,%d]" % (number, will))
        cursor = close + 1 if data[close:close + 1] == b"," and close < end else close
    if cursor < end:
        pieces.append(data[cursor:end])
    return b",".join(pieces)
