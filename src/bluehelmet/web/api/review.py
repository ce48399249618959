"""Reviewing incidents under ``/api/review/incidents``: draft -> verified or rejected, and back
to draft; one at a time, or a batch (all or nothing)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.records import snapshot
from bluehelmet.services import review as reviewing
from bluehelmet.services.database import Database
from bluehelmet.web.api import schemas
from bluehelmet.web.api.errors import COMMON, ApiRoute, responses
from bluehelmet.web.api.records import BIGGEST, RecordId
from bluehelmet.web.deps import database_of, need, write_in_turn

__all__ = ["Batch", "Item", "Reviewed", "Verdict", "router"]

router = APIRouter(prefix="/review", route_class=ApiRoute, tags=["review"])

Reviewer = Annotated[Principal, Depends(need(Action.REVIEW, "Incident"))]
Db = Annotated[Database, Depends(database_of)]
Status = Literal["draft", "verified", "rejected"]


class Verdict(BaseModel):
    """The status an incident moves to, and the version the decision was based on."""

    model_config = ConfigDict(strict=True, extra="forbid")
    status: Status
    version: int = Field(ge=1, le=BIGGEST)


class Item(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    id: int = Field(ge=1, le=BIGGEST)
    version: int = Field(ge=1, le=BIGGEST)


class Batch(BaseModel):
    """Incidents (each with the version it was based on) all moved to one status, or none."""

    model_config = ConfigDict(strict=True, extra="forbid")
    status: Status = "verified"
    items: list[Item] = Field(min_length=1, max_length=1000)


class Reviewed(BaseModel):
    records: list[Any] = Field(json_schema_extra={"items": {"$ref": "#/components/schemas/IncidentRecord"}})


@router.post("/incidents/{incident_id}", response_model=schemas.record_model(Incident),
             responses={**COMMON, **responses(404, 409)})  # fmt: skip
async def review_one(
    request: Request, incident_id: RecordId, verdict: Verdict, principal: Reviewer, db: Db
) -> JSONResponse:
    """Move one incident to ``status``; a stale ``version`` gets 409 with the current incident."""
    status = ReviewStatus(verdict.status)
    done = await write_in_turn(request, lambda: reviewing.review(db, principal, incident_id, verdict.version, status))
    return JSONResponse(snapshot(done))


@router.post("/incidents", response_model=Reviewed, responses=COMMON)
async def review_batch(request: Request, batch: Batch, principal: Reviewer, db: Db) -> JSONResponse:
    """Move every incident listed to ``status`` (default: verified), all or nothing: if any is
    refused (stale, not found, not allowed, a transition the review does not allow), nothing
    changes and the 422 names each refused item (``items.N``)."""
    items = [(item.id, item.version) for item in batch.items]
    status = ReviewStatus(batch.status)
    done = await write_in_turn(request, lambda: reviewing.review_many(db, principal, items, status))
    return JSONResponse({"records": [snapshot(r) for r in done]})
