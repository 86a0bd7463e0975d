"""The OpenAPI document describes every public endpoint of the app, the ledger's and the IIIF
manifests' included, and every real answer of the sample archive matches it.

Generated requests (tests/test_api_openapi.py, schemathesis) mostly ask for ids that do not
exist; here each real commitment, response, institution and manifest is checked against its
schema, and a broken answer is shown to be caught.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import schemathesis
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from server.app import create_app
from web.openapi.document import openapi_document

schema = schemathesis.openapi.from_dict(openapi_document())
# Routes that are not the public API: the staff app (its own session and tokens), the catch-all
# that answers 404 for unknown /api/ paths, and static files (the site, image tiles).
NOT_PUBLIC_API = ("/staff", "/api/{rest:path}")


def _paths(routes, prefix: str = "") -> list[str]:
    found = []
    for route in routes:
        if isinstance(route, Route):
            found.append(prefix + route.path)
        elif isinstance(route, Mount) and route.routes and not (prefix + route.path).startswith("/staff"):
            found += _paths(route.routes, prefix + route.path)
    return found


def test_every_public_route_of_the_app_is_documented(sample):
    routes = [p for p in _paths(create_app(sample).routes) if not p.startswith(NOT_PUBLIC_API)]
    documented = set(openapi_document()["paths"])
    assert {"/api/commitments", "/api/institutions", "/api/responses/{id}", "/iiif/{id}/manifest.json"} <= set(routes)
    assert sorted(set(routes) - documented) == []
    assert sorted(documented - set(routes)) == []


def test_every_ledger_answer_and_manifest_matches_the_document(sample):
    checked = 0
    with TestClient(create_app(sample)) as client:
        listing = client.get("/api/commitments")
        schema["/api/commitments"]["GET"].validate_response(listing)
        responses = set()
        for item in listing.json()["items"]:
            answer = client.get(f"/api/commitments/{item['id']}")
            schema["/api/commitments/{id}"]["GET"].validate_response(answer)
            responses |= {r["id"] for r in answer.json()["responses"]}
            checked += 1
        bodies = client.get("/api/institutions")
        schema["/api/institutions"]["GET"].validate_response(bodies)
        for body in bodies.json()["items"]:
            for url in (f"/api/institutions/{body['id']}", f"/api/institutions/{body['id']}/ledger"):
                answer = client.get(url)
                schema[url.replace(body["id"], "{id}")]["GET"].validate_response(answer)
                responses |= {r["id"] for r in answer.json()["responses"]}
                checked += 1
        assert responses, "the sample has a right of reply"
        for response_id in sorted(responses):
            schema["/api/responses/{id}"]["GET"].validate_response(client.get(f"/api/responses/{response_id}"))
        manifest = client.get("/iiif/rec-2007-morris-nma-founding-thesis/manifest.json")
        schema["/iiif/{id}/manifest.json"]["GET"].validate_response(manifest)
        record = client.get("/api/records/rec-2007-morris-nma-founding-thesis")
        schema["/api/records/{id}"]["GET"].validate_response(record)
        assert record.json()["iiif_manifest"] == "/iiif/rec-2007-morris-nma-founding-thesis/manifest.json"
        for template, object_id in (("/api/commitments/{id}", "com-nope"), ("/api/responses/{id}", "resp-nope"),
                                    ("/api/institutions/{id}", "agent-nope"),
                                    ("/iiif/{id}/manifest.json", "rec-1847-ama-founding")):  # no images
            missing = client.get(template.replace("{id}", object_id))
            assert missing.status_code == 404 and missing.json()["error"] == "not_found"
            schema[template]["GET"].validate_response(missing)
        # The ledger answers like the rest of the API: validators, open CORS, 304s.
        first = client.get("/api/commitments")
        assert first.headers["access-control-allow-origin"] == "*"
        assert client.get("/api/commitments", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        # The check is real: an answer that breaks the document is caught.
        broken = listing.json() | {"total": "many"}
        fake = httpx.Response(200, json=broken, request=httpx.Request("GET", "http://testserver/api/commitments"))
        fake.elapsed = timedelta(0)
        with pytest.raises(Exception, match="many"):
            schema["/api/commitments"]["GET"].validate_response(fake)
        url = "http://testserver/iiif/rec-2007-morris-nma-founding-thesis/manifest.json"
        fake = httpx.Response(200, content=b'{"id": "x"}', request=httpx.Request("GET", url),
                              headers={"content-type": manifest.headers["content-type"]})
        fake.elapsed = timedelta(0)
        with pytest.raises(Exception, match="label"):
            schema["/iiif/{id}/manifest.json"]["GET"].validate_response(fake)
    assert checked > 10
