"""A serving app answers a record GET and a search to itself before it takes connections
(`server.warm_up`), so a caller's first record GET finds the per-generation reads (agents,
concepts, the ledger's links) done: it costs what any later GET does, not ~200 ms of reads,
imports and compilation while every other connection waits."""

from __future__ import annotations

import asyncio
import gc
import itertools
import os

from sqlalchemy import event, text
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from archive.page_cache import read_ahead
from server.app import create_app
from server.warm_up import files_to_read_ahead
from tests.helpers.page_cache import all_cached_soon, cached, evicted_or_skip
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


def test_a_serving_app_reads_its_index_and_store_into_the_page_cache(published_copy):
    """A fresh server's first searches wait on the disk for an index a build pushed out of the
    cache (p99 131 ms against 31 ms cached, bench/results/57): it asks the kernel to read the
    public index and the store ahead as it starts."""
    files = [str(p) for p in sorted(published_copy.index_dir.iterdir()) if p.is_file() and p.stat().st_size]
    files.append(str(published_copy.sqlite_path))
    evicted_or_skip(files)
    try:
        with TestClient(create_app(published_copy, serving=True)):
            assert all_cached_soon(files), [f for f in files if not cached(f)]
    finally:
        gc.unfreeze()


def test_what_is_read_ahead_fits_the_budget_index_first(published_copy):
    index = sorted(str(p) for p in published_copy.index_dir.iterdir() if p.is_file())
    index_size = sum(os.path.getsize(f) for f in index)
    store = str(published_copy.sqlite_path)
    assert files_to_read_ahead(published_copy, index_size + os.path.getsize(store)) == [*index, store]
    assert files_to_read_ahead(published_copy, index_size) == index  # the store would not fit
    # Nothing past the first file that does not fit: only the empty files before it (whoosh's
    # lock file, whose place among the segments' random names varies from build to build).
    assert files_to_read_ahead(published_copy, 0) == list(itertools.takewhile(lambda f: not os.path.getsize(f), index))
    assert files_to_read_ahead(published_copy, None) == []  # memory unknown: nothing


def test_a_file_bigger_than_the_kernels_read_ahead_is_read_whole(tmp_path):
    """Linux reads at most its read-ahead window (8 MB here) for one WILLNEED: a 24 MB file is
    asked a piece at a time."""
    big = tmp_path / "segment.idx"
    big.write_bytes(os.urandom(24 * 1024 * 1024))
    evicted_or_skip([str(big)])
    read_ahead([str(big)])
    assert all_cached_soon([str(big)])
