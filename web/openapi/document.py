"""The OpenAPI 3 document of the public API, served at /api/openapi.json.

The views' schemas are made from their declarations in archive/views.py
(`web.openapi.from_views`), the one source of both the answers and the document; the paths,
the envelopes (pages, errors, search results) and the ledger's lists are written here. Tests
validate every real answer of the sample against it, so a client generated from it works. The
schemas require the fields every answer has and allow more, so adding a field to a view
is not a breaking change.
"""

from __future__ import annotations

from functools import cache

from archive.urls import API_ALL_OBJECTS, API_SECTIONS
from web.collection_filters import FILTERS
from web.openapi.charts import CHART_SCHEMAS, chart_paths
from web.openapi.from_views import view_schemas
from web.openapi.ledger import LEDGER_SCHEMAS, ledger_paths

VERSION = "0.1.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict, optional: dict | None = None) -> dict:
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})}}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def _list(schema: dict) -> dict:
    return {"type": "array", "items": schema}


STR = {"type": "string"}
INT = {"type": "integer"}
STRS = _list(STR)

# The views' schemas are made from their TypedDicts (web/openapi/from_views.py); these wrap them.
SCHEMAS = {
    "Error": _obj({"error": STR, "detail": STR}, {"tombstone": _ref("Tombstone")}),
    "Page": _obj({"items": _list(_ref("Summary")), "total": INT, "limit": INT,
                  "next_cursor": _nullable(STR), "next": _nullable(STR)}),
    "SearchResults": _obj({"query": STR, "total": INT, "index": STR, "hits": _list(_obj(
        {"id": STR, "type": STR, "title": STR, "url": STR},
        {"date": STR, "score": {"type": "number"}, "snippet": STR, "parent": _nullable(STR), "time": _nullable(STR),
         "locator": _nullable(STR)}))},
        {"page": INT, "per_page": INT, "pages": INT, "sort": STR, "from": _nullable(STR), "to": _nullable(STR),
         "filters": {"type": "object", "additionalProperties": STRS}, "suggestion": _nullable(STR),
         "facets": {"type": "object", "additionalProperties": _list(_obj({"value": STR, "count": INT},
                                                                          {"label": STR}))}}),
}

FILTER_DOCS = {
    "harm_type": ("string", "Harm type concept id (`ht-…`); repeat for any of several."),
    "affected_group": ("string", "Affected group concept id (`ag-…`); repeat for any of several."),
    "institution": ("string", "Agent id of a record's creator or a harm's responsible body; repeatable."),
    "decade": ("integer", "Decade of the date's lower bound, e.g. 1870; repeatable."),
    "record_type": ("string", "The record's type as catalogued, e.g. `press-release`; repeatable."),
    "kind": ("string", "Agent kind, e.g. `institution` or `person`; repeatable."),
    "scheme": ("string", "Concept scheme: `harm-type` or `affected-group`; repeatable."),
    "type": ("string", "Object type: record, narrative, harm or timeline; repeatable."),
}
VIEW_SCHEMAS = {"record": "Record", "narrative": "Narrative", "harm": "Harm", "timeline": "Timeline",
                "agent": "Agent", "concept": "Concept"}
CACHE_HEADERS = {
    "ETag": {"description": "Strong validator of the exact body; send it back in If-None-Match.",
             "schema": STR},
    "Cache-Control": {"schema": STR},
    "Access-Control-Allow-Origin": {"schema": STR},
}


def _json(schema_name: str, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*statuses: int) -> dict:
    texts = {400: "A parameter the API cannot use (named in `detail`).",
             404: "No such object, or not one the public may see.",
             410: "Withdrawn at the narrator's request: only a tombstone, nothing of the content.",
             503: "The search index has not been built yet."}
    return {str(s): _json("Error", texts[s]) for s in statuses}


OAI_VERB = {"type": "string", "enum": ["Identify", "ListMetadataFormats", "ListSets", "GetRecord",
                                       "ListIdentifiers", "ListRecords"]}
OAI_RESPONSES = {"200": {"description": "An OAI-PMH response document.", "content": {"text/xml": {"schema": STR}}}}
NOT_MODIFIED = {"304": {"description": "Not modified: the copy named in If-None-Match is current."}}


def _filter_parameter(name: str) -> dict:
    kind, text = FILTER_DOCS[name]
    item = {"type": "integer", "minimum": 0, "multipleOf": 10} if kind == "integer" else STR
    if name == "type":
        item = {"type": "string", "enum": ["record", "narrative", "harm", "timeline"]}
    return {"name": name, "in": "query", "required": False, "description": text,
            "schema": {"type": "array", "items": item}, "style": "form", "explode": True}


