"""The staff app, mounted at /staff: sign-in, submissions, review, publishing, admin.

Server-rendered HTML from the theme's `templates/staff/`, usable without a command line.
The session middleware wraps these routes only; the public site and API never see a cookie.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from archive.settings import Settings
from archive.signin_limits import StoreSignInLimiter
from staff.admin import admin_routes
from staff.api import api_routes
from staff.auth import make_guard, session_role, signin_handlers
from staff.harms import harm_routes
from staff.narratives import narrative_routes
from staff.pages import Pages
from staff.redaction_review import redaction_routes
from staff.session import StaffSessions, secret_key
from staff.store_narratives import store_narrative_routes
from staff.tag_review import tag_routes
from web.api import search as search_api

MAX_BODY = 16 * 1024 * 1024  # a typed transcript plus one capped upload


def routes(settings: Settings) -> list[Route | Mount]:
    pages = Pages(settings)
    guard = make_guard(pages)
    signin, signout = signin_handlers(pages, StoreSignInLimiter())

    async def not_found(request: Request) -> Response:
        return pages.error(request, 404, "Not found", "There is no such staff page.")

    staff = [
        Route("/signin", signin, methods=["GET", "POST"]),
        Route("/signout", signout, methods=["POST"]),
        *narrative_routes(settings, pages, guard),
        *admin_routes(pages, guard),
        *store_narrative_routes(settings, pages, guard),  # withdrawal of content-file narratives
        *harm_routes(settings, pages, guard),  # curators' evidence links and accountability events
        *api_routes(),
        *tag_routes(pages, guard),
        *redaction_routes(settings, pages, guard),
        # /api/search answered from the staff index for a signed-in curator (web.api.search).
        Route("/api/search", search_api.endpoint(settings, session_role=session_role), methods=["GET", "HEAD"]),
        Route("/{rest:path}", not_found),
    ]
    async def to_dashboard(request: Request) -> Response:
        # Without this, "/staff" would fall through to the static site's 404.
        return RedirectResponse("/staff/", 308)

    return [Route("/staff", to_dashboard), Mount("/staff", routes=staff, max_body_size=MAX_BODY,
                  middleware=[Middleware(StaffSessions, key=secret_key(settings), settings=settings)])]
