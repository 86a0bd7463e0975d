"""Each chart's data as tables: the page shows them under the drawing (for screen readers and
for readers who prefer numbers) and the downloads carry them as CSV, so the two cannot differ.
"""

from __future__ import annotations

from typing import TypedDict

from archive.urls import SiteUrls
from publish.charts.data import Chronology, Decades, Reckoning, Terms
from publish.charts.places import Places
from publish.csv_cells import csv_line


class Cell(TypedDict):
    text: str
    url: str | None


class ChartTable(TypedDict):
    name: str  # its CSV file: `<chart id>-<name>.csv`
    caption: str
    columns: list[str]
    rows: list[list[Cell]]


def _cell(text: object, url: str | None = None) -> Cell:
    return {"text": str(text), "url": url}


def _ends(uncertain_start: bool, uncertain_end: bool) -> str:
    return {(False, False): "", (True, False): "start", (False, True): "end", (True, True): "both"}[
        (uncertain_start, uncertain_end)]


def chronology_tables(chart: Chronology) -> list[ChartTable]:
    return [
        {"name": "harms", "caption": "Harms, in the order they began",
         "columns": ["Harm", "When", "Uncertain end", "Status now"],
         "rows": [[_cell(h["title"], h["url"]), _cell(h["date"]["display"]),
                   _cell(_ends(h["start_uncertain"], h["end_uncertain"])), _cell(h["status_label"])]
                  for h in chart["harms"]]},
        {"name": "events", "caption": "Accountability events, by harm",
         "columns": ["When", "Stage", "Harm", "Source"],
         "rows": [[_cell(e["date"]["display"]), _cell(e["status_label"]), _cell(e["harm"]["title"], e["harm"]["url"]),
                   _cell(e["source"]["title"], e["source"]["url"]) if e["source"] else _cell("")]
                  for e in chart["events"]]},
        {"name": "periods", "caption": "Periods (the archive's timelines)",
         "columns": ["Timeline", "Years"],
         "rows": [[_cell(p["title"], p["url"]), _cell(p["display"])] for p in chart["periods"]]},
    ]


def decades_tables(chart: Decades) -> list[ChartTable]:
    rows = [[_cell(d["label"], d["url"]), _cell(d["records"]), _cell(d["narratives"])] for d in chart["items"]]
    if chart["undated"]:
        rows.append([_cell("Undated"), _cell(""), _cell(chart["undated"])])
    rows.append([_cell("All"), _cell(chart["records"]), _cell(chart["narratives"])])
    return [{"name": "decades", "caption": "Published records and narratives by decade",
             "columns": ["Decade", "Records", "Narratives"], "rows": rows}]


def terms_tables(chart: Terms) -> list[ChartTable]:
    column = "Harm type" if chart["facet"] == "harm_type" else "Affected group"
    return [{"name": "terms", "caption": f"{chart['title']} (a harm can have several)",
             "columns": [column, "Harms", "Which"],
             "rows": [[_cell(t["label"], t["url"]), _cell(t["count"]),
                       _cell("; ".join(h["title"] for h in t["harms"]))] for t in chart["items"]]}]


def reckoning_tables(chart: Reckoning) -> list[ChartTable]:
    return [{"name": "path", "caption": "Positions taken and progress made, in date order",
             "columns": ["When", "Stage", "About", "By", "Source"],
             "rows": [[_cell(s["date"]["display"]), _cell(s["label"]), _cell(s["about"]["title"], s["about"]["url"]),
                       _cell(s["body"]), _cell(s["source"]["title"], s["source"]["url"]) if s["source"] else _cell("")]
                      for s in chart["path"]]}]


def commitments_tables(chart: Reckoning) -> list[ChartTable]:
    return [{"name": "commitments", "caption": "Commitments and their status today",
             "columns": ["Commitment", "Status", "Made", "Due"],
             "rows": [[_cell(c["title"], c["url"]), _cell(c["status_label"] + (", by rule" if c["by_rule"] else "")),
                       _cell(c["date"]["display"]), _cell(c["due"])] for c in chart["commitments"]]}]


def places_tables(chart: Places) -> list[ChartTable]:
    """The map as a table: each placed object on its own row, under its place's name."""
    return [{"name": "places", "caption": "Places and the records and narratives at each",
             "columns": ["Place", "Latitude", "Longitude", "Kind", "Title"],
             "rows": [[_cell(p["name"]), _cell(p["latitude"]), _cell(p["longitude"]), _cell(o["kind"]),
                       _cell(o["title"], o["url"])] for p in chart["places"] for o in p["objects"]]}]


def csv_bytes(table: ChartTable, urls: SiteUrls) -> bytes:
    """A table as CSV, each column with links followed by a column of their absolute URLs; its
    cells made safe for spreadsheets as every CSV download's are (`publish.csv_cells`)."""
    linked = [i for i in range(len(table["columns"])) if any(row[i]["url"] for row in table["rows"])]
    lines = [csv_line(table["columns"] + [f"{table['columns'][i]} URL" for i in linked])]
    lines += [csv_line([c["text"] for c in row] + [urls.absolute(row[i]["url"] or "") for i in linked])
              for row in table["rows"]]
    return "".join(lines).encode("utf-8")
