"""Two indexes of the same store answer alike: run varied searches on both and compare.

    python bench/same_answers.py INDEX_A INDEX_B [queries]

For checking that a change to how an index is built (not what it holds) leaves every answer
as it was: totals, facet counts, "did you mean", and the hits in order with their snippets and
scores (equal to tantivy's 32-bit precision; hits of equal score may come in either order, as
the segments they sit in may differ). Queries are drawn, seeded, from the first index's
vocabulary and stored texts: single words (common, middling, rare), two words, two- and
three-word phrases, prefixes, fuzzy words, boolean forms, field searches, filtered, date-sorted
and deeper pages. The manifests (vocabulary, labels) are compared too. Not a test.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from search.indexer import MANIFEST
from search.query import open_index, search


def queries(manifest: dict, texts: list[str], count: int, seed: int = 21) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    vocab = sorted(manifest["vocabulary"].items(), key=lambda kv: -kv[1])
    common = [w for w, _ in vocab[:200]]
    middling = [w for w, _ in vocab[200:3000]]
    rare = [w for w, _ in vocab[3000:]] or middling
    made: list[tuple[str, dict]] = []
    while len(made) < count:
        c, m, r = rng.choice(common), rng.choice(middling), rng.choice(rare)
        words = rng.choice(texts).lower().rstrip(".").split()
        at = rng.randrange(max(1, len(words) - 3))
        made += [
            (rng.choice([c, m, r]), {}),
            (f"{c} {m}", {}),
            ('"' + " ".join(words[at:at + 2]) + '"', {}),
            ('"' + " ".join(words[at:at + 3]) + '"', {}),
            (m[: rng.randint(1, max(1, len(m) - 1))] + "*", {}),
            (m[:-1] + ("a" if m[-1] != "a" else "e") + "~", {}),
            (f"({m} OR {r}) NOT {c}", {}),
            (f"title:{m}", {}),
            (m, {"sort": rng.choice(["date", "-date"])}),
            (c, {"page": rng.randint(2, 40)}),
            (f"{c} {r}", {"date_from": str(rng.randint(1850, 1960)), "date_to": str(rng.randint(1961, 2020))}),
            (m[:-1] + "zq", {}),  # a misspelling: "did you mean"
        ]
    return made[:count]


def answer(ix, query: str, options: dict) -> dict:
    found = search(ix, query, **options).as_dict()
    # Equal scores may come in either order: hits sorted by (score, id) within the page.
    found["hits"] = sorted(({**h, "score": round(h["score"], 4)} for h in found["hits"]),
                           key=lambda h: (-h["score"], h["id"]))
    return found


def main() -> None:
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    manifests = [json.loads((p / MANIFEST).read_text()) for p in (a, b)]
    print("manifests equal:", manifests[0] == manifests[1])
    ix_a, ix_b = open_index(a), open_index(b)
    texts = [h["snippet"] for h in search(ix_a, "records", limit=100).as_dict()["hits"]]
    texts = [t.replace("<mark>", "").replace("</mark>", "") for t in texts]
    differ = 0
    asked = queries(manifests[0], texts, count)
    for query, options in asked:
        if answer(ix_a, query, options) != answer(ix_b, query, options):
            differ += 1
            print("differs:", query, options)
    print(f"{len(asked)} searches, {differ} answered differently")


if __name__ == "__main__":
    main()
