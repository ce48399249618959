"""The web application: ``create_app(settings)`` builds it over the same services as the CLI.

Pages are server-rendered (Jinja2 + htmx, assets vendored under ``static/``); the REST API
lives under ``/api/`` and its schema at ``/openapi.json``. Every route declares what it needs
(``web.deps.need``); sessions are signed cookies (HttpOnly, SameSite=Lax, Secure when
``secure_cookies`` is set) that expire after ``session_hours``.
"""

from __future__ import annotations

import secrets
from importlib import import_module

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from bluehelmet import __version__
from bluehelmet.config import Settings
from bluehelmet.services.database import Database
from bluehelmet.services.signin_brake import SignInBrake
from bluehelmet.web import signin
from bluehelmet.web.deps import AfterWrites, WriterTurns
from bluehelmet.web.limits import BodyLimit
from bluehelmet.web.security import SecurityHeaders

__all__ = ["ROUTERS", "create_app", "routes_ready"]

#: Modules under bluehelmet.web that contribute a ``router`` (those not yet written are skipped).
ROUTERS = ("bluehelmet.web.api", "bluehelmet.web.pages")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    app = FastAPI(title="bluehelmet", version=__version__, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.db = db or Database(settings)
    app.state.brake = SignInBrake(app.state.db)
    app.state.writers = WriterTurns.for_database(app.state.db)
    app.state.after_writes = AfterWrites()
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key or secrets.token_urlsafe(32),
        session_cookie="bluehelmet_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(BodyLimit, settings=settings)  # outermost: a body is counted before anything reads it
    app.include_router(signin.router)
    for name in ROUTERS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        app.include_router(module.router)

    @app.exception_handler(HTTPException)
    async def refused(request: Request, error: HTTPException) -> Response:
        if error.status_code == 401 and not _is_api(request):
            return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
        if _is_api(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
        return await _page(request, error.status_code, error.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, error)
        problems = [
            {"field": ".".join(map(str, e.get("loc", ())[1:])), "reason": e.get("msg", "")} for e in error.errors()
        ]
        return await _page(request, 422, problems)

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "internal error: nothing was changed"}, status_code=500)
        return await _page(request, 500)

    return app


def routes_ready(app: FastAPI) -> FastAPI:
    """``app`` with every route prepared now, before it serves. FastAPI prepares a route's
    parameters (its dependencies, their models) the first time a request walks past it: the
    first page asked after a start walked past some 350 routes and took 1 to 3 s. Each server
    calls this once (``serve`` and every worker); a test's application need not."""
    nowhere = {"type": "http", "path": "/\u0000", "method": "GET", "root_path": "", "headers": [], "query_string": b""}
    for route in app.router.routes:
        route.matches(nowhere)  # matches nothing, but each route is prepared on the way
    return app


async def _page(request: Request, status: int, detail: object = None) -> Response:
    """A refusal as a page in the frame (``web.pages.errors``), or plain text without the pages."""
    try:
        pages = import_module("bluehelmet.web.pages.errors")
    except ModuleNotFoundError:
        return PlainTextResponse(str(detail or status), status_code=status)
    response: Response = await pages.error_page(request, status, detail)
    return response
