"""Signing in and out of the web application (session cookie), and the health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bluehelmet.services import accounts
from bluehelmet.services.signin_brake import SignInBrake
from bluehelmet.web.deps import database
from bluehelmet.web.security import csrf_token, csrf_valid

__all__ = ["client_address", "router"]

router = APIRouter()


@router.get("/healthz", include_in_schema=True, tags=["health"])
def healthz() -> dict[str, str]:
    """Liveness: 200 with {"status": "ok"} while the application serves. (Needs nothing.)"""
    return {"status": "ok"}


def client_address(request: Request) -> str:
    """The address of the client: the connection's, or, when the connection comes from a proxy
    named in the ``trusted_proxies`` setting, the last address its X-Forwarded-For adds that is
    not itself a trusted proxy. A header from anyone else is ignored (it is the client's word)."""
    peer = request.client.host if request.client else "unknown"
    trusted = set(request.app.state.settings.trusted_proxies)
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:64]
    return peer


def _brake(request: Request) -> SignInBrake:
    brake: SignInBrake = request.app.state.brake
    return brake


def _render_signin(request: Request, error: str = "", status: int = 200) -> Response:
    pages = getattr(request.app.state, "render_signin", None)
    if pages is not None:
        return pages(request, error, status)  # type: ignore[no-any-return]
    token = csrf_token(request)
    return HTMLResponse(
        f'<form method="post" action="/signin"><input type="hidden" name="csrf_token" value="{token}">'
        f'<input name="name"><input name="password" type="password"><button>Sign in</button></form><p>{error}</p>',
        status_code=status,
    )


@router.get("/signin", include_in_schema=False)
def signin_page(request: Request) -> Response:
    return _render_signin(request)


@router.post("/signin", include_in_schema=False)
def signin(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD_LENGTH)],
    csrf: Annotated[str, Form(alias="csrf_token")] = "",
    next_page: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Check the password; on success start a fresh session (a new CSRF token, nothing kept from before)."""
    if not csrf_valid(request, csrf):
        return _render_signin(request, "The form had expired: please sign in again.", 403)
    keys = (f"name:{name.lower()}", f"addr:{client_address(request)}")
    if not _brake(request).attempt(*keys):  # counted before the password is checked, atomically
        return _render_signin(request, "Too many failed attempts: wait a few minutes and try again.", 429)
    account = accounts.authenticate(database(request), name, password)
    if account is None:
        return _render_signin(request, "Wrong name or password.", 401)
    _brake(request).succeeded(*keys)
    request.session.clear()  # no session fixation: nothing from before sign-in survives
    request.session["account"] = account.name
    request.session["generation"] = account.generation  # signing out, disabling, a new password advance it
    csrf_token(request)
    target = next_page if next_page.startswith("/") and not next_page.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/signout", include_in_schema=False)
def signout(request: Request, csrf: Annotated[str, Form(alias="csrf_token")] = "") -> Response:
    if not csrf_valid(request, csrf):
        return JSONResponse({"detail": "the form is stale or forged"}, status_code=403)
    name = request.session.get("account")
    if isinstance(name, str):
        accounts.end_sessions(database(request), name)  # a copy of the cookie replayed later fails too
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)
