"""The OpenAPI document at /api/openapi.json matches what the API really answers.

schemathesis (a property-based tester from PyPI) reads the document, generates requests
for every operation and checks each real answer (status, headers, JSON against the
schema) from a real uvicorn server serving the sample archive.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from sqlmodel import Session
from starlette.testclient import TestClient

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine
from server.app import create_app
from tests.helpers.servers import live_server
from web.openapi.document import openapi_document

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def base_url(sample):
    with live_server(sample) as base:
        yield base


@pytest.mark.slow
@schema.parametrize()
@hypothesis.settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_answers_as_documented(case, base_url):
    # A cursor is opaque: a random string that fits its schema is rightly refused with 400,
    # so the "schema-valid request accepted" check cannot hold for it; and OAI-PMH answers
    # protocol errors with HTTP 200 by design. Every other check runs.
    excluded = [positive_data_acceptance]
    if case.operation.path == "/oai":
        excluded.append(negative_data_rejection)
    case.call_and_validate(base_url=base_url, excluded_checks=excluded)


def test_every_sample_object_and_error_matches_the_document(sample):
    """Generated ids mostly miss; here every real object's answer is checked against its schema."""
    checked = 0
    with TestClient(create_app(sample)) as client:
        assert client.get("/api/openapi.json").json() == openapi_document()
        for section in ("records", "narratives", "harms", "timelines", "agents", "concepts"):
            url = f"/api/{section}?limit=100"
            while url:
                page = client.get(url)
                schema[f"/api/{section}"]["GET"].validate_response(page)
                for item in page.json()["items"]:
                    answer = client.get(item["api_url"])
                    assert answer.status_code == 200
                    schema[f"/api/{section}/{{id}}"]["GET"].validate_response(answer)
                    checked += 1
                url = page.json()["next"]
        engine = open_engine(sample)
        with Session(engine) as session:
            withdrawn = [t["id"] for t in Catalog(session, PUBLIC, sample.today()).tombstones()]
        engine.dispose()
        assert withdrawn
        for object_id in withdrawn:
            gone = client.get(f"/api/narratives/{object_id}")
            assert gone.status_code == 410
            schema["/api/narratives/{id}"]["GET"].validate_response(gone)
        schema["/api/records"]["GET"].validate_response(client.get("/api/records?limit=500"))
        schema["/api/objects"]["GET"].validate_response(client.get("/api/objects?limit=100"))
        schema["/api/search"]["GET"].validate_response(client.get("/api/search?q=apology"))
        # The check is real: an answer that breaks the document is caught.
        harm = client.get("/api/harms?limit=1").json()["items"][0]["api_url"]
        broken = client.get(harm).json() | {"status": "forgiven"}
        fake = httpx.Response(200, json=broken, request=httpx.Request("GET", "http://testserver" + harm))
        fake.elapsed = timedelta(0)
        with pytest.raises(Exception, match="forgiven"):
            schema["/api/harms/{id}"]["GET"].validate_response(fake)
    assert checked > 80
