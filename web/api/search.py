"""`/api/search`: the public index for everyone, the staff index for signed-in curators.

Who asks decides which index answers, never a parameter: an anonymous caller is always
answered from the public index (what `archive/access.py` lets the public see, redacted), and
no query parameter can change that. A curator or admin, identified by an API token
(`Authorization: Bearer rk_…`, made at /staff/tokens) or by the staff session cookie (sent by
browsers to `/staff/api/search`, the same endpoint inside the staff app, since the cookie is
scoped to /staff), is answered from the staff index: everything, unredacted, with facet counts
from that index. A contributor may not see restricted material, which the staff index holds,
so a contributor gets the public index. A token that is not recognised is a 401, not a quiet
public answer.

Speed: both indexes stay open for the life of the app (reopened only when their folder
changes), and rendered answers are kept in a small per-index LRU keyed by the index's
generation and the exact parameters, so a repeated search costs a dictionary lookup and
needs no worker thread. Staff answers are marked `private, no-store` and public ones
`Vary: Authorization`, so no shared cache can hand one viewer's answer to another.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from archive.access import Role
from archive.db import transaction
from archive.errors import NotBuilt, ReckoningError
from archive.numbers import whole_number
from archive.settings import Settings
from archive.users import user_for_token
from publish.json_compact import json_bytes
from search.indexer import staff_index_dir
from search.language import FACETS
from search.query import SearchIndex, open_index, search
from web.errors import error
from web.http_cache import CORS_HEADERS, Representation, error_response, preflight, respond
from web.in_thread import run_blocking

MAX_LIMIT = 100
MAX_PAGE = 10_000  # deeper than any reader pages; bounds the work an anonymous query can ask for
INLINE_DEPTH = 1_000  # answers reaching no deeper than this many hits are made on the event loop
# Rendered answers kept per index (~10 KB each at 20 hits): 32 MB holds a few thousand distinct
# searches, so a query asked again within minutes costs a dictionary lookup. Keys hold the
# index's generation, so an answer from before a rebuild or an update is never served.
CACHED_BYTES = 32 * 2**20
PUBLIC_INDEX, STAFF_INDEX = "public", "staff"
STAFF_ROLES = (Role.CURATOR, Role.ADMIN)
PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"}


class Unauthorized(ReckoningError):
    """An Authorization header whose token is not one of an active account's."""


@dataclass(frozen=True)
class Params:
    query: str
    limit: int
    page: int
    date_from: str | None
    date_to: str | None
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    sort: str

    @classmethod
    def parse(cls, request: Request) -> Params:
        params = request.query_params
        limit = whole_number(params.get("limit", "20"))
        if limit is None:
            raise BadParameter(f"limit must be a whole number from 1 to {MAX_LIMIT}")
        limit = min(max(limit, 1), MAX_LIMIT)
        page = whole_number(params.get("page", "1"), 1, MAX_PAGE)
        if page is None:
            raise BadParameter(f"page must be a whole number from 1 to {MAX_PAGE}")
        filters = tuple((name, tuple(params.getlist(name))) for name in FACETS if params.getlist(name))
        return cls(params.get("q", ""), limit, page, params.get("from"), params.get("to"), filters,
                   params.get("sort", "relevance"))


class BadParameter(ReckoningError):
    pass


