"""Rendering staff pages from the theme's `templates/staff/` with the session's context.

One `Pages` is made per app (`staff.configure` keeps it on `app.state.staff_pages`), so the
templates are compiled once; handlers draw through `render` and `error_page`, which find it
from the request.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse

from archive import site_lag
from archive.models import User
from archive.numbers import whole_number
from archive.settings import Settings
from archive.submissions import CHOICES, FIELDS, STATE_LABELS
from publish.build import build_time, template_environment
from staff.session import CSRF_FIELD, csrf_token

LOST_VERSION = "the form lost its version number; reload the page"
# Scripts on staff pages come only from files of the site's own origin (`script-src 'self'`):
# the templates hold no inline script or event handler, and no page loads code from another
# origin, so text a page shows (a transcript, a name typed by a contributor) can never run as
# script: the browser refuses any inline script an injection might write. The one script
# (site/static/redact-select.js) reads the page and fills in a form; every action is still a
# POST with its CSRF token, checked by the server. Forms post only back to this site.
STAFF_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
             "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class Pages:
    """The staff templates and the globals every staff page uses, compiled once per app."""

    def __init__(self, settings: Settings):
        self.env = template_environment(settings)
        self.env.globals.update(built_on=build_time(settings), fields=FIELDS, choices=CHOICES,
                                state_labels=STATE_LABELS, csrf_field=CSRF_FIELD)

    def render(self, request: Request, template: str, status: int = 200, user: User | None = None,
               **data) -> HTMLResponse:
        flash = request.session.pop("flash", None)
        html = self.env.get_template(f"staff/{template}").render(
            user=user, csrf_token=csrf_token(request), flash=flash, site_lag=_lag(request, user), **data)
        response = HTMLResponse(html, status_code=status)
        # Staff pages hold private names and unpublished text: never cache them anywhere.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = STAFF_CSP
        return response


def _lag(request: Request, user: User | None) -> site_lag.Lag | None:
    """What the public copies do not show yet, for every signed-in page ("public site out of date")."""
    engine = getattr(request.app.state, "engine", None)
    if user is None or engine is None:
        return None
    with Session(engine) as session:
        return site_lag.current(session)


def render(request: Request, template: str, status: int = 200, user: User | None = None,
           **data) -> HTMLResponse:
    """`templates/staff/<template>` drawn with `data`, the session's flash and CSRF token."""
    pages: Pages = request.app.state.staff_pages
    return pages.render(request, template, status=status, user=user, **data)


def error_page(request: Request, status: int, title: str, message: str,
               user: User | None = None) -> HTMLResponse:
    return render(request, "error.html", status=status, user=user, title=title, message=message)


def flash(request: Request, message: str) -> None:
    """A one-line notice shown on the next staff page (after a redirect)."""
    request.session["flash"] = message


def form_version(request: Request) -> int | None:
    """The version a form was opened at (optimistic concurrency), None if the form lost it."""
    return whole_number(request.state.form.get("version", ""), 0)
