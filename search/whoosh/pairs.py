"""Common-word pairs for the whoosh engine, so a phrase of two common words is one term lookup.

Whoosh checks a phrase position by position in Python for every document holding all its
words: a phrase of two words found in most records ("range cultural") checked thousands of
documents and took most of a second at 10,000 records. Here, as in Lucene's "common grams",
every adjacent pair of *common* stems is also indexed as one term of a `pairs` field, so
such a phrase's documents are one posting list, exact, with no position check; a longer
phrase uses its common pairs to narrow the documents the position check visits. A phrase
with a rarer word needs none of this: few documents hold it.

Only pairs of common stems are indexed (a small set chosen once per index from the first
batch's document frequencies and kept beside the index in `PAIRS_FILE`), so there are few
distinct pair terms; indexing every pair made whoosh write one block per distinct pair and
cost four times the build (bench/README.md). The pairs are made here with the text fields'
own analysis (the same tokens, lower-casing, stemmer and positions), and tests check that a
phrase found through pairs gives the same documents, scores and snippets as the position check.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import formats
from whoosh.fields import KEYWORD

from archive.errors import ReckoningError
from search.language import TEXT_FIELDS, TOKEN

PAIR_FIELD = "pairs"
PAIRS_FILE = "whoosh-pairs.json"
PAIRS_FORMAT = 1
COMMON_SHARE = 0.10   # a stem in at least this share of the first batch's documents is common...
MAX_COMMON = 400      # ...up to this many stems, the commonest first
_TOKEN = re.compile(TOKEN)


class PairField(KEYWORD):
    """Space-separated pair terms, recorded only as present or absent in a document (no
    frequencies, positions or lengths): they select documents, the words' own terms score."""

    def __init__(self) -> None:
        super().__init__(stored=False, lowercase=False, scorable=False)
        self.format = formats.Existence(field_boost=1.0)


class Pairs:
    """The common stems of one index and the pair terms they make."""

    def __init__(self, common: Iterable[str], stem: Callable[[str], str]):
        self.common = frozenset(common)
        self.stem = functools.lru_cache(maxsize=200_000)(stem)  # the stemmer, cached

    def stems(self, value: str) -> list[str]:
        """The stems whoosh indexes for `value`, in position order: the text fields' analyzer
        is the TOKEN pattern, lower-casing and the stemmer, with no stop words."""
        stem = self.stem
        return [stem(word.lower()) for word in _TOKEN.findall(value)]

    def tokens(self, doc: dict) -> str:
        """The pair terms of one document's text fields, space-separated."""
        common = self.common
        found: set[str] = set()
        for field in TEXT_FIELDS:
            value = doc.get(field) or ""
            if not value:
                continue
            stems = self.stems(value)
            found.update(term(field, a, b) for a, b in itertools.pairwise(stems)
                         if a in common and b in common)
        return " ".join(sorted(found))

    def terms(self, field: str, stems: list[str]) -> list[str]:
        """The pair terms of a phrase's adjacent common stems (none when no pair is common)."""
        return [term(field, a, b) for a, b in itertools.pairwise(stems)
                if a in self.common and b in self.common]

    def exact(self, stems: list[str]) -> bool:
        """Whether a phrase's documents are exactly its one pair term's documents."""
        return len(stems) == 2 and stems[0] in self.common and stems[1] in self.common


def term(field: str, a: str, b: str) -> str:
    # Stems are runs of letters and digits, so ':' cannot occur inside one.
    return f"{field}:{a}:{b}"


def choose_common(docs: list[dict], stem: Callable[[str], str]) -> list[str]:
    """The stems found in at least COMMON_SHARE of `docs` (any text field), commonest first."""
    pairs = Pairs((), stem)
    frequency: Counter = Counter()
    for doc in docs:
        frequency.update({s for field in TEXT_FIELDS for s in pairs.stems(doc.get(field) or "")})
    least = max(1, COMMON_SHARE * len(docs))
    ranked = sorted((s for s, n in frequency.items() if n >= least), key=lambda s: (-frequency[s], s))
    return ranked[:MAX_COMMON]


def save(index_dir: Path, common: list[str]) -> None:
    """Record the common stems beside the index (written before the index is swapped in)."""
    path = Path(index_dir) / PAIRS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"format": PAIRS_FORMAT, "common": common}), encoding="utf-8")
    os.replace(tmp, path)


def load(index_dir: Path) -> list[str]:
    """The common stems an index was built with; a clear error when the record is missing or
    unreadable, because pair terms without it would make phrases silently wrong."""
    path = Path(index_dir) / PAIRS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PairsError(f"the search index at {index_dir} has word pairs but no readable {PAIRS_FILE} "
                         f"({exc}): run 'reckon index --rebuild'") from exc
    if data.get("format") != PAIRS_FORMAT or not isinstance(data.get("common"), list):
        raise PairsError(f"{path} is from another version (expected format {PAIRS_FORMAT}): "
                         "run 'reckon index --rebuild'")
    return [str(s) for s in data["common"]]


class PairsError(ReckoningError):
    """The index's record of its common stems is missing or from another version."""
