"""Where the charts go: the pages that show them, and their data in the downloads.

`site_charts` is called once by the build with the public views it already holds: it makes
each chart's data (`publish.charts.data`), starts drawing it at a desktop and a phone width
(`publish.charts.specs`, `publish.charts.svg`: in a forked process, while the build goes on)
and says what each page's data gains, by the page's path: the chronology on the home page and
the harm ledger, the collection at a glance on the browse page, an institution's reckoning on
its ledger page, and the list of chart files on the downloads page. Each chart's data is also written as JSON (the API's answer,
web/api/charts.py) and its tables as CSV under `downloads/charts/`.
"""

from __future__ import annotations

import json
import marshal
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from archive.catalog import Catalog
from archive.urls import SiteUrls, chart_file_url, page_url, site_page_url
from publish.charts import specs, tables
from publish.charts.data import Reckoning, collection_charts, view_decade
from publish.charts.lookup import reckonings
from publish.charts.places import ListedPlace, listed, places, places_spec
from publish.charts.svg import Drawings, renderer
from publish.charts.tables import ChartTable


class FileLink(TypedDict):
    name: str
    url: str


class Figure(TypedDict):
    """A chart as a page shows it: title, facts, two drawings, its tables and files."""

    id: str  # the figure's HTML id, unique on its page
    title: str
    facts: list[str]  # what it shows, in a few short sentences
    wide: str  # SVG for a desktop column, and for a phone (the page's CSS shows one)
    narrow: str
    tables: list[ChartTable]
    json: str
    csv: list[FileLink]
    drawn_by: str  # the renderer's version: part of the page's data, so an upgrade redraws
    places: NotRequired[list[ListedPlace]]  # the map's places, each with its objects: the page lists them


@dataclass
class _Planned:
    key: str
    data: Mapping[str, Any]  # the chart's data, as the JSON download and the API give it
    title: str
    facts: list[str]
    spec: Callable[[Any, int], dict | None]
    tables: list[ChartTable]


class SiteCharts:
    """The site's charts: their files at once, their drawings (being made in a forked process
    meanwhile, publish.charts.svg) when a page's data is asked for."""

    def __init__(self, placed: dict[str, list[_Planned]], more: dict[str, dict], files: dict[str, bytes],
                 urls: SiteUrls, drawings_in: Path | None = None):
        self.placed, self.more, self.files = placed, more, files
        self.unique = list({id(p): p for p in (p for on_page in placed.values() for p in on_page)}.values())
        self.wanted = [p.spec(p.data, width) for p in self.unique for width in (specs.WIDE, specs.NARROW)]
        self.drawings = Drawings([spec for spec in self.wanted if spec is not None], urls, drawings_in)
        self._context: dict[str, dict] | None = None

    def page_data(self, path: str) -> dict:
        """What the page at `path` shows of the charts (nothing for most pages)."""
        return self.contexts().get(path, {})

    def contexts(self) -> dict[str, dict]:
        """Every page's chart data, by the page's path (once drawn)."""
        if self._context is None:
            figures = self._figures()
            self._context = {path: {"charts": {p.key: figures[id(p)] for p in on_page}}
                             for path, on_page in self.placed.items()} | self.more
        return self._context

    def _figures(self) -> dict[int, Figure]:
        """Each chart with both drawings (the same chart on two pages is drawn once); a chart
        with nothing to draw yet has its facts and no drawing."""
        drawn = iter(self.drawings.result())
        svgs = [next(drawn) if spec is not None else "" for spec in self.wanted]
        by = renderer()
        figures: dict[int, Figure] = {}
        for n, p in enumerate(self.unique):
            chart_id = p.data["id"]
            figures[id(p)] = {"id": f"chart-{p.key.replace('_', '-')}", "title": p.title, "facts": p.facts,
                              "wide": svgs[2 * n], "narrow": svgs[2 * n + 1], "tables": p.tables,
                              "json": chart_file_url(chart_id),
                              "csv": [{"name": t["name"], "url": chart_file_url(chart_id, t["name"])}
                                      for t in p.tables],
                              "drawn_by": by}
            if p.key == "places":  # the page lists a place's first objects; the data files hold them all
                shown = listed(p.data)  # type: ignore[arg-type]
                figures[id(p)]["places"] = shown
                figures[id(p)]["tables"] = tables.places_tables({**p.data, "places": shown})  # type: ignore[typeddict-item]
        return figures


def charts_memory(charts: SiteCharts) -> str:
    """What a patched rebuild keeps of this build's charts (`publish.patch_outputs`): every
    page's chart data, drawings included, and the chart files' paths. Marshalled (version 0,
    as page keys are made), so data read back keys a page as the fresh build's data does."""
    return marshal.dumps((charts.contexts(), sorted(charts.files)), 0).hex()


