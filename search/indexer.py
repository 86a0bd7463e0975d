"""Building the index from a Catalog, so it holds exactly what that viewer may see.

The public index is built from the public Catalog only: a restricted narrative never
reaches it, so no query, snippet or count can reveal one. The index is written into a new
folder and swapped into place, so searches never meet a half-built index.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index

from archive.catalog import Catalog
from archive.files import staged_directory
from search.schema import public_schema

INDEXED_KINDS = ("record", "narrative", "harm", "timeline")


def documents(catalog: Catalog):
    for kind in INDEXED_KINDS:
        for view in catalog.all(kind):
            harm_types = [c["id"] for c in view.get("harm_types", [])]
            title = view["title"]
            text = view["text"]
            if kind == "narrative":
                text = " ".join([view["summary"], view["narrator"], text])
            date = view.get("date") or {"display": "", "lower": 0, "upper": 99991231}
            yield {
                "id": view["id"], "type": kind, "url": view["url"], "title": title, "text": text,
                "date": date["display"], "date_lower": date["lower"], "date_upper": date["upper"],
                "harm_types": ",".join(harm_types),
            }


def build_index(catalog: Catalog, index_dir: Path) -> int:
    """(Re)build the index at `index_dir` atomically; return the number of documents."""
    count = 0
    with staged_directory(Path(index_dir)) as staging:
        ix = index.create_in(str(staging), public_schema())
        with ix.writer() as writer:
            for doc in documents(catalog):
                writer.add_document(**doc)
                count += 1
        ix.close()
    return count
