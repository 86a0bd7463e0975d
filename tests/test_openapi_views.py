"""The OpenAPI document is made from the views' TypedDicts (web/openapi/from_views.py), and
every answer of the sample archive's API validates against a strict copy of it: a field an
answer carries that the document does not list fails here (issue 17: `coverage`,
`date_as_written`, `format` and `keywords` on records, `ledger` on harms were missing)."""

from __future__ import annotations

import copy
from typing import get_type_hints

import schemathesis
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from archive import views as V
from server.app import create_app
from web.openapi.document import openapi_document
from web.openapi.from_views import component_name, view_schemas

# Not views: the IIIF manifest is held to the official IIIF schema (tests/test_iiif_manifest.py).
NOT_STRICT = {"IIIFManifest"}


def strict(document: dict) -> dict:
    """The document with no property allowed beyond those it lists."""
    document = copy.deepcopy(document)

    def close(schema):
        if isinstance(schema, dict):
            if schema.get("type") == "object" and "properties" in schema:
                schema.setdefault("additionalProperties", False)
            for value in schema.values():
                close(value)
        elif isinstance(schema, list):
            for value in schema:
                close(value)

    for name, schema in document["components"]["schemas"].items():
        if name not in NOT_STRICT:
            close(schema)
    return document


def test_the_document_is_valid_openapi_and_lists_what_records_and_harms_carry():
    document = openapi_document()
    validate(document)
    schemas = document["components"]["schemas"]
    assert {"coverage", "date_as_written", "format", "keywords"} <= set(schemas["Record"]["properties"])
    assert schemas["Harm"]["properties"]["ledger"] == {"$ref": "#/components/schemas/HarmLedger"}
    # One source: each view's properties are exactly its TypedDict's keys.
    for typed in (V.RecordView, V.NarrativeView, V.HarmView, V.TimelineView, V.CommitmentView):
        schema = view_schemas()[component_name(typed)]
        assert set(schema["properties"]) == set(get_type_hints(typed))
        assert set(schema["required"]) == set(typed.__required_keys__)


def answers(client: TestClient):
    """(documented path, answer) for every answer of the sample's API."""
    for section in ("records", "narratives", "harms", "timelines", "agents", "concepts"):
        url = f"/api/{section}?limit=100"
        while url:
            page = client.get(url)
            yield f"/api/{section}", page
            for item in page.json()["items"]:
                yield f"/api/{section}/{{id}}", client.get(item["api_url"])
            url = page.json()["next"]
    yield "/api/objects", client.get("/api/objects?limit=100")
    yield "/api/search", client.get("/api/search?q=apology")
    commitments = client.get("/api/commitments")
    yield "/api/commitments", commitments
    responses = set()
    for item in commitments.json()["items"]:
        yield "/api/commitments/{id}", client.get(f"/api/commitments/{item['id']}")
        responses |= {r["id"] for r in item["responses"]}
    for harm in client.get("/api/harms?limit=100").json()["items"]:
        responses |= {r["id"] for r in client.get(harm["api_url"]).json()["ledger"]["responses"]}
    for response_id in sorted(responses):
        yield "/api/responses/{id}", client.get(f"/api/responses/{response_id}")
    institutions = client.get("/api/institutions")
    yield "/api/institutions", institutions
    for body in institutions.json()["items"]:
        yield "/api/institutions/{id}", client.get(f"/api/institutions/{body['id']}")
        yield "/api/institutions/{id}/ledger", client.get(f"/api/institutions/{body['id']}/ledger")


def test_every_answer_of_the_sample_lists_only_documented_fields(sample):
    schema = schemathesis.openapi.from_dict(strict(openapi_document()))
    seen: dict[str, int] = {}
    with TestClient(create_app(sample)) as client:
        for path, answer in answers(client):
            assert answer.status_code == 200, (path, answer.text[:200])
            schema[path]["GET"].validate_response(answer)
            seen[path] = seen.get(path, 0) + 1
    assert seen["/api/records/{id}"] > 30 and seen["/api/responses/{id}"] >= 1
    assert seen["/api/institutions/{id}/ledger"] >= 1
