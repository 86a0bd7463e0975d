"""HTTP caching and CORS for the open API: ETag, Last-Modified, Cache-Control, 304s, preflight.

Machine clients (harvesters, notebooks, browser apps on other sites) poll the API; a strong
ETag computed from the exact bytes sent lets them revalidate for the price of a header, and
open CORS lets a browser app on any origin read what the public site already shows. Nothing
here decides *what* is public: the bodies come from the Catalog.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.errors import ReckoningError
from web.errors import HANDLERS
from web.in_thread import run_blocking

# Kept, but revalidated before every use: a narrative withdrawn a minute ago must not be shown
# from a cache (a 304 costs the client a header). The static site answers the same way.
CACHE_CONTROL = "no-cache"
# An OAI-PMH answer carries the moment it was made; two answers that differ only there say the
# same thing, so their (weak) ETag leaves it out and a harvester's kept copy revalidates.
RESPONSE_DATE = re.compile(rb"<responseDate>[^<]*</responseDate>")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}
JSON = "application/json"


@dataclass(frozen=True)
class Representation:
    """One answer, ready to send: the exact bytes, their status and validators."""

    body: bytes
    status: int = 200
    media_type: str = JSON
    last_modified: datetime | None = None
    etag: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.etag:
            object.__setattr__(self, "etag", f'"{digest_of(self.body)}"')


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored."""
    if header.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag.removeprefix("W/") in candidates


def digest_of(*parts: bytes | memoryview) -> str:
    """128 bits of the SHA-256 of the parts joined, in hex: an ETag's opaque value. SHA-256,
    not blake2b: with the SHA instructions of most current CPUs (x86 SHA-NI, ARMv8) OpenSSL
    hashes 250 KB in 0.16 ms against blake2b's 0.38 ms, and every OAI-PMH list page is hashed
    (bench/results/44); without them it is about half blake2b's speed."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()[:32]


def _body_etag(body: bytes) -> str:
    """A strong ETag of the bytes sent, or a weak one of the bytes without their OAI-PMH
    responseDate (the same answer made a second later is the same answer): the bytes on
    either side of it hashed as they are, not copied without it."""
    dated = RESPONSE_DATE.search(body)
    if dated is None:
        return f'"{digest_of(body)}"'
    view = memoryview(body)
    return f'W/"{digest_of(view[:dated.start()], view[dated.end():])}"'


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as RFC 9110 asks
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


def respond(request: Request, rep: Representation) -> Response:
    """Send `rep`, or 304 when the caller's copy is current. Errors are never cached."""
    headers = dict(CORS_HEADERS)
    if rep.status != 200:
        headers["Cache-Control"] = "no-cache"
        return Response(rep.body, rep.status, headers, rep.media_type)
    headers["ETag"] = rep.etag
    headers["Cache-Control"] = CACHE_CONTROL
    if rep.last_modified is not None:
        headers["Last-Modified"] = http_date(rep.last_modified)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        fresh = _etag_matches(if_none_match, rep.etag)
    else:
        since = request.headers.get("if-modified-since")
        fresh = since is not None and rep.last_modified is not None and _not_modified_since(since, rep.last_modified)
    if fresh:
        return Response(status_code=304, headers=headers)
    return Response(rep.body, rep.status, headers, rep.media_type)


def preflight() -> Response:
    return Response(status_code=204, headers=PREFLIGHT_HEADERS)


async def error_response(request: Request, exc: Exception) -> Response:
    """The app's own handler for `exc` (web.errors: one error shape), with CORS headers."""
    for cls in type(exc).__mro__:
        if cls in HANDLERS:
            response = await HANDLERS[cls](request, exc)
            response.headers.update(CORS_HEADERS)
            response.headers["Cache-Control"] = "no-cache"
            return response
    raise exc  # pragma: no cover - HANDLERS has a catch-all for Exception


Endpoint = Callable[[Request], Awaitable[Response]]


def http_cached(endpoint: Callable[[Request], Response | Awaitable[Response]]) -> Endpoint:
    """Wrap an endpoint that builds its answer each time: add the validators, CORS, 304s.

    For endpoints whose answer is not worth keeping (a search); the object endpoints keep
    their rendered bytes in a `web.view_cache.ViewCache` instead.
    """
    async def wrapped(request: Request) -> Response:
        if request.method == "OPTIONS":
            return preflight()
        try:
            if inspect.iscoroutinefunction(endpoint):
                response = await endpoint(request)
            else:
                response = await run_blocking(request.scope, endpoint, request)
        except (ReckoningError, HTTPException) as exc:
            return await error_response(request, exc)
        if response.status_code != 200:
            response.headers.update(CORS_HEADERS)
            return response
        return respond(request, Representation(response.body, media_type=response.media_type or JSON))

    wrapped.__name__ = getattr(endpoint, "__name__", "endpoint")
    wrapped.__doc__ = endpoint.__doc__
    return wrapped


class Revalidate:
    """Pure ASGI middleware: every public answer that says nothing of caching is sent with
    `Cache-Control: no-cache`, and a 200 without an ETag (OAI-PMH, a page of the app's own)
    gets one made from its bytes, with the 304 a matching If-None-Match earns. Staff pages
    (`/staff`, never cached: `no-store`) are left as they are."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/staff"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_revalidated(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"cache-control" not in names:
                    headers.append((b"cache-control", CACHE_CONTROL.encode()))
                message = {**message, "headers": headers}
                if message.get("status") == 200 and b"etag" not in names and scope["method"] == "GET":
                    start = message  # held until the body is known, to make its ETag
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            etag = _body_etag(body)
            headers = [(n, v) for n, v in start["headers"]] + [(b"etag", etag.encode())]
            wanted = {n.lower(): v for n, v in scope.get("headers", [])}.get(b"if-none-match")
            if wanted is not None and _etag_matches(wanted.decode("latin-1"), etag):
                kept = [(n, v) for n, v in headers if n.lower() not in (b"content-length", b"content-type")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_revalidated)
