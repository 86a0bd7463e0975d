"""The app's answers for the audit, asked from the calling thread: an ASGI client, no portal.

Starlette's `TestClient` carries each request from the calling thread to an event loop in a
thread of its own (an anyio portal) and the answer back: at 100,000 records the audit asks
some 25,000 questions, and those hops were a large part of its walk (bench/README.md). Here
one event loop, run in the calling thread, drives the app for each request in turn. The app
is the one served, called as a server calls it (ASGI 3): its middleware, routes and error
handlers answer; its lifespan (which opens the store) runs for the client's life, through
the ASGI lifespan protocol. As the walk needs: GET requests with a query, redirects followed
within the app, and a server error answered as a 500 rather than raised. The client asks one
request at a time and its loop has nothing else to do, so it lets the app do its blocking work
on that loop rather than hand it to its thread pool and back (`web.in_thread`): a tenth of the
CPU of a page of OAI-PMH identifiers at 100,000 records (bench/results/44).
"""

from __future__ import annotations

import asyncio
from typing import Self
from urllib.parse import urlencode, urlsplit

from web.asgi_call import Answer, call

ORIGIN = "http://testserver"
MAX_REDIRECTS = 20


class AppClient:
    """`with AppClient(app) as client: client.get("/api/records", params={...})`."""

    def __init__(self, app):
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None
        self.state: dict = {}  # the lifespan's state, given to every request (ASGI `scope["state"]`)
        self._lifespan: asyncio.Task | None = None
        self._to_app: asyncio.Queue | None = None
        self._from_app: asyncio.Queue | None = None
        self._requests: asyncio.Queue | None = None
        self._driver: asyncio.Task | None = None

    def __enter__(self) -> Self:
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._start())
        return self

    def __exit__(self, *exc) -> None:
        assert self.loop is not None
        try:
            self.loop.run_until_complete(self._stop())
        finally:
            self.loop.close()
            self.loop = None

    # -- lifespan ---------------------------------------------------------------------------
    async def _start(self) -> None:
        self._requests = asyncio.Queue()
        # Every request is answered inside this one task: anyio takes the task a call runs in
        # as the root of its worker threads and ends them when it ends, so a task per request
        # started a thread for each answer the app gives from its thread pool.
        self._driver = asyncio.ensure_future(self._drive())
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self._lifespan = asyncio.ensure_future(self.app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        await self._lifespan_says("startup")

    async def _stop(self) -> None:
        assert self._to_app is not None and self._driver is not None
        self._driver.cancel()
        await self._to_app.put({"type": "lifespan.shutdown"})
        await self._lifespan_says("shutdown")

    async def _lifespan_says(self, step: str) -> None:
        """Wait for the lifespan's answer to `step`; raise if it failed or ended instead."""
        assert self._from_app is not None and self._lifespan is not None
        message = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({message, self._lifespan}, return_when=asyncio.FIRST_COMPLETED)
        if not message.done():
            message.cancel()
            raise RuntimeError(f"the app's lifespan ended during {step}") from self._lifespan.exception()
        said = message.result()
        if said["type"] == f"lifespan.{step}.failed":
            raise RuntimeError(f"the app's lifespan {step} failed: {said.get('message', '')}")

    # -- requests ---------------------------------------------------------------------------
    def get(self, url: str, params: dict | None = None) -> Answer:
        return self.request("GET", url, params=params)

    def request(self, method: str, url: str, params: dict | None = None) -> Answer:
        assert self.loop is not None, "use the client in a with block"
        for _ in range(MAX_REDIRECTS):
            answer = self.loop.run_until_complete(self._ask(method, url, params))
            location = answer.headers.get("location")
            if answer.status_code not in (301, 302, 303, 307, 308) or not location:
                return answer
            target = urlsplit(location)
            if target.netloc and f"{target.scheme}://{target.netloc}" != ORIGIN:
                return answer  # elsewhere than the app
            url = target.path + (f"?{target.query}" if target.query else "")
            params = None
            if answer.status_code == 303 or answer.status_code in (301, 302) and method != "HEAD":
                method = "GET"
        return answer

    def _ask(self, method: str, url: str, params: dict | None) -> asyncio.Future:
        assert self.loop is not None and self._requests is not None
        answered = self.loop.create_future()
        self._requests.put_nowait((method, url, params, answered))
        return answered

    async def _drive(self) -> None:
        assert self._requests is not None
        while True:
            method, url, params, answered = await self._requests.get()
            try:
                answered.set_result(await call(self.app, method, _with_params(url, params), user_agent="reckon-audit",
                                                state=self.state, in_thread=True))
            except Exception as exc:  # noqa: BLE001 - raised where the request was made
                answered.set_exception(exc)


def _with_params(url: str, params: dict | None) -> str:
    """`url` with `params` added to its query."""
    if not params:
        return url
    path, _, query = url.partition("?")
    return path + "?" + "&".join(q for q in (query, urlencode(params)) if q)
