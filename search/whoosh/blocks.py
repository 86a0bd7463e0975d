"""Whoosh posting blocks read once, and only as far as needed: the cost of a common word.

Whoosh 3 stores each block of up to 128 postings as one zlib-compressed pickle of the ids,
weights and values (positions and character offsets) together: reading a block's ids costs
its whole decompression and unpickling, and that is most of what a phrase query spends. A
phrase of a middling word and one found in every record ("harris range") read the common
word's blocks up to three times: for its score table (search.whoosh.ranking), for the position
check of the candidates (search.whoosh.within), and again when whoosh scores the page's
candidates. Here the engine's own matchers take a block's decoded data from a bounded cache
(least recently used out first), keyed by the segment's posting file and the block's offset.

A matcher that only scores (a score table, whoosh scoring the page's candidates) needs a
block's ids and weights, which come first in the pickle and are some 3% of its bytes: for
those, a block not cached whole is decompressed and unpickled only that far
(`ids_and_weights`), about a thirtieth of the cost for a word found dozens of times in every
record. Anything else about the block (its values) is read whole, through the cache, only
when asked for.

Segment files are never changed once written (whoosh writes new segments and deletes old
ones), so a cached block can never be stale; the key holds the open file object itself, so
two readers of different segments never share an entry. Each WhooshReader's searcher has its
own cache, dropped with it; only matchers passed to `cached` use it: whoosh's own writer,
merges and other queries read as they always did.
"""

from __future__ import annotations

import functools
import itertools
import pickle
import threading
import zlib
from array import array
from collections import OrderedDict
from pickle import loads

MAX_BYTES = 40_000_000  # decoded blocks kept per searcher, counted as their pickles' size
PREFIX = 4_096      # decompressed bytes first tried for a block's ids and weights
# How a whoosh 3 block's pickle (protocol 2) ends its weights when they are a tuple: TUPLE,
# then BINPUT 1 (the ids tuple was memo 0). What follows is the values.
_WEIGHTS_END = b"tq\x01"
_IDS_END = b"tq\x00"
ATTRIBUTE = "_reckon_blocks"  # where a whoosh searcher carries its cache


class BlockCache:
    """Decoded posting blocks of one searcher's segments, the least recently used out first."""

    def __init__(self, size: int = MAX_BYTES):
        self.size = size
        self.bytes = 0
        self._blocks: OrderedDict[tuple[int, int], tuple[object, tuple, int]] = OrderedDict()
        self._lock = threading.Lock()  # queries take turns, but a cache must not rely on it

    def __len__(self) -> int:
        return len(self._blocks)

    def read(self, matcher) -> None:
        """W3LeafMatcher._read_data, answered from the cache when the block was read before."""
        postfile, offset = matcher._postfile, matcher._dataoffset
        key = (id(postfile), offset)
        with self._lock:
            found = self._blocks.get(key)
            if found is not None and found[0] is postfile:
                self._blocks.move_to_end(key)
                matcher._data = found[1]
                return
        data = postfile.get(offset, matcher._nextoffset - offset)
        if matcher._compression:
            data = zlib.decompress(data)
        matcher._data = loads(data)
        with self._lock:
            # The file object is kept with its blocks, so its id cannot be reused meanwhile.
            old = self._blocks.pop(key, None)
            self.bytes -= old[2] if old else 0
            self._blocks[key] = (postfile, matcher._data, len(data))
            self.bytes += len(data)
            while self.bytes > self.size and self._blocks:
                self.bytes -= self._blocks.popitem(last=False)[1][2]

    def ids_and_weights(self, matcher) -> None:
        """Set the matcher's block ids and weights, decoding only them where the block is not
        cached whole (see `ids_and_weights`)."""
        with self._lock:
            found = self._blocks.get((id(matcher._postfile), matcher._dataoffset))
        if found is not None and found[0] is matcher._postfile:
            matcher._data = found[1]
            type(matcher)._read_ids(matcher)
            matcher._read_weights()
            return
        ids_and_weights(matcher)


def ids_and_weights(matcher) -> None:
    """Set a whoosh 3 block matcher's `_ids` and `_weights` (as its `_read_ids` and
    `_read_weights` would) without decoding the block's values.

    A block is one pickle of (ids, weights, values); the values (each posting's positions and
    character offsets) are most of its bytes, and unpickling them calls a function per posting.
    A score table needs only the ids and weights, which come first: this decompresses only the
    block's start and unpickles the ids and weights by closing the pickle after them. Whatever
    does not match that layout, or does not give `_blocklength` ids and weights, is read whole
    by whoosh's own code instead, so the result is always what whoosh reads."""
    count = matcher._blocklength
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    found = None
    if matcher._compression:
        size = PREFIX
        while found is None:
            inflate = zlib.decompressobj()
            head = inflate.decompress(data, size)
            found = _head(head, count)
            if found is not None or not inflate.unconsumed_tail:
                break
            size *= 4
    else:
        found = _head(data, count)
    if found is None:
        type(matcher)._read_ids(matcher)  # whoosh's own, whole-block read
        matcher._read_weights()
        return
    ids, weights = found
    matcher._ids = ids if matcher._byteids else tuple(itertools.accumulate(ids))
    if weights is None:
        matcher._weights = array("f", (1.0 for _ in range(count)))
    elif isinstance(weights, float):
        matcher._weights = array("f", (weights for _ in range(count)))
    else:
        matcher._weights = weights


def _head(head: bytes, count: int) -> tuple | None:
    """The (ids, weights) a block's pickle starts with, from its first bytes; None if they are
    not all there or not laid out as expected."""
    ids_end = head.find(_IDS_END)
    if ids_end < 0:
        return None
    after = ids_end + len(_IDS_END)
    if head[after:after + 1] == b"N":          # every weight 1.0
        cut = after + 1
    elif head[after:after + 1] == b"G":        # one weight for all: a BINFLOAT
        cut = after + 9
    else:
        end = head.find(_WEIGHTS_END, after)
        if end < 0:
            return None
        cut = end + len(_WEIGHTS_END)
    try:
        ids, weights = pickle.loads(head[:cut] + b"\x86.")  # TUPLE2, STOP
    except Exception:  # noqa: BLE001 - any surprise means: let whoosh read the block whole
        return None
    if not isinstance(ids, tuple) or len(ids) != count:
        return None
    if isinstance(weights, tuple) and len(weights) != count:
        return None
    if not (weights is None or isinstance(weights, (float, tuple))):
        return None
    return ids, weights


def attach(searcher, cache: BlockCache) -> None:
    """Give `searcher` (a whoosh top-level searcher) the cache its matchers read through."""
    setattr(searcher, ATTRIBUTE, cache)


def cached(matcher, searcher, values: bool = True):
    """`matcher`, reading its blocks through `searcher`'s cache when the searcher (or the one
    it is a segment of) has one and the matcher is a plain whoosh 3 block reader; any other
    matcher, such as one filtering deleted documents, is returned as it is.

    `values=False` is for a matcher that only scores: a block it reads that is not cached
    whole is decoded only as far as its ids and weights (its values are read, whole, only
    if something asks for one)."""
    top = searcher.get_parent() if hasattr(searcher, "get_parent") else searcher
    cache = getattr(top, ATTRIBUTE, None)
    if cache is not None and all(hasattr(matcher, name) for name in (
            "_postfile", "_dataoffset", "_nextoffset", "_compression", "_read_data")):
        matcher._read_data = functools.partial(cache.read, matcher)
        if not values:
            matcher._read_ids = functools.partial(cache.ids_and_weights, matcher)
    return matcher
