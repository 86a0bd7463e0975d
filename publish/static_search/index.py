"""The search fallback for a static-only host: a compact inverted index in small shards.

When the site is served without the archive's API (object storage, GitHub Pages) the search
page cannot ask `/api/search`; it loads this index instead. One monolithic index file does not
scale (Pagefind ran out of memory at 100,000 pages here), so terms are split by their first two
letters into `search/terms/<xx>.json`, and document titles and links into
`search/docs/<n>.json` of `DOCS_PER_SHARD` each: a query fetches one term shard per word and
one document shard per page of results. Prefix matching comes free (every term sharing a
two-letter prefix is in the same shard).

So that the page offers the same facets, date filter, date sort and "did you mean" offline as
with the API, three more kinds of file are shipped:

- `search/facets.json`: every facet value public documents carry (type, harm type, affected
  group, institution, decade, the names the API uses) with its label, numbered;
- `search/attrs/<n>.json`: per document (`ATTRS_PER_SHARD` a shard), its date bounds and the
  numbers of its facet values, so counts, date overlap and date order are computed in the
  browser over every match;
- `search/vocab.json`: the `VOCAB_SIZE` most used words with their document counts, the
  dictionary a misspelled word is corrected against.

Everything is made from the documents of the public views the build hands in
(`search.documents.documents_of`, the same documents the engines index), so a hidden
narrative adds no word, facet value, count or suggestion.

Documents are numbered in two blocks (`meta.json` lists them): the few harms, timelines,
narratives and their passages from 0, then the records' block from the first multiple of
`ATTRS_PER_SHARD` after them (`record_base`). A record's document (and each of its parts')
has the slot its URL is placed in by open addressing (`publish.static_search.slots`): the
block is a table of slots, the empty ones `null` in the docs and attributes shards, so a
record added or leaving the public moves only the few documents of its probe cluster
(`publish.static_search.records_patch`). Facet values are numbered in sorted order, the
records' values first, then the other values. So a narrative withdrawn or added renumbers
nothing of the records (100,000 postings and attributes at 100,000 records), and the patched
rebuild (`publish.static_search.blocks`) rewrites only the first block.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

from archive.side_process import SideResult
from publish.json_compact import json_bytes
from publish.static_search.slots import block_slots, place
from search.documents import INDEXED_KINDS, UNDATED_LOWER, documents_of
from search.language import FACETS

DOCS_PER_SHARD = 500
ATTRS_PER_SHARD = 5000
VOCAB_SIZE = 20000
TITLE_WEIGHT = 10
MAX_TF = 9
TOKEN = re.compile(r"[a-z0-9]+")
WORD = re.compile(r"[a-z0-9]{2,}")  # TOKEN's runs of two characters or more: one-letter runs never match
# ASCII letters lowercased, digits kept, every other character a space: `split()` then gives
# TOKEN's runs, one-letter ones included (dropped with the stopwords, `_DROPPED`).
_ASCII_RUNS = str.maketrans({c: c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32
                             for c in range(128)})
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has", "have", "he", "her", "his", "i", "in", "is", "it", "its", "of", "on", "or", "our", "she", "that", "the", "their", "them", "there", "they", "this", "to", "was", "we", "were", "which", "who", "will", "with", "you"])
_DROPPED = STOPWORDS | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")  # what WORD does not keep of TOKEN's runs
TYPE_LABELS = {"record": "Records", "narrative": "Narratives", "harm": "Harms",
               "timeline": "Timelines", "segment": "Narrative passages", "part": "Parts of records"}
# Build order of the documents (harms first, so a tie in score lists a harm before a record).
ORDER = ("harm", "timeline", "narrative", "record")
SMALL = ORDER[:-1]  # the first block; records make the second
SPLIT_FROM = 20000  # records from which the later half's postings are made in a forked process
POSTINGS_CHUNK = 5000  # documents whose postings are gathered as lists before they are packed


def tokens(text: str) -> list[str]:
    """Lower-cased, accent-folded words; the search page's script folds queries the same way."""
    return [t for t in WORD.findall(_folded(text)) if t not in STOPWORDS]


