"""The site's outputs in groups, each made by one function that the full build (`publish.build`)
and the patched rebuild (`publish.incremental`) both call, so the two give the same files and
the same keys:

- each object's own outputs (page, citation, a timeline's TimelineJS data), and tombstones;
- the "small" kinds' lists (narratives, harms, timelines: made whole, from their views);
- the pages listing objects, from the site index (`publish.pages.listings`);
- the front pages (home, downloads, about, search, 404);
- the files made from many objects (feed, sitemap, downloads, host rules), in their modules.
"""

from __future__ import annotations

from archive import urls as U
from archive.catalog import Catalog
from archive.urls import SECTIONS, SiteUrls
from publish.downloads import PART_SIZE, data_dictionary, export_files
from publish.host_rules import host_rules
from publish.page import Page
from publish.pages import listings
from publish.pages.ledger import ledger_downloads, ledger_pages
from publish.pages.objects import object_pages
from publish.pages.site_index import SiteIndex, browse_list
from publish.pages.timelinejs import timelinejs

RECENT_ON_HOME = 8
SMALL_KINDS = tuple(kind for kind in SECTIONS if kind != "record")  # few enough to be made whole


def by_date(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda v: ((v.get("date") or {}).get("lower", 0), v["id"]))


def object_outputs(kind: str, views: list[dict], digests: dict[str, str], urls: SiteUrls,
                   built_on: str) -> list[Page]:
    """Each object's own outputs: its page and citation file (and a timeline's TimelineJS data)."""
    pages = object_pages(kind, views, digests, urls, built_on)
    if kind == "timeline":
        pages += [Page(U.timeline_json_url(view["id"]).lstrip("/"), content=timelinejs(view, urls)) for view in views]
    return pages


def tombstone_pages(tombstones: list[dict]) -> list[Page]:
    """What stands at a withdrawn narrative's address: the fact of withdrawal, nothing of it."""
    return [Page(f"narratives/{tombstone['id']}/index.html", "tombstone.html", {"item": tombstone})
            for tombstone in tombstones]


def small_list_pages(kind: str, views: list[dict]) -> list[Page]:
    """A small kind's list by date, `LIST_PAGE_SIZE` to a page (the harm ledger: one page)."""
    base = f"/{SECTIONS[kind]}/"
    ordered = by_date(views)
    size = listings.LIST_PAGE_SIZE
    chunks = [ordered[i:i + size] for i in range(0, len(ordered), size)] or [[]]
    if kind == "harm":
        chunks = [ordered]  # the ledger is one table, so it can be sorted and filtered in place
    return [Page(listings.page_path(base, number), f"{kind}_list.html",
                 {"items": chunk, "kind": kind, "pager": listings.pager(base, number, len(chunks), len(ordered))})
            for number, chunk in enumerate(chunks, 1)]


def small_outputs(small: dict[str, list[dict]], tombstones: list[dict], urls: SiteUrls, built_on: str) -> list[Page]:
    """Everything the small kinds make on their own: their pages, lists and tombstones."""
    pages: list[Page] = []
    for kind in SMALL_KINDS:
        pages += small_list_pages(kind, small[kind]) + object_outputs(kind, small[kind], {}, urls, built_on)
    return pages + tombstone_pages(tombstones)


def small_group(catalog: Catalog, small: dict[str, list[dict]], tombstones: list[dict], urls: SiteUrls,
                built_on: str) -> list[Page]:
    """Every output made from the small kinds alone (and the ledger, made from them): their
    pages, lists, tombstones and downloads, the ledger's pages and downloads, and the serving
    rules for static hosts (which name the tombstones). Made whole whenever one of them changes."""
    pages = small_outputs(small, tombstones, urls, built_on) + [Page(*page) for page in ledger_pages(catalog)]
    files = export_files(small, urls, kinds=SMALL_KINDS)
    files.update(ledger_downloads(catalog))
    files.update(host_rules(sorted(page.path for page in tombstone_pages(tombstones)), urls))
    return pages + [Page(path, content=content) for path, content in files.items()]


def listing_pages(index: SiteIndex, catalog: Catalog) -> list[Page]:
    """Every page listing objects: the records list, browse pages, agents' pages."""
    groups = listings.browse_groups(index, catalog)
    pages = listings.record_list_pages(index) + listings.browse_index_pages(groups)
    for entries in groups.values():
        for entry in entries:
            pages += listings.browse_value_pages(index, _browse_name(entry), catalog)
    agents = [entry["value"] for entry in groups["institution"]]
    pages += listings.agent_pages(listings.agent_views(index, catalog, agents, set(agents)))
    return pages + [listings.agents_index_page(groups, catalog)]


def _browse_name(entry: dict) -> str:
    return browse_list(entry["facet"], entry["value"])


def front_pages(index: SiteIndex, small: dict[str, list[dict]]) -> list[Page]:
    """The home page, the downloads page and the site's own pages."""
    counts = index.counts()
    per_kind = {kind: counts.get(kind, 0) for kind in SECTIONS}
    newest = [{k: v for k, v in entry.summary.items() if k != "lower"} for entry in index.recent(RECENT_ON_HOME)]
    return [
        Page("index.html", "home.html", {
            "timelines": small["timeline"], "harms": small["harm"][:6], "harm_count": per_kind["harm"],
            "record_count": per_kind["record"], "narrative_count": per_kind["narrative"], "recent": newest}),
        Page("search/index.html", "search.html"),
        Page("404.html", "404.html"),
        Page("about/index.html", "about.html"),
        Page("downloads/index.html", "downloads.html", {"dictionary": data_dictionary(per_kind), "counts": per_kind,
                                                         "part_size": PART_SIZE}),
    ]
