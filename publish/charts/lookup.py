"""Charts by id, read through a Catalog: what the API answers (web/api/charts.py).

The build makes the same charts from the views it already holds (publish/pages/charts.py);
here the records and narratives are read as the Catalog's summaries, which carry the same
dates at a fraction of the cost, and tests hold the two to the same numbers.
"""

from __future__ import annotations

from typing import TypedDict

from archive.catalog import Catalog
from archive.errors import NotFound
from archive.ledger_views import institution_ledger, institutions
from archive.urls import chart_api_url, chart_file_url, page_url, site_page_url
from publish.charts.data import (
    Chronology,
    CollectionCharts,
    Decades,
    Reckoning,
    Terms,
    collection_charts,
    reckoning,
)
from publish.charts.places import TITLE as PLACES_TITLE
from publish.charts.places import Places, places

# A collection chart's id (its URL and file name) and its key among `collection_charts`.
COLLECTION = {"chronology": "chronology", "decades": "decades", "harm-types": "harm_types",
              "affected-groups": "affected_groups"}
PLACES = "places"  # the map: its input is the objects with a place, not the views the others read
SHOWN_ON = {"chronology": site_page_url("home"), "decades": site_page_url("browse"), PLACES: site_page_url("browse"),
            "harm-types": site_page_url("browse"), "affected-groups": site_page_url("browse")}
RECKONING = "reckoning-"

Chart = Chronology | Decades | Terms | Reckoning | Places


class ChartEntry(TypedDict):
    id: str
    title: str
    api_url: str
    page: str  # where the site shows it
    download: str  # its data as JSON in the downloads


def collection(catalog: Catalog) -> CollectionCharts:
    return collection_charts(catalog.all("harm"), catalog.all("timeline"), catalog.summaries("record"),
                             catalog.summaries("narrative"))


def mapped(catalog: Catalog) -> Places:
    """The map, from the Catalog's summaries of public records and narratives (their `place`)."""
    return places([*catalog.summaries("record"), *catalog.summaries("narrative")])


def reckonings(catalog: Catalog) -> list[Reckoning]:
    """The reckoning of every institution whose ledger holds a position or a commitment, by name."""
    found = (reckoning(institution_ledger(catalog, body["id"])) for body in institutions(catalog))
    return [r for r in found if r is not None]


def chart(catalog: Catalog, chart_id: str) -> Chart:
    """One chart's data; NotFound for an unknown id or an institution with no public ledger."""
    if chart_id in COLLECTION:
        return collection(catalog)[COLLECTION[chart_id]]
    if chart_id == PLACES:
        return mapped(catalog)
    if chart_id.startswith(RECKONING):
        try:
            found = reckoning(institution_ledger(catalog, chart_id.removeprefix(RECKONING)))
        except NotFound:
            found = None
        if found is not None:
            return found
    raise NotFound(f"no chart '{chart_id}'")


def chart_index(catalog: Catalog) -> dict:
    """Every chart: where the API and the downloads give its data, and which page shows it."""
    whole = collection(catalog)
    items: list[ChartEntry] = [{"id": i, "title": whole[key]["title"], "api_url": chart_api_url(i),
                                "page": SHOWN_ON[i], "download": chart_file_url(i)} for i, key in COLLECTION.items()]
    items.insert(2, {"id": PLACES, "title": PLACES_TITLE, "api_url": chart_api_url(PLACES),
                     "page": SHOWN_ON[PLACES], "download": chart_file_url(PLACES)})
    items += [{"id": r["id"], "title": r["title"], "api_url": chart_api_url(r["id"]),
               "page": page_url("institution", r["institution"]["id"]), "download": chart_file_url(r["id"])}
              for r in reckonings(catalog)]
    return {"items": items, "total": len(items)}
