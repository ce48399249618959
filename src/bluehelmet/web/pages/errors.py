"""Refusals and failures as pages: a page route's 403, 404, 405, 409, 422 or 500 is answered
inside the application's frame, in the reader's language, saying what happened and what to do
next, with the status code kept. Paths under ``/api/`` (and requests that accept only JSON)
keep their JSON answers (``web.api.errors``)."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bluehelmet.web.deps import principal_of
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import render

__all__ = ["ERRORS", "error_page"]

#: For each status a page may answer with: its headline and what the reader can do next.
ERRORS: dict[int, tuple[str, str]] = {
    400: (N_("The request could not be read"), N_("Go back, check what you entered and try again.")),
    403: (
        N_("Your account may not open this page"),
        N_("Your role or your sector does not allow it. Ask an administrator if you need it."),
    ),
    404: (
        N_("There is nothing here"),
        N_("The page or record does not exist, was deleted, or is outside your sector. Use the navigation above."),
    ),
    405: (N_("This page cannot be used that way"), N_("Open it from a link or a form of the application.")),
    409: (
        N_("Someone else changed this record"),
        N_("Reload the page to see the record as it now stands, then make your change again."),
    ),
    413: (N_("The upload is too large"), N_("Send a smaller file, or split it into several parts.")),
    422: (N_("What was sent is not valid"), N_("Go back, correct the fields named below and try again.")),
    500: (
        N_("Something went wrong on the server"),
        N_("Nothing was changed. Try again in a moment; if it happens again, tell an administrator."),
    ),
    503: (N_("The database cannot be reached"), N_("Try again in a moment; if it lasts, tell an administrator.")),
}


async def error_page(request: Request, status: int, detail: object = None) -> Response:
    """The page answering ``status``, in the frame (with the navigation when signed in)."""
    principal = None
    if "session" in request.scope:  # a 500 is answered outside the session's middleware
        try:
            principal = await principal_of(request)
        except (HTTPException, StarletteHTTPException):
            principal = None
    headline, next_step = ERRORS.get(status, ERRORS[500 if status >= 500 else 400])
    if detail == HTTPStatus(status).phrase:  # Starlette's own words ("Not Found") say no more than the page
        detail = None
    if isinstance(detail, list):
        detail = "; ".join(f"{p.get('field', '')}: {p.get('reason', '')}" if isinstance(p, dict) else str(p)
                           for p in detail)  # fmt: skip
    context = {
        "title": headline,
        "status": status,
        "headline": headline,
        "next_step": next_step,
        "detail": str(detail) if detail and status < 500 else "",
    }
    return render(request, "error.html", context, status=status, principal=principal)
