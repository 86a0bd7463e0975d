"""The ledger API's part of the OpenAPI document (endpoints in web/ledger_api.py).

Kept beside the main document (web/openapi.py) so that every public API route is described:
the schema fuzz test (tests/test_api_fuzz.py) reads the document, and a route missing from it
would never be exercised. Schemas require the fields every answer has and allow more.
"""

from __future__ import annotations

from archive.urls import api_url

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
ID_PARAMETER = {"name": "id", "in": "path", "required": True, "schema": STR}


def _obj(required: dict, optional: dict | None = None) -> dict:
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})}}


def _list(schema: dict) -> dict:
    return {"type": "array", "items": schema}


NULLABLE_STR = {"type": "string", "nullable": True}
REF = _obj({"id": STR, "title": STR, "url": STR})
AGENT = _obj({"id": STR, "name": STR, "kind": STR})
DATE = _obj({"lower": INT, "upper": INT})
COMMITMENT = _obj({"id": STR, "type": STR, "url": STR, "title": STR, "promise": STR, "date": DATE,
                   "status": STR, "status_label": STR, "by_rule": BOOL, "declared_status": STR,
                   "progress": _list(_obj({"date": DATE, "text": STR})), "responses": _list({"type": "object"}),
                   "answers": _list(REF), "text": STR})
RESPONSE = _obj({"id": STR, "type": STR, "url": STR, "title": STR, "respondent": STR, "date": DATE,
                 "responds_to": REF, "claims": _list(_obj({"text": STR, "mark": STR})), "text": STR})
INSTITUTION = _obj({"id": STR, "type": STR, "url": STR, "title": STR, "name": STR, "kind": STR,
                    "harms": _list(REF), "commitments": _list(COMMITMENT), "admitted": _list({"type": "object"}),
                    "delivered": _list({"type": "object"}), "responses": _list({"type": "object"})})
ERROR = {"description": "No such object, or not one the public may see.",
         "content": {"application/json": {"schema": _obj({"error": STR, "detail": STR})}}}


def _answer(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _get(operation: str, summary: str, schema: dict, by_id: bool) -> dict:
    responses = {"200": _answer(schema, summary)}
    if by_id:
        responses["404"] = ERROR
    return {"get": {"operationId": operation, "summary": summary, "responses": responses,
                    **({"parameters": [ID_PARAMETER]} if by_id else {})}}


def ledger_paths() -> dict:
    """Commitments, responses and institution ledgers, as `web.ledger_api` serves them."""
    commitments, institutions = api_url("commitment"), api_url("institution")
    return {
        commitments: _get("list_commitments", "Every public commitment with its status today.",
                          _obj({"items": _list(COMMITMENT), "total": INT}), False),
        commitments + "/{id}": _get("get_commitment", "One commitment: progress with evidence, responses.",
                                    COMMITMENT, True),
        api_url("response") + "/{id}": _get("get_response", "One right of reply with its claims and evidence.",
                                            RESPONSE, True),
        institutions: _get("list_institutions", "The bodies with a ledger.",
                           _obj({"items": _list(AGENT), "total": INT}), False),
        institutions + "/{id}": _get("get_institution", "One body's ledger.", INSTITUTION, True),
        institutions + "/{id}/ledger": _get("get_institution_ledger", "One body's ledger (same answer).",
                                            INSTITUTION, True),
    }
