"""Search documents built from Catalog views: what one viewer may see, flattened for an index.

Every document comes from a view the Catalog handed out, so it holds the viewer's form of
the object (the public index never sees a private narrator name or a hidden narrative).
Engines store these plain dicts as they are; nothing here knows which engine runs.

Narrative transcripts are split into one document per segment, so a hit inside an oral
history points at the passage and its timestamp, not at the top of a long interview.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from archive.catalog import Catalog
from archive.dates import OPEN_LOWER, OPEN_UPPER, subject_date
from archive.urls import page_url
from search.language import TOKEN

INDEXED_KINDS = ("record", "narrative", "harm", "timeline")
# An undated object sorts last both ways and never matches a date filter: its bounds are
# inverted (lower above every date, upper below every date).
UNDATED_LOWER = OPEN_UPPER
UNDATED_UPPER = OPEN_LOWER
_WORD = re.compile(TOKEN)
# ASCII letters lowercased, digits kept, every other byte a space: `split()` then gives the
# words `TOKEN` finds, lowercased.
_ASCII_WORDS = bytes(c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32
                     for c in range(256))


def segment_anchor(time: str) -> str:
    """The element id of a transcript segment on a narrative page: 00:04:12 → t-00-04-12."""
    return "t-" + time.replace(":", "-")


def _ids(refs: Iterable[dict]) -> list[str]:
    return sorted({r["id"] for r in refs})


def _dates(view: dict) -> dict:
    # A narrative is found by the period it is about where given, not by when it was recorded.
    date = subject_date(view)
    unknown = date and int(date["lower"]) <= OPEN_LOWER and int(date["upper"]) >= OPEN_UPPER
    if not date or not date.get("edtf") or unknown:  # "XXXX" (n.d.) says nothing about when
        return {"date": "", "date_lower": UNDATED_LOWER, "date_upper": UNDATED_UPPER, "decade": []}
    lower, upper = int(date["lower"]), int(date["upper"])
    decade = [str(lower // 100000 * 10)] if lower > OPEN_LOWER else []
    return {"date": date["display"], "date_lower": lower, "date_upper": upper, "decade": decade}


def _base(view: dict, kind: str) -> dict:
    return {
        "id": view["id"], "type": kind, "parent": "", "url": view["url"], "title": view["title"],
        "text": view.get("text", ""), "people": "", "time": "", "context": "",
        "harm_type": _ids(view.get("harm_types", [])),
        "affected_group": _ids(view.get("affected_groups", [])),
        "institution": [], "language": view.get("language") or "",
        "collection": view.get("collection") or "",
        **_dates(view),
    }


def documents_of(kind: str, view: dict) -> list[dict]:
    """The search documents for one view: one, or for a narrative one plus one per segment."""
    doc = _base(view, kind)
    if kind == "record":
        doc["people"] = " ".join(a["name"] for a in view["creators"])
        doc["institution"] = _ids(view["creators"])
        subjects = view.get("subjects", [])
        doc["harm_type"] = _ids(s for s in subjects if s["scheme"] == "harm-type")
        doc["affected_group"] = _ids(s for s in subjects if s["scheme"] == "affected-group")
    elif kind == "harm":
        doc["people"] = " ".join(a["name"] for a in view["responsible"])
        doc["institution"] = _ids(view["responsible"])
    elif kind == "timeline":
        doc["text"] = " ".join(filter(None, [view.get("summary", ""), view.get("text", "")]))
    elif kind == "narrative":
        return _narrative_documents(doc, view)
    if kind == "record" and view.get("parts"):
        return [doc] + _part_documents(doc, view)
    return [doc]


def _part_documents(doc: dict, view: dict) -> list[dict]:
    """One document per part of a multi-part record, so a hit lands on the part (`#part-2`)."""
    return [{**doc, **(_dates(part) if part.get("date") else {}),
             "id": f"{view['id']}#{part['anchor']}", "type": "part", "parent": view["id"],
             "url": page_url("record", view["id"]) + "#" + part["anchor"],
             # The part's own words only: the record's title is kept for display, as for segments.
             "title": part["title"], "context": view["title"],
             "text": " ".join(filter(None, [part.get("description", ""), part.get("format", "")]))}
            for part in view["parts"]]


def _narrative_documents(doc: dict, view: dict) -> list[dict]:
    # The narrative itself is found by its title, summary, narrator and any preface; the
    # transcript is found through its segments.
    segments = view.get("segments", [])
    preface = " ".join(s["text"] for s in segments if not s.get("time"))
    doc["people"] = " ".join(filter(None, [view["narrator"], view.get("interviewer") or ""]))
    doc["text"] = " ".join(filter(None, [view.get("summary", ""), view.get("place") or "", preface]))
    docs = [doc]
    for seg in segments:
        if not seg.get("time"):
            continue
        anchor = segment_anchor(seg["time"])
        docs.append({
            **doc, "id": f"{view['id']}#{anchor}", "type": "segment", "parent": view["id"],
            "url": page_url("narrative", view["id"]) + "#" + anchor,
            # Only the segment's own heading (or, for a cue, its label: its first words) is
            # searched as its title; the narrative's title is kept for display, else every
            # segment would match every word of it. `time` holds the passage's locator
            # (`00:12:04–00:13:10`, archive.passages), which a hit carries for citing it.
            "title": seg.get("label") or seg["title"] or seg["time"], "context": view["title"],
            "text": seg["text"], "time": seg.get("locator") or seg["time"],
            "people": " ".join(filter(None, [seg.get("speaker") or "", view["narrator"]])),
        })
    return docs


def catalog_documents(catalog: Catalog) -> Iterator[dict]:
    """Every document this Catalog's viewer may see, in a stable order."""
    # Documents read a view's text, never its HTML: a record body without Markdown markup (most
    # of them) is not rendered to HTML only to be thrown away (~25% of making a record's view).
    previous, catalog.prose_as_html = catalog.prose_as_html, True
    try:
        for kind in INDEXED_KINDS:
            for view in catalog.each(kind):  # a few hundred views at a time: memory stays flat
                yield from documents_of(kind, view)
    finally:
        catalog.prose_as_html = previous


