"""What protects every request: security headers, CSRF tokens, and a brake on guessing passwords.

- Headers: a strict Content-Security-Policy (own scripts and styles only, no framing), no MIME
  sniffing, no referrer across sites.
- CSRF: each session holds a random token; a state-changing request made with the session
  cookie must carry it (form field ``csrf_token`` or header ``X-CSRF-Token``). Requests with an
  API token carry no cookie and need none.
- Sign-in: at most ``MAX_FAILURES`` failed attempts per account and per address in
  ``WINDOW_SECONDS``; beyond that sign-in answers 429 until the window passes. Counted in the
  database (``services.signin_brake``), so that every worker of `bluehelmet serve --workers N`
  counts the same failures.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bluehelmet.services.signin_brake import MAX_FAILURES, WINDOW_SECONDS

__all__ = ["MAX_FAILURES", "WINDOW_SECONDS", "SecurityHeaders", "csrf_token", "csrf_valid"]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class SecurityHeaders:
    """Adds the headers to every HTTP response, errors included, as it starts.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` runs each request in a task of
    its own with the body passed through streams, which cost more than the route on small requests.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", _CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_valid(request: Request, given: str | None) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and given is not None and hmac.compare_digest(expected, given)
