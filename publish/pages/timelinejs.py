"""A timeline as TimelineJS JSON (https://timeline.knightlab.com/docs/json-format.html).

Curators can drop the downloaded file into TimelineJS for a slide-show view; the site itself
shows the accessible vertical timeline. Only the entries of the public view are included.
"""

from __future__ import annotations

import json
from html import escape

from archive.urls import SiteUrls


def _tl_date(bound: int) -> dict:
    year, month, day = bound // 10000, bound // 100 % 100, bound % 100
    date = {"year": year}
    if 1 <= month <= 12:
        date["month"] = month
        if 1 <= day <= 31:
            date["day"] = day
    return date


def timelinejs(view: dict, urls: SiteUrls) -> bytes:
    events = []
    for n, entry in enumerate(view["entries"]):
        date = entry["date"]
        event: dict = {"unique_id": f"{view['id']}-{n}", "start_date": {**_tl_date(date["lower"]),
                                                                       "display_date": date["display"]},
                       "text": {"headline": escape(entry["title"]), "text": escape(entry["text"])}}
        if date["upper"] // 10000 != date["lower"] // 10000 and date["upper"] < 99991231:
            event["end_date"] = _tl_date(date["upper"])
        if entry["ref"]:
            event["text"]["text"] += (f' <a href="{escape(urls.absolute(entry["ref"]["url"]))}">'
                                   f'{escape(entry["ref"]["title"])}</a>')
        events.append(event)
    doc = {"title": {"text": {"headline": escape(view["title"]), "text": escape(view["summary"])}}, "events": events}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
