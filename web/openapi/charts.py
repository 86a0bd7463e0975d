"""The OpenAPI description of the charts' data (web/api/charts.py, publish/charts/data.py, publish/charts/places.py).

Kept beside web/openapi/document.py, which merges these schemas and paths into its document,
as web/openapi/ledger.py is. Schemas require the fields every answer has and allow more; the
conformance tests hold real answers to them.
"""

from __future__ import annotations


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict) -> dict:
    return {"type": "object", "required": sorted(required), "properties": required}


def _list(schema: dict) -> dict:
    return {"type": "array", "items": schema}


def _nullable(schema: dict) -> dict:
    return {"allOf": [schema], "nullable": True} if "$ref" in schema else {**schema, "nullable": True}


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
YEAR = {"type": "number", "description": "A fractional year: 1846.0 is 1 January 1846, 1969.0 the end of 1968."}
LINK = _obj({"id": STR, "title": STR, "url": STR})
COMMON = {"id": STR, "title": STR, "facts": _list(STR), "summary": STR}

CHART_SCHEMAS = {
    "ChartEntry": _obj({"id": STR, "title": STR, "api_url": STR, "page": STR, "download": STR}),
    "ChartList": _obj({"items": _list(_ref("ChartEntry")), "total": INT}),
    "Chronology": _obj({**COMMON, "start": INT, "end": INT,
                        "periods": _list(_obj({"id": STR, "title": STR, "label": STR, "url": STR,
                                               "start": YEAR, "end": YEAR, "display": STR})),
                        "harms": _list(_obj({"id": STR, "title": STR, "url": STR, "date": _ref("Date"),
                                             "status": STR, "status_label": STR, "start": YEAR, "end": YEAR,
                                             "start_sure": YEAR, "end_sure": YEAR, "start_uncertain": BOOL,
                                             "end_uncertain": BOOL})),
                        "events": _list(_obj({"harm": LINK, "status": STR, "status_label": STR,
                                              "date": _ref("Date"), "at": YEAR, "uncertain": BOOL, "note": STR,
                                              "source": _nullable(_ref("Ref")), "url": STR})),
                        "apologies": _list(_obj({"year": INT, "count": INT}))}),
    "Decades": _obj({**COMMON, "records": INT, "narratives": INT, "undated": INT,
                     "items": _list(_obj({"decade": INT, "label": STR, "records": INT, "narratives": INT,
                                          "url": STR}))}),
    "Terms": _obj({**COMMON, "facet": STR, "harms": INT,
                   "items": _list(_obj({"id": STR, "label": STR, "count": INT, "url": STR,
                                        "harms": _list(LINK)}))}),
    "Reckoning": _obj({**COMMON, "institution": LINK, "harms": INT,
                       "stages": _list(_obj({"status": STR, "label": STR, "count": INT})),
                       "path": _list(_obj({"line": STR, "level": INT, "stage": STR, "label": STR,
                                           "date": _ref("Date"), "at": YEAR, "about": LINK, "body": STR,
                                           "text": STR, "source": _nullable(_ref("Ref")), "url": STR})),
                       "commitments": _list(_obj({"id": STR, "title": STR, "url": STR, "status": STR,
                                                  "status_label": STR, "by_rule": BOOL, "date": _ref("Date"),
                                                  "at": YEAR, "due": STR})),
                       "status_counts": _list(_obj({"status": STR, "label": STR, "count": INT})),
                       "commitments_facts": _list(STR), "commitments_summary": STR}),
    "Places": _obj({**COMMON, "basemap": {"type": "string", "enum": ["us", "world"]}, "records": INT,
                    "narratives": INT,
                    "places": _list(_obj({"name": STR, "latitude": NUM, "longitude": NUM, "records": INT,
                                          "narratives": INT, "count": INT,
                                          "objects": _list(_obj({"id": STR, "kind": STR, "title": STR,
                                                                 "url": STR}))}))}),
    "Chart": {"anyOf": [_ref("Chronology"), _ref("Decades"), _ref("Terms"), _ref("Reckoning"), _ref("Places")]},
}


def chart_paths(json_answer, errors, cache_headers: dict, not_modified: dict) -> dict:
    """The charts' paths; `json_answer` and `errors` are web/openapi/document.py's helpers."""
    return {
        "/api/charts": {"get": {
            "operationId": "list_charts",
            "summary": "Every chart of the site: its data's API URL and download, and the page showing it.",
            "responses": {"200": json_answer("ChartList", "The charts.", cache_headers), **not_modified},
        }},
        "/api/charts/{id}": {"get": {
            "operationId": "get_chart",
            "summary": "One chart's data, as its page draws it and the downloads hold it.",
            "description": "Ids: `chronology` (harms over time with accountability events), `decades` "
                           "(records and narratives by decade), `harm-types`, `affected-groups`, and "
                           "`reckoning-<agent id>` (an institution's path through the attribution stages "
                           "and its commitments by status). Made from public objects only.",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": STR,
                            "description": "The chart's id."}],
            "responses": {"200": json_answer("Chart", "The chart's data.", cache_headers), **not_modified,
                          **errors(404)},
        }},
    }