def fingerprint(doc: dict) -> str:
    """A short hash of a document, so an update rewrites only what changed."""
    return hashlib.sha1(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def count_words(docs: Iterable[dict], counts: Counter) -> None:
    """Add to `counts` the words each document uses (once a document), as lowercased UTF-8 bytes.

    ASCII text (nearly all) is split as bytes, a tenth of the regular expression's cost at
    100,000 records; short and all-digit words are dropped by `vocabulary_of`, once per word
    rather than once per document.
    """
    for doc in docs:
        counts.update(words_of(doc))


def words_of(doc: dict) -> set[bytes]:
    """The words a document uses, for `count_words`."""
    text = f"{doc['title']} {doc['text']} {doc['people']}"
    if text.isascii():
        return set(text.encode().translate(_ASCII_WORDS).split())
    return {w.lower().encode() for w in _WORD.findall(text) if len(w) > 2 and not w.isdigit()}


def vocabulary_of(counts: Counter) -> dict[str, int]:
    """The vocabulary from `count_words` counts: words of three letters or more, not all digits."""
    return {w.decode(): n for w, n in counts.items() if len(w) > 2 and not w.isdigit()}


def vocabulary(docs: Iterable[dict]) -> dict[str, int]:
    """Word → number of documents using it: the dictionary "did you mean" corrects against.

    Words of three letters or more, lowercased, not all digits.
    """
    counts: Counter = Counter()
    count_words(docs, counts)
    return vocabulary_of(counts)


def labels(catalog: Catalog) -> dict[str, str]:
    """Readable labels for facet values (concept and agent ids), from the viewer's Catalog."""
    found = {c: concept.label for c, concept in catalog.concepts.items()}
    found.update({a: agent.name for a, agent in catalog.agents.items()})
    found.update({"record": "Records", "narrative": "Narratives", "harm": "Harms",
                  "timeline": "Timelines", "segment": "Narrative passages", "part": "Parts of records"})
    return found
