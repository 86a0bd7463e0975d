"""Browse groupings (harm type, affected group, institution, decade) and agents' pages.

Built from the public views the site already holds, never from the store, so a grouping can
only ever list what the public may see: an agent or a term appears only when some public
object refers to it. Facet names are the shared ones (`harm_type`, `affected_group`,
`institution`, `decade`).
"""

from __future__ import annotations

from collections import defaultdict

from archive.catalog import Catalog
from archive.urls import browse_url

FACET_TITLES = {"harm_type": "Harm type", "affected_group": "Affected group",
                "institution": "Institution", "decade": "Decade"}


def decade_of(view: dict) -> int | None:
    lower = (view.get("date") or {}).get("lower") or 0
    return (lower // 10000) // 10 * 10 if lower else None


def facets_of(view: dict) -> dict[str, list]:
    """The facet values one public view carries, by facet name."""
    kind = view["type"]
    concepts = list(view.get("harm_types", [])) + list(view.get("affected_groups", []))
    concepts += list(view.get("subjects", []))
    found: dict[str, list] = {
        "harm_type": sorted({c["id"] for c in concepts if c["id"].startswith("ht-")}),
        "affected_group": sorted({c["id"] for c in concepts if c["id"].startswith("ag-")}),
        "institution": sorted({a["id"] for a in view.get("creators", []) + view.get("responsible", [])}),
        "decade": [],
    }
    decade = decade_of(view) if kind != "timeline" else None
    if decade is not None:
        found["decade"] = [decade]
    return found


def summary(view: dict) -> dict:
    """What a listing shows of an object: small, so browse pages stay small."""
    date = view.get("date") or {}
    return {"id": view["id"], "type": view["type"], "title": view["title"], "url": view["url"],
            "date": date.get("display", ""), "lower": date.get("lower", 0)}


def browse_groups(views: dict[str, list[dict]], catalog: Catalog) -> dict[str, list[dict]]:
    """For each facet, its values in order, each with a label, URL and the objects under it."""
    members: dict[str, dict] = {f: defaultdict(list) for f in FACET_TITLES}
    for kind in ("harm", "record", "narrative", "timeline"):
        for view in views.get(kind, []):
            for facet, values in facets_of(view).items():
                for value in values:
                    members[facet][value].append(summary(view))
    groups: dict[str, list[dict]] = {}
    for facet, by_value in members.items():
        entries = []
        for value, items in by_value.items():
            label = _label(facet, value, catalog)
            if label is None:
                continue
            items.sort(key=lambda s: (s["lower"], s["id"]))
            entries.append({"facet": facet, "value": value, "label": label,
                            "url": browse_url(facet, value), "items": items, "count": len(items)})
        entries.sort(key=lambda e: (e["value"] if facet == "decade" else e["label"].lower()))
        groups[facet] = entries
    return groups


def _label(facet: str, value, catalog: Catalog) -> str | None:
    if facet == "decade":
        return f"{value}s"
    if facet == "institution":
        agent = catalog.agents.get(value)
        return agent.name if agent else None
    concept = catalog.concepts.get(value)
    return concept.label if concept else None


def agent_pages(groups: dict[str, list[dict]], catalog: Catalog) -> list[dict]:
    """Public agents: those some public object names as creator or responsible body."""
    pages = []
    public = {entry["value"] for entry in groups.get("institution", [])}
    for entry in groups.get("institution", []):
        view = catalog.agent_page(entry["value"])
        if view["parent"] and view["parent"]["id"] not in public:
            view["parent"]["url"] = None  # named, but it has no public page to link to
        view["records"] = [s for s in entry["items"] if s["type"] == "record"]
        view["harms"] = [s for s in entry["items"] if s["type"] == "harm"]
        view["browse_url"] = entry["url"]
        pages.append(view)
    return pages
