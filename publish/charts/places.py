"""The map of places: public records and narratives that have coordinates, grouped by place.

Its input is what the site index keeps of each placed object (`publish.pages.browse.summary`,
with its `place`) or, for the API, the Catalog's summaries (`Catalog.summaries`, the same
`place`): id, kind, title, link and place, read from public views only. So the full build, a
patched rebuild (which keeps the placed objects in the site index) and the API give the same
map, and an object that is hidden, or whose place's name is redacted, is never placed.

Objects at the same coordinates, to three decimals (about 100 m), are one place, named by the
name most of them give. The drawing is a Vega-Lite map: the basemap (`basemaps/`, from the
maintained us-atlas and world-atlas TopoJSON) with a circle per place, sized by how many
objects it holds; a US map when every place is in the United States, else a world map.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from publish.charts.specs import HARM, INK, Spec, layered

BASEMAPS = Path(__file__).resolve().parent / "basemaps"
KINDS = {"record": "Record", "narrative": "Narrative"}
DECIMALS = 3  # places closer than this (about 100 m) are one
LISTED = 20  # objects a place lists on the page; a collection of 100,000 placed records stays a page
# Where the US map (Albers USA: the lower 48, Alaska and Hawaii) draws a point; elsewhere, the world.
US_AREAS = ((24.0, 50.0, -125.5, -66.5), (51.0, 72.0, -180.0, -129.0), (18.5, 22.5, -161.0, -154.5))
LAND, BORDER = "#f1ebe0", "#b3a58f"
EAST = {"us": -76.0, "world": 150.0}  # east of this, a label would run off the map: it goes on the left
TITLE = "Where the records and narratives are"


class PlacedObject(TypedDict):
    id: str
    kind: str  # "Record" or "Narrative"
    title: str
    url: str


class PlacePoint(TypedDict):
    name: str
    latitude: float
    longitude: float
    records: int
    narratives: int
    count: int
    objects: list[PlacedObject]


class ListedPlace(PlacePoint):
    more: int  # objects left out of `objects` on the page (the data files hold them all)


class Places(TypedDict):
    id: str
    title: str
    facts: list[str]
    summary: str
    basemap: str  # "us" or "world"
    records: int  # the records and narratives placed
    narratives: int
    places: list[PlacePoint]


def places(placed: Iterable[Mapping[str, Any]]) -> Places:
    """The map's data from objects in brief, each with a `place` (those without one are skipped)."""
    groups: dict[tuple[float, float], list[Mapping[str, Any]]] = {}
    for item in placed:
        place = item.get("place")
        if place is None or item["type"] not in KINDS:
            continue
        # + 0.0: -0.0 and 0.0 are one place, and written the same whichever object comes first
        key = (round(place["latitude"], DECIMALS) + 0.0, round(place["longitude"], DECIMALS) + 0.0)
        groups.setdefault(key, []).append(item)
    points: list[PlacePoint] = []
    for (latitude, longitude), items in groups.items():
        names = Counter(i["place"]["name"] for i in items if i["place"]["name"])
        name = min(names, key=lambda n: (-names[n], n)) if names else _coordinates(latitude, longitude)
        objects: list[PlacedObject] = sorted(
            ({"id": i["id"], "kind": KINDS[i["type"]], "title": i["title"], "url": i["url"]} for i in items),
            key=lambda o: (o["kind"] != "Record", o["title"].lower(), o["id"]))
        records = sum(1 for o in objects if o["kind"] == "Record")
        points.append({"name": name, "latitude": latitude, "longitude": longitude, "records": records,
                       "narratives": len(objects) - records, "count": len(objects), "objects": objects})
    points.sort(key=lambda p: (p["name"].lower(), p["latitude"], p["longitude"]))
    records = sum(p["records"] for p in points)
    narratives = sum(p["narratives"] for p in points)
    facts = places_facts(points, records, narratives)
    in_us = all(_in_us(p["latitude"], p["longitude"]) for p in points)
    return {"id": "places", "title": TITLE, "facts": facts,
            "summary": " ".join(f"{fact}." for fact in facts), "basemap": "us" if in_us else "world",
            "records": records, "narratives": narratives, "places": points}


def listed(chart: Places, most: int = LISTED) -> list[ListedPlace]:
    """The places as the page lists them: each with its first `most` objects and how many more."""
    return [{**p, "objects": p["objects"][:most], "more": max(0, p["count"] - most)}  # type: ignore[typeddict-item]
            for p in chart["places"]]


