"""Browse facets (harm type, affected group, institution, decade): the values a public view
carries, and what a listing shows of it.

Taken from the public views the site already holds, never from the store, so a grouping
(`publish.pages.listings`) can only ever list what the public may see: an agent or a term
appears only when some public object refers to it. Facet names are the shared ones
(`harm_type`, `affected_group`, `institution`, `decade`).
"""

from __future__ import annotations

from archive.catalog import place_of

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
    """What a listing shows of an object: small, so browse pages stay small. A record or
    narrative with coordinates also carries its `place` (`archive.catalog.place_of`), for the map."""
    date = view.get("date") or {}
    brief = {"id": view["id"], "type": view["type"], "title": view["title"], "url": view["url"],
             "date": date.get("display", ""), "lower": date.get("lower", 0)}
    place = place_of(view.get("coverage") or view.get("place") or "", view.get("latitude"), view.get("longitude"))
    if place is not None:
        brief["place"] = place
    return brief
