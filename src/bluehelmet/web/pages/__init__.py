"""The pages of the web application: one module per page, gathered in ``router``.

Pages are server-rendered (Jinja2, htmx for partial updates) and call the services directly.
``router`` also serves the static files (``/static/...``: own CSS and JS, and the vendored
Leaflet, htmx and Chart.js, so the pages work with no internet) and, when the application
starts, gives ``web.signin`` the sign-in page (``app.state.render_signin``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from bluehelmet.web.pages.about import router as about_router
from bluehelmet.web.pages.accounts import router as accounts_router
from bluehelmet.web.pages.api_docs import router as api_docs_router
from bluehelmet.web.pages.audit import router as audit_router
from bluehelmet.web.pages.capabilities import router as capabilities_router
from bluehelmet.web.pages.conflicts import router as conflicts_router
from bluehelmet.web.pages.drafts import router as drafts_router
from bluehelmet.web.pages.forces import router as forces_router
from bluehelmet.web.pages.frame import render_signin
from bluehelmet.web.pages.imports import router as imports_router
from bluehelmet.web.pages.incidents import router as incidents_router
from bluehelmet.web.pages.intake import router as intake_router
from bluehelmet.web.pages.missions import router as missions_router
from bluehelmet.web.pages.operations import router as operations_router
from bluehelmet.web.pages.planning import router as planning_router
from bluehelmet.web.pages.quality import router as quality_router
from bluehelmet.web.pages.reports import router as reports_router
from bluehelmet.web.pages.rotations import router as rotations_router
from bluehelmet.web.pages.search import router as search_router
from bluehelmet.web.pages.situation import router as situation_router
from bluehelmet.web.pages.transition import router as transition_router
from bluehelmet.web.pages.watch import router as watch_router

__all__ = ["STATIC", "install", "render_signin", "router"]

STATIC = Path(str(resources.files("bluehelmet.web").joinpath("static")))
_FILES = StaticFiles(directory=STATIC)


def install(app: FastAPI) -> None:
    """Give the application what the pages provide beyond routes (the sign-in page)."""
    app.state.render_signin = render_signin


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    install(app)
    yield


router = APIRouter(include_in_schema=False, lifespan=_lifespan)


@router.get("/static/{path:path}")
async def static(request: Request, path: str) -> Response:
    """The pages' own and vendored files (needs nothing: the sign-in page uses them)."""
    response = await _FILES.get_response(path, request.scope)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/situation", status_code=303)


for _pages in (
    situation_router,
    incidents_router,
    intake_router,
    operations_router,
    forces_router,
    rotations_router,
    planning_router,
    capabilities_router,
    transition_router,
    imports_router,
    drafts_router,
    quality_router,
    reports_router,
    audit_router,
    search_router,
    about_router,
    api_docs_router,
    accounts_router,
    watch_router,
    conflicts_router,
    missions_router,
):
    router.include_router(_pages)
