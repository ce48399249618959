"""Search under ``/api/search``: the JSON of ``bluehelmet search --json``, within what the
caller may read (a sector account: its sector's records; nothing else is found or counted)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from bluehelmet.domain.access import Action, Principal
from bluehelmet.services import search as searching
from bluehelmet.services.database import Database
from bluehelmet.web.api.errors import COMMON, ApiRoute
from bluehelmet.web.deps import database_of, need

__all__ = ["router"]

router = APIRouter(prefix="/search", route_class=ApiRoute, tags=["records"])


@router.get("", responses=COMMON)
def search(
    db: Annotated[Database, Depends(database_of)],
    principal: Annotated[Principal, Depends(need(Action.READ))],
    q: Annotated[
        str,
        Query(
            description="The words to find (each begins a word of the record; any case, any accents).",
            max_length=searching.MAX_LENGTH,
        ),
    ],
    kind: Annotated[list[str] | None, Query(description="Search only these kinds (e.g. incident, caveat).")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Records of each kind.")] = 10,
    mission: Annotated[str | None, Query(description="The mission (default: yours, or the first).")] = None,
) -> JSONResponse:
    """The records whose text holds every word of ``q``, ranked: each hit's kind, id, title,
    an excerpt (``snippet``) with the matched words at ``marks`` (start, end), its score and the
    page that shows it; ``counts`` says how many of each kind match in all."""
    found = searching.search(db, principal, q, kinds=kind or (), mission=mission, limit=limit)
    return JSONResponse(found.as_json())
