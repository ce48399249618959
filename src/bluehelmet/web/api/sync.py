"""Sync under ``/api/sync/``: what a sector node pushes and pulls (docs/nodes.md).

Only node tokens (``Authorization: Bearer bhn_...``, issued by ``bluehelmet node add``) may use
it: anonymous requests get 401, accounts (signed in or with an API token) get 403. A node reads
and writes what a sector account of its sector may, in its sector's mission.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from bluehelmet.services import nodes, watch
from bluehelmet.services import sync as syncing
from bluehelmet.services.database import Database
from bluehelmet.web.api.errors import ApiRoute, responses
from bluehelmet.web.deps import database, database_of, principal_of, write_in_turn

__all__ = ["NodeInfo", "Pulled", "Push", "Pushed", "node_of", "router"]

router = APIRouter(prefix="/sync", route_class=ApiRoute, tags=["sync"])
Db = Annotated[Database, Depends(database_of)]
_ANSWERS = responses(401, 403, 422, 503)


async def node_of(request: Request) -> nodes.Node:
    """The node a request's bearer token belongs to; 401 without one, 403 for an account."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if token.startswith(nodes.PREFIX):
        node = await run_in_threadpool(nodes.node_for_token, database(request), token)
        if node is None:
            raise HTTPException(401, "the node token is unknown or revoked")
        return node
    if token.startswith("bh_") or (not token and await principal_of(request) is not None):
        raise HTTPException(403, "only a sector node's token may use the sync API")
    raise HTTPException(401, "send a node token (bluehelmet node add)")


NodeDep = Annotated[nodes.Node, Depends(node_of)]


class NodeInfo(BaseModel):
    name: str
    sector: str
    sector_uid: str


class ChangeBody(BaseModel):
    """One change: its global id, the record's kind and global id, the action, the version it
    makes, the record after it (references as global ids), who made it, on which node, when,
    the change it was based on and the changes it settles."""

    model_config = ConfigDict(extra="forbid")
    uid: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)
    record_uid: str = Field(min_length=1, max_length=64)
    action: str = Field(min_length=1, max_length=16)
    version: int = Field(ge=1, le=2**31 - 1)
    after: dict[str, Any]
    actor: str = Field(min_length=1, max_length=200)
    node: str = Field(min_length=1, max_length=100)
    at: str = Field(min_length=1, max_length=64)
    base: str | None = Field(default=None, max_length=64)
    merges: list[str] = Field(default_factory=list, max_length=1000)


class Push(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: list[ChangeBody] = Field(max_length=syncing.MAX_BATCH)


class Result(BaseModel):
    uid: str
    outcome: str = Field(description="applied, duplicate (already here), conflict (kept, not applied), refused")
    reason: str


class Pushed(BaseModel):
    results: list[Result]


class Pulled(BaseModel):
    changes: list[ChangeBody]
    cursor: int = Field(description="Ask from this cursor next time (commit it once the changes are applied).")
    more: bool


@router.get("/node", response_model=NodeInfo, responses=_ANSWERS)
async def node_info(node: NodeDep) -> JSONResponse:
    """Which node the token is, and its sector."""
    return JSONResponse({"name": node.name, "sector": node.sector, "sector_uid": node.sector_uid})


@router.post("/push", response_model=Pushed, responses=_ANSWERS)
async def push(request: Request, body: Push, node: NodeDep, db: Db) -> JSONResponse:
    """Apply the node's changes in order, all in one transaction; each is answered: applied,
    duplicate (sent before: nothing done again), conflict or refused (kept, not applied)."""
    changes = [c.model_dump() for c in body.changes]
    results = await write_in_turn(request, lambda: syncing.push(db, node, changes))
    if any(r["outcome"] == "applied" for r in results):  # what arrived may trigger the alert rules
        await run_in_threadpool(watch.after_changes, db, f"node {node.name}", watch.RULES_READING)
    return JSONResponse({"results": results})


@router.get("/pull", response_model=Pulled, responses=_ANSWERS)
async def pull(
    request: Request,
    node: NodeDep,
    db: Db,
    since: Annotated[
        int, Query(ge=0, le=2**62, description="The cursor the last pull answered (0: from the start).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=syncing.MAX_BATCH)] = syncing.MAX_BATCH,
) -> JSONResponse:
    """The changes after ``since`` in the node's scope that it did not make itself."""
    answer = await write_in_turn(request, lambda: syncing.pull(db, node, since, limit))
    return JSONResponse(answer)
