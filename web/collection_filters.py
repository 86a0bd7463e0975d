"""The filters each API collection accepts, spelled once for the answers and the OpenAPI document."""

from __future__ import annotations

FILTERS = {
    "record": ("harm_type", "affected_group", "institution", "decade", "record_type"),
    "narrative": ("harm_type", "decade"),
    "harm": ("harm_type", "affected_group", "institution", "decade"),
    "timeline": (),
    "agent": ("kind",),
    "concept": ("scheme",),
    "object": ("type", "harm_type", "affected_group", "institution", "decade"),  # /api/objects
}
