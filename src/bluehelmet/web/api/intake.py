"""Messages from SMS and WhatsApp gateways under ``/api/intake/``.

``POST /api/intake/messages?gateway=twilio|africastalking|rapidpro`` takes a gateway's request as
the gateway sends it. It needs no account: the gateway proves itself with Twilio's signature
(``X-Twilio-Signature``, keyed with ``intake_twilio_token``) or the shared secret
(``X-Intake-Secret``, ``intake_secret``), and is refused (403) otherwise, before anything is
stored. An authentic request is stored verbatim first, then read into a draft incident
(``services.intake``); the answer says what became of it. The list reads as the incidents do;
releasing a held message is for those who review incidents.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from bluehelmet.config import Settings
from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.intake import Gateway, IntakeMessage, MessageStatus
from bluehelmet.services import intake
from bluehelmet.services.database import Database
from bluehelmet.services.intake_gateways import authentic
from bluehelmet.web.api.errors import COMMON, ApiRoute, responses
from bluehelmet.web.api.records import RecordId
from bluehelmet.web.deps import database_of, need, scoped_mission, write_in_turn

__all__ = ["message_summary", "router"]

router = APIRouter(prefix="/intake", route_class=ApiRoute, tags=["intake"])
Db = Annotated[Database, Depends(database_of)]
Reviewer = Annotated[Principal, Depends(need(Action.REVIEW, "Incident"))]


def message_summary(message: IntakeMessage) -> dict[str, Any]:
    """A message as the API and the Intake page show it (not the raw request)."""
    return {
        "id": message.id, "gateway": message.gateway.value, "sender": message.sender,
        "received_at": message.received_at.isoformat(), "text": message.text, "status": message.status.value,
        "reason": message.reason, "language": message.language, "incident_id": message.incident_id,
        "duplicate_of_id": message.duplicate_of_id, "candidates": message.candidates,
        "raw_sha256": message.raw_digest,
    }  # fmt: skip


@router.post("/messages", responses={**COMMON, **responses(403)})
async def receive_message(
    request: Request,
    db: Db,
    gateway: Annotated[Literal["twilio", "africastalking", "rapidpro"], Query()] = "rapidpro",
    mission: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """A message from a gateway: stored as received, then read into a draft incident for review."""
    settings: Settings = request.app.state.settings
    body = await request.body()
    chosen = Gateway(gateway)
    if not authentic(settings, chosen, str(request.url), request.headers, body):
        raise HTTPException(403, "the gateway's signature or shared secret is missing or wrong")
    content_type = request.headers.get("content-type", "")
    stored = await write_in_turn(
        request, lambda: intake.receive(db, chosen, body, content_type, mission=mission)
    )  # fmt: skip
    return JSONResponse(message_summary(stored))


@router.get("", responses=COMMON)
def list_messages(
    principal: Annotated[Principal, Depends(need(Action.READ, "Incident"))],
    db: Db,
    mission: Annotated[str | None, Depends(scoped_mission)],
    status: Annotated[Literal["received", "drafted", "unreadable", "held"] | None, Query()] = None,
) -> JSONResponse:
    """The messages received, newest first (a sector account: those drafted in its sector)."""
    with db.transaction(principal.name) as tx:
        found = intake.list_messages(tx, principal, status=MessageStatus(status) if status else None, mission=mission)
    return JSONResponse({"messages": [message_summary(m) for m in found]})


@router.post("/{record_id}/release", responses={**COMMON, **responses(404)})
async def release(request: Request, record_id: RecordId, principal: Reviewer, db: Db) -> JSONResponse:
    """Read a held message now (a flood a person judged genuine)."""
    done = await write_in_turn(request, lambda: intake.release(db, principal, record_id))
    return JSONResponse(message_summary(done))
