"""Patching the static search index (`publish.static_search.index`) for one changed document, as bytes.

At 100,000 records a common word's postings fill a megabyte of its term shard, and a
record's words touch a few dozen shards: parsing and re-serialising them as JSON costs more
than the whole of a one-record rebuild may. The shards are compact JSON written in one
shape (`{"term":[[doc,weight],…],…}`, terms and postings sorted, no spaces), so a posting
is found, changed, added or removed in the bytes directly, and the result is byte for byte
what `build_static_index` writes from scratch (the tests build both and compare).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from publish.static_search.index import (
    ATTRS_PER_SHARD,
    DOCS_PER_SHARD,
    UNDATED_LOWER,
    VOCAB_SIZE,
    _display_title,
    _facet_values,
    _in_vocabulary,
    _json,
    doc_weights,
)

_FIRST_KEY = re.compile(rb'\{"([a-z0-9]+)":\[\[')
_NEXT_KEY = re.compile(rb'\]\],"([a-z0-9]+)":\[\[')


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


@dataclass
class DocPatch:
    files: dict[str, bytes | None]  # path → new bytes (None: the file goes)
    totals: dict[str, int]  # each touched term's count of documents now


def patch_index(read: Callable[[str], bytes | None], number: int, old: dict, new: dict,
                parsed: dict[str, list] | None = None, published: dict[str, int] | None = None) -> DocPatch | None:
    """The files of the index that change when document `number` (a record's) changes from
    `old` to `new` (None for a file to delete), patched from the published ones (`read(path)`,
    which must give what earlier patches of the same rebuild made), and each touched term's
    count of documents now (the vocabulary is made by the caller, `vocabulary_after`).
    `published`: each term's count of documents before this change, when the caller keeps it
    (the published vocabulary parsed once, then what each document patched before this one
    left); read from search/vocab.json otherwise (360 KB at 100,000 records).

    None (build the index whole) when its facet values changed (their numbering may change),
    or when the published files do not hold the old document as expected."""
    if _facet_values(old) != _facet_values(new):
        return None
    files: dict[str, bytes | None] = {}
    if _listing(old) != _listing(new) and not _relist(read, number, new, parsed if parsed is not None else {}):
        return None
    before, after = doc_weights(old), doc_weights(new)
    touched = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
    counts: dict[str, int] = {}
    if published is None:  # its words' counts need no counting
        published = published_vocabulary(read)
    for prefix in sorted({t[:2] for t in touched}):
        path = f"search/terms/{prefix}.json"
        shard = read(path)
        for term in (t for t in touched if t[:2] == prefix):
            done = set_posting(shard, term, number, before.get(term), after.get(term), published.get(term))
            if done is None:
                return None  # the published index is not the one this change applies to
            shard, counts[term] = done
        files[path] = shard
    return DocPatch(files, counts)


def published_vocabulary(read: Callable[[str], bytes | None]) -> dict[str, int]:
    raw = read("search/vocab.json")
    return json.loads(raw) if raw is not None else {}


def _relist(read: Callable[[str], bytes | None], number: int, new: dict, parsed: dict[str, list]) -> bool:
    """The document's line in its docs shard and its dates in its attributes shard, made again
    (in `parsed`, the shards as lists)."""
    docs_path = f"search/docs/{number // DOCS_PER_SHARD}.json"
    attrs_path = f"search/attrs/{number // ATTRS_PER_SHARD}.json"
    for path in (docs_path, attrs_path):
        if path not in parsed:
            raw = read(path)
            if raw is None:
                return False
            parsed[path] = json.loads(raw)
    docs, attrs = parsed[docs_path], parsed[attrs_path]
    at_doc, at_attr = number % DOCS_PER_SHARD, number % ATTRS_PER_SHARD
    if at_doc >= len(docs) or at_attr >= len(attrs):
        return False
    docs[at_doc] = [new["type"], _display_title(new), new["url"], new["date"]]
    dated = new["date_lower"] != UNDATED_LOWER
    attrs[at_attr] = [new["date_lower"] if dated else None, new["date_upper"] if dated else None, attrs[at_attr][2]]
    return True


def dump_parsed(parsed: dict[str, list]) -> dict[str, bytes]:
    """The shards `patch_index` changed as lists, as the index writes them."""
    return {path: _json(items) for path, items in parsed.items()}


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


def _listing(doc: dict) -> tuple:
    return (_display_title(doc), doc["url"], doc["date"], doc["date_lower"], doc["date_upper"], _facet_values(doc))


def set_posting(shard: bytes | None, term: str, number: int, old: int | None,
                new: int | None, count: int | None = None) -> tuple[bytes | None, int] | None:
    """`shard` with `term`'s posting for document `number` changed from weight `old` to `new`
    (None: absent), and how many postings the term has now; None when the shard does not hold
    the old posting. A shard left empty is None (no file), as a fresh build has it.

    `count`, when known (the vocabulary says it), is the term's postings before the change: a
    common word's list (a megabyte at 100,000 records) is then not counted. The posting is
    found by bisecting the sorted list in place, and the shard copied once."""
    shard = shard or b"{}"
    key = b'"' + term.encode() + b'":['
    at = shard.find(key)
    if at < 0:
        return None if old is not None else _add_term(shard, key, term, number, new)
    if shard[at - 1:at] not in (b"{", b","):
        return None
    start = at + len(key)
    entry = _Entry(at, start, shard.index(b"]]", start) + 1)
    if count is None:
        count = shard.count(b"],[", entry.start, entry.end) + 1
    place = _first_after(shard, entry.start, entry.end, number - 1)  # this document's posting, or where it goes
    if place == entry.end or not shard.startswith(b"[%d," % number, place):
        return None if old is not None else _add_posting(shard, entry, place, number, new, count)
    close = shard.index(b"]", place) + 1
    if old is None or int(shard[shard.index(b",", place) + 1:close - 1]) != old:
        return None
    if new is not None:
        return shard[:place] + b"[%d,%d]" % (number, new) + shard[close:], count
    return _remove_posting(shard, entry, place, close, count)


class _Entry(NamedTuple):
    """Where a term's entry lies in a shard: its `"term":[` at `at`, its postings
    (`[a,b],[c,d]`) from `start` up to `end`."""

    at: int
    start: int
    end: int


def _add_term(shard: bytes, key: bytes, term: str, number: int, new: int | None) -> tuple[bytes | None, int]:
    """A term the shard lacks, with its one posting, in its sorted place (with none: no change)."""
    if new is None:
        return (shard if shard != b"{}" else None), 0
    entry = key + b"[%d,%d]]" % (number, new)
    later = next((at for other, at in term_entries(shard) if other > term), None)
    if later is not None:
        return shard[:later] + entry + b"," + shard[later:], 1
    return shard[:-1] + (b"," if shard != b"{}" else b"") + entry + b"}", 1


def _add_posting(shard: bytes, entry: _Entry, place: int, number: int, new: int | None,
                 count: int) -> tuple[bytes, int]:
    """A posting the term lacks, put at `place` (with none: no change)."""
    if new is None:
        return shard, count
    posting = b"[%d,%d]" % (number, new)
    if place == entry.end:
        return shard[:entry.end] + b"," + posting + shard[entry.end:], count + 1
    return shard[:place] + posting + b"," + shard[place:], count + 1


def _remove_posting(shard: bytes, entry: _Entry, place: int, close: int, count: int) -> tuple[bytes | None, int]:
    """The posting from `place` up to `close` removed, and the term's entry with it if it was its last."""
    if count == 1:  # the term goes: its entry and one comma beside it
        stop = entry.end + 1
        if shard[entry.at - 1:entry.at] == b",":
            shard = shard[:entry.at - 1] + shard[stop:]
        else:
            shard = shard[:entry.at] + shard[stop + 1 if shard[stop:stop + 1] == b"," else stop:]
        return (shard if shard != b"{}" else None), 0
    if place > entry.start:  # the posting and the comma before it
        return shard[:place - 1] + shard[close:], count - 1
    return shard[:place] + shard[close + 1:], count - 1  # the first: the comma after it


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
