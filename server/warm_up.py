"""A serving process answers a record GET and a search to itself before it takes connections.

The first record GET of a fresh process cost ~190-270 ms at 100,000 records (the view's lazy
imports: Markdown, the JSON writer; SQLAlchemy compiling its statements; the agents, concepts
and ledger links read once per store generation), the first search as much again (the index's
searcher and query parser). On one event loop every connection waits behind it: 32 clients
each saw those 200 ms, which was most of the p99 of a 10-second run. Asked here, inside the
lifespan, the cost is paid before uvicorn opens its socket, and what was made is frozen with
the rest of the start-up heap (`server.app`).

The requests go through the whole app, the access rule and the answer caches included, as
any anonymous caller's would; their answers are dropped. Which record is asked for does not
matter (a hidden one is answered 404, which warms all but the view itself), so the first id
in the store is taken without judging it: nothing read here leaves the process.
"""

from __future__ import annotations

from sqlalchemy import text
from starlette.types import ASGIApp

from web.asgi_call import call

FIRST_RECORD = "SELECT id FROM record ORDER BY id LIMIT 1"
WARM_SEARCH = "/api/search?q=archive"


def warm_paths(engine) -> list[str]:
    """The paths asked at start-up: the store's first record (if any), then a search."""
    with engine.connect() as conn:
        first = conn.execute(text(FIRST_RECORD)).scalar()
    return ([f"/api/records/{first}"] if first else []) + [WARM_SEARCH]


async def warm_up(app: ASGIApp, engine) -> list[tuple[str, int]]:
    """Ask each of `warm_paths` once; what was asked and how it was answered. A warm-up that
    fails (500) does not stop the server from starting: the same request from a caller will
    answer the same way, and the log has it (`web.asgi_call` answers an error as a 500)."""
    return [(path, (await call(app, "GET", path, host="127.0.0.1")).status_code) for path in warm_paths(engine)]
