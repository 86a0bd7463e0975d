"""The Starlette application: the JSON API over the public Catalog, and the built site.

`create_app(settings)` builds the app; its lifespan opens the store's engine and the search
index, so nothing happens at import time. Anonymous callers see exactly what the public site
shows, because both read the store through the same Catalog and access rule.
"""

from __future__ import annotations

import contextlib
import logging

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine
from archive.errors import Gone, NotBuilt, NotFound
from archive.settings import Settings
from search.query import QueryError, open_index, search

log = logging.getLogger("reckoning")
API_KINDS = {"records": "record", "narratives": "narrative", "harms": "harm", "timelines": "timeline"}
MAX_LIMIT = 100


def error(status: int, error_code: str, detail: str, **extra) -> JSONResponse:
    """The API's one error shape: {"error": …, "detail": …}."""
    return JSONResponse({"error": error_code, "detail": detail, **extra}, status_code=status)


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.engine = open_engine(settings)
        try:
            app.state.index = open_index(settings.index_dir)
        except NotBuilt:
            app.state.index = None
        yield
        app.state.engine.dispose()

    def catalog(request: Request) -> Catalog:
        return Catalog(Session(request.app.state.engine), PUBLIC, settings.today())

    def get_object(request: Request) -> JSONResponse:
        kind = API_KINDS[request.url.path.split("/")[2]]
        cat = catalog(request)
        try:
            return JSONResponse(cat.get(kind, request.path_params["id"]))
        finally:
            cat.session.close()

    def list_objects(request: Request) -> JSONResponse:
        kind = API_KINDS[request.url.path.split("/")[2]]
        cat = catalog(request)
        try:
            items = [{"id": v["id"], "title": v["title"], "url": v["url"], "date": v.get("date")}
                     for v in cat.all(kind)]
        finally:
            cat.session.close()
        return JSONResponse({"items": items, "total": len(items)})

    def api_search(request: Request) -> JSONResponse:
        ix = request.app.state.index
        if ix is None:
            raise NotBuilt("the search index has not been built: run 'reckon build'")
        try:
            limit = min(max(int(request.query_params.get("limit", "20")), 1), MAX_LIMIT)
        except ValueError:
            return error(400, "bad_request", "limit must be a whole number from 1 to 100")
        return JSONResponse(search(ix, request.query_params.get("q", ""), limit).as_dict())

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return error(404, "not_found", str(exc))

    async def gone(request: Request, exc: Gone) -> JSONResponse:
        return error(410, "withdrawn", str(exc), tombstone=exc.tombstone)

    async def bad_query(request: Request, exc: QueryError) -> JSONResponse:
        return error(400, "bad_query", str(exc))

    async def not_built(request: Request, exc: NotBuilt) -> JSONResponse:
        return error(503, "not_built", str(exc))

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, "http_error", str(exc.detail))

    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return error(500, "internal_error", "the server met an error; it has been logged")

    routes = [Route("/api/search", api_search)]
    for section in API_KINDS:
        routes.append(Route(f"/api/{section}", list_objects))
        routes.append(Route(f"/api/{section}/{{id}}", get_object))
    routes.append(Route("/api/{rest:path}", lambda request: error(404, "not_found", "no such API endpoint")))
    settings.public_dir.mkdir(parents=True, exist_ok=True)
    routes.append(Mount("/", StaticFiles(directory=settings.public_dir, html=True, check_dir=False), name="site"))
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            NotFound: not_found, Gone: gone, QueryError: bad_query, NotBuilt: not_built,
            HTTPException: http_error, Exception: server_error,
        },
    )
