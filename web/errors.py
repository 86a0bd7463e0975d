"""The API's one error shape, and the handlers that turn domain errors into it."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from archive.errors import Gone, NotBuilt, NotFound
from search.query import QueryError

log = logging.getLogger("reckoning")


def error(status: int, error_code: str, detail: str, **extra) -> JSONResponse:
    """{"error": code, "detail": message}, with the right status; never a traceback."""
    return JSONResponse({"error": error_code, "detail": detail, **extra}, status_code=status)


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return error(404, "not_found", str(exc))


async def gone(request: Request, exc: Gone) -> JSONResponse:
    return error(410, "withdrawn", str(exc), tombstone=exc.tombstone)


async def bad_query(request: Request, exc: QueryError) -> JSONResponse:
    return error(400, "bad_query", str(exc))


async def not_built(request: Request, exc: NotBuilt) -> JSONResponse:
    return error(503, "not_built", str(exc))


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    response = error(exc.status_code, "http_error", str(exc.detail))
    response.headers.update(exc.headers or {})  # a 405 must keep its Allow header (RFC 9110)
    return response


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return error(500, "internal_error", "the server met an error; it has been logged")


# PostgreSQL's codes for "another transaction was in the way": lock timeout, deadlock, serialization.
BUSY_SQLSTATES = {"55P03", "40P01", "40001"}


def _busy(exc: OperationalError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    return "locked" in str(exc.orig) or "busy" in str(exc.orig)  # SQLite's


async def store_busy(request: Request, exc: OperationalError) -> JSONResponse:
    """Another process held the store past the busy (or lock) timeout: ask the client to retry
    (nothing was written: the unit of work rolled back). Any other store failure is a 500."""
    if not _busy(exc):
        return await server_error(request, exc)
    response = error(503, "busy", "the archive is busy with another write; nothing was saved, try again in a moment")
    response.headers["Retry-After"] = "2"
    return response


HANDLERS = {
    NotFound: not_found, Gone: gone, QueryError: bad_query, NotBuilt: not_built,
    HTTPException: http_error, OperationalError: store_busy, Exception: server_error,
}


async def unknown_endpoint(request: Request) -> JSONResponse:
    return error(404, "not_found", "no such API endpoint")
