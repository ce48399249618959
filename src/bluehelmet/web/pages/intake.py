"""Intake: the messages that arrived from the field, newest first, with what became of each.

A message read into a draft links to its draft (which the Incidents page reviews); a message
flagged as a possible duplicate offers to merge its draft into the incident it repeats; a held
message (one of a flood) can be released; an unreadable one stays here with the reason. The
page reads as the incidents do (a sector account sees the messages drafted in its sector); its
actions are for those who review incidents.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.intake import IntakeMessage, MessageStatus
from bluehelmet.services import intake, intake_review, records
from bluehelmet.services.database import Transaction
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import actor_of, db_of, render

__all__ = ["REASONS", "router"]

router = APIRouter()

#: The reasons ``services.intake`` gives, so the catalogue translates them (the page shows any
#: other reason, one naming a record or a rule, as it is written).
REASONS = (
    N_("no place and no kind of incident recognised in the text"),
    N_("no place recognised: locate it in the review"),
    N_("the message is empty"),
    N_("the request is not UTF-8 text"),
    N_("the request is not valid JSON"),
    N_("the request's JSON is not an object"),
    N_("the request names no sender"),
    N_("the message holds control characters"),
    N_("the request has no text"),
    N_("the request has no Body"),
    N_("the request has no sender"),
)
Reader = Annotated[Principal, Depends(need(Action.READ, "Incident"))]
Reviewer = Annotated[Principal, Depends(need(Action.REVIEW, "Incident"))]


@router.get("/intake")
def intake_page(request: Request, principal: Reader) -> Response:
    """The messages received (filtered by status), each with its reading and its draft."""
    chosen = request.query_params.get("status", "")
    status = MessageStatus(chosen) if chosen in {s.value for s in MessageStatus} else None
    with db_of(request).transaction(actor_of(principal)) as tx:
        try:
            found = intake.list_messages(tx, principal, status=status)
        except BluehelmetError as error:  # no mission yet, or several: say so on the page
            found, problem = [], str(error)
        else:
            problem = ""
        versions = _draft_versions(tx, found)
    context = {
        "title": "Intake",
        "messages": found,
        "versions": versions,
        "statuses": [s.value for s in MessageStatus],
        "chosen": chosen,
        "problem": problem,
        "outcome": request.query_params.get("done", ""),
    }
    return render(request, "intake.html", context, principal=principal)


def _draft_versions(tx: Transaction, messages: list[IntakeMessage]) -> dict[int, int]:
    """The version of each message's draft still awaiting review (what a merge is based on)."""
    out = {}
    for message in messages:
        if message.incident_id is None:
            continue
        found = records.get(tx, Incident, message.incident_id, include_deleted=True)
        if isinstance(found, Incident) and found.review_status == ReviewStatus.DRAFT and found.version is not None:
            out[message.incident_id] = found.version
    return out


def _message(request: Request, principal: Principal, message_id: int) -> IntakeMessage:
    with db_of(request).transaction(actor_of(principal)) as tx:
        for message in intake.list_messages(tx, principal):
            if message.id == message_id:
                return message
    raise NotFound("IntakeMessage", message_id)


@router.post("/intake/{record_id:int}/release")
async def release(request: Request, record_id: int, principal: Reviewer) -> Response:
    """Read a held message now."""
    try:
        await write_in_turn(request, lambda: intake.release(db_of(request), principal, record_id))
    except NotFound:
        raise HTTPException(404, f"no message #{record_id}") from None
    return RedirectResponse("/intake?done=released", status_code=303)


@router.post("/intake/{record_id:int}/merge")
async def merge(request: Request, record_id: int, principal: Reviewer) -> Response:
    """Merge the draft of a message flagged as a duplicate into the incident it repeats."""
    form = await request.form()
    version = str(form.get("version") or "")
    try:
        message = _message(request, principal, record_id)
        if message.incident_id is None or message.duplicate_of_id is None or not version.isdigit():
            raise BluehelmetError("this message's draft is not flagged as a duplicate")
        duplicate, into = message.incident_id, message.duplicate_of_id
        await write_in_turn(
            request, lambda: intake_review.merge(db_of(request), principal, duplicate, int(version), into)
        )
    except NotFound:
        raise HTTPException(404, f"no message #{record_id}") from None
    except BluehelmetError as refused:
        return render(request, "refused.html", {"title": "Refused", "error": str(refused)}, status=409,
                      principal=principal)  # fmt: skip
    return RedirectResponse("/intake?done=merged", status_code=303)