def places_facts(points: list[PlacePoint], records: int, narratives: int) -> list[str]:
    if not points:
        return ["No published record or narrative has a place with coordinates yet"]
    held = [_count(n, word) for n, word in ((records, "record"), (narratives, "narrative")) if n]
    said = [f"{_count(len(points), 'place')} on the map, from {' and '.join(held)}"]
    most = max(p["count"] for p in points)
    if most > 1:
        top = [p["name"] for p in points if p["count"] == most]
        names = top[0] if len(top) == 1 else ", ".join(top[:-1]) + " and " + top[-1]
        said.append(f"Most at {names} ({most}{' each' if len(top) > 1 else ''})")
    return said


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _coordinates(latitude: float, longitude: float) -> str:
    return f"{abs(latitude):.3f}°{'N' if latitude >= 0 else 'S'}, {abs(longitude):.3f}°{'E' if longitude >= 0 else 'W'}"


def _in_us(latitude: float, longitude: float) -> bool:
    return any(south <= latitude <= north and west <= longitude <= east for south, north, west, east in US_AREAS)


def point_words(point: PlacePoint) -> str:
    """A place as a screen reader hears it on the map: its name and what it holds."""
    held = [_count(n, word) for n, word in ((point["records"], "record"), (point["narratives"], "narrative")) if n]
    return f"{point['name']}: {' and '.join(held)}"


@cache
def basemap(name: str) -> dict:
    """A vendored TopoJSON basemap (`basemaps/<name>.json`): its `land` (`nation`) and `borders`."""
    return json.loads((BASEMAPS / f"{name}.json").read_text(encoding="utf-8"))


def _labelled(points: list[dict], basemap: str) -> list[dict]:
    """Each place with a short label ("Chicago" for "Chicago, Illinois") and its alignment (`side`):
    to the right of its circle, unless another place sits close to its right, where the two
    labels would run into each other, or the place is near the map's eastern edge."""
    def crowded(p: dict) -> bool:
        return p["longitude"] > EAST[basemap] or any(
            0 < q["longitude"] - p["longitude"] < 8 and abs(q["latitude"] - p["latitude"]) < 1.2 for q in points)
    return [{**p, "label": p["name"].split(",")[0], "side": "right" if crowded(p) else "left"} for p in points]


def places_spec(chart: Places, width: int) -> Spec | None:
    """The basemap, land then inner borders, and a circle per place sized by its objects; at a
    desktop width each place is named beside its circle (a phone's map leaves that to the list)."""
    if not chart["places"]:
        return None
    topology = basemap(chart["basemap"])
    land = "nation" if chart["basemap"] == "us" else "land"
    points = [{**{k: v for k, v in p.items() if k != "objects"}, "describe": point_words(p)} for p in chart["places"]]
    where = {"longitude": {"field": "longitude", "type": "quantitative"},
             "latitude": {"field": "latitude", "type": "quantitative"}}
    most = max(p["count"] for p in points)
    layers: list[Spec] = [
        {"data": {"values": topology, "format": {"type": "topojson", "feature": land}},
         "mark": {"type": "geoshape", "fill": LAND, "stroke": BORDER, "strokeWidth": 0.6, "aria": False}},
        {"data": {"values": topology, "format": {"type": "topojson", "mesh": "borders"}},
         "mark": {"type": "geoshape", "filled": False, "stroke": "#ffffff", "strokeWidth": 0.8, "aria": False}},
        {"data": {"values": points},
         "mark": {"type": "circle", "color": HARM, "opacity": 0.85, "stroke": "#ffffff", "strokeWidth": 1},
         "encoding": {**where, "size": {"field": "count", "type": "quantitative", "legend": None,
                                        "scale": {"domain": [0, max(most, 4)], "range": [0, 600]}},
                      "description": {"field": "describe"}}},
    ]
    if width >= 480:
        labels = _labelled(points, chart["basemap"])
        layers += [{"data": {"values": [p for p in labels if p["side"] == side]},
                    "mark": {"type": "text", "align": side, "dx": 9 if side == "left" else -9, "baseline": "middle",
                             "color": INK, "fontSize": 12, "aria": False},
                    "encoding": {**where, "text": {"field": "label"}}} for side in ("left", "right")]
    projection = {"type": "albersUsa"} if chart["basemap"] == "us" else {"type": "equalEarth"}
    # `layered` drops a layer without values; the basemap's values are a topology, which it keeps.
    return layered(width, chart["summary"], layers, height=round(width * (0.66 if chart["basemap"] == "us" else 0.52)),
                 projection=projection)