def _folded(text: str) -> str:
    lowered = text.lower()
    # NFKD and dropping non-ASCII change nothing in ASCII text, most of what is indexed.
    return lowered if lowered.isascii() else unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()


def documents(views: dict[str, list[dict]], kinds: tuple[str, ...] = ORDER) -> list[dict]:
    """One search document per public object, plus one per transcript segment."""
    assert set(ORDER) == set(INDEXED_KINDS)
    return [doc for kind in kinds for view in sorted(views.get(kind, []), key=lambda v: v["id"])
            for doc in documents_of(kind, view)]


def record_base(small_docs: int) -> int:
    """The number of the first record's document: the records' block starts on an attributes
    shard of its own, after the other kinds' documents."""
    return -(-small_docs // ATTRS_PER_SHARD) * ATTRS_PER_SHARD


def value_labels(views: dict[str, list[dict]]) -> dict[str, str]:
    """Readable names of concept and agent ids, taken from the (public) views themselves."""
    labels = dict(TYPE_LABELS)
    for items in views.values():
        for view in items:
            for key in ("harm_types", "affected_groups", "subjects"):
                labels.update({c["id"]: c["label"] for c in view.get(key) or [] if "label" in c})
            for key in ("creators", "responsible"):
                labels.update({a["id"]: a["name"] for a in view.get(key) or [] if "name" in a})
    return labels


def _facet_values(doc: dict) -> list[tuple[str, str]]:
    found = [("type", doc["type"])]
    for name in FACETS[1:]:
        found += [(name, value) for value in doc.get(name) or []]
    return found


def _display_title(doc: dict) -> str:
    if doc["type"] == "segment":
        return f"{doc['context']} [{doc['time'].partition('–')[0]}] {doc['title']}"  # the locator's start
    if doc["type"] == "part":
        return f"{doc['context']}: {doc['title']}"
    return doc["title"]


def doc_weights(doc: dict) -> dict[str, int]:
    """A document's terms and their weights (capped term frequency, plus a bonus in the title).

    The words of `tokens`, counted in C before the stopwords are dropped (a few dozen keys
    rather than a test per word: 40 million words at 100,000 records), then capped. ASCII
    text (nearly all) is split by `str.translate` and `split`, a third less work than the
    regular expression's scan, and its one-letter runs dropped with the stopwords."""
    text = " ".join([doc["text"], doc["people"]])
    if text.isascii():
        counted = Counter(text.translate(_ASCII_RUNS).split())
        dropped = _DROPPED
    else:
        counted, dropped = Counter(WORD.findall(_folded(text))), STOPWORDS
    for word in dropped.intersection(counted):
        del counted[word]
    weights = {term: count if count < MAX_TF else MAX_TF for term, count in counted.items()}  # noqa: FURB136 - no call per term
    for term in set(WORD.findall(_folded(doc["title"]))).difference(STOPWORDS):
        weights[term] = weights.get(term, 0) + TITLE_WEIGHT
    return weights


@dataclass
class StaticIndex:
    """The fallback index's files, with what a patched rebuild needs to keep them up to date
    (kept in the build's private cache): every term's count of documents, and of those in the
    first block (`small`)."""

    files: dict[str, bytes]
    words: dict[str, int]
    small: dict[str, int]


def build_static_index(views: dict[str, list[dict]]) -> dict[str, bytes]:
    """The files of the fallback index, by path under public/."""
    return static_index(views).files


def static_index(views: dict[str, list[dict]], sink: Callable[[str, bytes], bool] | None = None) -> StaticIndex:
    """The fallback index, and the counts a patched rebuild keeps. `sink`, when given, is
    offered each file as it is made and keeps (writes) it by answering True: the files it keeps
    are left out of the result (at 100,000 records the term shards are ~300 MB, which the
    process making them need not hold all at once)."""
    small, records = documents(views, SMALL), documents(views, ("record",))
    base = record_base(len(small))
    size = block_slots(len(records))
    slots = place((doc["url"] for doc in records), size)
    records.sort(key=lambda doc: slots[doc["url"]])  # in number order: each term's postings come sorted
    numbers = [base + slots[doc["url"]] for doc in records]
    # Each document's facet values, once: they are numbered, then listed in its attributes.
    values = {id(doc): _facet_values(doc) for doc in small + records}
    record_pairs = {pair for doc in records for pair in values[id(doc)]}
    codes = facet_codes(record_pairs, {pair for doc in small for pair in values[id(doc)]})
    record_values = len(record_pairs)
    # Each term's postings flat (number, weight, number, weight…) in an array of C ints,
    # paired only as a shard is written: 27 million postings at 100,000 records, 8 bytes each.
    # One dict of terms (a shard's terms are gathered at the end): one lookup per posting.
    postings = _postings(small, range(len(small)))
    in_small = {term: len(flat) // 2 for term, flat in postings.items()}  # the first block's, counted before the records'
    # The later half of the records' postings in a forked process meanwhile (a third of a full
    # build's CPU at 100,000 records was this one loop, on one core): each term's postings are
    # its list from the earlier half followed by the later half's, as one loop would make them.
    # The later half comes back as arrays of C ints too (a tenth of the memory of lists of
    # ints, which pickling would make anew), read as each shard is written.
    half = len(records) // 2
    side = SideResult(lambda: _postings(records[half:], numbers[half:]), fork=len(records) >= SPLIT_FROM)
    try:
        for term, flat in _postings(records[:half], numbers[:half]).items():
            have = postings.get(term)
            if have is None:
                postings[term] = flat
            else:
                have.extend(flat)
        later = side.result()
    finally:
        side.close()
    shards: dict[str, list[str]] = {}
    for term in [*postings, *(t for t in later if t not in postings)]:
        shards.setdefault(term[:2], []).append(term)
    files: dict[str, bytes] = {}

    def put(path: str, content: bytes) -> None:
        if sink is None or not sink(path, content):
            files[path] = content

    words = {term: (len(postings.get(term, ())) + len(later.get(term, ()))) // 2
             for terms in shards.values() for term in terms}
    for prefix, terms in shards.items():
        put(f"search/terms/{prefix}.json", _term_shard(sorted(terms), postings, later))
    table: list[dict | None] = [None] * size  # the records' block, holes included
    for doc in records:
        table[slots[doc["url"]]] = doc
    for start, block in ((0, small), (base, table)):
        for at in range(0, len(block), DOCS_PER_SHARD):
            put(f"search/docs/{(start + at) // DOCS_PER_SHARD}.json", docs_shard(block[at:at + DOCS_PER_SHARD]))
        for at in range(0, len(block), ATTRS_PER_SHARD):
            put(f"search/attrs/{(start + at) // ATTRS_PER_SHARD}.json", _json(
                [doc and _attributes(doc, values[id(doc)], codes) for doc in block[at:at + ATTRS_PER_SHARD]]))
    put("search/facets.json", facets_file(codes, value_labels(views)))
    put("search/vocab.json", vocab_file(words))
    put("search/meta.json", meta_file(len(small), len(records), record_values, len(table)))
    return StaticIndex(files, words, in_small)


def _postings(docs: list[dict], numbers: Sequence[int]) -> dict[str, array]:
    """Each term's postings in these documents, numbered `numbers` (rising): flat (number, weight, …)
    arrays of C ints, terms in the order documents first use them. Made `POSTINGS_CHUNK`
    documents at a time as lists, then packed: at 100,000 records, 27 million postings as
    lists of Python ints took twice the memory of arrays."""
    postings: dict[str, array] = {}
    for start in range(0, len(docs), POSTINGS_CHUNK):
        chunk: defaultdict[str, list[int]] = defaultdict(list)
        term_list, extend = chunk.__getitem__, list.extend
        for number, doc in zip(numbers[start:start + POSTINGS_CHUNK], docs[start:start + POSTINGS_CHUNK], strict=True):
            weights = doc_weights(doc)
            # One call per document, the loop over its terms in C: each term's list extended
            # by (number, weight).
            deque(map(extend, map(term_list, weights), zip(repeat(number), weights.values())), maxlen=0)
        for term, flat in chunk.items():
            packed = postings.get(term)
            if packed is None:
                postings[term] = array("i", flat)
            else:
                packed.fromlist(flat)
    return postings


def _term_shard(terms: list[str], postings: dict[str, array], later: dict[str, array]) -> bytes:
    """`_json({term: _pairs(…) for term in terms})`, one term's pairs made at a time (a shard
    holds up to millions of postings, a list of pairs each: hundreds of MB at once), each
    term's arrays let go once written."""
    return b"{" + b",".join(_json(t) + b":" + _json(_pairs(postings.pop(t, ()), later.pop(t, ())))
                            for t in terms) + b"}"


def _pairs(*flat: Iterable[int]) -> list[tuple[int, int]]:
    """[number, weight, …] (in one or more pieces) as [(number, weight), …], which JSON writes
    as [[number,weight],…]."""
    values = chain(*flat)
    return list(zip(values, values))


def attributes(doc: dict, codes: dict[tuple[str, str], int]) -> list:
    """A document's entry in its attributes shard: date bounds and facet value numbers."""
    return _attributes(doc, _facet_values(doc), codes)


def _attributes(doc: dict, values: list[tuple[str, str]], codes: dict[tuple[str, str], int]) -> list:
    dated = doc["date_lower"] != UNDATED_LOWER
    return [doc["date_lower"] if dated else None, doc["date_upper"] if dated else None,
            [codes[pair] for pair in values]]


def docs_shard(docs: Sequence[dict | None]) -> bytes:
    """Each document's line (type, title, link, date); `null` for an empty slot."""
    return _json([d and doc_line(d) for d in docs])


def doc_line(doc: dict) -> list:
    return [doc["type"], _display_title(doc), doc["url"], doc["date"]]


def facet_codes(records: set[tuple[str, str]], others: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The facet values' numbers: those the records use in sorted order, then the others'
    (sorted): a record coming or going renumbers nothing unless a value comes or goes with it."""
    return {pair: n for n, pair in enumerate([*sorted(records), *sorted(others - records)])}


def facets_file(codes: dict[tuple[str, str], int], labels: dict[str, str]) -> bytes:
    return _json({"facets": list(FACETS), "values": [[name, value, _label(name, value, labels)]
                                                      for (name, value) in codes]})


def vocab_file(words: dict[str, int]) -> bytes:
    """The `VOCAB_SIZE` words most documents use (of those worth suggesting), from every term's count."""
    common = sorted((w for w in words if _in_vocabulary(w)), key=lambda w: (-words[w], w))[:VOCAB_SIZE]
    return _json({w: words[w] for w in sorted(common)})


def meta_file(small: int, records: int, record_values: int, slots: int) -> bytes:
    """The index's layout: its two blocks of numbers (the records' a table of `slots`, some
    empty), how many documents they hold, and how many facet values (numbered first) the
    records use."""
    base = record_base(small)
    return _json({"docs": small + records, "blocks": [[0, small], [base, base + slots]],
                  "docs_per_shard": DOCS_PER_SHARD, "attrs_per_shard": ATTRS_PER_SHARD,
                  "record_values": record_values, "prefix_length": 2, "stopwords": sorted(STOPWORDS)})


def _in_vocabulary(term: str) -> bool:
    return len(term) > 2 and not term.isdigit()


def _label(name: str, value: str, labels: dict[str, str]) -> str:
    if name == "decade":
        return f"{value}s"
    return labels.get(value, value)


def _json(data) -> bytes:
    return json_bytes(data)  # the standard library's compact JSON, made by orjson