class AnswerCache:
    """Rendered search answers (with their ETags, hashed once) up to a total size in bytes,
    least recently used dropped first; safe across threads."""

    def __init__(self, size: int = CACHED_BYTES):
        self.size = size
        self.used = 0
        self._items: OrderedDict[tuple, Representation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Representation | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is not None:
                self._items.move_to_end(key)
            return answer

    def put(self, key: tuple, answer: Representation) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            self.used += len(answer.body) - (len(old.body) if old is not None else 0)
            self._items[key] = answer
            while self.used > self.size and self._items:
                self.used -= len(self._items.popitem(last=False)[1].body)


class Indexes:
    """The two open indexes of one app, opened on first use (they may be built after start)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._open: dict[str, SearchIndex] = {}
        self._lock = threading.Lock()
        self.answers = {PUBLIC_INDEX: AnswerCache(), STAFF_INDEX: AnswerCache()}

    def folder(self, which: str):
        if which == STAFF_INDEX:
            return staff_index_dir(self.settings)
        return self.settings.index_dir

    def get(self, which: str, request: Request) -> SearchIndex:
        if which == PUBLIC_INDEX and getattr(request.app.state, "index", None) is not None:
            return request.app.state.index  # opened by the app's lifespan
        with self._lock:
            if which not in self._open:
                try:
                    self._open[which] = open_index(self.folder(which), self.settings.database_url)
                except NotBuilt:
                    raise NotBuilt(f"the {which} search index has not been built: run 'reckon build'") from None
            return self._open[which]


def token_role(request: Request) -> Role | None:
    """The role of the account whose API token the request carries; None without a header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>' with a token made at /staff/tokens")
    with transaction(request.app.state.engine) as session:
        user = user_for_token(session, token.strip())
        role = Role(user.role) if user is not None else None
    if role is None:
        raise Unauthorized("this API token is not recognised (revoked, or its account disabled)")
    return role


def render(ix: SearchIndex, params: Params, which: str) -> bytes:
    results = search(ix, params.query, params.limit, page=params.page, date_from=params.date_from,
                     date_to=params.date_to, filters={k: list(v) for k, v in params.filters},
                     sort=params.sort)
    return json_bytes({**results.as_dict(), "index": which})


def endpoint(settings: Settings, *, session_role: Callable[[Request], Role | None] | None = None):
    """The search endpoint. The staff app mounts a copy under /staff with `session_role`, its own
    rule for who its session cookie names; without it, only an API token can reach staff results."""
    in_staff_app = session_role is not None
    indexes = Indexes(settings)

    async def api_search(request: Request) -> Response:
        """`q`, `from`/`to` (dates overlap), facet filters (repeatable), `sort`, `page`, `limit`."""
        if request.method == "OPTIONS":
            return preflight()
        try:
            role = None
            if "authorization" in request.headers:  # a store lookup only when a token is sent
                role = await run_blocking(request.scope, token_role, request)
            if role is None and in_staff_app:
                role = await run_blocking(request.scope, session_role, request)  # type: ignore[arg-type]
            if role is None and in_staff_app:
                raise Unauthorized("sign in to the staff app, or send an API token")
            which = STAFF_INDEX if role in STAFF_ROLES else PUBLIC_INDEX
            params = Params.parse(request)
            ix = indexes.get(which, request)
            key = (ix.generation(), params)
            cache = indexes.answers[which]
            answer = cache.get(key)
            if answer is None:
                if params.page * params.limit <= INLINE_DEPTH and ix.in_process:
                    # A first page costs about a millisecond, most of it Python holding the GIL:
                    # made on the event loop, without the thread pool's hop (which doubled it).
                    body = render(ix, params, which)
                else:  # a deep page may take tantivy much longer, and the postgres engine waits
                    # on its server: not on the event loop
                    body = await run_blocking(request.scope, render, ix, params, which)
                answer = Representation(body)
                cache.put(key, answer)
        except BadParameter as exc:
            return _with_headers(error(400, "bad_request", str(exc)), role=None)
        except Unauthorized as exc:
            response = error(401, "unauthorized", str(exc))
            response.headers["WWW-Authenticate"] = "Bearer"
            return _with_headers(response, role=None)
        except ReckoningError as exc:
            return await error_response(request, exc)
        return _with_headers(respond(request, answer), role=role if which == STAFF_INDEX else None)

    return api_search


def _with_headers(response: Response, role: Role | None) -> Response:
    if role is not None:  # a staff answer: never stored by anyone, never read cross-origin
        for name in CORS_HEADERS:
            if name in response.headers:
                del response.headers[name]
        response.headers.update(PRIVATE_HEADERS)
    else:
        response.headers.update(CORS_HEADERS)
        response.headers["Vary"] = "Authorization"
    return response
