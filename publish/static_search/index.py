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
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict

from search.documents import INDEXED_KINDS, UNDATED_LOWER, documents_of
from search.language import FACETS

DOCS_PER_SHARD = 500
ATTRS_PER_SHARD = 5000
VOCAB_SIZE = 20000
TITLE_WEIGHT = 10
MAX_TF = 9
TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has", "have", "he", "her", "his", "i", "in", "is", "it", "its", "of", "on", "or", "our", "she", "that", "the", "their", "them", "there", "they", "this", "to", "was", "we", "were", "which", "who", "will", "with", "you"])
TYPE_LABELS = {"record": "Records", "narrative": "Narratives", "harm": "Harms",
               "timeline": "Timelines", "segment": "Narrative passages", "part": "Parts of records"}
# Build order of the documents (harms first, so a tie in score lists a harm before a record).
ORDER = ("harm", "timeline", "narrative", "record")


def tokens(text: str) -> list[str]:
    """Lower-cased, accent-folded words; the search page's script folds queries the same way."""
    lowered = text.lower()
    # NFKD and dropping non-ASCII change nothing in ASCII text, most of what is indexed.
    folded = lowered if lowered.isascii() else unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return [t for t in TOKEN.findall(folded) if len(t) > 1 and t not in STOPWORDS]


def documents(views: dict[str, list[dict]]) -> list[dict]:
    """One search document per public object, plus one per transcript segment."""
    assert set(ORDER) == set(INDEXED_KINDS)
    return [doc for kind in ORDER for view in sorted(views.get(kind, []), key=lambda v: v["id"])
            for doc in documents_of(kind, view)]


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
        return f"{doc['context']} [{doc['time']}] {doc['title']}"
    if doc["type"] == "part":
        return f"{doc['context']}: {doc['title']}"
    return doc["title"]


def doc_weights(doc: dict) -> dict[str, int]:
    """A document's terms and their weights (capped term frequency, plus a bonus in the title)."""
    counted = Counter(tokens(" ".join([doc["text"], doc["people"]])))  # counted in C, then capped
    weights = {term: min(MAX_TF, count) for term, count in counted.items()}
    for term in set(tokens(doc["title"])):
        weights[term] = weights.get(term, 0) + TITLE_WEIGHT
    return weights


def build_static_index(views: dict[str, list[dict]]) -> dict[str, bytes]:
    """The files of the fallback index, by path under public/."""
    docs = documents(views)
    labels = value_labels(views)
    shards: dict[str, dict[str, list[list[int]]]] = defaultdict(lambda: defaultdict(list))
    codes: dict[tuple[str, str], int] = {}
    attrs: list[list] = []
    for number, doc in enumerate(docs):
        for term, weight in doc_weights(doc).items():
            shards[term[:2]][term].append([number, weight])
        mine = [codes.setdefault(pair, len(codes)) for pair in _facet_values(doc)]
        dated = doc["date_lower"] != UNDATED_LOWER
        attrs.append([doc["date_lower"] if dated else None, doc["date_upper"] if dated else None, mine])
    files: dict[str, bytes] = {}
    for prefix, terms in shards.items():
        files[f"search/terms/{prefix}.json"] = _json({t: terms[t] for t in sorted(terms)})
    for start in range(0, len(docs), DOCS_PER_SHARD):
        chunk = docs[start:start + DOCS_PER_SHARD]
        files[f"search/docs/{start // DOCS_PER_SHARD}.json"] = _json(
            [[d["type"], _display_title(d), d["url"], d["date"]] for d in chunk])
    for start in range(0, len(attrs), ATTRS_PER_SHARD):
        files[f"search/attrs/{start // ATTRS_PER_SHARD}.json"] = _json(attrs[start:start + ATTRS_PER_SHARD])
    files["search/facets.json"] = _json({"facets": list(FACETS), "values": [
        [name, value, _label(name, value, labels)] for (name, value) in codes]})
    words = {term: len(postings) for terms in shards.values() for term, postings in terms.items()
             if _in_vocabulary(term)}
    common = sorted(words, key=lambda w: (-words[w], w))[:VOCAB_SIZE]
    files["search/vocab.json"] = _json({w: words[w] for w in sorted(common)})
    files["search/meta.json"] = _json({"docs": len(docs), "docs_per_shard": DOCS_PER_SHARD,
                                       "attrs_per_shard": ATTRS_PER_SHARD,
                                       "prefix_length": 2, "stopwords": sorted(STOPWORDS)})
    return files


def _in_vocabulary(term: str) -> bool:
    return len(term) > 2 and not term.isdigit()


def _label(name: str, value: str, labels: dict[str, str]) -> str:
    if name == "decade":
        return f"{value}s"
    return labels.get(value, value)


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
