"""A generated corpus for the search benchmark: N records of ~400 words, shaped like the archive's.

Words follow a Zipf-like distribution over the sample collection's own vocabulary padded
with invented words, so there are common, middling and rare terms, as in real prose. Each
record gets the facet fields the real documents carry (type, harm types, affected groups,
institutions) and a date in one of the EDTF shapes historians write (a day, a year, an
interval, a decade, circa) with its bounds, checked against the archive's own EDTF code.
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
POOL = 2_000_000
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


def edtf(rng: random.Random) -> tuple[str, int, int]:
    """An EDTF date and its bounds. Computed here for speed (the EDTF grammar costs ~20 ms a
    date); `check_dates` confirms they agree with the archive's parser on a sample."""
    year = rng.randint(1846, 2024)
    shape = rng.random()
    if shape < 0.4:
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        value = year * 10000 + month * 100 + day
        return f"{year}-{month:02d}-{day:02d}", value, value
    if shape < 0.65:
        return str(year), year * 10000 + 101, year * 10000 + 1231
    if shape < 0.8:
        end = min(year + rng.randint(1, 40), 2025)
        return f"{year}/{end}", year * 10000 + 101, end * 10000 + 1231
    if shape < 0.9:
        decade = year // 10 * 10
        return f"{str(year)[:3]}X", decade * 10000 + 101, (decade + 9) * 10000 + 1231
    return f"{year}~", (year - 1) * 10000 + 101, (year + 1) * 10000 + 1231


def check_dates(count: int = 200, seed: int = 1) -> None:
    """Raise if the generator's bounds differ from archive.dates for any of `count` dates."""
    rng = random.Random(seed)
    for _ in range(count):
        text, lower, upper = edtf(rng)
        parsed = parse_date(text)
        if (parsed.lower, parsed.upper) != (lower, upper):
            raise AssertionError(f"{text}: generator says {lower}-{upper}, archive says {parsed.lower}-{parsed.upper}")


def documents(n: int, seed: int = 1870, words_per_doc: int = 400, vocab_size: int = 30_000):
    """Yield `n` search documents (the dicts search.documents builds from a Catalog)."""
    rng = random.Random(seed)
    vocab = vocabulary(vocab_size, rng)
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    # Drawing 40 million words one by one takes minutes in Python: draw a pool of prose once
    # and give each record a run of it starting at a random place.
    pool = rng.choices(vocab, cum_weights=weights, k=POOL)
    for i in range(n):
        start = rng.randrange(POOL - words_per_doc)
        words = pool[start:start + words_per_doc]
        title = " ".join(rng.choices(vocab, cum_weights=weights, k=8)).capitalize()
        text, lower, upper = edtf(rng)
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
            "date": text, "date_lower": lower, "date_upper": upper,
            "decade": [str(lower // 100000 * 10)],
        }


def query_words(seed: int = 1870, vocab_size: int = 30_000) -> dict[str, list[str]]:
    """Words by frequency band, from the same vocabulary the corpus was drawn from."""
    rng = random.Random(seed)
    vocab = vocabulary(vocab_size, rng)
    return {"common": vocab[5:60], "middling": vocab[300:3000], "rare": vocab[8000:20000]}