def recalled(memory: str | None) -> tuple[dict[str, dict], list[str]] | None:
    """`charts_memory`'s pages' chart data and file paths, or None when nothing was kept."""
    if not memory:
        return None
    contexts, paths = marshal.loads(bytes.fromhex(memory))
    return contexts, paths


def decade_key(view: Mapping[str, Any]) -> str:
    """A record's decade as the decades chart counts it (`publish.charts.data.decades`), as a
    key of `decades_memory`: "" for an undated one."""
    decade = view_decade(view)
    return "" if decade is None else str(decade)


def decades_memory(counts: Counter) -> str:
    """The public records' count by decade, kept beside the charts: a patch that draws the
    charts again (each new day does) counts the records from it and its changes, not from the
    records' list (4 MB at 100,000 records, ~0.8 s when it must come from disk)."""
    return json.dumps(dict(sorted((key, n) for key, n in counts.items() if n > 0)))


def decade_views(memory: str) -> list[dict]:
    """`decades_memory` as the views the decades chart reads (one shared view per decade, as
    many times as it has records)."""
    views: list[dict] = []
    for key, n in json.loads(memory).items():
        views += [{"decade": int(key) if key else None}] * n
    return views


def page_path(url: str) -> str:
    return url.lstrip("/") + "index.html"


def site_charts(views: Mapping[str, Sequence[Mapping[str, Any]]], placed: Sequence[Mapping[str, Any]],
                catalog: Catalog, urls: SiteUrls, drawings_in: Path | None = None) -> SiteCharts:
    """Every chart of the site, made from the build's public views and drawn; the map from
    `placed`, the site index's summaries of the public objects with a place
    (`publish.pages.site_index.placed_summaries`); drawings made before from the same specs
    read back from `drawings_in` (`publish.charts.drawn`)."""
    whole = collection_charts(views["harm"], views["timeline"], views["record"], views["narrative"])
    chronology = _Planned("chronology", whole["chronology"], whole["chronology"]["title"],
                          whole["chronology"]["facts"], specs.chronology_spec,
                          tables.chronology_tables(whole["chronology"]))
    glance = [_Planned(key, whole[key], whole[key]["title"], whole[key]["facts"], spec, make(whole[key]))
              for key, spec, make in (("decades", specs.decades_spec, tables.decades_tables),
                                      ("harm_types", specs.terms_spec, tables.terms_tables),
                                      ("affected_groups", specs.terms_spec, tables.terms_tables))]
    mapped = places(placed)
    glance.insert(1, _Planned("places", mapped, mapped["title"], mapped["facts"], places_spec,
                              tables.places_tables(mapped)))
    placed: dict[str, list[_Planned]] = {
        page_path(site_page_url("home")): [chronology],
        page_path(page_url("harm")): [chronology],
        page_path(site_page_url("browse")): glance,
    }
    bodies = reckonings(catalog)
    for chart in bodies:
        shown = []
        if chart["path"]:
            shown.append(_Planned("path", chart, "Its path through the stages of reckoning", chart["facts"],
                                  specs.reckoning_spec,
                                  tables.reckoning_tables(chart)))
        if chart["commitments"]:
            shown.append(_Planned("commitments", chart, "Its commitments by status", chart["commitments_facts"],
                                  specs.commitments_spec, tables.commitments_tables(chart)))
        placed[page_path(chart["institution"]["url"])] = shown

    downloads = {page_path(site_page_url("downloads")): {"chart_files": [
        {"title": f["title"], "json": chart_file_url(f["id"]),
         "csv": [{"name": t["name"], "url": chart_file_url(f["id"], t["name"])} for t in f["tables"]]}
        for f in _download_list([chronology, *glance], bodies)]}}
    return SiteCharts(placed, downloads, _files([chronology, *glance], bodies, urls), urls, drawings_in)


def _download_list(collection: list[_Planned], bodies: list[Reckoning]) -> list[dict]:
    """Each chart's data file with all its tables (an institution's path and commitments together)."""
    found = [{"id": p.data["id"], "title": p.title, "tables": p.tables} for p in collection]
    found += [{"id": r["id"], "title": r["title"],
               "tables": tables.reckoning_tables(r) + tables.commitments_tables(r)} for r in bodies]
    return found


def _files(collection: list[_Planned], bodies: list[Reckoning], urls: SiteUrls) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    data = {p.data["id"]: p.data for p in collection} | {r["id"]: r for r in bodies}
    for entry in _download_list(collection, bodies):
        files[chart_file_url(entry["id"]).lstrip("/")] = chart_json(data[entry["id"]])
        for table in entry["tables"]:
            files[chart_file_url(entry["id"], table["name"]).lstrip("/")] = tables.csv_bytes(table, urls)
    return files


def chart_json(chart: Mapping[str, Any]) -> bytes:
    """A chart's data as its download holds it (the API answers the same data)."""
    return json.dumps(chart, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
