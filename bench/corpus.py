"""A generated corpus for the search benchmark: N records of ~400 words, shaped like the archive's.

Words follow a Zipf-like distribution over the sample collection's own vocabulary padded
with invented words, so there are common, middling and rare terms, as in real prose. Each
record gets the facet fields the real documents carry (type, harm types, affected groups,
institutions) and a date in one of the EDTF shapes historians write (a day, a year, an
interval, a decade, uncertain), turned into bounds by the archive's own EDTF code.
Everything is seeded, so two runs make the same corpus.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

from archive.dates import parse_date

SAMPLE = Path(__file__).resolve().parent.parent / "content"
TYPES = ["record"] * 6 + ["harm", "narrative", "segment", "segment", "timeline"]
HARM_TYPES = [f"ht-bench-{i:02d}" for i in range(24)]
GROUPS = [f"ag-bench-{i:02d}" for i in range(12)]
INSTITUTIONS = [f"agent-bench-{i:03d}" for i in range(150)]
SYLLABLES = ["ra", "mo", "ten", "vel", "qui", "dar", "sol", "nex", "bri", "lum", "tor", "ska", "fen", "gal"]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: list[str] = []
    seen: set[str] = set()
    for path in sorted(SAMPLE.rglob("*.md")):
        for word in re.findall(r"[a-z]{3,}", path.read_text().lower()):
            if word not in seen:
                seen.add(word)
                words.append(word)
    rng.shuffle(words)
    for combo in itertools.product(SYLLABLES, repeat=4):
        if len(words) >= size:
            break
        word = "".join(combo)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words[:size]


def edtf(rng: random.Random) -> str:
    year = rng.randint(1846, 2024)
    shape = rng.random()
    if shape < 0.4:
        return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if shape < 0.65:
        return str(year)
    if shape < 0.8:
        return f"{year}/{min(year + rng.randint(1, 40), 2025)}"
    if shape < 0.9:
        return f"{str(year)[:3]}X"
    return f"{year}~"


def documents(n: int, seed: int = 1870, words_per_doc: int = 400, vocab_size: int = 30_000):
    """Yield `n` search documents (the dicts search.documents builds from a Catalog)."""
    rng = random.Random(seed)
    vocab = vocabulary(vocab_size, rng)
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    for i in range(n):
        words = rng.choices(vocab, cum_weights=weights, k=words_per_doc)
        title = " ".join(rng.choices(vocab, cum_weights=weights, k=8)).capitalize()
        date = parse_date(edtf(rng))
        kind = rng.choice(TYPES)
        yield {
            "id": f"rec-bench-{i:06d}", "type": kind, "parent": "", "time": "", "context": "",
            "url": f"/records/rec-bench-{i:06d}/", "title": title,
            "text": " ".join(words).capitalize() + ".",
            "people": " ".join(rng.choices(vocab[:2000], k=2)).title(),
            "harm_type": sorted(set(rng.sample(HARM_TYPES, rng.randint(1, 3)))),
            "affected_group": sorted(set(rng.sample(GROUPS, rng.randint(1, 2)))),
            "institution": sorted(set(rng.sample(INSTITUTIONS, rng.randint(1, 2)))),
            "language": "en", "collection": "",
            "date": date.display, "date_lower": date.lower, "date_upper": date.upper,
            "decade": [str(date.lower // 100000 * 10)],
        }


def query_words(seed: int = 1870, vocab_size: int = 30_000) -> dict[str, list[str]]:
    """Words by frequency band, from the same vocabulary the corpus was drawn from."""
    rng = random.Random(seed)
    vocab = vocabulary(vocab_size, rng)
    return {"common": vocab[5:60], "middling": vocab[300:3000], "rare": vocab[8000:20000]}
