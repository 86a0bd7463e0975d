"""`/healthz`: whether this process can answer, for a load balancer or nginx to ask.

200 when the store answers a query; 503 (the API's error shape) when it does not, so a balancer
sends requests to another process meanwhile. Never cached, and it reveals nothing about the
archive: no counts, no ids.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.errors import error

NO_STORE = {"Cache-Control": "no-store"}


def _store_answers(request: Request) -> None:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def healthz(request: Request) -> Response:
    try:
        await run_in_threadpool(_store_answers, request)
    except DBAPIError as exc:
        response = error(503, "unavailable", f"the store does not answer: {type(exc.orig).__name__}")
        response.headers.update(NO_STORE)
        return response
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


ROUTES = [Route("/healthz", healthz, methods=["GET", "HEAD"])]
