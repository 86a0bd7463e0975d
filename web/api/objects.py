"""The JSON API: objects, collections and search as the public site shows them.

Every answer is read through the public Catalog (the one access rule), so an anonymous
caller sees exactly what the built site shows, whatever parameters it sends: parameters
only filter and page what the Catalog already decided to show. Collections accept the
site's facets as filters (`harm_type`, `affected_group`, `institution`, `decade`), are in a
stable order (earliest date first, then id) and are paged by an opaque cursor. Rendered
answers are kept per (store generation, today) so record GETs need no database work, and
every GET carries an ETag, Last-Modified, Cache-Control and open CORS (web.http_cache).
Errors have one shape, made in `web.errors`.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archive.access import PUBLIC
from archive.authorities import read_authorities
from archive.catalog import Catalog, summary_key
from archive.errors import ReckoningError
from archive.record_reads import ledger_citing
from archive.settings import Settings
from archive.urls import API_ALL_OBJECTS, API_SECTIONS, api_url
from archive.views import Summary
from publish.json_compact import json_bytes
from web.api import charts as charts_api
from web.api import ledger as ledger_api
from web.api import search as search_api
from web.collection_filters import FILTERS
from web.errors import error
from web.http_cache import (
    CORS_HEADERS,
    Representation,
    error_response,
    preflight,
    respond,
)
from web.in_thread import answered_in_thread
from web.openapi.document import openapi_document
from web.view_cache import StoreClock, ViewCache, public_summaries

API_KINDS = {section: kind for kind, section in API_SECTIONS.items()}
MAX_LIMIT = 100
DEFAULT_LIMIT = 50
METHODS = ["GET", "HEAD", "OPTIONS"]
WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}$")  # ASCII digits only: str.isdigit() admits '²'.

# Which facet filters each collection understands, and the summary field each one reads.
FACETS = {
    "harm_type": "harm_types", "affected_group": "affected_groups", "institution": "institutions",
    "decade": "decade", "record_type": "record_type", "kind": "agent_kind", "scheme": "scheme",
    "type": "type",
}
PUBLIC_KINDS = ("record", "narrative", "harm", "timeline")


class BadRequest(ReckoningError):
    """A query parameter the API cannot use; answered with 400 and what was expected."""


@dataclass(frozen=True)
class ListQuery:
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    limit: int
    cursor: tuple[int, str] | None

    @classmethod
    def parse(cls, kind: str, request: Request) -> ListQuery:
        allowed = FILTERS[kind]
        params = request.query_params
        unknown = sorted(set(params) - set(allowed) - {"limit", "cursor"})
        if unknown:
            accepted = ", ".join((*allowed, "limit", "cursor"))
            raise BadRequest(f"unknown parameter '{unknown[0]}' for {collection_url(kind)}; accepted: {accepted}")
        filters = []
        for name in allowed:
            values = tuple(sorted(set(params.getlist(name))))
            if name == "type":
                for value in values:
                    if value not in PUBLIC_KINDS:
                        raise BadRequest(f"type must be one of {', '.join(PUBLIC_KINDS)}; got {value!r}")
            if name == "decade":
                for value in values:
                    if not (WHOLE_NUMBER.match(value) and int(value) % 10 == 0):
                        raise BadRequest(f"decade must be a year ending in 0, such as 1870; got {value!r}")
            if values:
                filters.append((name, values))
        limit_text = params.get("limit", str(DEFAULT_LIMIT))
        if not WHOLE_NUMBER.match(limit_text) or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}; got {limit_text!r}")
        cursor = decode_cursor(params["cursor"]) if "cursor" in params else None
        return cls(tuple(filters), int(limit_text), cursor)

    def matches(self, summary: Summary) -> bool:
        for name, values in self.filters:
            field = summary.get(FACETS[name])
            if name == "decade":
                if str(field) not in values:
                    return False
            elif isinstance(field, list):
                if not set(field) & set(values):
                    return False
            elif field not in values:
                return False
        return True


def bad_request(exc: BadRequest) -> Response:
    response = error(400, "bad_request", str(exc))
    response.headers.update(CORS_HEADERS)
    return response


def encode_cursor(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[int, str]:
    """A cursor is the sort key of the last item sent, so pages never skip or repeat."""
    try:
        lower, object_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if isinstance(lower, int) and isinstance(object_id, str):
            return lower, object_id
    except (ValueError, TypeError, binascii.Error):
        pass
    raise BadRequest(f"cursor {text!r} is not one this API gave out; start again without it")


def collection_url(kind: str) -> str:
    return API_ALL_OBJECTS if kind == "object" else api_url(kind)


def summaries_of(catalog: Catalog, kind: str) -> list[Summary]:
    if kind != "object":
        return catalog.summaries(kind)
    return sorted((s for k in PUBLIC_KINDS for s in catalog.summaries(k)), key=summary_key)


def page_of(kind: str, summaries: list[Summary], query: ListQuery,
            kept: dict | None = None) -> dict:
    """One page of a collection. `kept`: where the summaries matching the filters, and their
    sort keys, are kept for every page of one store generation (paging through 100,000 records
    filtered and keyed all of them again for each of its 2,000 pages)."""
    found = kept.get((kind, query.filters)) if kept is not None else None
    if found is None:
        chosen = [s for s in summaries if query.matches(s)]
        found = (chosen, [summary_key(s) for s in chosen])
        if kept is not None:
            if len(kept) >= 256:  # as many filter combinations as callers care to send: bounded
                kept.clear()
            kept[kind, query.filters] = found
    chosen, keys = found
    start = bisect.bisect_right(keys, query.cursor) if query.cursor else 0
    items = chosen[start:start + query.limit]
    more = start + query.limit < len(chosen)
    next_cursor = encode_cursor(summary_key(items[-1])) if more else None
    next_url = None
    if next_cursor:
        params = [(name, v) for name, values in query.filters for v in values]
        params += [("limit", query.limit), ("cursor", next_cursor)]
        next_url = collection_url(kind) + "?" + urlencode(params)
    return {"items": items, "total": len(chosen), "limit": query.limit,
            "next_cursor": next_cursor, "next": next_url}


def routes(settings: Settings) -> list[Route]:
    state: dict = {}

    def cache(request: Request) -> ViewCache:
        engine = request.app.state.engine
        if state.get("engine") is not engine:  # one cache per app lifespan
            state["engine"] = engine
            state["cache"] = ViewCache(StoreClock(engine, settings), settings.today)
        return state["cache"]

    def catalog(request: Request, shared: dict) -> Catalog:
        session = Session(request.app.state.engine)
        authorities = shared.get("authorities")
        if authorities is None:  # read once per store generation, not once per answer
            shared["ledger citing"] = ledger_citing(session)  # first: "authorities" says both are there
            authorities = shared["authorities"] = read_authorities(session)
        cat = Catalog(session, PUBLIC, settings.today(), authorities,
                      summaries=public_summaries(request.app.state, settings), ledger_citing=shared["ledger citing"])
        # A collection's summaries, made once per store generation and day for all its pages:
        # each page of a 100,000-record collection judged and summarised every record again.
        def shared_summaries(kind: str) -> list[Summary]:
            if ("summaries", kind) not in shared:
                shared["summaries", kind] = summaries_of(cat, kind)
            return shared["summaries", kind]

        cat.shared_summaries = shared_summaries
        cat.shared_pages = shared.setdefault("pages", {})
        return cat

    async def answer(request: Request, key: tuple, build: Callable[[Catalog], object],
                     quick: bool = False) -> Response:
        """`quick`: the answer is made in well under a millisecond (one record's view), so on
        SQLite it is made on the event loop (`ViewCache.get`); anything that may read a whole
        table (a collection, an agent's records) goes to the thread pool, unless the caller
        asks one request at a time and its loop has nothing else to do (`web.in_thread`)."""
        if request.method == "OPTIONS":
            return preflight()

        def render(last_modified: datetime | None, shared: dict) -> Representation:
            cat = catalog(request, shared)
            try:
                return Representation(json_bytes(build(cat)), last_modified=last_modified)
            finally:
                cat.session.close()

        try:
            inline = (quick and settings.sqlite_path is not None) or answered_in_thread(request.scope)
            return respond(request, await cache(request).get(key, render, inline=inline))
        except ReckoningError as exc:
            return await error_response(request, exc)

    def item_endpoint(kind: str):
        async def get_object(request: Request) -> Response:
            object_id = request.path_params["id"]
            if request.query_params:
                return bad_request(BadRequest(
                    f"{api_url(kind, object_id)} takes no query parameters; got '{next(iter(request.query_params))}'"))
            return await answer(request, ("item", kind, object_id), lambda cat: cat.get(kind, object_id),
                                quick=kind == "record")
        get_object.__name__ = f"get_{kind}"
        return get_object

    def list_endpoint(kind: str):
        async def list_objects(request: Request) -> Response:
            try:
                query = ListQuery.parse(kind, request)
            except BadRequest as exc:
                return bad_request(exc)
            return await answer(request, ("list", kind, query), lambda cat: page_of(
                kind, cat.shared_summaries(kind), query, cat.shared_pages))
        list_objects.__name__ = f"list_{kind}s"
        return list_objects

    async def openapi(request: Request) -> Response:
        return await answer(request, ("openapi",), lambda _cat: openapi_document())

    found = [Route("/api/search", search_api.endpoint(settings), methods=METHODS),
             Route("/api/openapi.json", openapi, methods=METHODS)]
    for section, kind in API_KINDS.items():
        found.append(Route(f"/api/{section}", list_endpoint(kind), methods=METHODS))
        found.append(Route(f"/api/{section}/{{id}}", item_endpoint(kind), methods=METHODS))
    found.append(Route(API_ALL_OBJECTS, list_endpoint("object"), methods=METHODS))
    return found + ledger_api.routes(settings) + charts_api.routes(settings)  # the ledger's and the charts' endpoints
