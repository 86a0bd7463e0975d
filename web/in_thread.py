"""Blocking work of an answer: in the thread pool under a server, in the caller's own thread
for an in-process caller that asks one question at a time.

A server's event loop serves many callers at once, so an answer that reads the store or makes
a page of 250 KB is handed to a worker thread (`run_in_threadpool`) and the loop stays free.
An in-process caller that drives the app one request at a time from a loop of its own (the
leak audit's client, `audit.app_client`) has nothing else for that loop to do: there the hand-
off is pure cost, a worker thread woken and the answer passed back through the loop's self-pipe
for each of ~25,000 requests, the two threads taking turns on the GIL (at 100,000 records ~10 %
of the CPU of a page of OAI-PMH identifiers, bench/results/44). Such a caller says so in the
request's scope (`IN_THREAD` among its ASGI `extensions`, `web.asgi_call.call(in_thread=True)`);
a server never sets it, and a client cannot (the scope is the server's, not a header).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

T = TypeVar("T")

IN_THREAD = "reckon.in_thread"  # an ASGI scope extension: blocking work may run on the caller's loop


def answered_in_thread(scope: Scope) -> bool:
    """The caller drives one request at a time from its own loop (it set `IN_THREAD`)."""
    return IN_THREAD in (scope.get("extensions") or {})


async def run_blocking(scope: Scope, func: Callable[..., T], *args) -> T:
    """`func(*args)`: in the caller's thread when the request's scope allows it
    (`answered_in_thread`), else in the thread pool, as a server needs."""
    if answered_in_thread(scope):
        return func(*args)
    return await run_in_threadpool(func, *args)
