"""The one URL builder, shared by the site, the API and the templates."""

from __future__ import annotations

SECTIONS = {"record": "records", "narrative": "narratives", "harm": "harms", "timeline": "timelines"}
# Kinds with API endpoints but no page of their own on the site.
API_SECTIONS = {**SECTIONS, "agent": "agents", "concept": "concepts"}
# The one collection that mixes the public kinds, filtered by `type` like the site's facets.
API_ALL_OBJECTS = "/api/objects"
KIND_BY_PREFIX = {"rec": "record", "nar": "narrative", "harm": "harm", "tl": "timeline"}
# The accountability ledger's pages (archive/ledger.py); kept apart from SECTIONS because the
# site build renders these from the ledger views, not from the per-kind loop over SECTIONS.
LEDGER_SECTIONS = {"commitment": "commitments", "response": "responses", "institution": "institutions"}
KIND_BY_PREFIX.update({"com": "commitment", "resp": "response"})


def kind_of(object_id: str) -> str | None:
    return KIND_BY_PREFIX.get(object_id.split("-", 1)[0])


def page_url(kind: str, object_id: str | None = None) -> str:
    section = SECTIONS.get(kind) or LEDGER_SECTIONS[kind]
    return f"/{section}/" if object_id is None else f"/{section}/{object_id}/"


def api_url(kind: str, object_id: str | None = None) -> str:
    section = API_SECTIONS.get(kind) or LEDGER_SECTIONS[kind]  # ledger endpoints: web/ledger_api.py
    return f"/api/{section}" if object_id is None else f"/api/{section}/{object_id}"


def iiif_url(image_id: str, part: str = "") -> str:
    """An attached image's published files: `/iiif/<id>/` (info.json, thumbnail.jpg, web.jpg)."""
    return f"/iiif/{image_id}/{part}"
