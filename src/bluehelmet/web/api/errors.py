"""How the API refuses: every error is JSON, and a refused input names its field.

- 422 ``{"detail": [{"field": ..., "reason": ...}]}``: the request or a record broke a rule
  (also for FastAPI's own checks of parameters, rewritten by :class:`ApiRoute`).
- 409 ``{"detail": ..., "current": {...}}``: the change was based on a stale version; ``current``
  is the record as it now stands.
- 404, 403, 401, 413, 503 ``{"detail": "..."}``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from bluehelmet.domain.catalogue import UnknownEntity
from bluehelmet.domain.errors import (
    BluehelmetError,
    DatabaseUnavailable,
    InvalidRecord,
    NotFound,
    StaleVersion,
    WriteConflict,
)
from bluehelmet.services.bulk import BulkRefused
from bluehelmet.services.listing import OutsideScope

__all__ = [
    "COMMON",
    "ApiRoute",
    "FieldProblem",
    "Message",
    "Problems",
    "Stale",
    "answer",
    "problems",
    "responses",
]


class FieldProblem(BaseModel):
    field: str
    reason: str
    record: str | None = None
    #: In a bulk creation: the place of the refused record in the list sent, from 0.
    index: int | None = None


class Problems(BaseModel):
    """What a 422 carries: every problem, each naming its field."""

    detail: list[FieldProblem]


class Message(BaseModel):
    detail: str


class Stale(BaseModel):
    """What a 409 carries: why, and the record as it now stands (when it is a stale version)."""

    detail: str
    current: dict[str, Any] | None = None


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of the error answers a route may give."""
    described: dict[int, tuple[type[BaseModel], str]] = {
        401: (Message, "Not signed in (no session, no valid API token)."),
        403: (Message, "The role, or the sector of a sector account, does not allow this."),
        404: (Message, "No such record (or it is deleted)."),
        409: (Stale, "The version is stale (with the current record), or the database refused the change."),
        413: (Message, "The body, or the number of records in it, is larger than the limit."),
        422: (Problems, "The input or a record broke a rule; every problem names its field."),
        503: (Message, "The database cannot be reached."),
    }
    return {code: {"model": described[code][0], "description": described[code][1]} for code in codes}


#: What any route of the API may answer besides its success.
COMMON = responses(401, 403, 422, 503)


def problems(*pairs: tuple[str, str]) -> HTTPException:
    """A 422 naming each (field, reason)."""
    return HTTPException(422, [{"field": field, "reason": reason} for field, reason in pairs])


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("query", "path", "header", "cookie") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "(request)"


def answer(error: Exception) -> JSONResponse | None:
    """The JSON answer to one of the product's refusals (None: not one of them)."""
    if isinstance(error, RequestValidationError):
        detail = [{"field": _field(e.get("loc", ())), "reason": str(e.get("msg", "is not valid"))}
                  for e in error.errors()]  # fmt: skip
        return JSONResponse({"detail": detail}, 422)
    if isinstance(error, BulkRefused):
        indexed = [{"index": i.index, "field": i.problem.field, "reason": i.problem.reason,
                    "record": i.problem.record} for i in error.indexed]  # fmt: skip
        return JSONResponse({"detail": indexed}, 422)
    if isinstance(error, InvalidRecord):
        detail = [{"field": p.field, "reason": p.reason, "record": p.record} for p in error.problems]
        return JSONResponse({"detail": detail}, 422)
    if isinstance(error, StaleVersion):
        return JSONResponse({"detail": str(error), "current": error.current}, 409)
    if isinstance(error, WriteConflict):
        return JSONResponse({"detail": str(error), "current": None}, 409)
    if isinstance(error, NotFound | UnknownEntity):
        return JSONResponse({"detail": str(error)}, 404)
    if isinstance(error, OutsideScope):
        return JSONResponse({"detail": str(error)}, 403)
    if isinstance(error, DatabaseUnavailable):
        return JSONResponse({"detail": str(error)}, 503)
    if isinstance(error, BluehelmetError):
        return JSONResponse({"detail": [{"field": "(request)", "reason": str(error)}]}, 422)
    return None


class ApiRoute(APIRoute):
    """A route whose refusals (the product's errors and FastAPI's checks) are answered as JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            nul = [name for name, value in request.query_params.multi_items() if "\x00" in name + value]
            if nul:  # no database stores it, and no name or value of ours holds it
                detail = [{"field": name, "reason": "contains a NUL character"} for name in nul]
                return JSONResponse({"detail": detail}, 422)
            try:
                return await handler(request)
            except (RequestValidationError, BluehelmetError) as error:
                response = answer(error)
                assert response is not None
                return response

        return guarded
