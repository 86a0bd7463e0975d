"""Each chart as a Vega-Lite specification, for one width (a desktop column or a phone).

The layout is Vega-Lite's: rows are bands of an ordinal scale, dates a linear scale of
fractional years, stacks and legends its own; these functions only say what to draw from the
chart's data (publish.charts.data). Marks that stand for an object link to its page (`href`),
and every mark carries a description (`description`, its ARIA label in the SVG), so a screen
reader can walk the chart as well as its table.

Colours hold 3:1 against the page (WCAG 1.4.11) and stages differ in shape as well as colour.
"""

from __future__ import annotations

import textwrap
from typing import Any

from archive.catalog import STATUS_LABELS
from archive.ledger import COMMITMENT_STATUSES
from publish.charts.data import STAGES, Chronology, Decades, Reckoning, Terms

Spec = dict[str, Any]

WIDE, NARROW = 720, 330  # the site's text column (52rem) and a 390 px phone's, in CSS pixels
ROW = 30  # a labelled row: its label above, its bar below
LINE = 14  # a label's line height, for labels in more than one line
INK, MUTED, RULE, BAND = "#1d1d1f", "#555555", "#767676", "#f1ebe0"
HARM = "#7a2e1d"  # the site's accent: what was done
# Accountability statuses (archive.catalog.STATUS_LABELS) and attribution stages, in colour and shape.
STATUS_STYLE = {
    "documented": ("#555555", "circle"),
    "acknowledged": ("#9a5b00", "circle"),
    "apologized": ("#0b5cad", "diamond"),
    "repair-committed": ("#6f3fa0", "triangle-up"),
    "repaired": ("#1d7a3a", "square"),
}
STAGE_STYLE = {
    "denies-act": ("#555555", "cross"),
    "acknowledges-act": STATUS_STYLE["acknowledged"],
    "accepts-responsibility": ("#a33b20", "triangle-up"),
    "apologizes": STATUS_STYLE["apologized"],
    "repair": STATUS_STYLE["repaired"],
}
COMMITMENT_COLOURS = {"announced": "#767676", "in-progress": "#9a5b00", "met": "#1d7a3a",
                      "partly-met": "#0b5cad", "lapsed": "#a3241a", "withdrawn": "#555555"}
CONFIG: Spec = {
    "background": None,
    "font": "system-ui, sans-serif",
    "padding": 4,
    "view": {"stroke": None},
    "axis": {"labelColor": INK, "titleColor": INK, "labelFontSize": 11, "titleFontSize": 11,
             "domainColor": RULE, "tickColor": RULE, "gridColor": "#e3ddd2"},
    "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": 11, "titleFontSize": 11,
               "orient": "bottom", "direction": "horizontal", "symbolStrokeWidth": 1.5},
    "text": {"color": INK, "fontSize": 12},
}


def layered(width: int, description: str, layers: list[Spec], **more: Any) -> Spec | None:
    """A layered chart, or None when there is nothing to draw (the facts say so). Layers with
    nothing to draw are left out: Vega gives an empty layer an unnamed ARIA symbol, which a
    screen reader would announce as an empty graphic."""
    drawn = [layer for layer in layers if (layer.get("data") or more.get("data") or {}).get("values")]
    if not drawn:
        return None
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": width,
            "description": description, "config": CONFIG, "layer": drawn, **more}


