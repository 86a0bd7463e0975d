"""The accountability ledger's JSON API: commitments, responses and institution ledgers.

Answers are the same dicts the ledger pages render (`archive.ledger_views`), read through
the public Catalog; errors take the one shape of `web.errors` (a hidden or unknown id is a
404, exactly as for an id that never existed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.ledger_views import commitment, commitments, institution_ledger, institutions, response
from archive.settings import Settings
from archive.urls import api_url
from web.http_cache import http_cached


def routes(settings: Settings) -> list[Route]:
    def answer(view: Callable[[Catalog, Request], object]) -> Callable[[Request], JSONResponse]:
        def endpoint(request: Request) -> JSONResponse:
            with Session(request.app.state.engine) as session:
                return JSONResponse(view(Catalog(session, PUBLIC, settings.today()), request))
        return endpoint

    def listing(items: Sequence[Mapping[str, object]]) -> dict:
        return {"items": items, "total": len(items)}

    def route(path: str, view: Callable[[Catalog, Request], object]) -> Route:
        # The same validators, CORS and error shape as every other API GET (web/http_cache.py).
        return Route(path, http_cached(answer(view)), methods=["GET", "HEAD", "OPTIONS"])

    commitments_url, institutions_url = api_url("commitment"), api_url("institution")
    by_id = "/{id}"
    return [
        route(commitments_url, lambda cat, r: listing(commitments(cat))),
        route(commitments_url + by_id, lambda cat, r: commitment(cat, r.path_params["id"])),
        route(api_url("response") + by_id, lambda cat, r: response(cat, r.path_params["id"])),
        route(institutions_url, lambda cat, r: listing(institutions(cat))),
        route(institutions_url + by_id, lambda cat, r: institution_ledger(cat, r.path_params["id"])),
        route(institutions_url + by_id + "/ledger", lambda cat, r: institution_ledger(cat, r.path_params["id"])),
    ]
