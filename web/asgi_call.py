"""One HTTP request answered by the app in-process, as a server calls it (ASGI 3): its
middleware, routes and error handlers answer, and a server error is the 500 a server would
give rather than an exception. For callers inside the app's own process that want its real
answer without a socket: the serving process's warm-up (`server.warm_up`) and the audit's
client (`audit.app_client`, which adds the lifespan and redirects).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote, urlsplit

from starlette.types import ASGIApp

from web.in_thread import IN_THREAD


@dataclass
class Answer:
    """What the app answered: the status, the headers (names in lower case) and the body."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    @cached_property  # the audit reads a page's text to scan it and to walk on
    def text(self) -> str:
        kind = self.headers.get("content-type", "")
        charset = next((p.split("=", 1)[1].strip().strip('"') for p in kind.split(";")[1:]
                        if p.strip().lower().startswith("charset=")), "utf-8")
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.content)


async def call(app: ASGIApp, method: str, url: str, *, host: str = "testserver", user_agent: str = "reckon",
               state: dict | None = None, in_thread: bool = False) -> Answer:
    """`method` `url` (a path with its query) answered by `app`, asked from 127.0.0.1 with the
    Host header `host`; `state` is the lifespan's (ASGI `scope["state"]`), copied. `in_thread`:
    the caller asks one request at a time, its loop has nothing else to do, and the app may do
    its blocking work on it rather than in its thread pool (`web.in_thread`)."""
    parts = urlsplit(url)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": unquote(parts.path), "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(), "root_path": "",
        "headers": [(b"host", host.encode()), (b"accept", b"*/*"), (b"user-agent", user_agent.encode())],
        "client": ("127.0.0.1", 50000), "server": (host, 80), "state": dict(state or {}),
    }
    if in_thread:
        scope["extensions"] = {IN_THREAD: {}}
    done = asyncio.Event()
    sent_request = False

    async def receive() -> dict:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # a streaming answer listens for the client leaving: not before the end
        return {"type": "http.disconnect"}

    status, headers, body = 500, {}, []

    async def send(message: dict) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {}
            for name, value in message.get("headers", []):
                key = name.decode("latin-1").lower()
                text = value.decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    try:
        await app(scope, receive, send)
    except Exception:  # noqa: BLE001 - a server error: answered as the 500 a server gives
        if not done.is_set() and not body:
            return Answer(500, {"content-type": "text/plain"}, b"Internal Server Error")
    finally:
        done.set()
    return Answer(status, headers, b"".join(body))
