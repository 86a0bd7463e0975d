"""The search fallback for a static-only host: a compact inverted index in small shards.

When the site is served without the archive's API (object storage, GitHub Pages) the search
page cannot ask `/api/search`; it loads this index instead. One monolithic index file does not
scale (Pagefind ran out of memory at 100,000 pages here), so terms are split by their first two
letters into `search/terms/<xx>.json`, and document titles and links into
`search/docs/<n>.json` of `DOCS_PER_SHARD` each: a query fetches one term shard per word and
one document shard per page of results. Prefix matching comes free (every term sharing a
two-letter prefix is in the same shard). Built from public views only, like every output.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict

from archive.urls import segment_anchor

DOCS_PER_SHARD = 500
TITLE_WEIGHT = 10
MAX_TF = 9
TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has", "have", "he", "her", "his", "i", "in", "is", "it", "its", "of", "on", "or", "our", "she", "that", "the", "their", "them", "there", "they", "this", "to", "was", "we", "were", "which", "who", "will", "with", "you"])


def tokens(text: str) -> list[str]:
    """Lower-cased, accent-folded words; the search page's script folds queries the same way."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return [t for t in TOKEN.findall(folded) if len(t) > 1 and t not in STOPWORDS]


def documents(views: dict[str, list[dict]]) -> list[dict]:
    """One entry per public object, plus one per transcript segment (linked to its timestamp)."""
    docs = []
    for kind in ("harm", "timeline", "narrative", "record"):
        for view in sorted(views.get(kind, []), key=lambda v: v["id"]):
            date = (view.get("date") or {}).get("display", "")
            text = " ".join([view.get("summary", ""), view.get("narrator", ""), view.get("text", "")])
            docs.append({"type": kind, "title": view["title"], "url": view["url"], "date": date,
                         "text": text, "title_terms": view["title"], "view": view})
            for seg in view.get("segments", []) if kind == "narrative" else []:
                if not seg.get("time"):
                    continue
                docs.append({"type": "segment", "title": f"{view['title']}: {seg['title']}",
                             "url": f"{view['url']}#{segment_anchor(seg['time'])}",
                             "date": seg["time"], "text": seg.get("text", ""), "title_terms": seg["title"]})
    return docs


def term_weights(doc: dict) -> dict[str, int]:
    """How strongly each word stands for one document: its count (capped), more in the title."""
    weights = {term: min(count, MAX_TF) for term, count in Counter(tokens(doc["text"])).items()}
    for term in set(tokens(doc["title_terms"])):
        weights[term] = weights.get(term, 0) + TITLE_WEIGHT
    return weights


def build_static_index(views: dict[str, list[dict]], memo=None) -> dict[str, bytes]:
    """The files of the fallback index, by path under public/. `memo(view, name, make)` may
    hand back an object's term weights from an earlier build (see web/build_cache.py)."""
    docs = documents(views)
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for number, doc in enumerate(docs):
        view = doc.get("view")
        weights = term_weights(doc) if memo is None or view is None else \
            memo(view, "terms", lambda doc=doc: term_weights(doc))
        for term, weight in weights.items():
            postings[term].append((number, weight))
    shards: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(dict)
    for term, found in postings.items():
        shards[term[:2]][term] = found
    files: dict[str, bytes] = {}
    for prefix, terms in shards.items():
        files[f"search/terms/{prefix}.json"] = _json({t: terms[t] for t in sorted(terms)})
    for start in range(0, len(docs), DOCS_PER_SHARD):
        chunk = docs[start:start + DOCS_PER_SHARD]
        files[f"search/docs/{start // DOCS_PER_SHARD}.json"] = _json(
            [[d["type"], d["title"], d["url"], d["date"]] for d in chunk])
    files["search/meta.json"] = _json({"docs": len(docs), "docs_per_shard": DOCS_PER_SHARD,
                                       "prefix_length": 2, "stopwords": sorted(STOPWORDS)})
    return files


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