PAGING = [
    {"name": "limit", "in": "query", "required": False, "description": "Items per page (default 50).",
     "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "The `next_cursor` of the previous page; opaque.", "schema": STR},
]


def _paths() -> dict:

    paths: dict = {
        "/api/search": {"get": {
            "operationId": "search", "summary": "Full-text search of the public index "
            "(of the staff index for a curator's `Authorization: Bearer` token; `index` says which).",
            "parameters": [
                {"name": "q", "in": "query", "required": False, "schema": STR,
                 "description": "Words, \"phrases\", AND/OR/NOT, field:value."},
                {"name": "limit", "in": "query", "required": False, "schema": INT,
                 "description": "Hits wanted (default 20); values outside 1–100 are brought within."},
                {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
                 "description": "Page of hits, from 1."},
                {"name": "sort", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["relevance", "date", "-date"]},
                 "description": "relevance (default), date (oldest first) or -date (newest first)."},
                *({"name": bound, "in": "query", "required": False, "schema": STR,
                   "description": f"Keep objects whose dates overlap: {bound} a year, YYYY-MM or YYYY-MM-DD."}
                  for bound in ("from", "to")),
                *({"name": facet, "in": "query", "required": False, "style": "form", "explode": True,
                   "schema": {"type": "array", "items": STR},
                   "description": f"Facet filter on `{facet}`, as in the answer's `facets`; repeatable."}
                  for facet in ("type", "harm_type", "affected_group", "institution", "decade")),
            ],
            "responses": {"200": _json("SearchResults", "Ranked hits.", CACHE_HEADERS), **NOT_MODIFIED,
                          **_errors(400, 503)},
        }},
        "/api/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document.",
            "responses": {"200": {"description": "The OpenAPI document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          **NOT_MODIFIED},
        }},
    }
    for kind, section in API_SECTIONS.items():
        view = VIEW_SCHEMAS[kind]
        paths[f"/api/{section}"] = {"get": {
            "operationId": f"list_{section}",
            "summary": f"Public {section}, earliest date first, then by id; paged by cursor.",
            "parameters": [_filter_parameter(f) for f in FILTERS[kind]] + PAGING,
            "responses": {"200": _json("Page", f"A page of {section}.", CACHE_HEADERS), **NOT_MODIFIED,
                          **_errors(400)},
        }}
        item_errors = _errors(404, 410) if kind == "narrative" else _errors(404)
        paths[f"/api/{section}/{{id}}"] = {"get": {
            "operationId": f"get_{kind}",
            "summary": f"One {kind}, as the public site shows it.",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": STR,
                            "description": f"The {kind}'s stable id."}],
            "responses": {"200": _json(view, f"The {kind}.", CACHE_HEADERS), **NOT_MODIFIED, **item_errors},
        }}
    paths[API_ALL_OBJECTS] = {"get": {
        "operationId": "list_objects",
        "summary": "Records, narratives, harms and timelines together, filtered like the site's facets.",
        "parameters": [_filter_parameter(f) for f in FILTERS["object"]] + PAGING,
        "responses": {"200": _json("Page", "A page of objects of any public type.", CACHE_HEADERS),
                      **NOT_MODIFIED, **_errors(400)},
    }}
    oai_args = ("identifier", "metadataPrefix", "from", "until", "set", "resumptionToken")
    paths["/oai"] = {"get": {
        "operationId": "oai_pmh",
        "summary": "OAI-PMH 2.0 (also by POST): harvest the public archive as Dublin Core.",
        "description": "Protocol errors are answered with HTTP 200 and an <error code=…> element, "
                       "as OAI-PMH requires.",
        "parameters": [{"name": "verb", "in": "query", "required": True, "schema": OAI_VERB}]
        + [{"name": arg, "in": "query", "required": False, "schema": STR} for arg in oai_args],
        "responses": OAI_RESPONSES,
    }, "post": {
        "operationId": "oai_pmh_post",
        "summary": "OAI-PMH 2.0 with the arguments in a form body, for long resumption tokens.",
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": _obj(
            {"verb": OAI_VERB}, {arg: STR for arg in oai_args})}}},
        "responses": OAI_RESPONSES,
    }}
    paths["/healthz"] = {"get": {
        "operationId": "healthz",
        "summary": "Whether this process can answer (for a load balancer): 200, or 503 when the store does not.",
        "responses": {"200": {"description": "The process and its store answer.", "content": {"application/json": {
            "schema": _obj({"status": {"type": "string", "enum": ["ok"]}}, {})}}},
            "503": _json("Error", "The store does not answer: send requests to another process meanwhile.")},
    }}
    paths.update(ledger_paths(_json, _errors, CACHE_HEADERS, NOT_MODIFIED))
    paths.update(chart_paths(_json, _errors, CACHE_HEADERS, NOT_MODIFIED))
    return paths


@cache
def openapi_document() -> dict:
    """The document, built once per process (it depends on nothing in the store)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Reckoning open API", "version": VERSION,
            "description": "Records, oral-history narratives, the harm ledger, timelines, agents and "
                           "concepts of a Reckoning archive, exactly as its public site shows them. "
                           "Every GET has an ETag (send If-None-Match for a 304) and open CORS. "
                           "Errors are always {\"error\", \"detail\"}. OAI-PMH 2.0 is served at /oai.",
            "license": {"name": "AGPL-3.0-or-later"},
        },
        "paths": _paths(),
        "components": {"schemas": view_schemas() | SCHEMAS | LEDGER_SCHEMAS | CHART_SCHEMAS},
    }
