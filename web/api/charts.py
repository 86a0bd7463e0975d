"""The charts' data as JSON: `/api/charts` lists them, `/api/charts/{id}` gives one.

An answer is the chart's data exactly as the site's downloads hold it
(`downloads/charts/<id>.json`) and as its page draws it, made by the same functions
(publish/charts/) through the public Catalog: nothing hidden is counted or drawn. Errors
take the one shape of `web.errors`; an unknown id is a 404.
"""

from __future__ import annotations

from functools import partial

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.settings import Settings
from archive.urls import chart_api_url
from publish.charts.lookup import chart, chart_index
from web.http_cache import http_cached
from web.view_cache import public_summaries

METHODS = ["GET", "HEAD", "OPTIONS"]


def catalog(request: Request, session: Session, settings: Settings) -> Catalog:
    # Every chart reads every public record's summary: made once per store generation and day,
    # and shared with the API's other answers and OAI-PMH (web.view_cache.PerGeneration).
    return Catalog(session, PUBLIC, settings.today(), summaries=public_summaries(request.app.state, settings))


def list_charts(request: Request, settings: Settings) -> JSONResponse:
    with Session(request.app.state.engine) as session:
        return JSONResponse(chart_index(catalog(request, session, settings)))


def get_chart(request: Request, settings: Settings) -> JSONResponse:
    with Session(request.app.state.engine) as session:
        return JSONResponse(chart(catalog(request, session, settings), request.path_params["id"]))


def routes(settings: Settings) -> list[Route]:
    # The same validators, CORS and error shape as every other API GET (web/http_cache.py).
    return [
        Route(chart_api_url(), http_cached(partial(list_charts, settings=settings)), methods=METHODS),
        Route(chart_api_url("{id}"), http_cached(partial(get_chart, settings=settings)), methods=METHODS),
    ]
