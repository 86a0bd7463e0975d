"""Security headers on every response the app sends (API, site, errors alike).

The site has no inline scripts, so scripts may come only from the archive itself; nothing may
frame its pages (testimony must not be re-presented inside someone else's page).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.settings import Settings

CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Pure ASGI middleware (no response buffering), added outermost by `create_app`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [h for h in HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def server_options(settings: Settings) -> dict:
    """How uvicorn is told whom to believe about the original request.

    X-Forwarded-Proto (and -For) are honoured only from the trusted proxies
    (RECKON_TRUSTED_PROXIES), so a client cannot claim TLS it did not use; behind a trusted
    TLS proxy the request's scheme is https and the staff cookie is marked Secure.
    """
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}


def served_over_tls(settings: Settings) -> bool:
    """A site published at an https base URL is only ever meant to be reached over TLS."""
    return settings.base_url.lower().startswith("https://")
