"""The OpenAPI description of the ledger endpoints (web/api/ledger.py) and the IIIF manifests.

Kept beside web/openapi/document.py rather than inside it, as the ledger's views have their own module
(archive/ledger_views.py); `openapi.py` merges these schemas and paths into its document.
As there, schemas require the fields every answer has and allow more, and the conformance
test (tests/test_api_openapi.py, schemathesis) holds real answers to them.
"""

from __future__ import annotations


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict, optional: dict | None = None) -> dict:
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})}}


def _list(schema: dict) -> dict:
    return {"type": "array", "items": schema}


STR = {"type": "string"}
INT = {"type": "integer"}
BODY = _ref("LedgerAgent")

# The ledger's views (Commitment, Response, Institution and what they hold) are made from
# their TypedDicts with every other view (web/openapi/from_views.py); these are the lists.
LEDGER_SCHEMAS = {
    "CommitmentList": _obj({"items": _list(_ref("Commitment")), "total": INT}),
    "InstitutionList": _obj({"items": _list(BODY), "total": INT}),
    "IIIFManifest": _obj({
        "@context": {"type": "string", "enum": ["http://iiif.io/api/presentation/3/context.json"]},
        "id": STR, "type": {"type": "string", "enum": ["Manifest"]},
        "label": {"type": "object", "additionalProperties": _list(STR)},
        "items": _list(_obj({"id": STR, "type": STR, "width": INT, "height": INT})),
    }, {"summary": {"type": "object"}, "metadata": _list({"type": "object"}), "requiredStatement": {"type": "object"},
        "rights": STR, "homepage": _list({"type": "object"}), "seeAlso": _list({"type": "object"}),
        "thumbnail": _list({"type": "object"}), "provider": _list({"type": "object"})}),
}

MANIFEST_MEDIA_TYPE = "application/ld+json"


def ledger_paths(json_answer, errors, cache_headers: dict, not_modified: dict) -> dict:
    """The ledger's and the IIIF manifests' paths, answered in the shapes above.

    `json_answer(schema, description, headers)` and `errors(*statuses)` are web/openapi/document.py's
    helpers, so every endpoint describes its answers and errors the same way.
    """
    def one(operation: str, summary: str, schema: str, what: str, description: str = "") -> dict:
        get = {"operationId": operation, "summary": summary,
               "parameters": [{"name": "id", "in": "path", "required": True, "schema": STR,
                               "description": f"The {what}'s stable id."}],
               "responses": {"200": json_answer(schema, f"The {what}.", cache_headers), **not_modified,
                             **errors(404)}}
        if description:
            get["description"] = description
        return {"get": get}

    def listing(operation: str, summary: str, schema: str) -> dict:
        return {"get": {"operationId": operation, "summary": summary,
                        "responses": {"200": json_answer(schema, summary, cache_headers), **not_modified}}}

    manifest = one("get_iiif_manifest", "A record's IIIF Presentation 3 manifest (records with images only).",
                   "IIIFManifest", "record",
                   "Opens in any IIIF viewer; points at the level-0 image service published beside it. "
                   "404 for a record without images or one the public may not see.")
    content = manifest["get"]["responses"]["200"].pop("content")
    manifest["get"]["responses"]["200"]["content"] = {MANIFEST_MEDIA_TYPE: content["application/json"]}
    return {
        "/api/commitments": listing("list_commitments", "Every public commitment, oldest first, with its status "
                                    "today (lapsed by rule where due and unevidenced).", "CommitmentList"),
        "/api/commitments/{id}": one("get_commitment", "One commitment with its progress and responses.",
                                     "Commitment", "commitment"),
        "/api/responses/{id}": one("get_response", "One right of reply with its claims and the evidence "
                                   "on each side.", "Response", "response"),
        "/api/institutions": listing("list_institutions", "The bodies with a ledger, by name.", "InstitutionList"),
        "/api/institutions/{id}": one("get_institution", "One body's ledger: harms, admissions, commitments, "
                                      "deliveries and responses, with the bodies nested under it.",
                                      "Institution", "institution"),
        "/api/institutions/{id}/ledger": one("get_institution_ledger", "The same ledger as "
                                             "/api/institutions/{id}.", "Institution", "institution"),
        "/iiif/{id}/manifest.json": manifest,
    }
