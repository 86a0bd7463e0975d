"""The JSON API: objects and search as the public site shows them.

Every answer is read through the public Catalog (the one access rule), so an anonymous
caller sees exactly what the built site shows. Errors have one shape, made in `web.errors`.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.errors import NotBuilt
from archive.settings import Settings
from search.language import FACETS
from search.query import open_index, search
from web.errors import error

API_KINDS = {"records": "record", "narratives": "narrative", "harms": "harm", "timelines": "timeline"}
MAX_LIMIT = 100


def routes(settings: Settings) -> list[Route]:
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
        """`q`, `from`/`to` (dates overlap), facet filters (repeatable), `sort`, `page`, `limit`."""
        ix = request.app.state.index
        if ix is None:
            try:  # built since the app started: open it now
                ix = request.app.state.index = open_index(settings.index_dir)
            except NotBuilt:
                raise NotBuilt("the search index has not been built: run 'reckon build'") from None
        params = request.query_params
        try:
            limit = min(max(int(params.get("limit", "20")), 1), MAX_LIMIT)
        except ValueError:
            return error(400, "bad_request", "limit must be a whole number from 1 to 100")
        try:
            page = int(params.get("page", "1"))
            if page < 1:
                raise ValueError(page)
        except ValueError:
            return error(400, "bad_request", "page must be a whole number from 1")
        filters = {name: params.getlist(name) for name in FACETS if params.getlist(name)}
        results = search(ix, params.get("q", ""), limit, page=page, date_from=params.get("from"),
                         date_to=params.get("to"), filters=filters, sort=params.get("sort", "relevance"))
        return JSONResponse(results.as_dict())

    found = [Route("/api/search", api_search)]
    for section in API_KINDS:
        found.append(Route(f"/api/{section}", list_objects))
        found.append(Route(f"/api/{section}/{{id}}", get_object))
    return found
