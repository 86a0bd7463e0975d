"""A serving app answers a record GET and a search to itself before it takes connections
(`server.warm_up`), so a caller's first record GET finds the per-generation reads (agents,
concepts, the ledger's links) done: it costs what any later GET does, not ~200 ms of reads,
imports and compilation while every other connection waits."""

from __future__ import annotations

import asyncio
import gc

from sqlalchemy import event, text
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from server.app import create_app
from web.asgi_call import call


def statements_of(client: TestClient, path: str) -> tuple[int, list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:
        seen.append(statement)

    engine = client.app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return status, seen


def last_record(client: TestClient) -> str:
    with client.app.state.engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM record WHERE access = 'public'")).scalar()


def warmed_statements(settings) -> list[str]:
    """What a record GET executes through the engine once an earlier GET read the shared parts."""
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/records/rec-2008-apology").status_code in (200, 404)
        status, statements = statements_of(client, f"/api/records/{last_record(client)}")
        assert status == 200
        return statements


def test_a_serving_apps_first_record_get_costs_what_a_warmed_one_does(many):
    warmed = warmed_statements(many)
    try:
        with TestClient(create_app(many, serving=True)) as client:
            # Not the record asked at start-up (the store's first id): its view is made now.
            status, statements = statements_of(client, f"/api/records/{last_record(client)}")
            assert status == 200
            assert statements == warmed  # no agents, concepts or ledger links read for it
    finally:
        gc.unfreeze()  # the serving app froze the heap: give the test process's back


def test_an_app_that_is_not_serving_reads_the_shared_parts_on_its_first_request(many):
    warmed = warmed_statements(many)
    with TestClient(create_app(many)) as client:
        status, statements = statements_of(client, f"/api/records/{last_record(client)}")
        assert status == 200
        assert len(statements) > len(warmed)


def test_an_app_that_fails_a_request_is_answered_500_in_process_not_raised():
    """The warm-up (and the audit's client) ask through `web.asgi_call`: a route that raises is
    the 500 a server would give, so a failing warm-up request cannot stop the server starting."""
    def broken(request):
        raise RuntimeError("the view failed")

    app = Starlette(routes=[Route("/broken", broken)])
    answer = asyncio.run(call(app, "GET", "/broken?x=1"))
    assert answer.status_code == 500