def _years(start: int, end: int, width: int, title: str | None = None) -> Spec:
    """A linear axis of years from `start` to `end` (no thousands separator)."""
    return {"type": "quantitative", "scale": {"domain": [start, end], "nice": False, "zero": False},
            "axis": {"format": "d", "tickCount": max(2, width // 90), "title": title, "grid": True}}


def _status_scale(styles: dict[str, tuple[str, str]], labels: dict[str, str], kind: str) -> tuple[Spec, Spec]:
    domain = [labels[s] for s in styles]
    colour = {"field": "label", "type": "nominal", "title": kind,
              "scale": {"domain": domain, "range": [c for c, _ in styles.values()]}}
    shape = {"field": "label", "type": "nominal", "title": kind,
             "scale": {"domain": domain, "range": [s for _, s in styles.values()]}}
    return colour, shape


def _wrapped(text: str, width: int) -> list[str]:
    """A label in lines that fit the width (at a generous 6.6 px a character of 12 px text), so a
    phone shows a whole title; the mark's `limit` still cuts a line that turns out longer."""
    return textwrap.wrap(text, max(20, int((width - 4) / 6.6))) or [""]


def _unsure_words(harm: dict) -> str:
    ends = [end for end, unsure in (("start", harm["start_uncertain"]), ("end", harm["end_uncertain"])) if unsure]
    return f" ({' and '.join(ends)} uncertain)" if ends else ""


def _labels_by_side(rows: list[dict], start: float, end: float) -> list[dict]:
    """Put a label left of its anchor when the anchor is in the chart's right half, so it
    stays inside a narrow chart."""
    middle = (start + end) / 2
    return [{**r, "side": "right" if r["x"] > middle else "left"} for r in rows]


# -- the chronology ------------------------------------------------------------------------------
def chronology_spec(chart: Chronology, width: int) -> Spec | None:
    """The harms as spans over their years, their accountability events as marks, the periods
    as bands behind them and the apologies as rules: made in two steps, the rows' data
    (`_chronology_rows`), then the layers that draw them (`_chronology_layers`)."""
    rows = _chronology_rows(chart, width)
    return layered(width, chart["summary"], _chronology_layers(chart, rows, width), height={"step": rows["step"]})


def _chronology_rows(chart: Chronology, width: int) -> dict:
    """Each drawn row's data: period and apology labels (placed on the side with room), the
    harms with their wrapped titles, the event marks, the uncertain stretches and their "?"."""
    start, end = chart["start"], chart["end"]
    periods = _labels_by_side([{"row": f"period {i}", "x": p["end"] if p["start"] > (start + end) / 2 else p["start"],
                                "text": f"{p['label']} {p['display']}", "url": p["url"]}
                               for i, p in enumerate(chart["periods"])], start, end)
    apologies = _labels_by_side([{"row": f"apology {i}", "x": a["year"] + 0.5,
                                  "text": f"{a['year']}: {a['count']} apolog{'y' if a['count'] == 1 else 'ies'}"}
                                 for i, a in enumerate(chart["apologies"])], start, end)
    rows = [p["row"] for p in periods] + [a["row"] for a in apologies] + [h["id"] for h in chart["harms"]]
    harms = [{**h, "row": h["id"], "lines": _wrapped(h["title"], width),
              "describe": f"{h['title']}, {h['date']['display']}{_unsure_words(h)}"} for h in chart["harms"]]
    step = ROW + LINE * (max((len(h["lines"]) for h in harms), default=1) - 1)
    below = step / 2 - 7  # a row's bar and marks sit at its foot, its label in the lines above
    events = [{"row": e["harm"]["id"], "at": e["at"], "label": e["status_label"], "url": e["url"],
               "describe": f"{e['status_label']}, {e['date']['display']}: {e['harm']['title']}",
               "hollow": e["uncertain"]} for e in chart["events"]]
    fuzzy = [{"row": h["id"], "from": a, "to": b} for h in chart["harms"]
             for a, b in ((h["start"], h["start_sure"]), (h["end_sure"], h["end"])) if b > a]
    unsure = [{"row": h["id"], "x": h["end"] if h["end_uncertain"] else h["start"],
               "side": "end" if h["end_uncertain"] else "start"}
              for h in chart["harms"] if h["end_uncertain"] or h["start_uncertain"]]
    return {"periods": periods, "apologies": apologies, "rows": rows, "harms": harms, "step": step,
            "below": below, "events": events, "fuzzy": fuzzy, "unsure": unsure}


def _chronology_layers(chart: Chronology, data: dict, width: int) -> list[Spec]:
    """The chart's layers, back to front: bands, apology rules, labels, spans, marks."""
    start, end = chart["start"], chart["end"]
    periods, apologies, harms, events = data["periods"], data["apologies"], data["harms"], data["events"]
    fuzzy, unsure, step, below = data["fuzzy"], data["unsure"], data["step"], data["below"]
    rows = data["rows"]
    x = _years(start, end, width)
    y = {"field": "row", "type": "ordinal", "axis": None,
         "scale": {"domain": rows, "paddingInner": 0, "paddingOuter": 0}}
    colour, shape = _status_scale({s: STATUS_STYLE[s] for s in STATUS_STYLE if s != "documented"},
                                  STATUS_LABELS, "Accountability")
    return [
        {"data": {"values": [{"from": p["start"], "to": p["end"], "describe": f"{p['title']}, {p['display']}"}
                             for p in chart["periods"]]},
         "mark": {"type": "rect", "color": BAND, "aria": False},
         "encoding": {"x": {"field": "from", **x}, "x2": {"field": "to"}}},
        {"data": {"values": [{"x": a["year"] + 0.5} for a in chart["apologies"]]},
         "mark": {"type": "rule", "color": STATUS_STYLE["apologized"][0], "strokeDash": [4, 3], "opacity": 0.8,
                  "aria": False},
         "encoding": {"x": {"field": "x", **x}}},
        *[{"data": {"values": [r for r in labels if r["side"] == side]},
           "mark": {"type": "text", "align": side, "baseline": "middle", "fontWeight": "bold",
                    "dx": 4 if side == "left" else -4},
           "encoding": {"x": {"field": "x", **x}, "y": y, "text": {"field": "text"},
                        **({"href": {"field": "url"}} if labels is periods else {})}}
          for labels in (periods, apologies) for side in ("left", "right")],
        {"data": {"values": fuzzy},
         "mark": {"type": "bar", "size": 7, "yOffset": below, "color": HARM, "opacity": 0.35, "stroke": HARM,
                  "strokeDash": [2, 2], "aria": False},
         "encoding": {"x": {"field": "from", **x}, "x2": {"field": "to"}, "y": y}},
        {"data": {"values": harms},
         "mark": {"type": "bar", "size": 7, "yOffset": below, "color": HARM, "stroke": HARM, "strokeWidth": 1,
                  "aria": False},  # its label (below) names the harm and its dates
         "encoding": {"x": {"field": "start_sure", **x}, "x2": {"field": "end_sure"}, "y": y}},
        {"data": {"values": unsure},
         "mark": {"type": "text", "text": "?", "yOffset": below, "dx": 6, "baseline": "middle", "color": HARM,
                  "fontWeight": "bold", "aria": False},
         "encoding": {"x": {"field": "x", **x}, "y": y}},
        {"data": {"values": harms},
         "mark": {"type": "text", "align": "left", "baseline": "top", "yOffset": 2 - step / 2, "lineHeight": LINE,
                  "limit": width - 4},
         "encoding": {"x": {"value": 0}, "y": y, "text": {"field": "lines"}, "href": {"field": "url"},
                      "description": {"field": "describe"}}},
        {"data": {"values": events},
         "mark": {"type": "point", "size": 80, "yOffset": below, "strokeWidth": 1.5, "opacity": 1},
         "encoding": {"x": {"field": "at", **x}, "y": y, "color": colour, "shape": shape,
                      "fill": {"condition": {"test": "datum.hollow", "value": "#ffffff"}, **colour},
                      "href": {"field": "url"}, "description": {"field": "describe"}}},
    ]


# -- the collection at a glance -----------------------------------------------------------------
def decades_spec(chart: Decades, width: int) -> Spec | None:
    """A bar per decade (empty decades too, so a gap shows as one), records and narratives stacked."""
    values = [{"decade": d["decade"], "kind": kind.capitalize(), "count": d[kind], "url": d["url"],
               "describe": f"{d['label']}: {_count(d[kind], kind[:-1])}"}
              for d in chart["items"] for kind in ("records", "narratives") if d[kind]]
    first = min((d["decade"] for d in chart["items"]), default=2000)
    last = max((d["decade"] for d in chart["items"]), default=2000)
    every = 20 if width >= WIDE else 50  # labelled decades: as many as the width holds
    decades = list(range(first, last + 10, 10))
    return layered(width, chart["summary"], [{
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "decade", "type": "ordinal", "title": "Decade", "scale": {"domain": decades},
                  "axis": {"values": [d for d in decades if d % every == 0], "labelExpr": "datum.value + 's'",
                           "labelAngle": 0}},
            "y": {"field": "count", "type": "quantitative", "stack": "zero",
                  "axis": {"title": "Published", "tickMinStep": 1, "format": "d"}},
            "color": {"field": "kind", "type": "nominal", "title": None,
                      "scale": {"domain": ["Records", "Narratives"], "range": [HARM, STATUS_STYLE["apologized"][0]]}},
            "order": {"field": "kind", "sort": "descending"},
            "href": {"field": "url"}, "description": {"field": "describe"}}}], height=160)


def terms_spec(chart: Terms, width: int) -> Spec | None:
    items = [{**t, "row": t["id"], "describe": f"{t['label']}: {t['count']} harm{'s' if t['count'] != 1 else ''}"}
             for t in chart["items"]]
    most = max((t["count"] for t in items), default=1)
    x = {"type": "quantitative", "scale": {"domain": [0, most]}, "axis": None}
    y = {"field": "row", "type": "ordinal", "axis": None, "scale": {"domain": [t["row"] for t in items],
                                                                      "paddingInner": 0, "paddingOuter": 0}}
    bar_width = width - 28  # room for the count after the longest bar
    return layered(width, chart["summary"], [
        {"mark": {"type": "text", "align": "left", "baseline": "middle", "yOffset": -6, "limit": width - 4},
         "encoding": {"x": {"value": 0}, "y": y, "text": {"field": "label"}, "href": {"field": "url"},
                      "description": {"field": "describe"}}},
        {"mark": {"type": "bar", "size": 8, "yOffset": 6, "color": HARM},
         "encoding": {"x": {"field": "count", **x, "scale": {"domain": [0, most], "range": [0, bar_width]}},
                      "y": y, "description": {"field": "describe"}}},
        {"mark": {"type": "text", "align": "left", "baseline": "middle", "yOffset": 6, "dx": 4, "aria": False},
         "encoding": {"x": {"field": "count", **x, "scale": {"domain": [0, most], "range": [0, bar_width]}},
                      "y": y, "text": {"field": "count"}}},
    ], data={"values": items}, height={"step": ROW})


# -- an institution's reckoning -----------------------------------------------------------------
def reckoning_spec(chart: Reckoning, width: int) -> Spec | None:
    """Rungs from repair (top) down to denial; each position a mark on its rung at its date,
    one body's positions on one harm joined by a line, so a step back shows as one."""
    path = [{**s, "describe": f"{s['label']}, {s['date']['display']}: {s['about']['title']}"
             + (f" ({s['body']})" if s["body"] else "")} for s in chart["path"]]
    years = [s["at"] for s in path] + [c["at"] for c in chart["commitments"]]
    start = int(min(years, default=2000)) // 10 * 10
    end = (int(max(years, default=2000)) // 10 + 1) * 10
    x = {"field": "at", **_years(start, end, width)}
    rungs = [STAGES[s] for s in reversed(STAGES)]  # repair at the top
    y = {"field": "label", "type": "ordinal", "axis": None, "scale": {"domain": rungs, "paddingInner": 0}}
    lines = sorted({s["line"] for s in path})
    offset = {"field": "line", "type": "nominal", "scale": {"domain": lines, "paddingOuter": 1.5}}
    colour, shape = _status_scale(STAGE_STYLE, STAGES, "Stage")
    colour["legend"] = shape["legend"] = None  # each rung is named on the chart
    steps = {r["label"]: r["count"] for r in chart["stages"]}
    names = [{"label": label, "text": f"{label}: {_count(steps.get(label, 0), 'step')}"} for label in rungs]
    return layered(width, chart["summary"], [
        {"data": {"values": names},
         "mark": {"type": "rule", "color": "#e3ddd2", "aria": False},
         "encoding": {"y": {**y, "bandPosition": 1}}},
        {"data": {"values": names},
         "mark": {"type": "text", "align": "left", "baseline": "top", "dy": 3, "fontWeight": "bold"},
         "encoding": {"x": {"value": 0}, "y": {**y, "bandPosition": 0}, "text": {"field": "text"}}},
        {"data": {"values": path},
         "transform": [{"filter": "datum.stage != 'repair'"}],
         "mark": {"type": "line", "color": RULE, "strokeWidth": 1, "interpolate": "step-after"},
         "encoding": {"x": x, "y": y, "yOffset": offset, "detail": {"field": "line"}}},
        {"data": {"values": path},
         "mark": {"type": "point", "size": 60, "filled": True, "opacity": 1},
         "encoding": {"x": x, "y": y, "yOffset": offset, "color": colour, "shape": shape,
                      "href": {"field": "url"}, "description": {"field": "describe"}}},
    ], height=len(rungs) * 48)


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def commitments_spec(chart: Reckoning, width: int) -> Spec | None:
    order = list(COMMITMENT_STATUSES)
    units = [{**c, "row": c["status"], "one": 1, "rank": order.index(c["status"]),
              "describe": f"{c['title']}: {c['status_label']}" + (" by rule" if c["by_rule"] else "")
              + (f", due {c['due']}" if c["due"] else "")} for c in chart["commitments"]]
    rows = [s["status"] for s in chart["status_counts"]]
    labels = [{"row": s["status"], "text": f"{s['label']}{' by rule' if s['status'] == 'lapsed' else ''}: "
               f"{s['count']}"} for s in chart["status_counts"]]
    most = max((s["count"] for s in chart["status_counts"]), default=1)
    y = {"field": "row", "type": "ordinal", "axis": None, "scale": {"domain": rows, "paddingInner": 0,
                                                                   "paddingOuter": 0}}
    return layered(width, chart["commitments_summary"], [
        {"data": {"values": labels},
         "mark": {"type": "text", "align": "left", "baseline": "middle", "yOffset": -7},
         "encoding": {"x": {"value": 0}, "y": y, "text": {"field": "text"}}},
        {"data": {"values": units},
         "mark": {"type": "bar", "size": 10, "yOffset": 6, "stroke": "#ffffff", "strokeWidth": 2},
         "encoding": {"x": {"field": "one", "type": "quantitative", "stack": "zero", "axis": None,
                            "scale": {"domain": [0, max(most, 4)]}},
                      "y": y, "order": {"field": "id"},
                      "color": {"field": "status", "type": "nominal", "legend": None,
                                "scale": {"domain": order, "range": [COMMITMENT_COLOURS[s] for s in order]}},
                      "href": {"field": "url"}, "description": {"field": "describe"}}},
    ], height={"step": 34})
