"""Each object's own outputs: its page and its CSL-JSON citation file.

The full build (`publish.build`) makes them for every public object and the patched rebuild
(`publish.incremental`) for a changed record, from this one function, so the two paths give
the same files and the same keys.
"""

from __future__ import annotations

from archive.urls import SECTIONS, SiteUrls
from publish import json_indent
from publish.fingerprints import citing_digest
from publish.page import Page
from publish.pages.citation import citation_context, citation_data, csl_json


def object_pages(kind: str, views: list[dict], digests: dict[str, str], urls: SiteUrls, built_on: str) -> list[Page]:
    """Each object's page and its CSL-JSON citation file. With a digest (records from the view
    cache), the page's key is cheap and the citation file is made only when really written."""
    section = SECTIONS[kind]
    citing = citing_digest(urls, built_on)

    last: dict[str, dict] = {}  # the citation of the object rendered last: its two files are neighbours

    def context(view: dict) -> dict:
        found = last.get(view["id"])
        if found is None:
            last.clear()
            found = last[view["id"]] = citation_context(view, urls, built_on)
        return found

    def cite(data: dict) -> dict:
        return {"cite": context(data["item"])}

    pages = []
    for view in views:
        digest = digests.get(view["id"])
        pages.append(Page(f"{section}/{view['id']}/index.html", f"{kind}.html", {"item": view}, extra=cite,
                          digest=digest))
        if digest is not None:  # the file is made only if its record (or the base URL, or the date) changed
            pages.append(Page(f"{section}/{view['id']}/citation.json", digest=f"{digest}-{citing}",
                              make=lambda view=view: _json(context(view)["csl"])))
        else:
            pages.append(Page(f"{section}/{view['id']}/citation.json",
                              content=_json(csl_json(citation_data(view, urls, built_on)))))
    return pages


def _json(data) -> bytes:
    return json_indent.dumps_bytes(data)  # json.dumps(indent=1, sort_keys=True) in UTF-8, faster
