"""Fuzz every API operation from the OpenAPI document the server itself serves.

schemathesis reads the OpenAPI document (the one a real uvicorn server serves at
`/api/openapi.json`) and fuzzes that server (an archive with the ledger,
hidden objects and a withdrawn narrative), generates requests for every operation (a bounded
number each, from a fixed seed so a failure is repeatable) and checks every answer: no server
error, status, content type, headers and JSON as documented.
"""

from __future__ import annotations

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.helpers.archives import copy_home
from tests.helpers.servers import live_server
from web.openapi.document import openapi_document

SEED = 20261123
EXAMPLES = 12


@pytest.fixture(scope="module")
def ledger_archive(ledger_template, tmp_path_factory):
    """The minimal archive with the harm ledger, published: the module's own copy."""
    return copy_home(ledger_template, tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def base_url(ledger_archive):
    with live_server(ledger_archive) as base:
        yield base


@pytest.fixture(scope="module")
def served(base_url):
    """The server's own document, which must be the one the requests are generated from."""
    document = httpx.get(base_url + "/api/openapi.json").json()
    assert document == openapi_document()
    return base_url


# Built from the same function the server answers /api/openapi.json with (checked above).
schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.mark.slow
@schema.parametrize()
@hypothesis.seed(SEED)
@hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_documented_answer(case, served):
    # An opaque cursor that fits its schema is rightly refused (400), and OAI-PMH reports
    # protocol errors with HTTP 200 by design: those two checks cannot hold there.
    excluded = [positive_data_acceptance]
    if case.operation.path == "/oai":
        excluded.append(negative_data_rejection)
    case.call_and_validate(base_url=served, excluded_checks=excluded)
