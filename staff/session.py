"""The staff session: a signed cookie, its secret and CSRF tokens (the sign-in limit: archive/signin_limits.py).

The cookie is Starlette's signed session (itsdangerous): HttpOnly, SameSite=Lax, and Secure
whenever the request came over TLS (uvicorn sets the scheme from the proxy's
X-Forwarded-Proto), so the same deployment works on a laptop and behind a TLS proxy.
"""

from __future__ import annotations

import os
import secrets

from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from archive.settings import Settings
from web.security import served_over_tls

COOKIE = "reckon_staff"
SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"


def secret_key(settings: Settings) -> str:
    """RECKON_SECRET_KEY, else a random key made once and kept in `secret.key` (mode 0600).

    Never a key written in the code: anyone holding it could forge a curator's session.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.secret_key_file
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    try:
        # Whole or not at all, and never over another: the workers of `reckon serve --workers N`
        # starting at once all keep the key the first of them wrote.
        os.link(temp, path)
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
    finally:
        temp.unlink()
    return key


class StaffSessions:
    """Session middleware that marks the cookie Secure on requests that came over HTTPS (through
    a proxy in RECKON_TRUSTED_PROXIES: see web.security.server_options), and always when the
    archive is published at an https base URL."""

    def __init__(self, app: ASGIApp, key: str, settings: Settings | None = None):
        options = {"secret_key": key, "session_cookie": COOKIE, "max_age": SESSION_HOURS * 3600,
                   "same_site": "lax", "path": "/staff"}
        self.plain = SessionMiddleware(app, https_only=False, **options)
        self.secure = SessionMiddleware(app, https_only=True, **options)
        self.always_secure = settings is not None and served_over_tls(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tls = self.always_secure or scope.get("scheme") in ("https", "wss")
        chosen = self.secure if tls else self.plain
        await chosen(scope, receive, send)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; every staff form carries it."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: object) -> bool:
    expected = request.session.get("csrf")
    return bool(expected) and isinstance(sent, str) and secrets.compare_digest(expected, sent)
