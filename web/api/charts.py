"""The charts' data as JSON: `/api/charts` lists them, `/api/charts/{id}` gives one.

An answer is the chart's data exactly as the site's downloads hold it
(`downloads/charts/<id>.json`) and as its page draws it, made by the same functions
(publish/charts/) through the public Catalog: nothing hidden is counted or drawn. Errors
take the one shape of `web.errors`; an unknown id is a 404.
"""

from __future__ import annotations

import threading
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
from web.view_cache import StoreClock

METHODS = ["GET", "HEAD", "OPTIONS"]


class Summaries:
    """The Catalog's summaries of each kind, kept for one (store generation, today): every chart
    reads every public record's, and made each time they were most of an answer's cost."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.kept: dict = {}
        self.lock = threading.Lock()  # answers are made in the thread pool

    def catalog(self, request: Request, session: Session) -> Catalog:
        engine = request.app.state.engine
        with self.lock:
            if self.kept.get("engine") is not engine:
                self.kept = {"engine": engine, "clock": StoreClock(engine, self.settings)}
            # The state is read before the store is, so what is kept is never older than its key.
            state = (self.kept["clock"].current()[0], self.settings.today())
            if self.kept.get("state") != state:
                self.kept.update(state=state, summaries={})
            summaries = self.kept["summaries"]
        return Catalog(session, PUBLIC, state[1], summaries=summaries)


def list_charts(request: Request, summaries: Summaries) -> JSONResponse:
    with Session(request.app.state.engine) as session:
        return JSONResponse(chart_index(summaries.catalog(request, session)))


def get_chart(request: Request, summaries: Summaries) -> JSONResponse:
    with Session(request.app.state.engine) as session:
        return JSONResponse(chart(summaries.catalog(request, session), request.path_params["id"]))


def routes(settings: Settings) -> list[Route]:
    # The same validators, CORS and error shape as every other API GET (web/http_cache.py).
    summaries = Summaries(settings)
    return [
        Route(chart_api_url(), http_cached(partial(list_charts, summaries=summaries)), methods=METHODS),
        Route(chart_api_url("{id}"), http_cached(partial(get_chart, summaries=summaries)), methods=METHODS),
    ]
