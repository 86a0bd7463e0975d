"""The audit's client lets the app do its blocking work on the client's own loop, with no
worker thread (`web.in_thread`); a request as a server makes it still goes to the thread pool.
Both give the same answers: the same bytes for OAI-PMH lists, an API list and a IIIF manifest."""

from __future__ import annotations

import re
import threading

import pytest

from audit.app_client import AppClient
from server.app import create_app
from web.asgi_call import call

PATHS = ["/oai?verb=ListRecords&metadataPrefix=oai_dc", "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
         "/api/records", "/api/search?q=minutes"]
RESPONSE_DATE = re.compile(rb"<responseDate>[^<]*</responseDate>")


def _body(content: bytes) -> bytes:
    return RESPONSE_DATE.sub(b"", content)  # the moment an OAI-PMH answer was made


@pytest.fixture
def app(published_copy):
    return create_app(published_copy)


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


def test_the_audit_client_answers_in_its_own_thread_as_the_thread_pool_does(app):
    answers = {}
    before = set(threading.enumerate())
    with AppClient(app) as client:
        for path in PATHS:
            answer = client.get(path)
            assert answer.status_code == 200, path
            answers[path] = _body(answer.content)
        assert _new_threads(before) == []  # no worker thread was ever started
    assert b"</record>" in answers[PATHS[0]]

    with AppClient(app) as client:  # the lifespan (the store opened), then a server's requests
        async def as_a_server_asks() -> dict[str, bytes]:
            return {path: _body((await call(app, "GET", path, state=client.state)).content) for path in PATHS}

        before = set(threading.enumerate())
        served = client.loop.run_until_complete(as_a_server_asks())
        assert _new_threads(before), "a server's request should have used the thread pool"
    assert served == answers

