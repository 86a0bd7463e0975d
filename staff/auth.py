"""Who is signed in, what their role allows, and sign-in / sign-out.

Every staff page goes through `guard`: it loads the user from the store on each request (so
a role change or a disabled account takes effect at once), refuses a POST whose CSRF token
is missing or wrong before anything else happens (a body larger than a form without a recording
is not even read unless someone is signed in), and checks the role the page needs.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import staff_sessions
from archive.access import Role
from archive.db import transaction
from archive.errors import Forbidden, NotFound
from archive.models import AuditEvent, User
from archive.signin_limits import StoreSignInLimiter
from archive.users import authenticate, is_disabled
from staff.errors import refused
from staff.pages import error_page, render
from staff.session import CSRF_FIELD, csrf_ok

RANK = {Role.CONTRIBUTOR: 1, Role.CURATOR: 2, Role.ADMIN: 3}
SMALL_BODY = 16 * 1024 * 1024  # a form with a transcript: larger ones carry a recording
FORM_LIMITS = {"max_files": 2, "max_fields": 200, "max_part_size": 8 * 1024 * 1024}
Handler = Callable[[Request, User], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def _fingerprint(user: User) -> str:
    # Changing the password (or disabling the account) ends every session made before it.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def signed_in_user(request: Request) -> User | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    with Session(request.app.state.engine) as session:
        user = session.get(User, uid)
        live = user is not None and staff_sessions.is_live(session, request.session.get("sid"), user.id)
    if not live or is_disabled(user) or request.session.get("fp") != _fingerprint(user):
        request.session.pop("uid", None)
        return None
    return user


def session_role(request: Request) -> Role | None:
    """The role of the signed-in staff user, for the staff app's copy of /api/search."""
    if "session" not in request.scope:
        return None
    user = signed_in_user(request)
    return Role(user.role) if user is not None else None


def guard(role: Role) -> Callable[[Handler], Endpoint]:
    """`@guard(role)` makes a handler(request, user) an endpoint that enforces the rules above.

    A NotFound or Forbidden the handler lets through becomes the error page (staff.errors).
    """

    def decorate(handler: Handler) -> Endpoint:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                return await _guarded(request, role, handler)
            finally:
                if request.method == "POST" and hasattr(request.state, "form"):
                    await request.state.form.close()  # uploaded files' temporary files
        return endpoint
    return decorate


def _beyond_a_form(request: Request) -> bool:
    """Whether a request's body may be larger than a form without a recording (its length is
    not said, or is more than SMALL_BODY): only a signed-in user's is read at all."""
    length = request.headers.get("content-length", "")
    return not length.isdigit() or int(length) > SMALL_BODY


async def _guarded(request: Request, role: Role, handler: Handler) -> Response:
    if request.method == "POST":
        if _beyond_a_form(request) and signed_in_user(request) is None:
            # A recording's upload may be a gigabyte: nobody signed out gets one spooled to disk.
            return error_page(request, 401, "Signed out", "Sign in again to continue.")
        form = await request.form(**FORM_LIMITS)
        request.state.form = form
        if not csrf_ok(request, form.get(CSRF_FIELD)):
            return error_page(request, 403, "Form refused",
                              "This form was not sent from a page of the staff app, or it "
                              "has expired. Go back, reload the page and try again.")
    user = signed_in_user(request)
    if user is None:
        if request.method == "GET":
            return RedirectResponse(f"/staff/signin?next={quote(request.url.path)}", 303)
        return error_page(request, 401, "Signed out", "Sign in again to continue.")
    if RANK[Role(user.role)] < RANK[role]:
        return error_page(request, 403, "Not allowed",
                          f"This page is for {role.value}s; you are signed in as a {user.role}.", user=user)
    try:
        return await handler(request, user)
    except (NotFound, Forbidden) as exc:
        return refused(request, user, exc)


def _safe_next(target: str | None) -> str:
    """Only ever send a user on to a staff page of this site (no open redirect)."""
    if target and target.startswith("/staff/") and not target.startswith("//"):
        return target
    return "/staff/"


def _audit(engine: Engine, username: str, action: str, client: str) -> None:
    with transaction(engine) as session:
        session.add(AuditEvent(actor=username, action=action, object_type="user", object_id=username,
                               detail=f"from {client}"))


def _authenticate(engine: Engine, username: str, password: str) -> User | None:
    with transaction(engine) as session:
        return authenticate(session, username, password)


async def signin(request: Request) -> Response:
    next_url = _safe_next(request.query_params.get("next"))
    if request.method == "GET":
        if signed_in_user(request) is not None:
            return RedirectResponse(next_url, 303)
        return render(request, "signin.html", username="", next_url=next_url, error="")
    form = await request.form(**FORM_LIMITS)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "Form refused",
                          "The sign-in form has expired. Reload the page and sign in again.")
    username = str(form.get("username", "")).strip()
    next_url = _safe_next(str(form.get("next", "")))
    client = request.client.host if request.client else "unknown"
    key = (username.lower(), client)
    engine, limiter = request.app.state.engine, request.app.state.signin_limiter
    wait = limiter.retry_after(engine, key)
    if wait:
        response = render(request, "signin.html", status=429, username=username, next_url=next_url,
                          error=f"Too many failed sign-ins for this name from your address. "
                                f"Try again in {max(1, wait // 60)} minute(s).")
        response.headers["Retry-After"] = str(wait)
        return response
    user = await run_in_threadpool(_authenticate, engine, username, str(form.get("password", "")))
    if user is None:
        await _failed(engine, limiter, key, username, client)
        return render(request, "signin.html", status=401, username=username, next_url=next_url,
                      error="Wrong username or password.")
    limiter.succeeded(engine, key)
    _audit(engine, user.username, "signin", client)
    with transaction(engine) as session:
        session_id = staff_sessions.start(session, user.id)
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in user
    request.session.update({"uid": user.id, "fp": _fingerprint(user), "sid": session_id})
    return RedirectResponse(next_url, 303)


async def _failed(engine: Engine, limiter: StoreSignInLimiter, key: tuple[str, str], username: str,
                  client: str) -> None:
    """Count a failed sign-in, note a lock-out in the audit log, and make the caller wait
    (the delay grows with the failures, so guessing is slow even before the lock-out)."""
    delay = limiter.failed(engine, key)
    if limiter.retry_after(engine, key):
        _audit(engine, username or "?", "signin-locked", client)
    await asyncio.sleep(delay)


async def signout(request: Request) -> Response:
    form = await request.form(**FORM_LIMITS)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "Form refused", "Reload the page and sign out again.")
    with transaction(request.app.state.engine) as session:  # every copy of the cookie ends too
        staff_sessions.end(session, request.session.get("sid"))
    request.session.clear()
    return RedirectResponse("/staff/signin", 303)


ROUTES = [
    Route("/signin", signin, methods=["GET", "POST"]),
    Route("/signout", signout, methods=["POST"]),
]
