"""The staff app, mounted at /staff: sign-in, submissions, review, publishing, admin.

Server-rendered HTML from the theme's `templates/staff/`, usable without a command line.
The session middleware wraps these routes only; the public site and API never see a cookie.

Each module lists its named endpoints in a `ROUTES` table; they read what they need from
`request.app.state` (the app the Mount sits in): the engine, opened by the app's lifespan, and
what `configure` puts there.
"""

from __future__ import annotations

from starlette.datastructures import State
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from archive.settings import Settings
from archive.signin_limits import StoreSignInLimiter
from staff import (
    admin,
    api,
    auth,
    harms,
    narratives,
    redaction_review,
    store_narratives,
    tag_review,
)
from staff.auth import session_role
from staff.pages import Pages, error_page
from staff.session import StaffSessions, secret_key
from web.api import search as search_api

MAX_BODY = 16 * 1024 * 1024  # a typed transcript plus one capped upload (the narrative form takes more)


def configure(state: State, settings: Settings) -> None:
    """Put on the app's state what the staff handlers read there, made once per app: the
    settings, the page renderer (templates compiled once) and the sign-in limiter."""
    state.settings = settings
    state.staff_pages = Pages(settings)
    state.signin_limiter = StoreSignInLimiter()


async def not_found(request: Request) -> Response:
    return error_page(request, 404, "Not found", "There is no such staff page.")


async def to_dashboard(request: Request) -> Response:
    # Without this, "/staff" would fall through to the static site's 404.
    return RedirectResponse("/staff/", 308)


def routes(settings: Settings) -> list[BaseRoute]:
    """/staff and everything under it; the app must also call `configure` on its state."""
    staff = [
        *auth.ROUTES,
        *narratives.routes(settings),
        *admin.ROUTES,
        *store_narratives.ROUTES,  # withdrawal of content-file narratives
        *harms.ROUTES,  # curators' evidence links and accountability events
        *api.ROUTES,
        *tag_review.ROUTES,
        *redaction_review.ROUTES,
        # /api/search answered from the staff index for a signed-in curator (web.api.search).
        Route("/api/search", search_api.endpoint(settings, session_role=session_role), methods=["GET", "HEAD"]),
        Route("/{rest:path}", not_found),
    ]
    return [Route("/staff", to_dashboard), Mount("/staff", routes=staff, max_body_size=MAX_BODY,
                  middleware=[Middleware(StaffSessions, key=secret_key(settings), settings=settings)])]
