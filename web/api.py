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
from search.query import search
from web import ledger_api
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
        ix = request.app.state.index
        if ix is None:
            raise NotBuilt("the search index has not been built: run 'reckon build'")
        try:
            limit = min(max(int(request.query_params.get("limit", "20")), 1), MAX_LIMIT)
        except ValueError:
            return error(400, "bad_request", "limit must be a whole number from 1 to 100")
        return JSONResponse(search(ix, request.query_params.get("q", ""), limit).as_dict())

    found = [Route("/api/search", api_search)]
    for section in API_KINDS:
        found.append(Route(f"/api/{section}", list_objects))
        found.append(Route(f"/api/{section}/{{id}}", get_object))
    return found + ledger_api.routes(settings)  # the accountability ledger's endpoints
