"""The pages that list objects, made from the site index (`publish.pages.site_index`) alone.

Lists are paginated, `LIST_PAGE_SIZE` to a page (`/records/`, `/records/page/2/`, and so
for every browse value: `/browse/decades/1930/page/3/`), so a changed object changes the one
page it stands on (or, when it enters or leaves a list, the pages after it), never a page of
100,000 links. An agent's page shows the first `AGENT_RECORDS` of its records and links to its
browse list for all of them. Every function makes the pages asked for (`numbers`, or all),
so the full build and the patched rebuild make the same pages from the same index.
"""

from __future__ import annotations

from collections.abc import Iterable

from archive.catalog import Catalog
from archive.urls import SECTIONS, agent_url, browse_url
from publish.page import Page
from publish.pages.browse import FACET_TITLES
from publish.pages.member_list import count_of_kind, ids_of_kind
from publish.pages.site_index import BROWSE, SiteIndex, browse_list, browse_parts, section_list

LIST_PAGE_SIZE = 200
AGENT_RECORDS = 200


def page_count(total: int) -> int:
    return max(1, -(-total // LIST_PAGE_SIZE))


def page_of(rank: int) -> int:
    """The page number the list's member at `rank` (0-based) is on."""
    return rank // LIST_PAGE_SIZE + 1


def page_path(base: str, number: int) -> str:
    """A list's page `number` under its base URL (`/records/` → `records/page/2/index.html`)."""
    return base.lstrip("/") + ("" if number == 1 else f"page/{number}/") + "index.html"


def pager(base: str, number: int, count: int, total: int) -> dict:
    """Where page `number` of `count` sits, and the links to its neighbours."""
    return {"number": number, "count": count, "total": total,
            "prev": None if number == 1 else (base if number == 2 else f"{base}page/{number - 1}/"),
            "next": None if number == count else f"{base}page/{number + 1}/"}


def value_of(facet: str, text: str):
    """A browse value as the pages use it (a decade is a number)."""
    return int(text) if facet == "decade" else text


def label_of(facet: str, value, catalog: Catalog) -> str | None:
    """A browse value's label; None for an agent or term the store no longer has (no page)."""
    if facet == "decade":
        return f"{value}s"
    if facet == "institution":
        agent = catalog.agents.get(value)
        return agent.name if agent else None
    concept = catalog.concepts.get(value)
    return concept.label if concept else None


def record_list_pages(index: SiteIndex, numbers: Iterable[int] | None = None) -> list[Page]:
    """The records list's pages (`numbers`, or all of them)."""
    members = index.members(section_list("record"))
    count, base = page_count(len(members)), f"/{SECTIONS['record']}/"
    pages = []
    for number in sorted(set(numbers) if numbers is not None else range(1, count + 1)):
        if number > count:
            continue
        chunk = [m[1] for m in members[(number - 1) * LIST_PAGE_SIZE:number * LIST_PAGE_SIZE]]
        found = index.listings(chunk)
        pages.append(Page(page_path(base, number), "record_list.html",
                          {"items": [found[i] for i in chunk], "kind": "record",
                           "pager": pager(base, number, count, len(members))}))
    return pages


def browse_entry(name: str, size: int, catalog: Catalog) -> dict | None:
    """A browse value as the facet's page lists it; None when it has no label (no page)."""
    facet, text = browse_parts(name)
    value = value_of(facet, text)
    label = label_of(facet, value, catalog)
    if label is None:
        return None
    return {"facet": facet, "value": value, "label": label, "url": browse_url(facet, value), "count": size}


def browse_value_pages(index: SiteIndex, name: str, catalog: Catalog,
                       numbers: Iterable[int] | None = None) -> list[Page]:
    """One browse value's pages (`numbers`, or all of them); none for a value without a label."""
    members = index.members(name)
    entry = browse_entry(name, len(members), catalog)
    if entry is None or not members:
        return []
    count = page_count(len(members))
    pages = []
    for number in sorted(set(numbers) if numbers is not None else range(1, count + 1)):
        if number > count:
            continue
        chunk = [m[1] for m in members[(number - 1) * LIST_PAGE_SIZE:number * LIST_PAGE_SIZE]]
        found = index.summaries(chunk)
        pages.append(Page(page_path(entry["url"], number), "browse_value.html",
                          {"facet": entry["facet"], "entry": {**entry, "items": [found[i] for i in chunk]},
                           "pager": pager(entry["url"], number, count, len(members))}))
    return pages


def browse_groups(index: SiteIndex, catalog: Catalog) -> dict[str, list[dict]]:
    """Each facet's values (with a label) in order, as the browse pages list them."""
    groups: dict[str, list[dict]] = {facet: [] for facet in FACET_TITLES}
    for name, size in index.list_sizes().items():
        if name.startswith(BROWSE + "\0"):
            entry = browse_entry(name, size, catalog)
            if entry is not None:
                groups[entry["facet"]].append(entry)
    for facet, entries in groups.items():
        entries.sort(key=lambda e: (e["value"] if facet == "decade" else e["label"].lower()))
    return groups


def browse_index_pages(groups: dict[str, list[dict]]) -> list[Page]:
    """The browse index and each facet's page of values."""
    def entries(items: list[dict]) -> list[dict]:
        return [{k: e[k] for k in ("label", "url", "count")} for e in items]

    pages = [Page("browse/index.html", "browse_index.html", {"groups": {f: entries(g) for f, g in groups.items()}})]
    pages += [Page(browse_url(facet).lstrip("/") + "index.html", "browse_facet.html",
                   {"facet": facet, "entries": entries(found)}) for facet, found in groups.items()]
    return pages


def agent_views(index: SiteIndex, catalog: Catalog, agents: Iterable[str], public: set[str]) -> list[dict]:
    """Agents' pages' data: the agent, the harms it is responsible for, and the first of its
    records (`public`: every agent with a page, so a parent without one is named, not linked)."""
    views = []
    for agent_id in agents:
        name = browse_list("institution", agent_id)
        members = index.members(name)
        view = catalog.agent_page(agent_id)
        if view["parent"] and view["parent"]["id"] not in public:
            view["parent"]["url"] = None  # named, but it has no public page to link to
        records, harms = ids_of_kind(members, "record", AGENT_RECORDS), ids_of_kind(members, "harm")
        shown = index.summaries(records + harms)
        view["records"] = [shown[i] for i in records]
        view["record_count"] = count_of_kind(members, "record")
        view["harms"] = [shown[i] for i in harms]
        view["browse_url"] = browse_url("institution", agent_id)
        views.append(view)
    return views


def agent_pages(views: list[dict]) -> list[Page]:
    return [Page(view["url"].lstrip("/") + "index.html", "agent.html", {"item": view}) for view in views]


def agents_index_page(groups: dict[str, list[dict]], catalog: Catalog) -> Page:
    """The list of agents with a page (those some public object names), in label order."""
    items = []
    for entry in groups["institution"]:
        agent = catalog.agent_page(entry["value"])
        items.append({"name": agent["name"], "url": agent_url(agent["id"]), "kind": agent["kind"],
                      "description": agent["description"]})
    return Page("agents/index.html", "agent_list.html", {"items": items})
