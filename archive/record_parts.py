"""The parts of a multi-part record, as its view shows them.

A record catalogued as a compound object (CollectionBuilder's `parentid` children, an Omeka
item's several media, an AtoM file's items) keeps its parts in order, each with its own
metadata and the images that show it (`Media.part`). The view lists them with an anchor each
(`#part-2`), so a page can show them in order, a search hit can land on one, and the IIIF
manifest can label each canvas by its part.
"""

from __future__ import annotations

from archive.dates import describe
from archive.views import DateData, Image, PartView


def part_anchor(number: int) -> str:
    """The element id of a record's part on its page: part 2 → `part-2`."""
    return f"part-{number}"


def part_title(part: dict, number: int) -> str:
    return part.get("title") or f"Part {number}"


def parts_view(parts: list[dict], images: list[Image], image_parts: dict[str, int | None]) -> list[PartView]:
    """The record's parts with their images (`image_parts`: image id → part number, or None)."""
    found: list[PartView] = []
    for number, part in enumerate(parts, 1):
        date: DateData | None = None
        if part.get("date"):
            date = {"edtf": part["date"], "display": describe(part["date"]),
                    "lower": part["date_lower"], "upper": part["date_upper"]}
        found.append({"number": number, "id": part["id"], "anchor": part_anchor(number),
                      "title": part_title(part, number), "date": date,
                      "date_as_written": part.get("date_as_written", ""),
                      "description": part.get("description", ""), "format": part.get("format", ""),
                      "images": [i for i in images if image_parts.get(i["id"]) == number]})
    return found
