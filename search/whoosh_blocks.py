"""Decompressed whoosh posting blocks, kept so one query does not read the same block twice.

Whoosh 3 stores each block of up to 128 postings as one zlib-compressed pickle of the ids,
weights and values (positions and character offsets) together: reading a block's ids costs
its whole decompression and unpickling, and that is most of what a phrase query spends. A
phrase of a middling word and one found in every record ("harris range") read the common
word's blocks up to three times: for its score table (search.whoosh_ranking), for the position
check of the candidates (search.whoosh_within), and again when whoosh scores the page's
candidates. Here the engine's own matchers take a block's decoded data from a bounded cache
(least recently used out first), keyed by the segment's posting file and the block's offset.

Segment files are never changed once written (whoosh writes new segments and deletes old
ones), so a cached block can never be stale; the key holds the open file object itself, so
two readers of different segments never share an entry. Each WhooshReader's searcher has its
own cache, dropped with it; only matchers passed to `cached` use it: whoosh's own writer,
merges and other queries read as they always did.
"""

from __future__ import annotations

import functools
import threading
import zlib
from collections import OrderedDict
from pickle import loads

MAX_BLOCKS = 3_000  # some 40 MB of decoded blocks at ~128 postings with positions each
ATTRIBUTE = "_reckon_blocks"  # where a whoosh searcher carries its cache


class BlockCache:
    """Decoded posting blocks of one searcher's segments, the least recently used out first."""

    def __init__(self, size: int = MAX_BLOCKS):
        self.size = size
        self._blocks: OrderedDict[tuple[int, int], tuple[object, tuple]] = OrderedDict()
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
            self._blocks[key] = (postfile, matcher._data)
            while len(self._blocks) > self.size:
                self._blocks.popitem(last=False)


def attach(searcher, cache: BlockCache) -> None:
    """Give `searcher` (a whoosh top-level searcher) the cache its matchers read through."""
    setattr(searcher, ATTRIBUTE, cache)


def cached(matcher, searcher):
    """`matcher`, reading its blocks through `searcher`'s cache when the searcher (or the one
    it is a segment of) has one and the matcher is a plain whoosh 3 block reader; any other
    matcher, such as one filtering deleted documents, is returned as it is."""
    top = searcher.get_parent() if hasattr(searcher, "get_parent") else searcher
    cache = getattr(top, ATTRIBUTE, None)
    if cache is not None and all(hasattr(matcher, name) for name in (
            "_postfile", "_dataoffset", "_nextoffset", "_compression", "_read_data")):
        matcher._read_data = functools.partial(cache.read, matcher)
    return matcher
