"""The accountability ledger's JSON API: commitments, responses and institution ledgers.

Answers are the same dicts the ledger pages render (`archive.ledger_views`), read through
the public Catalog; errors take the one shape of `web.errors` (a hidden or unknown id is a
404, exactly as for an id that never existed).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.ledger_views import commitment, commitments, institution_ledger, institutions, response
from archive.settings import Settings
from archive.urls import api_url


def routes(settings: Settings) -> list[Route]:
    def answer(view: Callable[[Catalog, Request], object]) -> Callable[[Request], JSONResponse]:
        def endpoint(request: Request) -> JSONResponse:
            with Session(request.app.state.engine) as session:
                return JSONResponse(view(Catalog(session, PUBLIC, settings.today()), request))
        return endpoint

    def listing(items: list[dict]) -> dict:
        return {"items": items, "total": len(items)}

    commitments_url, institutions_url = api_url("commitment"), api_url("institution")
    by_id = "/{id}"
    return [
        Route(commitments_url, answer(lambda cat, r: listing(commitments(cat)))),
        Route(commitments_url + by_id, answer(lambda cat, r: commitment(cat, r.path_params["id"]))),
        Route(api_url("response") + by_id, answer(lambda cat, r: response(cat, r.path_params["id"]))),
        Route(institutions_url, answer(lambda cat, r: listing(institutions(cat)))),
        Route(institutions_url + by_id, answer(lambda cat, r: institution_ledger(cat, r.path_params["id"]))),
        Route(institutions_url + by_id + "/ledger",
              answer(lambda cat, r: institution_ledger(cat, r.path_params["id"]))),
    ]
